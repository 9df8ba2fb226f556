# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""French late-payment engine (pure Python, no Odoo import).

Turns invoices, payments, credit notes and dates into what a French creditor may
claim: late-payment interest to the cent (B2B: C. com. L441-10; public buyers:
CCP R2192-31; consumers: C. civ. 1231-6 and 1344-1), the 40 € fixed indemnity,
due dates and payment-term checks, with every figure explained by its segments.

Public API (stable; see ``engine/README.md``)::

    parse_case(data: Mapping) -> Case
    compute_case(case: Case, rates: RateProvider | None = None) -> CaseResult
    compute_invoice(invoice, case, rates=None) -> InvoiceResult
    rate_in_force(case, half, rates=None) -> RateInForce
    resolve_rate_terms(partner_mode, partner_rate, company_mode, company_rate)
    b2b_default_rate(ecb), b2b_floor_rate(legal), b2g_rate(ecb) -> Decimal
    load_default_rates() -> TableRateProvider
    iter_rate_rows() -> Iterator[dict]
    due_date_from_receipt, due_date_60_days, due_date_45_eom, b2g_due_date,
    check_payment_term -> list[TermFinding]

Command line: ``python3 -m account_relance_fr.engine < case.json``.
"""

from .due_dates import (
    B2G_PAYMENT_DAYS,
    EOM_METHODS,
    TermFinding,
    add_months,
    b2g_due_date,
    check_payment_term,
    due_date_45_eom,
    due_date_60_days,
    due_date_from_receipt,
    end_of_month,
)
from .ecb import ECB_SERIES, anchor_rates, parse_ecb_csv
from .errors import EngineError, MissingRateError, RateTableError
from .halfyear import HalfYear
from .model import Case, CreditNote, Invoice, Payment
from .parsing import parse_case
from .law import (
    BASIS_CONTRACT,
    BASIS_FLOOR,
    BASIS_LEGAL,
    BASIS_PUBLIC,
    BASIS_STATUTORY,
    b2b_default_rate,
    b2b_floor_rate,
    b2g_rate,
    resolve_rate_terms,
)
from .penalties import (
    FIXED_INDEMNITY,
    RateInForce,
    compute_case,
    compute_invoice,
    judgment_surcharge_start,
    rate_in_force,
)
from .rates import (
    RateProvider,
    TableRateProvider,
    iter_ecb_rows,
    iter_legal_rows,
    iter_rate_rows,
    load_default_rates,
)
from .results import CaseResult, InvoiceResult, Segment

__all__ = [
    "BASIS_CONTRACT",
    "BASIS_FLOOR",
    "BASIS_LEGAL",
    "BASIS_PUBLIC",
    "BASIS_STATUTORY",
    "B2G_PAYMENT_DAYS",
    "FIXED_INDEMNITY",
    "RateInForce",
    "b2b_default_rate",
    "b2b_floor_rate",
    "b2g_rate",
    "rate_in_force",
    "resolve_rate_terms",
    "ECB_SERIES",
    "EOM_METHODS",
    "Case",
    "CaseResult",
    "CreditNote",
    "EngineError",
    "HalfYear",
    "Invoice",
    "InvoiceResult",
    "MissingRateError",
    "Payment",
    "RateProvider",
    "RateTableError",
    "Segment",
    "TableRateProvider",
    "TermFinding",
    "add_months",
    "anchor_rates",
    "b2g_due_date",
    "check_payment_term",
    "compute_case",
    "compute_invoice",
    "due_date_45_eom",
    "due_date_60_days",
    "due_date_from_receipt",
    "end_of_month",
    "iter_ecb_rows",
    "iter_legal_rows",
    "iter_rate_rows",
    "judgment_surcharge_start",
    "load_default_rates",
    "parse_case",
    "parse_ecb_csv",
]
