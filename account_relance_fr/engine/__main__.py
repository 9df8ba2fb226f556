# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""``python3 -m account_relance_fr.engine < case.json``: see :mod:`.cli`."""

import sys

from .cli import main

sys.exit(main())
