# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Tests of the dunning decision engine (``account_relance_fr.engine.dunning``)."""

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from account_relance_fr.engine import dunning
from account_relance_fr.engine.dunning import (
    CHECK_ORDER,
    CustomerSnapshot,
    DunningConfigError,
    LevelSpec,
    OpenItem,
    decide,
    decide_all,
    next_reminder_date,
    validate_ladder,
)

# (days_after_due, min_days_since_previous) of the default French ladder.
STEPS = [(1, 0), (10, 7), (20, 7), (30, 7), (45, 10), (60, 10)]
NAMES = [
    "Relance courtoise",
    "Deuxième relance",
    "Appel",
    "Lettre recommandée",
    "Mise en demeure",
    "Contentieux",
]
LADDER = [
    LevelSpec(
        key=100 + index,
        sequence=10 * (index + 1),
        days_after_due=days,
        min_days_since_previous=gap,
        stops_automation=index == len(STEPS) - 1,
        name=NAMES[index],
    )
    for index, (days, gap) in enumerate(STEPS)
]
LITIGATION = len(LADDER) - 1
DUE = date(2025, 1, 15)


def day(offset):
    """The date ``offset`` days after ``DUE``."""
    return DUE + timedelta(days=offset)


def item(key, due_offset=0, residual="100.00", level=None, sent=True, excluded=None):
    return OpenItem(
        key=key,
        due_date=day(due_offset),
        residual=Decimal(residual),
        level_index=level,
        level_event_sent=sent,
        excluded_reason=excluded,
    )


def customer(*items, **values):
    values.setdefault("key", "C1")
    return CustomerSnapshot(items=tuple(items), **values)


# ------------------------------------------------------------------ simulation


def _after_create(snapshot, decision, on):
    items = tuple(
        dataclasses.replace(it, level_index=new, level_event_sent=False)
        if (new := decision.item_levels.get(it.key)) is not None
        else it
        for it in snapshot.items
    )
    return dataclasses.replace(
        snapshot, items=items, has_pending_event=True, has_event_on_date=True
    )


def _after_send(snapshot, event_items, event_date):
    items = tuple(
        dataclasses.replace(it, level_event_sent=True) if it.key in event_items else it
        for it in snapshot.items
    )
    return dataclasses.replace(
        snapshot,
        items=items,
        has_pending_event=False,
        last_sent_event_date=event_date,
    )


def simulate(snapshot, levels, start, days, send_after=1):
    """Run the daily job from ``start`` for ``days`` days; a created event is sent
    ``send_after`` days later (before that day's run). Returns the events as
    ``(date, decision, snapshot before the run)`` and the last snapshot."""
    events, pending = [], None
    for offset in range(days + 1):
        today = start + timedelta(days=offset)
        snapshot = dataclasses.replace(snapshot, has_event_on_date=False)
        if pending and today >= pending[0] + timedelta(days=send_after):
            snapshot = _after_send(snapshot, pending[1], pending[0])
            pending = None
        decision = decide(snapshot, levels, today)
        if decision.is_create:
            events.append((today, decision, snapshot))
            snapshot = _after_create(snapshot, decision, today)
            pending = (today, set(decision.item_levels))
    return events, snapshot


# ------------------------------------------------------------------ progression


def test_progression_day_by_day_over_90_days():
    events, last = simulate(customer(item("INV1")), LADDER, DUE, 90)
    assert [(e[0], e[1].level_index) for e in events] == [
        (day(1), 0),
        (day(10), 1),
        (day(20), 2),
        (day(30), 3),
        (day(45), 4),
        (day(60), 5),
    ]
    assert [e[1].level for e in events] == LADDER
    assert last.items[0].level_index == LITIGATION
    final = decide(last, LADDER, day(91))
    assert final.reason == "litigation_reached"
    assert final.next_date is None


def test_first_contact_is_level_zero_even_when_60_days_late():
    late = item("INV1", due_offset=-60)
    events, _last = simulate(customer(late), LADDER, DUE, 90)
    levels = [e[1].level_index for e in events]
    assert levels == [0, 1, 2, 3, 4, 5]
    # Each step waits for the previous event to be sent (next day) and for the
    # minimum interval of the new level since that event.
    assert [e[0] for e in events] == [
        day(0),
        day(7),
        day(14),
        day(21),
        day(31),
        day(41),
    ]


