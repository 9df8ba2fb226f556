# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from . import relance_document
from . import report_relance_audit
from . import report_relance_letter
from . import report_relance_statement
from . import account_relance_history_xlsx
from . import report_relance_litigation
