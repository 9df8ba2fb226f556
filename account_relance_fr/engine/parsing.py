# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""From a JSON-like dict to a validated :class:`~.model.Case`.

Strict by design, because the same code reads untrusted command-line input:
unknown keys, wrong types, malformed dates (``YYYY-MM-DD`` only) or amounts
(decimal strings such as ``"1234.56"``; ``int`` and ``Decimal`` are accepted,
``float`` never), negative amounts and impossible dates all raise
:class:`~.errors.EngineError` naming the field (``invoices[1].payments[0].date``).
"""

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from .errors import EngineError
from .model import (
    BELOW_FLOOR_POLICIES,
    BUYERS,
    CLAUSE_3X_LEGAL,
    CREDITORS,
    CUSTOMER_TYPES,
    DAY_COUNTS,
    FIXED_INDEMNITY,
    IMPUTATIONS,
    MAX_AMOUNT,
    Case,
    CreditNote,
    Invoice,
    Payment,
    prefixed,
)

__all__ = ["CASE_KEYS", "INVOICE_KEYS", "parse_case"]

CASE_KEYS = (
    "customer_type",
    "creditor",
    "contractual_rate_pct",
    "contractual_rate_clause",
    "below_floor_policy",
    "payment_imputation",
    "day_count",
    "evaluation_date",
    "mise_en_demeure_received",
    "judgment_enforceable_date",
    "buyer",
    "justified_recovery_costs_ht",
    "fixed_indemnity",
    "invoices",
)
REQUIRED_CASE_KEYS = ("customer_type", "evaluation_date", "invoices")
INVOICE_KEYS = (
    "ref",
    "invoice_date",
    "due_date",
    "amount_ttc",
    "payments",
    "credit_notes",
)
REQUIRED_INVOICE_KEYS = ("ref", "invoice_date", "due_date", "amount_ttc")
PAYMENT_KEYS = ("date", "amount")
CREDIT_NOTE_KEYS = ("date", "amount_ttc")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_AMOUNT = re.compile(r"\d{1,13}(\.\d{1,2})?")
_RATE = re.compile(r"\d{1,3}(\.\d{1,6})?")
_MAX_TEXT = 60


def _show(value) -> str:
    """Short one-line representation of a user value for error messages."""
    text = repr(value)
    if len(text) > _MAX_TEXT:
        text = text[: _MAX_TEXT - 3] + "..."
    return text.encode("ascii", "backslashreplace").decode("ascii")


def _field_name(key) -> str:
    """A key as it may appear in a field path (escaped, one line, bounded)."""
    if isinstance(key, str) and re.fullmatch(r"[A-Za-z0-9_]{1,60}", key):
        return key
    return _show(key)


def _mapping(value, field: str, keys: tuple[str, ...], required: tuple[str, ...]):
    if not isinstance(value, Mapping):
        raise EngineError(field, "Objet JSON attendu", "Expected a JSON object")
    for key in value:
        if key not in keys:
            name = _field_name(key)
            where = f"{field}.{name}" if field != "case" else name
            raise EngineError(where, "Champ inconnu", "Unknown field")
    for key in required:
        if key not in value or value[key] is None:
            where = f"{field}.{key}" if field != "case" else key
            raise EngineError(
                where, "Champ obligatoire manquant", "Missing required field"
            )
    return value


def _date_error(value, field: str) -> EngineError:
    return EngineError(
        field,
        f"Date invalide {_show(value)}, format attendu AAAA-MM-JJ",
        f"Invalid date {_show(value)}, expected YYYY-MM-DD",
    )


def _date(value, field: str, optional: bool = False) -> date | None:
    if value is None and optional:
        return None
    if not (isinstance(value, str) and _DATE.fullmatch(value)):
        raise _date_error(value, field)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _date_error(value, field) from None


def _decimal(value, field: str, pattern, kind: str, optional: bool = False):
    """Decimal from a decimal string, an ``int`` or a finite ``Decimal``."""
    if value is None and optional:
        return None
    if (
        isinstance(value, str)
        and value.startswith("-")
        and pattern.fullmatch(value[1:])
    ):
        raise EngineError(
            field, "Valeur négative interdite", "Negative values are not allowed"
        )
    if isinstance(value, str) and pattern.fullmatch(value):
        return Decimal(value)
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise EngineError(
                field, "Valeur négative interdite", "Negative values are not allowed"
            )
        if value <= MAX_AMOUNT:
            return Decimal(value)
    if isinstance(value, Decimal) and value.is_finite():
        if value < 0:
            raise EngineError(
                field, "Valeur négative interdite", "Negative values are not allowed"
            )
        if pattern.fullmatch(format(value, "f")):
            return value
    fr, en = {
        "amount": ("montant", "amount"),
        "rate": ("taux", "rate"),
    }[kind]
    example = '"1234.56"' if kind == "amount" else '"12.15"'
    raise EngineError(
        field,
        f"{fr.capitalize()} invalide {_show(value)}, nombre décimal attendu "
        f"en chaîne (ex. {example})",
        f"Invalid {en} {_show(value)}, expected a decimal string (e.g. {example})",
    )


def _amount(value, field: str, optional: bool = False):
    return _decimal(value, field, _AMOUNT, "amount", optional)


def _choice(value, field: str, choices, default):
    if value is None:
        return default
    if isinstance(value, str) and value in choices:
        return value
    allowed = ", ".join(choices)
    raise EngineError(
        field,
        f"Valeur inconnue {_show(value)}, valeurs admises : {allowed}",
        f"Unknown value {_show(value)}, expected one of: {allowed}",
    )


def _list(value, field: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise EngineError(field, "Liste JSON attendue", "Expected a JSON list")
    return value


def _build(kind, field: str, **values):
    """``kind(**values)``, its own checks' errors named under ``field``."""
    try:
        return kind(**values)
    except EngineError as error:
        raise prefixed(error, f"{field}.") from None