def test_first_decision_for_a_very_late_invoice_is_level_zero():
    decision = decide(customer(item("INV1", due_offset=-200)), LADDER, DUE)
    assert decision.action == "create"
    assert decision.level_index == 0
    assert decision.level.name == "Relance courtoise"
    assert dict(decision.item_levels) == {"INV1": 0}


def test_unsent_event_blocks_advance():
    stuck = customer(item("INV1", due_offset=-40, level=1, sent=False))
    decision = decide(stuck, LADDER, DUE)
    assert decision.action == "skip"
    assert decision.reason == "no_level_due"
    assert decision.next_date is None
    sent = customer(item("INV1", due_offset=-40, level=1, sent=True))
    assert decide(sent, LADDER, DUE).level_index == 2


def test_never_sent_events_stop_the_progression():
    events, _last = simulate(customer(item("INV1")), LADDER, DUE, 90, send_after=999)
    assert [e[1].level_index for e in events] == [0]


def test_pending_event_skips_the_customer():
    waiting = customer(item("INV1", due_offset=-40, level=1), has_pending_event=True)
    decision = decide(waiting, LADDER, DUE)
    assert (decision.action, decision.reason) == ("skip", "pending_event")


# ------------------------------------------------------------------ grouping


def test_one_event_at_the_highest_level_with_mixed_items():
    snapshot = customer(
        item("A", due_offset=-35, level=2),  # candidate 3 (due+30 reached)
        item("B", due_offset=-5),  # first contact: candidate 0
        item("C", due_offset=-3, level=0),  # level 1 at due+10: not yet
        item("D", due_offset=-40, level=1, sent=False),  # blocked
        item("E", due_offset=5),  # not due yet
    )
    decision = decide(snapshot, LADDER, DUE)
    assert decision.action == "create"
    assert decision.level is LADDER[3]
    assert decision.level_index == 3
    assert dict(decision.item_levels) == {"A": 3, "B": 0}
    assert decision.covered_items == ("A", "B", "C", "D")
    assert decision.overdue_total == Decimal("400.00")


def test_each_item_advances_one_step_independently():
    snapshot = customer(
        item("A", due_offset=-100, level=0), item("B", due_offset=-100, level=3)
    )
    decision = decide(snapshot, LADDER, DUE)
    assert decision.level_index == 4
    assert dict(decision.item_levels) == {"A": 1, "B": 4}


def test_installments_are_separate_items():
    snapshot = customer(
        item(("INV1", 1), due_offset=-25, residual="300.00", level=1),
        item(("INV1", 2), due_offset=-5, residual="300.00"),
        item(("INV1", 3), due_offset=0, residual="300.00"),  # due today: not late
        item(("INV1", 4), due_offset=25, residual="300.00"),
    )
    decision = decide(snapshot, LADDER, DUE)
    assert decision.covered_items == (("INV1", 1), ("INV1", 2))
    assert dict(decision.item_levels) == {("INV1", 1): 2, ("INV1", 2): 0}
    assert decision.level_index == 2
    assert decision.overdue_total == Decimal("600.00")


def test_overdue_starts_the_day_after_due_date():
    zero_day = [dataclasses.replace(LADDER[0], days_after_due=0), *LADDER[1:]]
    snapshot = customer(item("INV1"))
    assert decide(snapshot, zero_day, day(0)).reason == "no_overdue"
    assert decide(snapshot, zero_day, day(1)).level_index == 0
    assert next_reminder_date(snapshot.items[0], zero_day, None) == day(1)


def test_delay_is_reached_on_its_day():
    snapshot = customer(item("INV1", level=0))
    assert decide(snapshot, LADDER, day(9)).reason == "no_level_due"
    assert decide(snapshot, LADDER, day(10)).level_index == 1


def test_settled_items_are_ignored():
    snapshot = customer(item("PAID", due_offset=-30, residual="0"))
    assert decide(snapshot, LADDER, DUE).reason == "no_overdue"


# ------------------------------------------------------------------ netting


def test_credit_equal_to_overdue_gives_nothing():
    snapshot = customer(
        item("A", due_offset=-20, residual="200.00"),
        item("B", due_offset=-3, residual="100.00"),
        unapplied_credit=Decimal("300.00"),
    )
    decision = decide(snapshot, LADDER, DUE)
    assert decision.reason == "net_balance_not_positive"
    assert decision.overdue_total == Decimal("300.00")
    assert decision.net_total == Decimal("0.00")
    assert decision.level is None


