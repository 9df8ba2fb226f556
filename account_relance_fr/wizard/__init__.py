# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from . import account_relance_preview
from . import account_relance_event_cancel
from . import account_relance_call
from . import account_relance_event_postpone
