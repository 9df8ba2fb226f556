# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""When reminders may leave: days of the week, hours of the day in a time
zone, never on a public holiday (the maintained ``holidays`` package, which
knows the French ones, Easter Monday and Whit Monday included)."""

import functools
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import holidays

# How far ahead the next opening is looked for (a window open one day a
# year is found; none at all gives None).
HORIZON_DAYS = 400


@functools.lru_cache(maxsize=64)
def _public_holidays(country, year):
    return frozenset(holidays.country_holidays(country, years=year))


def is_public_holiday(day, country="FR"):
    """Whether ``day`` (a date) is a public holiday in ``country``."""
    return day in _public_holidays(country, day.year)


def _local_time(hours):
    """``9.5`` → 09:30; 24 or more → end of the day."""
    if hours >= 24:
        return time.max
    minutes = round(hours * 60)
    return time(minutes // 60, minutes % 60)


@dataclass(frozen=True)
class SendingWindow:
    """``weekdays``: Monday 0 … Sunday 6; ``start`` and ``end``: hours of the
    day (``9.0``, ``18.0``; the window is ``start <= t < end``), in ``tz``;
    ``holidays_country``: no sending on its public holidays (empty: none)."""

    weekdays: frozenset
    start: float = 9.0
    end: float = 18.0
    tz: str = "Europe/Paris"
    holidays_country: str = "FR"

    def _zone(self):
        try:
            return ZoneInfo(self.tz or "UTC")
        except (KeyError, ValueError):
            return ZoneInfo("UTC")

    def _day_open(self, day):
        if day.weekday() not in self.weekdays:
            return False
        return not (
            self.holidays_country and is_public_holiday(day, self.holidays_country)
        )

    def local(self, moment):
        """``moment`` (naive UTC, as Odoo stores datetimes) in the window's zone."""
        return moment.replace(tzinfo=timezone.utc).astimezone(self._zone())

    def is_open(self, moment):
        """Whether a reminder may leave at ``moment`` (naive UTC)."""
        local = self.local(moment)
        if not self._day_open(local.date()):
            return False
        return _local_time(self.start) <= local.time() < _local_time(self.end)

    def next_opening(self, moment):
        """First moment (naive UTC) at or after ``moment`` when the window is
        open, or ``None`` when it never opens."""
        if self.start >= self.end or not self.weekdays:
            return None
        if self.is_open(moment):
            return moment
        local = self.local(moment)
        zone = self._zone()
        for offset in range(HORIZON_DAYS):
            day = local.date() + timedelta(days=offset)
            if not self._day_open(day):
                continue
            opening = datetime.combine(day, _local_time(self.start), tzinfo=zone)
            closing = datetime.combine(day, _local_time(self.end), tzinfo=zone)
            if offset == 0 and local >= closing:
                continue
            start = max(opening, local)
            return start.astimezone(timezone.utc).replace(tzinfo=None)
        return None
