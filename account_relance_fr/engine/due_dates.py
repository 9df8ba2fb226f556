# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Due dates and legal maxima of payment terms.

- B2B (C. com. L441-10 I): 30 days after receipt of the goods or performance
  of the service when nothing is agreed; an agreed term may not exceed 60 days
  from the invoice date, or 45 days end of month if expressly stipulated (both
  methods admitted by the DGCCRF: invoice date + 45 days then end of that month,
  or end of the invoice's month then + 45 days); 45 days for periodic invoices
  (CGI 289 I 3).
- Public buyers (CCP R2192-10, R2192-11): 30 days (State, local authorities and
  their public bodies), 50 days (public health establishments), 60 days
  (public companies), from receipt of the payment request.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from .errors import EngineError
from .model import B2B, B2C, B2G, BUYERS, CUSTOMER_TYPES

__all__ = [
    "B2G_PAYMENT_DAYS",
    "EOM_METHODS",
    "TermFinding",
    "add_months",
    "b2g_due_date",
    "check_payment_term",
    "due_date_45_eom",
    "due_date_60_days",
    "due_date_from_receipt",
    "end_of_month",
]

PLUS45_THEN_EOM = "plus45_then_eom"
EOM_THEN_PLUS45 = "eom_then_plus45"
EOM_METHODS = (PLUS45_THEN_EOM, EOM_THEN_PLUS45)
B2G_PAYMENT_DAYS = {"state": 30, "hospital": 50, "public_company": 60}
DEFAULT_DAYS_AFTER_RECEIPT = 30
MAX_DAYS_AFTER_INVOICE = 60
EOM_DAYS = 45
PERIODIC_MAX_DAYS = 45


@dataclass(frozen=True, slots=True)
class TermFinding:
    """A payment term beyond a legal maximum.

    ``code``: ``beyond_60_days``, ``beyond_45_days_eom``,
    ``periodic_beyond_45_days``, ``beyond_30_days_after_receipt`` or
    ``b2g_beyond_max``; ``severity``: ``"error"`` (unlawful) or ``"warning"``
    (lawful only under a condition the engine cannot see); ``limit``: the
    latest lawful due date; ``message``: bilingual explanation.
    """

    code: str
    severity: str
    limit: date
    message: str


def _check_date(value, field: str) -> date:
    if not isinstance(value, date):
        raise EngineError(field, "Date attendue", "Expected a date")
    return value


def end_of_month(day: date) -> date:
    """Last day of the month of ``day``."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """Same day number ``months`` later, or the last day of that month when it
    has no such day (CPC 641): 31 Dec + 2 months = 28/29 Feb."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def due_date_from_receipt(
    receipt_date: date, days: int = DEFAULT_DAYS_AFTER_RECEIPT
) -> date:
    """Default B2B due date: ``days`` (30) after receipt of the goods or
    performance of the service (L441-10 I, first paragraph)."""
    return _check_date(receipt_date, "receipt_date") + timedelta(days=days)


def due_date_60_days(invoice_date: date) -> date:
    """Longest agreed B2B term: 60 days after the invoice date."""
    return _check_date(invoice_date, "invoice_date") + timedelta(
        days=MAX_DAYS_AFTER_INVOICE
    )


def due_date_45_eom(invoice_date: date, method: str = PLUS45_THEN_EOM) -> date:
    """ "45 jours fin de mois" after the invoice date.

    ``method="plus45_then_eom"``: invoice date + 45 days, then end of that month
    (15 Jan → 1 Mar → 31 Mar); ``"eom_then_plus45"``: end of the invoice's
    month, then + 45 days (15 Jan → 31 Jan → 17 Mar).
    """
    _check_date(invoice_date, "invoice_date")
    if method == PLUS45_THEN_EOM:
        return end_of_month(invoice_date + timedelta(days=EOM_DAYS))
    if method == EOM_THEN_PLUS45:
        return end_of_month(invoice_date) + timedelta(days=EOM_DAYS)
    raise EngineError(
        "method",
        f"Méthode inconnue, valeurs admises : {', '.join(EOM_METHODS)}",
        f"Unknown method, expected one of: {', '.join(EOM_METHODS)}",
    )


def b2g_due_date(receipt_date: date, buyer: str) -> date:
    """Public buyer due date: 30, 50 or 60 days after receipt of the payment
    request for ``buyer`` ``"state"``, ``"hospital"`` or ``"public_company"``."""
    if buyer not in B2G_PAYMENT_DAYS:
        raise EngineError(
            "buyer",
            f"Acheteur public inconnu, valeurs admises : {', '.join(BUYERS)}",
            f"Unknown public buyer, expected one of: {', '.join(BUYERS)}",
        )
    return _check_date(receipt_date, "receipt_date") + timedelta(
        days=B2G_PAYMENT_DAYS[buyer]
    )


