# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Dunning ("relance") decisions: which reminder, if any, a customer gets today.

Pure Python, standard library only: no Odoo import, ``Decimal`` for money,
``datetime.date`` for dates. The Odoo models gather the data, call :func:`decide_all`
once per policy and run, then act on the returned :class:`Decision` objects; every
rule of the collection process lives here.

Public API (names are stable)
-----------------------------
- :class:`LevelSpec` -- one rung of a policy's ladder (frozen).
- :class:`OpenItem` -- one open receivable line (an installment is its own item).
- :class:`CustomerSnapshot` -- what the decision needs to know about one customer.
- :class:`Decision` -- the answer for one customer (``action`` "create" or "skip").
- :func:`decide` ``(customer, levels, as_of) -> Decision``
- :func:`decide_all` ``(customers, levels, as_of) -> list[Decision]``
- :func:`next_reminder_date` ``(item, levels, last_sent_event_date, as_of=None) -> date | None``
- :func:`validate_ladder` ``(levels) -> None``, raising :class:`DunningConfigError`.
- Constants ``ACTION_CREATE``, ``ACTION_SKIP``, ``REASON_*`` and ``CHECK_ORDER``.

The ladder is the sequence of levels *as given* (ordered by sequence); an item's
``level_index`` is an index in that sequence.

Rules
-----
1. An item is *overdue* on ``as_of`` when ``due_date < as_of`` and ``residual > 0``.
   Items with ``residual <= 0`` are ignored (credits belong in ``unapplied_credit``).
2. Items with an ``excluded_reason`` are left out of everything: not covered, not
   advanced, not in the totals; overdue ones are reported in ``excluded_items``.
   ``overdue_total`` is the residual of the overdue, non-excluded items and
   ``net_total = overdue_total - unapplied_credit``; a customer whose net total is not
   positive gets nothing.
3. An item moves up one level at a time: its *candidate* level is ``0`` when it was
   never reminded, else ``level_index + 1``, and only when the event that brought it
   to ``level_index`` was sent. It is reached when
   ``as_of >= due_date + days_after_due`` (and the item is overdue). An item at a
   ``stops_automation`` level, or at the last level, never advances.
4. One event per customer, at the highest candidate level. Every advancing item moves
   to its *own* candidate (``item_levels``); the event lists every overdue,
   non-excluded item (``covered_items``), advancing or not.
5. The event's level ``min_days_since_previous`` must have elapsed since the
   customer's last sent event.
6. Levels before the due date (negative ``days_after_due``, at most
   ``MAX_DAYS_BEFORE_DUE`` days, never ``stops_automation``) come first in the ladder.
   An item not due yet (``due_date >= as_of``) only moves to such a level, when
   ``as_of >= due_date + days_after_due``; an overdue item skips them (its next level
   is the first one after the due date). The notice before the due date goes to a
   customer with no overdue item: it covers the items that reach it, its
   ``overdue_total`` is zero and its ``net_total`` is their residual minus the
   unapplied credit (not positive: ``net_balance_not_positive``); the minimum interval
   applies as for any level.

Order of checks (first match wins, see ``CHECK_ORDER``)
-------------------------------------------------------
``already_done_today`` (an event, not cancelled, exists on ``as_of``: running twice
creates nothing the second time), ``customer_excluded``, ``pending_event`` (an event
waits for a person: to review, to print or failed), ``no_overdue``,
``all_items_excluded``, ``net_balance_not_positive``, then, when no item has a
candidate level, ``litigation_reached`` (nothing can ever advance and an item sits at
a ``stops_automation`` level) or ``no_level_due``, and finally ``min_interval``.