def test_one_cent_of_net_debt_is_reminded():
    snapshot = customer(
        item("A", due_offset=-20, residual="300.00"),
        unapplied_credit=Decimal("299.99"),
    )
    decision = decide(snapshot, LADDER, DUE)
    assert decision.action == "create"
    assert decision.net_total == Decimal("0.01")


def test_netting_uses_only_overdue_non_excluded_items():
    snapshot = customer(
        item("A", due_offset=-20, residual="100.00"),
        item("B", due_offset=-20, residual="500.00", excluded="dispute"),
        item("C", due_offset=10, residual="900.00"),
        unapplied_credit=Decimal("150.00"),
    )
    decision = decide(snapshot, LADDER, DUE)
    assert decision.reason == "net_balance_not_positive"
    assert decision.net_total == Decimal("-50.00")


# ------------------------------------------------------------------ exclusions


def test_customer_exclusion():
    snapshot = customer(item("A", due_offset=-20), excluded_reason="no_reminders")
    decision = decide(snapshot, LADDER, DUE)
    assert (decision.action, decision.reason) == ("skip", "customer_excluded")


def test_excluded_items_are_left_out_of_everything():
    snapshot = customer(
        item("A", due_offset=-35, level=2, excluded="dispute"),
        item("B", due_offset=-5),
        item("C", due_offset=-50, excluded="payment_plan"),
    )
    decision = decide(snapshot, LADDER, DUE)
    assert decision.level_index == 0  # A's level 3 is not considered
    assert dict(decision.item_levels) == {"B": 0}
    assert decision.covered_items == ("B",)
    assert dict(decision.excluded_items) == {"A": "dispute", "C": "payment_plan"}
    assert decision.overdue_total == Decimal("100.00")


def test_all_items_excluded():
    snapshot = customer(
        item("A", due_offset=-20, excluded="promise"),
        item("B", due_offset=5),
    )
    decision = decide(snapshot, LADDER, DUE)
    assert decision.reason == "all_items_excluded"
    assert dict(decision.excluded_items) == {"A": "promise"}


# ------------------------------------------------------------------ min interval


def test_min_interval_since_last_sent_event():
    snapshot = customer(
        item("A", due_offset=-12, level=0), last_sent_event_date=DUE - timedelta(3)
    )
    blocked = decide(snapshot, LADDER, DUE)
    assert blocked.reason == "min_interval"
    assert blocked.next_date == DUE + timedelta(4)
    assert blocked.level is None
    assert decide(snapshot, LADDER, blocked.next_date).level_index == 1


def test_min_interval_is_the_one_of_the_event_level():
    snapshot = customer(
        item("NEW", due_offset=-2),  # level 0, interval 0
        item("OLD", due_offset=-50, level=3),  # level 4, interval 10
        last_sent_event_date=DUE - timedelta(2),
    )
    decision = decide(snapshot, LADDER, DUE)
    assert decision.reason == "min_interval"
    assert decision.next_date == DUE + timedelta(8)
    without_old = customer(snapshot.items[0], last_sent_event_date=DUE - timedelta(2))
    assert decide(without_old, LADDER, DUE).level_index == 0


def test_no_level_due_gives_the_next_date():
    snapshot = customer(
        item("A", due_offset=-5, level=0),  # level 1 at due+10
        item("B", due_offset=3),  # not due: level 0 at due+1
        last_sent_event_date=DUE - timedelta(4),
    )
    decision = decide(snapshot, LADDER, DUE)
    assert decision.reason == "no_level_due"
    assert decision.next_date == DUE + timedelta(4)  # B's level 0
    assert decide(snapshot, LADDER, decision.next_date).level_index == 0


# ------------------------------------------------------------------ idempotence


def test_running_twice_the_same_day_creates_nothing_the_second_time():
    snapshot = customer(item("A", due_offset=-20))
    first = decide(snapshot, LADDER, DUE)
    assert first.is_create
    snapshot = _after_create(snapshot, first, DUE)
    assert snapshot.has_event_on_date
    second = decide(dataclasses.replace(snapshot, has_pending_event=False), LADDER, DUE)
    assert (second.action, second.reason) == ("skip", "already_done_today")


