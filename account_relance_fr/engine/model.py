# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Immutable input values of the engine: a case, its invoices, payments, credit notes.

Build them with :func:`~.parsing.parse_case` from a JSON-like dict (what the
command line and the Odoo module do), or directly. Every value checks itself
when it is created (``__post_init__``) and raises :class:`~.errors.EngineError`
naming the field, so an existing :class:`Case` is always valid:

- option values are known ones; dates lie in 1900-01-01 .. 2999-12-31;
- amounts are finite ``Decimal`` with at most 2 decimals, not negative, at most
  10^12; the contractual rate is a ``Decimal`` in 0..100 and is not combined
  with the ``3x_legal`` clause;
- the due date is not before the invoice date; payments and credit notes are
  not dated before the invoice date and together do not exceed its amount;
- invoice references are non-empty and unique within a case.

Lists given for ``invoices``, ``payments`` and ``credit_notes`` are stored as
tuples.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from .errors import EngineError

__all__ = [
    "B2B",
    "B2C",
    "B2G",
    "BELOW_FLOOR_POLICIES",
    "BUYERS",
    "CLAUSE_3X_LEGAL",
    "CREDITORS",
    "CUSTOMER_TYPES",
    "DAY_COUNTS",
    "FIXED_INDEMNITY",
    "IMPUTATIONS",
    "MAX_AMOUNT",
    "MAX_RATE",
    "Case",
    "CreditNote",
    "Invoice",
    "Payment",
    "prefixed",
]

B2B, B2G, B2C = "B2B", "B2G", "B2C"
CUSTOMER_TYPES = (B2B, B2G, B2C)
CREDITORS = ("company", "individual")
CLAUSE_3X_LEGAL = "3x_legal"
CLAUSES = (CLAUSE_3X_LEGAL,)
RAISE_TO_FLOOR, STATUTORY_DEFAULT = "raise_to_floor", "statutory_default"
BELOW_FLOOR_POLICIES = (RAISE_TO_FLOOR, STATUTORY_DEFAULT)
PRINCIPAL_FIRST, INTEREST_FIRST = "principal_first", "interest_first"
IMPUTATIONS = (PRINCIPAL_FIRST, INTEREST_FIRST)
ACT_365, ACT_ACT = "ACT/365", "ACT/ACT"
DAY_COUNTS = (ACT_365, ACT_ACT)
BUYERS = ("state", "hospital", "public_company")
# C. com. D441-5: 40 € per late invoice (professional and public debtors).
FIXED_INDEMNITY = Decimal("40.00")
MAX_AMOUNT = Decimal("1000000000000")  # 10^12: keeps every product exact
MAX_RATE = Decimal(100)
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2999, 12, 31)
_CENT = Decimal("0.01")


def prefixed(error: EngineError, prefix: str) -> EngineError:
    """Same error with ``prefix`` before its field (``"invoices[2]."`` + ...)."""
    return EngineError(f"{prefix}{error.field}", error.message_fr, error.message_en)


def _check_choice(value, choices, field: str) -> None:
    if value not in choices or isinstance(value, bool):
        allowed = ", ".join(str(choice) for choice in choices if choice)
        raise EngineError(
            field,
            f"Valeur inconnue, valeurs admises : {allowed}",
            f"Unknown value, expected one of: {allowed}",
        )


def _check_date(value, field: str, optional: bool = False) -> None:
    if value is None and optional:
        return
    # A datetime is a date subclass and is refused; isinstance, not type(),
    # so that dates read from the database pass under a frozen clock too.
    if (
        not isinstance(value, date)
        or isinstance(value, datetime)
        or not MIN_DATE <= value <= MAX_DATE
    ):
        raise EngineError(
            field,
            "Date invalide ou hors de la plage 1900-01-01 .. 2999-12-31",
            "Invalid date or outside the range 1900-01-01 .. 2999-12-31",
        )