def check_payment_term(
    invoice_date: date,
    due_date: date,
    *,
    customer_type: str = B2B,
    buyer: str | None = None,
    receipt_date: date | None = None,
    periodic: bool = False,
    eom_method: str | None = None,
    agreed: bool = True,
) -> list[TermFinding]:
    """Findings for a due date beyond the legal maxima (empty list: compliant).

    :param customer_type: ``"B2B"``, ``"B2G"`` or ``"B2C"`` (no statutory
        maximum for consumers: always empty).
    :param buyer: B2G buyer kind (default ``"state"``).
    :param receipt_date: receipt of the goods, service or payment request;
        for B2G the invoice date is used when unknown.
    :param periodic: B2B periodic invoice (maximum 45 days).
    :param eom_method: the "45 days end of month" method stated in the contract;
        ``None`` accepts the later of both.
    :param agreed: ``False`` when no term was agreed (B2B default: 30 days
        after receipt, checked when ``receipt_date`` is given).
    """
    _check_date(invoice_date, "invoice_date")
    _check_date(due_date, "due_date")
    if customer_type not in CUSTOMER_TYPES:
        raise EngineError(
            "customer_type",
            "Type de client inconnu (B2B, B2G ou B2C)",
            "Unknown customer type (B2B, B2G or B2C)",
        )
    if customer_type == B2C:
        return []
    if customer_type == B2G:
        return _b2g_findings(invoice_date, due_date, buyer or "state", receipt_date)
    if periodic:
        return _periodic_findings(invoice_date, due_date)
    findings = _b2b_findings(invoice_date, due_date, eom_method)
    if not agreed and receipt_date is not None:
        limit = due_date_from_receipt(receipt_date)
        if due_date > limit:
            findings.append(
                TermFinding(
                    "beyond_30_days_after_receipt",
                    "error",
                    limit,
                    f"Échéance au-delà de 30 jours après réception (limite "
                    f"{limit}) sans délai convenu / Due date beyond 30 days "
                    f"after receipt (limit {limit}) with no agreed term",
                )
            )
    return findings


def _b2b_findings(invoice_date, due_date, eom_method) -> list[TermFinding]:
    limit_60 = due_date_60_days(invoice_date)
    if eom_method is None:
        limit_eom = max(due_date_45_eom(invoice_date, m) for m in EOM_METHODS)
    else:
        limit_eom = due_date_45_eom(invoice_date, eom_method)
    findings = []
    if due_date > limit_60:
        if due_date <= limit_eom:
            findings.append(
                TermFinding(
                    "beyond_60_days",
                    "warning",
                    limit_60,
                    f"Échéance au-delà de 60 jours après la facture (limite "
                    f"{limit_60}) : licite seulement avec une clause expresse "
                    f"« 45 jours fin de mois » / Due date beyond 60 days after "
                    f"the invoice (limit {limit_60}): lawful only with an express "
                    f"'45 days end of month' clause",
                )
            )
        else:
            findings.append(
                TermFinding(
                    "beyond_60_days",
                    "error",
                    limit_60,
                    f"Échéance au-delà de 60 jours après la facture (limite "
                    f"{limit_60}) / Due date beyond 60 days after the invoice "
                    f"(limit {limit_60})",
                )
            )
    if due_date > limit_eom and due_date > limit_60:
        findings.append(
            TermFinding(
                "beyond_45_days_eom",
                "error",
                limit_eom,
                f"Échéance au-delà de 45 jours fin de mois (limite {limit_eom}) "
                f"(C. com. L441-10) / Due date beyond 45 days end of month "
                f"(limit {limit_eom}) (Commercial Code L441-10)",
            )
        )
    return findings


def _periodic_findings(invoice_date, due_date) -> list[TermFinding]:
    limit = invoice_date + timedelta(days=PERIODIC_MAX_DAYS)
    if due_date <= limit:
        return []
    return [
        TermFinding(
            "periodic_beyond_45_days",
            "error",
            limit,
            f"Facture périodique : échéance au-delà de 45 jours (limite {limit}) "
            f"/ Periodic invoice: due date beyond 45 days (limit {limit})",
        )
    ]


def _b2g_findings(invoice_date, due_date, buyer, receipt_date) -> list[TermFinding]:
    base = invoice_date if receipt_date is None else receipt_date
    limit = b2g_due_date(base, buyer)
    if due_date <= limit:
        return []
    days = B2G_PAYMENT_DAYS[buyer]
    if receipt_date is None:
        fr_basis, en_basis = (
            "la date de facture (réception inconnue)",
            ("the invoice date (receipt unknown)"),
        )
    else:
        fr_basis, en_basis = "la réception de la demande", "receipt of the request"
    return [
        TermFinding(
            "b2g_beyond_max",
            "error",
            limit,
            f"Acheteur public ({buyer}) : échéance au-delà de {days} jours après "
            f"{fr_basis} (limite {limit}) / Public buyer ({buyer}): due date "
            f"beyond {days} days after {en_basis} (limit {limit})",
        )
    ]