def test_decide_is_deterministic():
    snapshot = customer(item("A", due_offset=-35, level=2), item("B", due_offset=-5))
    assert decide(snapshot, LADDER, DUE) == decide(snapshot, LADDER, DUE)


# ------------------------------------------------------------------ litigation


def test_litigation_stops_automation_for_that_item():
    snapshot = customer(item("A", due_offset=-300, level=LITIGATION))
    decision = decide(snapshot, LADDER, DUE)
    assert decision.reason == "litigation_reached"
    assert decision.level is None


def test_litigation_item_is_listed_but_not_advanced():
    snapshot = customer(
        item("A", due_offset=-300, level=LITIGATION), item("B", due_offset=-2)
    )
    decision = decide(snapshot, LADDER, DUE)
    assert decision.level_index == 0
    assert dict(decision.item_levels) == {"B": 0}
    assert decision.covered_items == ("A", "B")


def test_litigation_level_never_advances_even_if_not_last():
    # next_reminder_date does not validate the ladder: the rule holds on its own.
    unchecked = [*LADDER, _level("after", 90, sequence=99)]
    assert next_reminder_date(item("A", level=LITIGATION), unchecked, None) is None
    assert next_reminder_date(item("A", level=LITIGATION - 1), unchecked, None)


def test_last_level_without_litigation_does_not_advance():
    short = LADDER[:3]
    decision = decide(customer(item("A", due_offset=-300, level=2)), short, DUE)
    assert (decision.reason, decision.next_date) == ("no_level_due", None)


# ------------------------------------------------------------------ check order


def test_check_order_constant():
    assert CHECK_ORDER == (
        "already_done_today",
        "customer_excluded",
        "pending_event",
        "no_overdue",
        "all_items_excluded",
        "net_balance_not_positive",
        "litigation_reached",
        "no_level_due",
        "min_interval",
    )


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"has_event_on_date": True}, "already_done_today"),
        ({"excluded_reason": "no_reminders"}, "customer_excluded"),
        ({"has_pending_event": True}, "pending_event"),
        ({"unapplied_credit": Decimal("1000")}, "net_balance_not_positive"),
        ({"last_sent_event_date": DUE}, "min_interval"),
    ],
)
def test_first_matching_check_wins(values, expected):
    everything = {
        "has_event_on_date": True,
        "excluded_reason": "no_reminders",
        "has_pending_event": True,
        "unapplied_credit": Decimal("1000"),
        "last_sent_event_date": DUE,
    }
    position = list(everything).index(next(iter(values)))
    active = dict(list(everything.items())[position:])
    snapshot = customer(item("A", due_offset=-50, level=3), **active)
    assert decide(snapshot, LADDER, DUE).reason == expected


# ------------------------------------------------------------------ validation


def _level(key, days, sequence=None, **values):
    return LevelSpec(
        key=key,
        sequence=days if sequence is None else sequence,
        days_after_due=days,
        name=values.pop("name", f"L{key}"),
        **values,
    )


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        (
            [],
            "La politique de relance doit comporter au moins un niveau / "
            "The reminder policy needs at least one level",
        ),
        (
            [_level(1, 5), _level(2, 5, sequence=9, name="X")],
            "Les délais des niveaux doivent être strictement croissants "
            '(niveau « X ») / Level delays must strictly increase (level "X")',
        ),
        (
            [_level(1, 10), _level(2, 5, sequence=20, name="X")],
            "Les délais des niveaux doivent être strictement croissants "
            '(niveau « X ») / Level delays must strictly increase (level "X")',
        ),
        (
            [_level(1, -91, name="X")],
            "Un niveau ne peut pas venir plus de 90 jours avant l'échéance "
            "(niveau « X ») / A level cannot come more than 90 days before the "
            'due date (level "X")',
        ),
        (
            [_level(1, -5, name="X", stops_automation=True)],
            "Un niveau avant l'échéance ne peut pas être un contentieux "
            "(niveau « X ») / A level before the due date cannot be a "
            'litigation level (level "X")',
        ),
        (
            [_level(1, 1, name="X", min_days_since_previous=-2)],
            "L'intervalle minimal depuis la relance précédente ne peut pas être "
            "négatif (niveau « X ») / The minimum interval since the previous "
            'reminder cannot be negative (level "X")',
        ),
        (
            [_level(1, 1, stops_automation=True), _level(2, 9, name="X")],
            "Aucun niveau ne peut suivre un niveau de contentieux qui arrête les "
            "relances automatiques (niveau « X ») / No level may follow a "
            'litigation level that stops automatic reminders (level "X")',
        ),
        (
            [_level(1, 1, sequence=5), _level(2, 9, sequence=4, name="X")],
            "Les niveaux doivent être donnés dans l'ordre de leur séquence "
            '(niveau « X ») / Levels must be given in sequence order (level "X")',
        ),
        (
            [_level(1, 1), _level(1, 9, name="X")],
            "Chaque niveau doit avoir sa propre clé (niveau « X ») / "
            'Each level needs its own key (level "X")',
        ),
    ],
)
def test_invalid_ladders_are_refused_with_a_bilingual_message(levels, message):
    with pytest.raises(DunningConfigError) as error:
        validate_ladder(levels)
    assert str(error.value) == message
    assert isinstance(error.value, ValueError)
    with pytest.raises(DunningConfigError):
        decide_all([customer(item("A", due_offset=-5))], levels, DUE)


