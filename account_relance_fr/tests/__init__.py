# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from . import test_install
from . import test_relance_run
from . import test_relance_security
