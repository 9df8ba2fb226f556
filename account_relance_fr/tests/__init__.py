# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from . import test_install
from . import test_relance_run
from . import test_relance_dispatch
from . import test_relance_security
from . import test_relance_reliability
from . import test_relance_documents
from . import test_relance_documents_styled
from . import test_relance_performance
from . import test_relance_audit
from . import test_relance_analysis
from . import test_relance_tour
from . import test_relance_screens
from . import test_relance_departure
from . import test_relance_year
from . import test_relance_letter_rules
from . import test_relance_print_http
from . import test_relance_portal