def test_level_without_name_is_labelled_by_its_key():
    with pytest.raises(DunningConfigError, match="« 7 »"):
        validate_ladder([LevelSpec(key=7, sequence=1, days_after_due=-100)])


def test_valid_ladders():
    validate_ladder(LADDER)
    validate_ladder([_level(1, 0), _level(2, 1, sequence=0)])  # same sequence
    validate_ladder([_level(1, 0, stops_automation=True)])


# ------------------------------------------------------------------ API details


def test_next_reminder_date():
    fresh = item("A", due_offset=0)
    assert next_reminder_date(fresh, LADDER, None) == day(1)
    sent = item("A", level=1)
    assert next_reminder_date(sent, LADDER, None) == day(20)
    assert next_reminder_date(sent, LADDER, day(18)) == day(25)
    assert next_reminder_date(item("A", level=1, sent=False), LADDER, None) is None
    assert next_reminder_date(item("A", level=LITIGATION), LADDER, None) is None
    assert next_reminder_date(item("A", excluded="dispute"), LADDER, None) is None
    assert next_reminder_date(item("A", residual="0"), LADDER, None) is None
    assert next_reminder_date(fresh, [], None) is None


def test_decide_all_keeps_order_and_matches_decide():
    customers = [
        customer(item("A", due_offset=-20), key=1),
        customer(item("B", due_offset=5), key=2),
        customer(item("C", due_offset=-40, level=1), key=3),
    ]
    decisions = decide_all(customers, LADDER, DUE)
    assert [d.customer_key for d in decisions] == [1, 2, 3]
    assert decisions == [decide(c, LADDER, DUE) for c in customers]
    assert [d.action for d in decisions] == ["create", "skip", "create"]


def test_decisions_are_read_only():
    decision = decide(customer(item("A", due_offset=-20)), LADDER, DUE)
    with pytest.raises(TypeError):
        decision.item_levels["A"] = 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        decision.action = "skip"


def test_negative_level_index_is_refused():
    with pytest.raises(ValueError, match="negative level_index"):
        decide(customer(item("A", due_offset=-20, level=-1)), LADDER, DUE)


def test_public_names():
    for name in dunning.__all__:
        assert hasattr(dunning, name), name


# ------------------------------------------------------------------ properties

AS_OF = date(2025, 6, 30)


@st.composite
def ladders(draw):
    size = draw(st.integers(1, 6))
    steps = draw(st.lists(st.integers(1, 20), min_size=size, max_size=size))
    first = draw(st.integers(0, 5))
    days = [first + sum(steps[:index]) for index in range(size)]
    gaps = draw(st.lists(st.integers(0, 15), min_size=size, max_size=size))
    litigation = draw(st.booleans())
    return [
        LevelSpec(
            key=index,
            sequence=index,
            days_after_due=days[index],
            min_days_since_previous=gaps[index],
            stops_automation=litigation and index == size - 1,
            name=f"L{index}",
        )
        for index in range(size)
    ]