def _payment(value, field: str) -> Payment:
    data = _mapping(value, field, PAYMENT_KEYS, PAYMENT_KEYS)
    return _build(
        Payment,
        field,
        date=_date(data["date"], f"{field}.date"),
        amount=_amount(data["amount"], f"{field}.amount"),
    )


def _credit_note(value, field: str) -> CreditNote:
    data = _mapping(value, field, CREDIT_NOTE_KEYS, CREDIT_NOTE_KEYS)
    return _build(
        CreditNote,
        field,
        date=_date(data["date"], f"{field}.date"),
        amount_ttc=_amount(data["amount_ttc"], f"{field}.amount_ttc"),
    )


def _ref(value, field: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value or len(value) > 200:
        raise EngineError(
            field,
            "Référence non vide attendue (200 caractères au plus)",
            "Expected a non-empty reference (at most 200 characters)",
        )
    return value


def _invoice(value, field: str) -> Invoice:
    data = _mapping(value, field, INVOICE_KEYS, REQUIRED_INVOICE_KEYS)
    payments = _list(data.get("payments"), f"{field}.payments")
    credit_notes = _list(data.get("credit_notes"), f"{field}.credit_notes")
    return _build(
        Invoice,
        field,
        ref=_ref(data["ref"], f"{field}.ref"),
        invoice_date=_date(data["invoice_date"], f"{field}.invoice_date"),
        due_date=_date(data["due_date"], f"{field}.due_date"),
        amount_ttc=_amount(data["amount_ttc"], f"{field}.amount_ttc"),
        payments=tuple(
            _payment(item, f"{field}.payments[{i}]") for i, item in enumerate(payments)
        ),
        credit_notes=tuple(
            _credit_note(item, f"{field}.credit_notes[{i}]")
            for i, item in enumerate(credit_notes)
        ),
    )


def parse_case(data: Mapping) -> Case:
    """Validate a JSON-like dict and return the immutable :class:`Case`.

    See the package README for the keys. Optional keys may be absent or
    ``null``; then their default applies.

    :raises EngineError: naming the first field at fault.
    """
    data = _mapping(data, "case", CASE_KEYS, REQUIRED_CASE_KEYS)
    invoices = _list(data["invoices"], "invoices")
    return Case(
        customer_type=_choice(
            data["customer_type"], "customer_type", CUSTOMER_TYPES, None
        ),
        evaluation_date=_date(data["evaluation_date"], "evaluation_date"),
        invoices=tuple(
            _invoice(item, f"invoices[{i}]") for i, item in enumerate(invoices)
        ),
        creditor=_choice(data.get("creditor"), "creditor", CREDITORS, "company"),
        contractual_rate_pct=_decimal(
            data.get("contractual_rate_pct"),
            "contractual_rate_pct",
            _RATE,
            "rate",
            optional=True,
        ),
        contractual_rate_clause=_choice(
            data.get("contractual_rate_clause"),
            "contractual_rate_clause",
            (CLAUSE_3X_LEGAL,),
            None,
        ),
        below_floor_policy=_choice(
            data.get("below_floor_policy"),
            "below_floor_policy",
            BELOW_FLOOR_POLICIES,
            BELOW_FLOOR_POLICIES[0],
        ),
        payment_imputation=_choice(
            data.get("payment_imputation"),
            "payment_imputation",
            IMPUTATIONS,
            IMPUTATIONS[0],
        ),
        day_count=_choice(data.get("day_count"), "day_count", DAY_COUNTS, "ACT/365"),
        mise_en_demeure_received=_date(
            data.get("mise_en_demeure_received"),
            "mise_en_demeure_received",
            optional=True,
        ),
        judgment_enforceable_date=_date(
            data.get("judgment_enforceable_date"),
            "judgment_enforceable_date",
            optional=True,
        ),
        buyer=_choice(data.get("buyer"), "buyer", BUYERS, None),
        justified_recovery_costs_ht=_amount(
            data.get("justified_recovery_costs_ht"),
            "justified_recovery_costs_ht",
            optional=True,
        ),
        fixed_indemnity=_fixed_indemnity(data.get("fixed_indemnity")),
    )


def _fixed_indemnity(value):
    """The amount given, else the statutory 40 € (C. com. D441-5)."""
    if value is None:
        return FIXED_INDEMNITY
    return _amount(value, "fixed_indemnity")
