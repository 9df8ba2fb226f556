# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Half-years ("semestres"), the unit in which French legal rates are published.

``HalfYear(2024, 2)`` is the second half of 2024, written ``"2024-S2"``; it runs
from 1 July to 31 December and its anchor day (the day whose ECB rate applies,
Code de commerce L441-10 II) is 1 July.
"""

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from .errors import EngineError

__all__ = ["HalfYear", "half_bounds"]

_LABEL = re.compile(r"(\d{4})-S([12])")


@dataclass(frozen=True, slots=True, order=True)
class HalfYear:
    """One half-year: ``year`` and ``semester`` (1 = January-June, 2 = July-December)."""

    year: int
    semester: int

    def __post_init__(self) -> None:
        if (
            not isinstance(self.year, int)
            or isinstance(self.year, bool)
            or not 1 <= self.year <= 9998
        ):
            raise EngineError(
                "half", "Année de semestre invalide", "Invalid half-year year"
            )
        if self.semester not in (1, 2) or isinstance(self.semester, bool):
            raise EngineError(
                "half",
                "Le semestre doit valoir 1 ou 2",
                "The semester must be 1 or 2",
            )

    @classmethod
    def from_date(cls, day: date) -> "HalfYear":
        """Half-year containing ``day``."""
        return cls(day.year, 1 if day.month <= 6 else 2)

    @classmethod
    def parse(cls, label: str) -> "HalfYear":
        """Half-year from its label ``"YYYY-S1"`` or ``"YYYY-S2"``."""
        match = _LABEL.fullmatch(label) if isinstance(label, str) else None
        if not match:
            raise EngineError(
                "half",
                f"Semestre invalide {label!r}, format attendu AAAA-S1 ou AAAA-S2",
                f"Invalid half-year {label!r}, expected YYYY-S1 or YYYY-S2",
            )
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def from_index(cls, index: int) -> "HalfYear":
        """Inverse of :attr:`index`."""
        return cls(index // 2, index % 2 + 1)

    @property
    def index(self) -> int:
        """Consecutive integer: ``index + 1`` is the next half-year."""
        return self.year * 2 + self.semester - 1

    @property
    def start(self) -> date:
        """First day: 1 January or 1 July."""
        return date(self.year, 1 if self.semester == 1 else 7, 1)

    @property
    def anchor_date(self) -> date:
        """Day whose ECB rate applies to the whole half-year (same as ``start``)."""
        return self.start

    @property
    def end(self) -> date:
        """Last day: 30 June or 31 December."""
        return date(self.year, 6, 30) if self.semester == 1 else date(self.year, 12, 31)

    @property
    def label(self) -> str:
        """Text form, e.g. ``"2024-S2"``."""
        return f"{self.year}-S{self.semester}"

    @property
    def days_in_year(self) -> int:
        """365 or 366: length of the calendar year (for ACT/ACT)."""
        year = self.year
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 366 if leap else 365

    def next(self) -> "HalfYear":
        """The following half-year."""
        return HalfYear.from_index(self.index + 1)

    def previous(self) -> "HalfYear":
        """The preceding half-year."""
        return HalfYear.from_index(self.index - 1)

    def __str__(self) -> str:
        return self.label


@lru_cache(maxsize=4096)
def half_bounds(index: int) -> tuple[int, int, int, HalfYear]:
    """``(first ordinal, last ordinal, days in year, HalfYear)`` of a half-year index.

    Ordinals are ``date.toordinal()`` values; cached because the computation core
    walks half-years with integers only.
    """
    half = HalfYear.from_index(index)
    return (
        half.start.toordinal(),
        half.end.toordinal(),
        half.days_in_year,
        half,
    )
