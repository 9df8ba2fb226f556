# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Rate providers: where the engine gets the ECB and legal rates of a half-year.

The computation never reads a table directly; it asks a :class:`RateProvider`:

- ``ecb_rate(half)``: ECB main refinancing operations rate, in percent, in force
  on the anchor day of ``half`` (1 January or 1 July);
- ``legal_rate(half, category)``: French "taux de l'intérêt légal" of ``half``,
  in percent, for ``"individual"`` (creditor is a natural person not acting for
  professional purposes, "particuliers") or ``"other"`` ("autres cas");
- ``confidence(half, kind)``: ``"C"`` (confirmed), ``"S"`` (single source) or
  ``"U"`` (unconfirmed) for ``kind`` ``"ecb"`` or ``"legal"``.

A missing half-year raises :class:`~.errors.MissingRateError` naming it; there is
never a silent zero. :class:`TableRateProvider` is the in-memory implementation;
:func:`load_default_rates` builds one from the CSV files shipped in ``data/``
(2015-S1 to 2026-S2) and :func:`iter_rate_rows` yields those rows as plain dicts,
which is what the Odoo module loads as editable records.
"""

import abc
import csv
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from .errors import EngineError, MissingRateError, RateTableError
from .halfyear import HalfYear

__all__ = [
    "CATEGORY_INDIVIDUAL",
    "CATEGORY_OTHER",
    "CONFIDENCE_LEVELS",
    "DATA_DIR",
    "RateProvider",
    "TableRateProvider",
    "iter_ecb_rows",
    "iter_legal_rows",
    "iter_rate_rows",
    "load_default_rates",
]

CATEGORY_INDIVIDUAL = "individual"
CATEGORY_OTHER = "other"
CATEGORIES = (CATEGORY_INDIVIDUAL, CATEGORY_OTHER)
CONFIDENCE_LEVELS = ("C", "S", "U")
DATA_DIR = Path(__file__).resolve().parent / "data"
ECB_FILE = DATA_DIR / "ecb_rates.csv"
LEGAL_FILE = DATA_DIR / "legal_rates.csv"
ECB_COLUMNS = ("half", "anchor_date", "ecb_rate_pct", "confidence", "source")
LEGAL_COLUMNS = ("half", "individual_pct", "other_pct", "confidence", "source")
_RATE_TEXT = re.compile(r"-?\d{1,3}(\.\d{1,6})?")
_RATE_MIN = Decimal(-10)
_RATE_MAX = Decimal(100)


class RateProvider(abc.ABC):
    """Source of the rates of each half-year. Subclass it to plug another store
    (the Odoo module builds a :class:`TableRateProvider` from its records).

    A provider must give the same answers for its whole life: the engine
    computes the rates of each half-year once per provider object and reuses
    them for every case computed with that object.
    """

    __slots__ = ("__weakref__",)

    @abc.abstractmethod
    def ecb_rate(self, half: HalfYear) -> Decimal:
        """ECB MRO rate (percent) on the anchor day of ``half``.

        :raises MissingRateError: when the half-year is unknown.
        """

    @abc.abstractmethod
    def legal_rate(self, half: HalfYear, category: str) -> Decimal:
        """Legal interest rate (percent) of ``half`` for ``category``
        (``"individual"`` or ``"other"``).

        :raises MissingRateError: when the half-year is unknown.
        """

    def confidence(self, half: HalfYear, kind: str = "ecb") -> str:
        """Confidence tag of a rate: ``"C"``, ``"S"`` or ``"U"`` (default ``"C"``)."""
        return "C"


class TableRateProvider(RateProvider):
    """Rates held in memory, keyed by :class:`HalfYear`.

    :param ecb: ``{HalfYear: Decimal}`` ECB rates in percent.
    :param legal: ``{HalfYear: (individual, other)}`` legal rates in percent.
    :param confidence: ``{(HalfYear, "ecb" | "legal"): "C" | "S" | "U"}``;
        absent entries are ``"C"``.
    """

    __slots__ = ("_confidence", "_ecb", "_legal")

    def __init__(
        self,
        ecb: Mapping[HalfYear, Decimal],
        legal: Mapping[HalfYear, tuple[Decimal, Decimal]],
        confidence: Mapping[tuple[HalfYear, str], str] | None = None,
    ) -> None:
        self._ecb = dict(ecb)
        self._legal = dict(legal)
        self._confidence = dict(confidence or {})

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, object]]) -> "TableRateProvider":
        """Build a provider from dict rows.

        Each row has ``half`` (``"2024-S2"``) and either or both of
        ``ecb_rate_pct`` and (``individual_pct``, ``other_pct``), as decimal
        strings (``Decimal`` and ``int`` are accepted, ``float`` is refused);
        optional ``anchor_date`` (must be the first day of the half-year),
        ``confidence`` (``C``/``S``/``U``, default ``C``) and ``source``.
        The rows of :func:`iter_rate_rows` and of the two CSV files fit.

        :raises RateTableError: naming the row and column at fault.
        """
        ecb, legal, confidence = {}, {}, {}
        for number, row in enumerate(rows):
            _add_row(number, row, ecb, legal, confidence)
        return cls(ecb, legal, confidence)

    def ecb_rate(self, half: HalfYear) -> Decimal:
        try:
            return self._ecb[half]
        except KeyError:
            raise MissingRateError(half, "ecb") from None

    def legal_rate(self, half: HalfYear, category: str) -> Decimal:
        if category not in CATEGORIES:
            raise EngineError(
                "category",
                f"Catégorie de taux légal inconnue {category!r}",
                f"Unknown legal rate category {category!r}",
            )
        try:
            pair = self._legal[half]
        except KeyError:
            raise MissingRateError(half, "legal", category) from None
        return pair[0] if category == CATEGORY_INDIVIDUAL else pair[1]

    def confidence(self, half: HalfYear, kind: str = "ecb") -> str:
        return self._confidence.get((half, kind), "C")

    def halves(self) -> tuple[HalfYear, ...]:
        """Every half-year having an ECB or a legal rate, in order."""
        return tuple(sorted(set(self._ecb) | set(self._legal)))


def _add_row(number, row, ecb, legal, confidence) -> None:
    """Validate one dict row and store its rates (helper of ``from_rows``)."""
    where = f"rates[{number}]"
    if not isinstance(row, Mapping):
        raise RateTableError(where, "Ligne de taux invalide", "Invalid rate row")
    try:
        half = HalfYear.parse(row.get("half"))
    except EngineError as error:
        raise RateTableError(
            f"{where}.half", error.message_fr, error.message_en
        ) from None
    where = f"rates[{half}]"
    _check_anchor(row.get("anchor_date"), half, where)
    tag = row.get("confidence") or "C"
    if tag not in CONFIDENCE_LEVELS:
        raise RateTableError(
            f"{where}.confidence",
            f"Indice de confiance inconnu {tag!r} (C, S ou U)",
            f"Unknown confidence tag {tag!r} (C, S or U)",
        )
    ecb_value = row.get("ecb_rate_pct")
    if ecb_value not in (None, ""):
        _store_once(ecb, half, _rate(ecb_value, f"{where}.ecb_rate_pct"), where)
        confidence[(half, "ecb")] = tag
    individual, other = row.get("individual_pct"), row.get("other_pct")
    if individual not in (None, "") or other not in (None, ""):
        pair = (
            _rate(individual, f"{where}.individual_pct", minimum=Decimal(0)),
            _rate(other, f"{where}.other_pct", minimum=Decimal(0)),
        )
        _store_once(legal, half, pair, where)
        confidence[(half, "legal")] = tag


def _store_once(table, half, value, where) -> None:
    if half in table:
        raise RateTableError(
            where,
            f"Semestre {half} en double dans la table des taux",
            f"Half-year {half} appears twice in the rate table",
        )
    table[half] = value


def _check_anchor(value, half: HalfYear, where: str) -> None:
    if value in (None, ""):
        return
    if isinstance(value, date):
        ok = value == half.start
    else:
        ok = value == half.start.isoformat()
    if not ok:
        raise RateTableError(
            f"{where}.anchor_date",
            f"La date d'ancrage de {half} doit être le {half.start.isoformat()}",
            f"The anchor date of {half} must be {half.start.isoformat()}",
        )


def _rate(value, where: str, minimum: Decimal = _RATE_MIN) -> Decimal:
    """Decimal percent from a string, ``int`` or ``Decimal`` (never a float)."""
    integer = isinstance(value, int) and not isinstance(value, bool)
    text = isinstance(value, str) and _RATE_TEXT.fullmatch(value)
    if isinstance(value, Decimal) and value.is_finite():
        result = value
    elif integer or text:
        result = Decimal(value)
    else:
        raise RateTableError(
            where,
            f'Taux invalide {value!r}, nombre décimal attendu (ex. "4.25")',
            f'Invalid rate {value!r}, expected a decimal string (e.g. "4.25")',
        )
    if not minimum <= result <= _RATE_MAX:
        raise RateTableError(
            where,
            f"Taux hors limites {value!r} (entre {minimum} et {_RATE_MAX})",
            f"Rate out of range {value!r} (between {minimum} and {_RATE_MAX})",
        )
    return result


def _read_csv(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != columns:
            raise RateTableError(
                path.name,
                f"Colonnes inattendues dans {path.name}",
                f"Unexpected columns in {path.name}",
            )
        return [dict(row) for row in reader]


def iter_ecb_rows() -> Iterator[dict[str, str]]:
    """Rows of ``data/ecb_rates.csv`` as dicts of strings
    (``half, anchor_date, ecb_rate_pct, confidence, source``)."""
    yield from _read_csv(ECB_FILE, ECB_COLUMNS)


def iter_legal_rows() -> Iterator[dict[str, str]]:
    """Rows of ``data/legal_rates.csv`` as dicts of strings
    (``half, individual_pct, other_pct, confidence, source``)."""
    yield from _read_csv(LEGAL_FILE, LEGAL_COLUMNS)


def _worst(*tags: str) -> str:
    return max(tags, key=CONFIDENCE_LEVELS.index)


def iter_rate_rows() -> Iterator[dict[str, str | None]]:
    """One merged dict per shipped half-year, oldest first.

    Keys: ``half``, ``anchor_date``, ``ecb_rate_pct``, ``individual_pct``,
    ``other_pct`` (decimal strings, ``None`` if a file lacks the half-year),
    ``confidence`` (the weakest of both files) and ``source`` (both sources).
    The Odoo module loads these rows as records at install and upgrade, and
    :meth:`TableRateProvider.from_rows` accepts them.
    """
    ecb = {row["half"]: row for row in iter_ecb_rows()}
    legal = {row["half"]: row for row in iter_legal_rows()}
    for label in sorted(set(ecb) | set(legal)):
        half = HalfYear.parse(label)
        ecb_row, legal_row = ecb.get(label, {}), legal.get(label, {})
        tags = [row["confidence"] for row in (ecb_row, legal_row) if row]
        sources = []
        if ecb_row:
            sources.append(f"ECB: {ecb_row['source']}")
        if legal_row:
            sources.append(f"Legal rates: {legal_row['source']}")
        yield {
            "half": label,
            "anchor_date": half.start.isoformat(),
            "ecb_rate_pct": ecb_row.get("ecb_rate_pct"),
            "individual_pct": legal_row.get("individual_pct"),
            "other_pct": legal_row.get("other_pct"),
            "confidence": _worst(*tags),
            "source": " | ".join(sources),
        }


@lru_cache(maxsize=1)
def load_default_rates() -> TableRateProvider:
    """Provider of the shipped tables (2015-S1 to 2026-S2), built once.

    ECB and legal confidences are kept separately (2026-S2 is ``"U"`` in both).
    """
    return TableRateProvider.from_rows([*iter_ecb_rows(), *iter_legal_rows()])