def _check_amount(value, field: str, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, Decimal) or not value.is_finite():
        raise EngineError(field, "Montant décimal attendu", "Expected a decimal amount")
    if value < 0:
        raise EngineError(
            field, "Montant négatif interdit", "Negative amounts are not allowed"
        )
    if value > MAX_AMOUNT:
        raise EngineError(
            field,
            f"Montant trop élevé (au plus {MAX_AMOUNT})",
            f"Amount too large (at most {MAX_AMOUNT})",
        )
    if value.as_tuple().exponent < -2 and value != value.quantize(_CENT):
        raise EngineError(field, "Au plus 2 décimales", "At most 2 decimal places")


def _as_tuple(owner, name: str, kind: type) -> tuple:
    """Store field ``name`` of a frozen ``owner`` as a tuple of ``kind``."""
    items = getattr(owner, name)
    if not isinstance(items, tuple):
        if isinstance(items, str | bytes) or not hasattr(items, "__iter__"):
            raise EngineError(name, "Liste attendue", "Expected a list")
        items = tuple(items)
        object.__setattr__(owner, name, items)
    for index, item in enumerate(items):
        if not isinstance(item, kind):
            raise EngineError(
                f"{name}[{index}]",
                f"Élément {kind.__name__} attendu",
                f"Expected a {kind.__name__} item",
            )
    return items


@dataclass(frozen=True, slots=True)
class Payment:
    """Money received on ``date`` (funds at the creditor's disposal)."""

    date: date
    amount: Decimal

    def __post_init__(self) -> None:
        _check_date(self.date, "date")
        _check_amount(self.amount, "amount")


@dataclass(frozen=True, slots=True)
class CreditNote:
    """Credit note ("avoir") of ``amount_ttc`` dated ``date``, applied to an invoice."""

    date: date
    amount_ttc: Decimal

    def __post_init__(self) -> None:
        _check_date(self.date, "date")
        _check_amount(self.amount_ttc, "amount_ttc")


@dataclass(frozen=True, slots=True)
class Invoice:
    """One invoice: amount including VAT, dates, and what reduced it."""

    ref: str
    invoice_date: date
    due_date: date
    amount_ttc: Decimal
    payments: tuple[Payment, ...] = ()
    credit_notes: tuple[CreditNote, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.ref, str) or not self.ref or len(self.ref) > 200:
            raise EngineError(
                "ref",
                "Référence non vide attendue (200 caractères au plus)",
                "Expected a non-empty reference (at most 200 characters)",
            )
        _check_date(self.invoice_date, "invoice_date")
        _check_date(self.due_date, "due_date")
        _check_amount(self.amount_ttc, "amount_ttc")
        if self.due_date < self.invoice_date:
            raise EngineError(
                "due_date",
                "Échéance antérieure à la date de facture",
                "Due date before the invoice date",
            )
        total = self._reductions("payments", Payment)
        total += self._reductions("credit_notes", CreditNote)
        if total > self.amount_ttc:
            raise EngineError(
                "payments",
                f"Paiements et avoirs ({total}) supérieurs au montant TTC "
                f"({self.amount_ttc})",
                f"Payments and credit notes ({total}) exceed the amount including "
                f"VAT ({self.amount_ttc})",
            )

    def _reductions(self, name: str, kind: type) -> Decimal:
        """Check the payments or credit notes; return their total."""
        total = Decimal(0)
        invoice_date = self.invoice_date
        for index, item in enumerate(_as_tuple(self, name, kind)):
            if item.date < invoice_date:
                raise EngineError(
                    f"{name}[{index}].date",
                    "Date antérieure à la date de facture",
                    "Dated before the invoice date",
                )
            total += item.amount if kind is Payment else item.amount_ttc
        return total


