# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
# Inside Odoo this package is imported as ``odoo.addons.account_relance_fr`` and
# loads its models; imported from the repository root (``account_relance_fr``)
# it exposes only the pure-Python ``engine`` so it works without Odoo.
if __name__.startswith("odoo.addons."):
    from .hooks import uninstall_hook
    from . import controllers
    from . import models
    from . import report
    from . import wizard