@st.composite
def snapshots(draw, size):
    count = draw(st.integers(0, 6))
    items = tuple(
        OpenItem(
            key=key,
            due_date=AS_OF + timedelta(days=draw(st.integers(-150, 30))),
            residual=Decimal(draw(st.integers(-500, 100000))) / 100,
            level_index=draw(st.none() | st.integers(0, size - 1)),
            level_event_sent=draw(st.booleans()),
            excluded_reason=draw(st.sampled_from([None, None, None, "dispute"])),
        )
        for key in range(count)
    )
    last_sent = draw(st.none() | st.integers(0, 40))
    return CustomerSnapshot(
        key="C",
        items=items,
        unapplied_credit=Decimal(draw(st.integers(0, 50000))) / 100,
        excluded_reason=draw(st.sampled_from([None] * 9 + ["no_reminders"])),
        last_sent_event_date=None
        if last_sent is None
        else AS_OF - timedelta(days=last_sent),
        has_pending_event=draw(st.integers(0, 9)) == 0,
        has_event_on_date=draw(st.integers(0, 9)) == 0,
    )


@st.composite
def cases(draw):
    levels = draw(ladders())
    return levels, draw(snapshots(len(levels)))


def _overdue_included(snapshot):
    return [
        it
        for it in snapshot.items
        if it.due_date < AS_OF and it.residual > 0 and not it.excluded_reason
    ]


@settings(max_examples=300, deadline=None)
@given(cases())
def test_property_skip_never_carries_a_level(case):
    levels, snapshot = case
    decision = decide(snapshot, levels, AS_OF)
    if decision.action == "skip":
        assert decision.reason in CHECK_ORDER
        assert decision.level is None and decision.level_index is None
        assert not decision.item_levels and decision.covered_items == ()
        if decision.reason not in ("no_level_due", "min_interval"):
            assert decision.next_date is None
        if decision.next_date is not None:
            assert decision.next_date > AS_OF
    else:
        assert decision.action == "create" and decision.reason is None
        assert decision.level == levels[decision.level_index]
        assert decision.next_date is None


@settings(max_examples=300, deadline=None)
@given(cases())
def test_property_one_step_per_item_and_per_event(case):
    levels, snapshot = case
    decision = decide(snapshot, levels, AS_OF)
    if not decision.is_create:
        return
    by_key = {it.key: it for it in snapshot.items}
    previous = [
        -1 if it.level_index is None else it.level_index
        for it in _overdue_included(snapshot)
    ]
    assert decision.level_index <= max(previous) + 1
    assert decision.level_index == max(decision.item_levels.values())
    for key, new in decision.item_levels.items():
        old = by_key[key]
        assert new == (0 if old.level_index is None else old.level_index + 1)
        assert old.level_index is None or old.level_event_sent
        assert old.level_index is None or not levels[old.level_index].stops_automation
        assert old.due_date + timedelta(days=levels[new].days_after_due) <= AS_OF
    assert decision.covered_items == tuple(it.key for it in _overdue_included(snapshot))
    assert set(decision.item_levels) <= set(decision.covered_items)
    assert not set(decision.excluded_items) & set(decision.covered_items)
    assert decision.net_total > 0
    last = snapshot.last_sent_event_date
    gap = timedelta(days=decision.level.min_days_since_previous)
    assert last is None or last + gap <= AS_OF


@settings(max_examples=200, deadline=None)
@given(cases())
def test_property_next_date_is_the_first_event_date(case):
    levels, snapshot = case
    decision = decide(snapshot, levels, AS_OF)
    if decision.next_date is None:
        return
    later = AS_OF + timedelta(days=1)
    while later < decision.next_date:
        assert not decide(snapshot, levels, later).is_create, later
        later += timedelta(days=1)
    assert decide(snapshot, levels, decision.next_date).is_create


@settings(max_examples=200, deadline=None)
@given(cases())
def test_property_excluded_items_change_nothing(case):
    levels, snapshot = case
    kept = tuple(it for it in snapshot.items if not it.excluded_reason)
    with_them = decide(snapshot, levels, AS_OF)
    without = decide(dataclasses.replace(snapshot, items=kept), levels, AS_OF)
    if with_them.reason == "all_items_excluded":
        assert without.reason == "no_overdue"
        return
    assert dataclasses.replace(with_them, excluded_items={}) == dataclasses.replace(
        without, excluded_items={}
    )


@settings(max_examples=200, deadline=None)
@given(cases())
def test_property_enough_credit_always_skips(case):
    levels, snapshot = case
    decision = decide(snapshot, levels, AS_OF)
    credited = dataclasses.replace(snapshot, unapplied_credit=decision.overdue_total)
    assert not decide(credited, levels, AS_OF).is_create