@dataclass(frozen=True, slots=True)
class Case:
    """Everything needed to evaluate what a creditor may claim from one debtor.

    ``customer_type``: ``"B2B"``, ``"B2G"`` or ``"B2C"``; ``creditor``:
    ``"company"`` or ``"individual"`` (category of the legal rate, used for B2C);
    ``contractual_rate_pct`` (``Decimal`` percent) or ``contractual_rate_clause``
    (``"3x_legal"``): B2B contract terms, at most one of them;
    ``below_floor_policy``: ``"raise_to_floor"`` or ``"statutory_default"``;
    ``payment_imputation``: ``"principal_first"`` or ``"interest_first"``;
    ``day_count``: ``"ACT/365"`` or ``"ACT/ACT"``; ``mise_en_demeure_received``
    and ``judgment_enforceable_date``: B2C; ``buyer``: B2G (``"state"``,
    ``"hospital"``, ``"public_company"``; ``None`` means ``"state"``);
    ``justified_recovery_costs_ht``: recovery costs justified by the creditor,
    excluding VAT; ``fixed_indemnity``: the fixed recovery indemnity claimed
    per late invoice (40 € by D441-5; a creditor may set another amount).
    """

    customer_type: str
    evaluation_date: date
    invoices: tuple[Invoice, ...]
    creditor: str = "company"
    contractual_rate_pct: Decimal | None = None
    contractual_rate_clause: str | None = None
    below_floor_policy: str = RAISE_TO_FLOOR
    payment_imputation: str = PRINCIPAL_FIRST
    day_count: str = ACT_365
    mise_en_demeure_received: date | None = None
    judgment_enforceable_date: date | None = None
    buyer: str | None = None
    justified_recovery_costs_ht: Decimal | None = None
    fixed_indemnity: Decimal = FIXED_INDEMNITY

    def __post_init__(self) -> None:
        _check_choice(self.customer_type, CUSTOMER_TYPES, "customer_type")
        _check_choice(self.creditor, CREDITORS, "creditor")
        _check_choice(
            self.contractual_rate_clause, (None, *CLAUSES), "contractual_rate_clause"
        )
        _check_choice(
            self.below_floor_policy, BELOW_FLOOR_POLICIES, "below_floor_policy"
        )
        _check_choice(self.payment_imputation, IMPUTATIONS, "payment_imputation")
        _check_choice(self.day_count, DAY_COUNTS, "day_count")
        _check_choice(self.buyer, (None, *BUYERS), "buyer")
        _check_date(self.evaluation_date, "evaluation_date")
        _check_date(self.mise_en_demeure_received, "mise_en_demeure_received", True)
        _check_date(self.judgment_enforceable_date, "judgment_enforceable_date", True)
        _check_amount(
            self.justified_recovery_costs_ht, "justified_recovery_costs_ht", True
        )
        _check_amount(self.fixed_indemnity, "fixed_indemnity")
        self._check_contract()
        refs = set()
        for index, invoice in enumerate(_as_tuple(self, "invoices", Invoice)):
            if invoice.ref in refs:
                raise EngineError(
                    f"invoices[{index}].ref",
                    "Référence de facture en double",
                    "Duplicate invoice reference",
                )
            refs.add(invoice.ref)

    def _check_contract(self) -> None:
        rate = self.contractual_rate_pct
        if rate is None:
            return
        if not isinstance(rate, Decimal) or not rate.is_finite():
            raise EngineError(
                "contractual_rate_pct",
                "Taux décimal attendu",
                "Expected a decimal rate",
            )
        if not 0 <= rate <= MAX_RATE:
            raise EngineError(
                "contractual_rate_pct",
                "Taux contractuel hors limites (0 à 100)",
                "Contractual rate out of range (0 to 100)",
            )
        if self.contractual_rate_clause is not None:
            raise EngineError(
                "contractual_rate_clause",
                "Taux contractuel fixe et clause « 3 × taux légal » exclusifs",
                "A fixed contractual rate and the 3x_legal clause are exclusive",
            )
