# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The ECB main refinancing operations rate, read from the ECB Data Portal.

The Data Portal answers ``.../service/data/FM/B.U2.EUR.4F.KR.MRR_FR.LEV?format=csvdata``
with SDMX-CSV: a header line, then one line per observation; the columns this
module reads are ``TIME_PERIOD`` (``YYYY-MM-DD``, the day the level took
effect) and ``OBS_VALUE`` (the level, in percent). Other columns are ignored.

The rate of a half-year (C. com. L441-10 II) is the last observation on or
before its anchor day (1 January, 1 July).
"""

import csv
import io
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from .errors import EngineError
from .halfyear import HalfYear

__all__ = ["ECB_SERIES", "anchor_rates", "parse_ecb_csv"]

ECB_SERIES = "FM.B.U2.EUR.4F.KR.MRR_FR.LEV"
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_VALUE = re.compile(r"-?\d{1,3}(\.\d{1,6})?")


def _refuse(fr: str, en: str) -> EngineError:
    return EngineError("ecb", fr, en)


def parse_ecb_csv(text: str) -> list[tuple[date, Decimal]]:
    """Observations ``(day, rate in percent)`` of an SDMX-CSV answer, by day.

    :raises EngineError: not SDMX-CSV (no ``TIME_PERIOD`` / ``OBS_VALUE``
        columns, e.g. an HTML page), a malformed line, or no observation.
    """
    if not isinstance(text, str) or not text.strip():
        raise _refuse("Réponse BCE vide", "Empty ECB answer")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = set(reader.fieldnames or ())
    if not {"TIME_PERIOD", "OBS_VALUE"} <= columns:
        raise _refuse(
            "Réponse BCE sans colonnes TIME_PERIOD et OBS_VALUE (pas du SDMX-CSV)",
            "ECB answer without TIME_PERIOD and OBS_VALUE columns (not SDMX-CSV)",
        )
    observations = {}
    try:
        for number, row in enumerate(reader, start=2):
            day_text = (row.get("TIME_PERIOD") or "").strip()
            value_text = (row.get("OBS_VALUE") or "").strip()
            if not _DAY.fullmatch(day_text) or not _VALUE.fullmatch(value_text):
                raise _refuse(
                    f"Ligne {number} illisible dans la réponse BCE",
                    f"Unreadable line {number} in the ECB answer",
                )
            try:
                day = date.fromisoformat(day_text)
            except ValueError:
                raise _refuse(
                    f"Date invalide ligne {number} de la réponse BCE",
                    f"Invalid date on line {number} of the ECB answer",
                ) from None
            observations[day] = Decimal(value_text)
    except (csv.Error, InvalidOperation):
        raise _refuse("Réponse BCE illisible", "Unreadable ECB answer") from None
    if not observations:
        raise _refuse(
            "Aucune observation dans la réponse BCE", "No observation in the ECB answer"
        )
    return sorted(observations.items())


def anchor_rates(
    observations: list[tuple[date, Decimal]], today: date, first: HalfYear
) -> dict[HalfYear, Decimal]:
    """``{half-year: rate}`` for every half-year from ``first`` whose anchor
    day is on or before ``today`` (never a future one): the last observation
    on or before the anchor day. A half-year before the first observation is
    left out."""
    result = {}
    half = first
    ordered = sorted(observations)
    while half.anchor_date <= today:
        known = [rate for day, rate in ordered if day <= half.anchor_date]
        if known:
            result[half] = known[-1]
        half = half.next()
    return result
