# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Result values of the engine and their JSON form.

Every figure explains itself: a :class:`CaseResult` holds one
:class:`InvoiceResult` per invoice, each with its :class:`Segment` list
(period, days, half-year, base, annual rate, exact and rounded interest), so a
letter or an auditor can print the computation line by line.

``to_dict()`` gives the JSON shape of the command line: money as strings with
two decimals, rates as strings with at least two decimals (``"12.15"``), exact
interest as a string with every digit computed, dates in ISO form.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import NamedTuple

from .halfyear import HalfYear

__all__ = ["CaseResult", "InvoiceResult", "Segment", "money", "rate_text"]

CENT = Decimal("0.01")
_WIDE = Context(prec=100)  # formatting never rounds a digit away


def money(value: Decimal) -> str:
    """Amount rounded half-up to the cent, as text (``"184.93"``)."""
    return format(value.quantize(CENT, rounding=ROUND_HALF_UP), "f")


def exact_money(value: Decimal) -> str:
    """Amount with two decimals, or every digit when it is not a whole cent
    (a base reduced by exactly imputed interest)."""
    if value == value.quantize(CENT, rounding=ROUND_HALF_UP):
        return money(value)
    return format(value.normalize(_WIDE), "f")


def rate_text(value: Decimal) -> str:
    """Percent rate as text with at least two decimals (``"12.15"``, ``"7.8600"``
    becomes ``"7.86"``, ``"12.3456"`` stays)."""
    rounded = value.quantize(CENT, rounding=ROUND_HALF_UP)
    if value == rounded:
        return format(rounded, "f")
    return format(value.normalize(_WIDE), "f")


def exact_text(value: Decimal) -> str:
    """Exact interest as plain decimal text (no exponent)."""
    return format(value, "f")


class Segment(NamedTuple):
    """A period with one base and one rate: ``interest_exact = principal ×
    rate_pct / 100 × days / year_days`` (365, or 366 in ACT/ACT leap years)."""

    date_from: date
    date_to: date
    days: int
    half: HalfYear
    principal: Decimal
    rate_pct: Decimal
    interest_exact: Decimal
    year_days: int = 365

    @property
    def interest_rounded(self) -> Decimal:
        """Interest of this segment alone, rounded half-up to the cent (display:
        the invoice total is rounded once from the exact sum)."""
        return self.interest_exact.quantize(CENT, rounding=ROUND_HALF_UP)

    def to_dict(self) -> dict:
        """``{from, to, days, half, principal, rate_pct, interest_exact,
        interest_rounded}``."""
        return {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "days": self.days,
            "half": self.half.label,
            "principal": exact_money(self.principal),
            "rate_pct": rate_text(self.rate_pct),
            "interest_exact": exact_text(self.interest_exact),
            "interest_rounded": money(self.interest_exact),
        }


class InvoiceResult(NamedTuple):
    """What the creditor may claim for one invoice at the evaluation date.

    ``interest_exact`` is the exact sum of the segments; ``interest_total`` is
    it rounded once, half-up, to the cent. ``interest_paid`` is the part of the
    payments imputed on interest (``interest_first`` mode, else zero) and
    ``interest_unpaid = interest_total - interest_paid``. ``total_claim =
    principal due + interest_unpaid + indemnity``. Immutable (a named tuple:
    it is built once per invoice in the hot path).
    """

    ref: str
    days_late: int
    principal_outstanding: Decimal
    interest_exact: Decimal
    interest_total: Decimal
    interest_paid: Decimal
    interest_unpaid: Decimal
    indemnity: Decimal
    total_claim: Decimal
    segments: tuple[Segment, ...]
    warnings: tuple[str, ...]
    # Half-years (labels) whose rate, used here, is not confirmed yet.
    unconfirmed_halves: tuple[str, ...] = ()

    @property
    def indemnity_total(self) -> Decimal:
        """Same as ``indemnity`` (name used in the JSON output)."""
        return self.indemnity

    def to_dict(self) -> dict:
        """JSON form of the invoice result."""
        return {
            "ref": self.ref,
            "interest_total": money(self.interest_total),
            "interest_exact": exact_text(self.interest_exact),
            "interest_paid": money(self.interest_paid),
            "interest_unpaid": money(self.interest_unpaid),
            "indemnity_total": money(self.indemnity),
            "principal_outstanding": money(self.principal_outstanding),
            "total_claim": money(self.total_claim),
            "days_late": self.days_late,
            "segments": [segment.to_dict() for segment in self.segments],
            "warnings": list(self.warnings),
            "unconfirmed_halves": list(self.unconfirmed_halves),
        }


@dataclass(frozen=True, slots=True)
class CaseResult:
    """Totals of a case (sums of the per-invoice results) and its warnings.

    ``additional_compensation`` is the justified recovery costs beyond the
    fixed indemnities; ``total_claim`` is the sum of the invoices' claims plus
    ``additional_compensation``; ``days_late`` is the largest of the invoices.
    """

    interest_total: Decimal
    indemnity_total: Decimal
    additional_compensation: Decimal
    principal_outstanding: Decimal
    interest_paid: Decimal
    interest_unpaid: Decimal
    total_claim: Decimal
    days_late: int
    invoices: tuple[InvoiceResult, ...]
    warnings: tuple[str, ...]

    @property
    def segments(self) -> tuple[Segment, ...]:
        """Every segment of every invoice, invoice after invoice."""
        return tuple(seg for invoice in self.invoices for seg in invoice.segments)

    @property
    def per_invoice(self) -> tuple[InvoiceResult, ...]:
        """Same as ``invoices`` (name used in the JSON output)."""
        return self.invoices

    def to_dict(self) -> dict:
        """The JSON output of the command line."""
        per_invoice = [invoice.to_dict() for invoice in self.invoices]
        return {
            "interest_total": money(self.interest_total),
            "indemnity_total": money(self.indemnity_total),
            "additional_compensation": money(self.additional_compensation),
            "principal_outstanding": money(self.principal_outstanding),
            "interest_paid": money(self.interest_paid),
            "interest_unpaid": money(self.interest_unpaid),
            "total_claim": money(self.total_claim),
            "days_late": self.days_late,
            "segments": [
                dict(segment) for item in per_invoice for segment in item["segments"]
            ],
            "per_invoice": per_invoice,
            "warnings": list(self.warnings),
        }