``next_date`` is set only for ``no_level_due`` and ``min_interval``: it is the first
date on which this customer would get an event if the snapshot stayed as it is (no
payment, no new exclusion, no event sent or cancelled), taking both the level delays
and the minimum interval into account; ``None`` when no item can ever advance.
"""

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType

__all__ = [
    "ACTION_CREATE",
    "ACTION_SKIP",
    "CHECK_ORDER",
    "REASON_ALL_ITEMS_EXCLUDED",
    "REASON_ALREADY_DONE_TODAY",
    "REASON_CUSTOMER_EXCLUDED",
    "REASON_LITIGATION_REACHED",
    "REASON_MIN_INTERVAL",
    "REASON_NET_BALANCE_NOT_POSITIVE",
    "REASON_NO_LEVEL_DUE",
    "REASON_NO_OVERDUE",
    "REASON_PENDING_EVENT",
    "CustomerSnapshot",
    "Decision",
    "DunningConfigError",
    "LevelSpec",
    "OpenItem",
    "decide",
    "decide_all",
    "next_reminder_date",
    "validate_ladder",
]

ACTION_CREATE = "create"
ACTION_SKIP = "skip"

REASON_ALREADY_DONE_TODAY = "already_done_today"
REASON_CUSTOMER_EXCLUDED = "customer_excluded"
REASON_PENDING_EVENT = "pending_event"
REASON_NO_OVERDUE = "no_overdue"
REASON_ALL_ITEMS_EXCLUDED = "all_items_excluded"
REASON_NET_BALANCE_NOT_POSITIVE = "net_balance_not_positive"
REASON_LITIGATION_REACHED = "litigation_reached"
REASON_NO_LEVEL_DUE = "no_level_due"
REASON_MIN_INTERVAL = "min_interval"

#: Skip reasons in the order they are checked.
CHECK_ORDER = (
    REASON_ALREADY_DONE_TODAY,
    REASON_CUSTOMER_EXCLUDED,
    REASON_PENDING_EVENT,
    REASON_NO_OVERDUE,
    REASON_ALL_ITEMS_EXCLUDED,
    REASON_NET_BALANCE_NOT_POSITIVE,
    REASON_LITIGATION_REACHED,
    REASON_NO_LEVEL_DUE,
    REASON_MIN_INTERVAL,
)

#: A level may come at most this many days before the due date.
MAX_DAYS_BEFORE_DUE = 90

_ZERO = Decimal(0)
_EMPTY: Mapping = MappingProxyType({})


class DunningConfigError(ValueError):
    """The ladder of a policy is not usable; the message is French then English
    (``message_fr`` and ``message_en`` hold each language alone)."""

    def __init__(self, message_fr: str, message_en: str) -> None:
        self.message_fr = message_fr
        self.message_en = message_en
        super().__init__(f"{message_fr} / {message_en}")


@dataclass(frozen=True, slots=True)
class LevelSpec:
    """One level of a policy's ladder.

    ``key`` identifies the level for the caller (e.g. the Odoo id); ``sequence`` is
    its position; the level is due ``days_after_due`` days after an item's due date,
    provided ``min_days_since_previous`` days elapsed since the customer's last sent
    event. ``stops_automation`` marks the litigation level: no automatic level after.
    """

    key: Hashable
    sequence: int
    days_after_due: int
    min_days_since_previous: int = 0
    stops_automation: bool = False
    name: str = ""


@dataclass(frozen=True, slots=True)
class OpenItem:
    """One open receivable line of a customer, amounts in company currency.

    ``level_index`` is the index in the ladder of the last level this item reached
    (``None`` if never reminded) and ``level_event_sent`` tells whether the event that
    brought it there was actually sent. ``excluded_reason`` (e.g. "dispute",
    "promise", "payment_plan") excludes the item today; a falsy value means included.
    """

    key: Hashable
    due_date: date
    residual: Decimal
    level_index: int | None = None
    level_event_sent: bool = False
    excluded_reason: str | None = None


@dataclass(frozen=True, slots=True)
class CustomerSnapshot:
    """What :func:`decide` needs to know about one customer (commercial partner).

    ``unapplied_credit`` (>= 0) sums open credit notes and unreconciled payments;
    ``excluded_reason`` excludes the whole customer (e.g. "no_reminders");
    ``has_pending_event``: an event waits to be reviewed, printed or retried;
    ``has_event_on_date``: a non-cancelled event already exists on the run date.
    """

    key: Hashable
    items: tuple[OpenItem, ...] = ()
    unapplied_credit: Decimal = _ZERO
    excluded_reason: str | None = None
    last_sent_event_date: date | None = None
    has_pending_event: bool = False
    has_event_on_date: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    """The decision for one customer on one date.

    ``action`` is ``"create"`` (then ``level`` / ``level_index`` give the event's
    level, ``item_levels`` maps each advancing item key to its new level index and
    ``covered_items`` lists the keys of every overdue, non-excluded item) or
    ``"skip"`` (then ``reason`` is one of ``CHECK_ORDER``, ``level`` is ``None`` and
    ``item_levels`` / ``covered_items`` are empty). ``excluded_items`` maps overdue
    excluded item keys to their reason; ``next_date`` is set for ``no_level_due`` and
    ``min_interval`` only.
    """

    customer_key: Hashable
    action: str
    reason: str | None = None
    level: LevelSpec | None = None
    level_index: int | None = None
    item_levels: Mapping[Hashable, int] = field(default_factory=lambda: _EMPTY)
    covered_items: tuple[Hashable, ...] = ()
    excluded_items: Mapping[Hashable, str] = field(default_factory=lambda: _EMPTY)
    next_date: date | None = None
    overdue_total: Decimal = _ZERO
    net_total: Decimal = _ZERO

    @property
    def is_create(self) -> bool:
        """True when an event must be created."""
        return self.action == ACTION_CREATE


# --------------------------------------------------------------------- validation


def _label(level: LevelSpec) -> str:
    return level.name or str(level.key)


def _config_error(french: str, english: str, level: LevelSpec) -> DunningConfigError:
    label = _label(level)
    return DunningConfigError(
        f"{french} (niveau « {label} »)", f'{english} (level "{label}")'
    )


def _check_level_values(level: LevelSpec) -> None:
    if level.days_after_due < -MAX_DAYS_BEFORE_DUE:
        raise _config_error(
            f"Un niveau ne peut pas venir plus de {MAX_DAYS_BEFORE_DUE} jours "
            "avant l'échéance",
            f"A level cannot come more than {MAX_DAYS_BEFORE_DUE} days before "
            "the due date",
            level,
        )
    if level.days_after_due < 0 and level.stops_automation:
        raise _config_error(
            "Un niveau avant l'échéance ne peut pas être un contentieux",
            "A level before the due date cannot be a litigation level",
            level,
        )
    if level.min_days_since_previous < 0:
        raise _config_error(
            "L'intervalle minimal depuis la relance précédente ne peut pas être "
            "négatif",
            "The minimum interval since the previous reminder cannot be negative",
            level,
        )


def _check_level_order(previous: LevelSpec, level: LevelSpec) -> None:
    if previous.stops_automation:
        raise _config_error(
            "Aucun niveau ne peut suivre un niveau de contentieux qui arrête les "
            "relances automatiques",
            "No level may follow a litigation level that stops automatic reminders",
            level,
        )
    if level.sequence < previous.sequence:
        raise _config_error(
            "Les niveaux doivent être donnés dans l'ordre de leur séquence",
            "Levels must be given in sequence order",
            level,
        )
    if level.days_after_due <= previous.days_after_due:
        raise _config_error(
            "Les délais des niveaux doivent être strictement croissants",
            "Level delays must strictly increase",
            level,
        )


def validate_ladder(levels: Sequence[LevelSpec]) -> None:
    """Check a ladder given in sequence order; raise :class:`DunningConfigError`.

    Refused: an empty ladder, negative delays or intervals, levels out of sequence
    order, ``days_after_due`` not strictly increasing, a level after a
    ``stops_automation`` level, two levels with the same key.
    """
    if not levels:
        raise DunningConfigError(
            "La politique de relance doit comporter au moins un niveau",
            "The reminder policy needs at least one level",
        )
    seen_keys = set()
    previous = None
    for level in levels:
        _check_level_values(level)
        if level.key in seen_keys:
            raise _config_error(
                "Chaque niveau doit avoir sa propre clé",
                "Each level needs its own key",
                level,
            )
        seen_keys.add(level.key)
        if previous is not None:
            _check_level_order(previous, level)
        previous = level


# ------------------------------------------------------------------------ ladder


@dataclass(frozen=True, slots=True)
class _Ladder:
    """A validated ladder with the per-level values the hot loop needs."""

    levels: tuple[LevelSpec, ...]
    reach: tuple[timedelta, ...]  # days after due when an overdue item reaches it
    gap: tuple[timedelta, ...]  # minimum interval since the last sent event
    advance_from: tuple[int | None, ...]  # next index after index i, None if final
    first_overdue: int | None = 0  # first level after the due date, None if none

    @property
    def has_before_due(self) -> bool:
        return self.first_overdue != 0

    def target(self, item: OpenItem, overdue: bool = True) -> int | None:
        """Level ``item`` may move to next, ignoring dates; None if it cannot.

        An overdue item skips the levels before the due date (they are for
        invoices not due yet); an item not due yet only moves to those."""
        index = item.level_index
        if index is None:
            following = 0
        else:
            if not item.level_event_sent:
                return None
            if index < 0:
                raise ValueError(f"negative level_index {index} for item {item.key!r}")
            if index >= len(self.advance_from):
                return None
            following = self.advance_from[index]
        if following is None:
            return None
        before_due = self.levels[following].days_after_due < 0
        if overdue:
            return self.first_overdue if before_due else following
        return following if before_due else None


def _advance_from(levels: Sequence[LevelSpec]) -> tuple[int | None, ...]:
    last = len(levels) - 1
    return tuple(
        None if index == last or level.stops_automation else index + 1
        for index, level in enumerate(levels)
    )


def _build_ladder(levels: Sequence[LevelSpec], validate: bool = True) -> _Ladder:
    levels = tuple(levels)
    if validate:
        validate_ladder(levels)
    return _Ladder(
        levels=levels,
        reach=tuple(
            timedelta(
                days=lvl.days_after_due
                if lvl.days_after_due < 0
                else max(lvl.days_after_due, 1)
            )
            for lvl in levels
        ),
        gap=tuple(timedelta(days=lvl.min_days_since_previous) for lvl in levels),
        advance_from=_advance_from(levels),
        first_overdue=next(
            (index for index, lvl in enumerate(levels) if lvl.days_after_due >= 0),
            None,
        ),
    )


# ---------------------------------------------------------------------- decision


def _split_overdue(items: Iterable[OpenItem], as_of: date):
    """Overdue items: (included items, {excluded key: reason}, included total)."""
    covered, excluded, total = [], {}, _ZERO
    for item in items:
        if item.due_date >= as_of or item.residual <= 0:
            continue
        if item.excluded_reason:
            excluded[item.key] = item.excluded_reason
        else:
            covered.append(item)
            total += item.residual
    return covered, excluded, total


def _early_skip_reason(
    customer: CustomerSnapshot, covered: list, excluded: dict, net_total: Decimal
) -> str | None:
    """First skip reason that does not depend on the ladder, in check order."""
    if customer.has_event_on_date:
        return REASON_ALREADY_DONE_TODAY
    if customer.excluded_reason:
        return REASON_CUSTOMER_EXCLUDED
    if customer.has_pending_event:
        return REASON_PENDING_EVENT
    if not covered:
        return REASON_ALL_ITEMS_EXCLUDED if excluded else REASON_NO_OVERDUE
    if net_total <= 0:
        return REASON_NET_BALANCE_NOT_POSITIVE
    return None


def _candidate_levels(covered: list, ladder: _Ladder, as_of: date) -> dict:
    """{item key: candidate level index} for the overdue items that advance today."""
    candidates = {}
    for item in covered:
        target = ladder.target(item)
        if target is not None and item.due_date + ladder.reach[target] <= as_of:
            candidates[item.key] = target
    return candidates


def _reach_schedule(
    items: Iterable[OpenItem], ladder: _Ladder, as_of: date | None = None
) -> list:
    """Sorted (date the next level is reached, its index) for items that can move
    (an item not due on ``as_of`` first to a level before the due date, if any)."""
    schedule = []
    for item in items:
        if item.excluded_reason or item.residual <= 0:
            continue
        target = None
        if as_of is not None and item.due_date >= as_of:
            target = ladder.target(item, overdue=False)
        if target is None:
            target = ladder.target(item)
        if target is not None:
            schedule.append((item.due_date + ladder.reach[target], target))
    schedule.sort()
    return schedule


def _level_steps(schedule: list, as_of: date) -> list:
    """[(from date, highest level reached from that date on)], from ``as_of`` on."""
    steps, highest = [], -1
    for reached_on, index in schedule:
        highest = max(highest, index)
        start = max(reached_on, as_of)
        if steps and steps[-1][0] == start:
            steps[-1] = (start, highest)
        else:
            steps.append((start, highest))
    return steps


def _first_event_date(
    items: Iterable[OpenItem], ladder: _Ladder, as_of: date, last_sent: date | None
) -> date | None:
    """First date >= ``as_of`` with an event if nothing changes, or None.

    On a date ``d`` the event level is the highest level reached by ``d``; the event
    happens once that level's minimum interval since ``last_sent`` has elapsed.
    """
    steps = _level_steps(_reach_schedule(items, ladder, as_of), as_of)
    for position, (start, highest) in enumerate(steps):
        candidate = start
        if last_sent is not None:
            candidate = max(start, last_sent + ladder.gap[highest])
        following = steps[position + 1][0] if position + 1 < len(steps) else None
        if following is None or candidate < following:
            return candidate
    return None


def _litigation_reached(covered: list, ladder: _Ladder) -> bool:
    """True when an overdue item sits at a level that stops automation."""
    levels = ladder.levels
    return any(
        item.level_index is not None
        and item.level_index < len(levels)
        and levels[item.level_index].stops_automation
        for item in covered
    )


def _skip(customer, reason, excluded, overdue_total, net_total, next_date=None):
    return Decision(
        customer_key=customer.key,
        action=ACTION_SKIP,
        reason=reason,
        excluded_items=MappingProxyType(excluded) if excluded else _EMPTY,
        next_date=next_date,
        overdue_total=overdue_total,
        net_total=net_total,
    )


def _interval_blocks(customer: CustomerSnapshot, gap: timedelta, as_of: date) -> bool:
    last = customer.last_sent_event_date
    return last is not None and as_of < last + gap


def _decide_before_due(
    customer: CustomerSnapshot, ladder: _Ladder, as_of: date
) -> Decision | None:
    """The courteous notice before the due date for a customer with nothing
    overdue: it covers the invoices that reached a level before their due date
    (``None`` when none did)."""
    candidates, upcoming_total = {}, _ZERO
    for item in customer.items:
        if item.excluded_reason or item.residual <= 0 or item.due_date < as_of:
            continue
        target = ladder.target(item, overdue=False)
        if target is not None and item.due_date + ladder.reach[target] <= as_of:
            candidates[item.key] = target
            upcoming_total += item.residual
    if not candidates:
        return None
    net_total = upcoming_total - customer.unapplied_credit
    if net_total <= 0:
        return _skip(customer, REASON_NET_BALANCE_NOT_POSITIVE, {}, _ZERO, net_total)
    event_index = max(candidates.values())
    if _interval_blocks(customer, ladder.gap[event_index], as_of):
        next_date = customer.last_sent_event_date + ladder.gap[event_index]
        return _skip(
            customer, REASON_MIN_INTERVAL, {}, _ZERO, net_total, next_date=next_date
        )
    return Decision(
        customer_key=customer.key,
        action=ACTION_CREATE,
        level=ladder.levels[event_index],
        level_index=event_index,
        item_levels=MappingProxyType(candidates),
        covered_items=tuple(candidates),
        overdue_total=_ZERO,
        net_total=net_total,
    )


def _decide(customer: CustomerSnapshot, ladder: _Ladder, as_of: date) -> Decision:
    covered, excluded, overdue_total = _split_overdue(customer.items, as_of)
    net_total = overdue_total - customer.unapplied_credit
    totals = (excluded, overdue_total, net_total)
    reason = _early_skip_reason(customer, covered, excluded, net_total)
    if reason == REASON_NO_OVERDUE and ladder.has_before_due:
        before_due = _decide_before_due(customer, ladder, as_of)
        if before_due is not None:
            return before_due
    if reason is not None:
        return _skip(customer, reason, *totals)
    candidates = _candidate_levels(covered, ladder, as_of)
    last_sent = customer.last_sent_event_date
    if not candidates:
        next_date = _first_event_date(customer.items, ladder, as_of, last_sent)
        reason = REASON_NO_LEVEL_DUE
        if next_date is None and _litigation_reached(covered, ladder):
            reason = REASON_LITIGATION_REACHED
        return _skip(customer, reason, *totals, next_date=next_date)
    event_index = max(candidates.values())
    if _interval_blocks(customer, ladder.gap[event_index], as_of):
        next_date = _first_event_date(customer.items, ladder, as_of, last_sent)
        return _skip(customer, REASON_MIN_INTERVAL, *totals, next_date=next_date)
    return Decision(
        customer_key=customer.key,
        action=ACTION_CREATE,
        level=ladder.levels[event_index],
        level_index=event_index,
        item_levels=MappingProxyType(candidates),
        covered_items=tuple(item.key for item in covered),
        excluded_items=MappingProxyType(excluded) if excluded else _EMPTY,
        overdue_total=overdue_total,
        net_total=net_total,
    )


def decide(
    customer: CustomerSnapshot, levels: Sequence[LevelSpec], as_of: date
) -> Decision:
    """Decide whether ``customer`` gets a reminder event on ``as_of``, and which.

    ``levels`` is the policy's ladder in sequence order (validated, see
    :func:`validate_ladder`). Checks run in ``CHECK_ORDER``; the first that applies
    gives a ``"skip"`` decision, otherwise the decision is ``"create"``.
    """
    return _decide(customer, _build_ladder(levels), as_of)


def decide_all(
    customers: Iterable[CustomerSnapshot], levels: Sequence[LevelSpec], as_of: date
) -> list[Decision]:
    """:func:`decide` for many customers of one policy (ladder validated once)."""
    ladder = _build_ladder(levels)
    return [_decide(customer, ladder, as_of) for customer in customers]


def next_reminder_date(
    item: OpenItem,
    levels: Sequence[LevelSpec],
    last_sent_event_date: date | None,
    as_of: date | None = None,
) -> date | None:
    """Date an invoice's next level falls due, for display; None when there is none.

    That is the later of the date the item reaches its next level (never before the
    day after its due date) and ``last_sent_event_date`` plus that level's minimum
    interval. ``None`` for an excluded or settled item, an item whose current level
    event was not sent yet, or an item at the final or litigation level. The date may
    be in the past: the item is then due for a reminder. The ladder is not validated.
    """
    if not levels or item.excluded_reason or item.residual <= 0:
        return None
    ladder = _build_ladder(levels, validate=False)
    target = None
    if as_of is None or item.due_date >= as_of:
        target = ladder.target(item, overdue=False)
    if target is None:
        target = ladder.target(item)
    if target is None:
        return None
    reach = item.due_date + ladder.reach[target]
    if last_sent_event_date is None:
        return reach
    return max(reach, last_sent_event_date + ladder.gap[target])
