# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from . import account_relance_rate
from . import account_relance_policy
from . import account_relance_level
from . import account_relance_event
from . import account_relance_event_line
from . import account_relance_penalty
from . import account_move
from . import res_company
from . import res_config_settings
from . import res_partner
from . import account_relance_audit
from . import account_relance_analysis
from . import ir_actions_report