@settings(max_examples=60, deadline=None)
@given(cases(), st.integers(0, 5))
def test_property_simulated_runs_climb_one_level_at_a_time(case, send_after):
    levels, snapshot = case
    snapshot = dataclasses.replace(
        snapshot,
        has_pending_event=False,
        excluded_reason=None,
        items=tuple(it for it in snapshot.items if it.level_event_sent),
    )
    start = AS_OF - timedelta(days=30)
    events, _last = simulate(snapshot, levels, start, 120, send_after=send_after)
    dates = [when for when, _decision, _before in events]
    assert len(dates) == len(set(dates))
    for when, decision, before in events:
        previous = {it.key: it.level_index for it in before.items}
        for key, new in decision.item_levels.items():
            assert new == (0 if previous[key] is None else previous[key] + 1)
        reached = [-1 if level is None else level for level in previous.values()]
        assert decision.level_index <= max(reached) + 1
        last = before.last_sent_event_date
        gap = timedelta(days=decision.level.min_days_since_previous)
        assert last is None or last + gap <= when
        assert not before.has_pending_event


# ------------------------------------------------------------ before the due date

BEFORE = LevelSpec(key=99, sequence=5, days_after_due=-5, name="Avant échéance")
LADDER_BEFORE = [BEFORE, *LADDER]


def test_before_due_level_reaches_invoices_not_due_yet():
    fresh = item("A", due_offset=0)
    assert decide(customer(fresh), LADDER_BEFORE, day(-6)).reason == "no_overdue"
    decision = decide(customer(fresh), LADDER_BEFORE, day(-5))
    assert decision.is_create
    assert decision.level == BEFORE
    assert decision.covered_items == ("A",)
    assert dict(decision.item_levels) == {"A": 0}
    assert decision.overdue_total == 0
    assert decision.net_total == Decimal("100.00")
    # On the due date itself the invoice is not overdue yet: still the notice.
    assert decide(customer(fresh), LADDER_BEFORE, day(0)).level == BEFORE
    # Without a level before the due date, nothing happens before D+1.
    assert decide(customer(fresh), LADDER, day(-5)).reason == "no_overdue"


def test_after_the_notice_the_invoice_follows_the_usual_ladder():
    notified = item("A", level=0)
    assert decide(customer(notified), LADDER_BEFORE, day(0)).reason == "no_overdue"
    decision = decide(customer(notified), LADDER_BEFORE, day(1))
    assert decision.level == LADDER[0]
    assert dict(decision.item_levels) == {"A": 1}
    # Not sent yet: it waits.
    waiting = item("A", level=0, sent=False)
    assert decide(customer(waiting), LADDER_BEFORE, day(1)).reason == "no_level_due"


def test_an_overdue_invoice_never_gets_the_notice_before_the_due_date():
    late = item("A", due_offset=-3)  # never reminded, already 3 days late
    decision = decide(customer(late), LADDER_BEFORE, day(0))
    assert decision.level == LADDER[0]
    assert dict(decision.item_levels) == {"A": 1}


def test_customer_with_overdue_invoices_gets_no_notice_for_the_others():
    late = item("A", due_offset=-3, level=1)  # at the courteous level, sent
    coming = item("B", due_offset=3)
    decision = decide(customer(late, coming), LADDER_BEFORE, day(0))
    assert decision.reason == "no_level_due"


def test_notice_before_due_respects_credit_and_interval():
    fresh = item("A", due_offset=0)
    credited = customer(fresh, unapplied_credit=Decimal("100.00"))
    assert decide(credited, LADDER_BEFORE, day(-2)).reason == "net_balance_not_positive"
    gapped = dataclasses.replace(BEFORE, min_days_since_previous=7)
    recent = customer(fresh, last_sent_event_date=day(-8))
    decision = decide(recent, [gapped, *LADDER], day(-4))
    assert decision.reason == "min_interval"
    assert decision.next_date == day(-1)


def test_next_reminder_date_before_due():
    fresh = item("A", due_offset=0)
    assert next_reminder_date(fresh, LADDER_BEFORE, None) == day(-5)
    assert next_reminder_date(fresh, LADDER_BEFORE, None, as_of=day(2)) == day(1)
    assert next_reminder_date(item("A", level=0), LADDER_BEFORE, None) == day(1)
