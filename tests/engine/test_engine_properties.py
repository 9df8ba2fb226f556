# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Property tests (hypothesis): invariants of the interest computation and
robustness of the command against random and malformed input."""

import json
import re
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
from engine_helpers import build_case
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from account_relance_fr.engine import (
    Case,
    Invoice,
    Payment,
    compute_case,
    load_default_rates,
    parse_case,
)
from account_relance_fr.engine.cli import run

RATES = load_default_rates()
MONEY = re.compile(r"\d+\.\d\d")
ROOT = Path(__file__).resolve().parents[2]
FIRST = date(2015, 1, 1)
LAST = date(2026, 12, 31)
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
REGIMES = st.sampled_from(
    [
        {"customer_type": "B2B"},
        {"customer_type": "B2B", "contractual_rate_pct": Decimal("9.5")},
        {
            "customer_type": "B2B",
            "contractual_rate_pct": Decimal("4"),
            "below_floor_policy": "statutory_default",
        },
        {"customer_type": "B2B", "contractual_rate_clause": "3x_legal"},
        {"customer_type": "B2G", "buyer": "hospital"},
        {"customer_type": "B2C", "mise_en_demeure_received": date(2016, 3, 1)},
        {
            "customer_type": "B2C",
            "creditor": "individual",
            "mise_en_demeure_received": date(2018, 5, 20),
            "judgment_enforceable_date": date(2019, 1, 31),
        },
    ]
)
OPTIONS = st.fixed_dictionaries(
    {
        "day_count": st.sampled_from(["ACT/365", "ACT/ACT"]),
        "payment_imputation": st.sampled_from(["principal_first", "interest_first"]),
    }
)


@st.composite
def invoices(draw, max_payments=3):
    """An invoice due in the tables' range with payments and credit notes."""
    invoice_date = draw(st.dates(FIRST, LAST - timedelta(days=700)))
    due_date = invoice_date + timedelta(days=draw(st.integers(0, 90)))
    cents = draw(st.integers(0, 10**10))
    amount = Decimal(cents).scaleb(-2)
    payments = []
    left = cents
    for _ in range(draw(st.integers(0, max_payments))):
        part = draw(st.integers(0, left))
        left -= part
        when = due_date + timedelta(days=draw(st.integers(-30, 300)))
        payments.append(Payment(max(when, invoice_date), Decimal(part).scaleb(-2)))
    return Invoice("A", invoice_date, due_date, amount, payments=tuple(payments))


def case_with(invoice, regime, options, evaluation):
    return Case(evaluation_date=evaluation, invoices=(invoice,), **regime, **options)


def evaluation_for(draw, invoice):
    return invoice.due_date + timedelta(days=draw(st.integers(-10, 380)))


@SETTINGS
@given(data=st.data(), regime=REGIMES, options=OPTIONS)
def test_splitting_a_period_anywhere_keeps_the_exact_total(data, regime, options):
    invoice = data.draw(invoices())
    evaluation = evaluation_for(data.draw, invoice)
    split = invoice.due_date + timedelta(days=data.draw(st.integers(0, 400)))
    split = max(min(split, evaluation), invoice.invoice_date)
    cut = Invoice(
        "A",
        invoice.invoice_date,
        invoice.due_date,
        invoice.amount_ttc,
        payments=(*invoice.payments, Payment(split, Decimal("0.00"))),
    )
    whole = compute_case(case_with(invoice, regime, options, evaluation), RATES)
    parts = compute_case(case_with(cut, regime, options, evaluation), RATES)
    assert parts.invoices[0].interest_exact == whole.invoices[0].interest_exact
    assert parts.total_claim == whole.total_claim
    assert parts.indemnity_total == whole.indemnity_total
    assert len(parts.segments) - len(whole.segments) in (0, 1)


@SETTINGS
@given(
    due=st.dates(FIRST, date(2025, 12, 31)),
    days=st.integers(1, 700),
    cents=st.integers(1, 10**10),
)
def test_b2g_half_years_split_nothing(due, days, cents):
    # the B2G rate is fixed: the segments cut at half-years add up to one formula
    amount = Decimal(cents).scaleb(-2)
    invoice = Invoice("A", due, due, amount)
    evaluation = min(due + timedelta(days=days), LAST)
    days = (evaluation - due).days
    result = compute_case(Case("B2G", evaluation, (invoice,)), RATES)
    rate = result.segments[0].rate_pct
    assert {segment.rate_pct for segment in result.segments} == {rate}
    expected = Decimal(amount) * rate * days / Decimal(36500)
    assert abs(result.invoices[0].interest_exact - expected) < Decimal("1e-20")
    assert sum(segment.days for segment in result.segments) == days


@SETTINGS
@given(data=st.data(), regime=REGIMES, options=OPTIONS)
def test_interest_grows_with_days(data, regime, options):
    invoice = data.draw(invoices())
    first = evaluation_for(data.draw, invoice)
    later = first + timedelta(days=data.draw(st.integers(1, 200)))
    early = compute_case(case_with(invoice, regime, options, first), RATES)
    late = compute_case(case_with(invoice, regime, options, later), RATES)
    assert late.invoices[0].interest_exact >= early.invoices[0].interest_exact
    assert late.interest_total >= early.interest_total
    assert late.days_late >= early.days_late


@SETTINGS
@given(data=st.data(), regime=REGIMES, options=OPTIONS, extra=st.integers(1, 10**8))
def test_interest_grows_with_amount(data, regime, options, extra):
    invoice = data.draw(invoices())
    evaluation = evaluation_for(data.draw, invoice)
    bigger = Invoice(
        "A",
        invoice.invoice_date,
        invoice.due_date,
        invoice.amount_ttc + Decimal(extra).scaleb(-2),
        payments=invoice.payments,
    )
    small = compute_case(case_with(invoice, regime, options, evaluation), RATES)
    big = compute_case(case_with(bigger, regime, options, evaluation), RATES)
    assert big.invoices[0].interest_exact >= small.invoices[0].interest_exact
    if small.invoices[0].interest_exact > 0:
        assert big.invoices[0].interest_exact > small.invoices[0].interest_exact


@SETTINGS
@given(
    data=st.data(),
    regime=REGIMES,
    options=OPTIONS,
    early_days=st.integers(0, 30),
    split=st.integers(0, 100),
)
def test_paying_by_the_due_date_costs_nothing(data, regime, options, early_days, split):
    invoice = data.draw(invoices(max_payments=0))
    paid_on = max(invoice.invoice_date, invoice.due_date - timedelta(days=early_days))
    first_part = (invoice.amount_ttc * split / 100).quantize(Decimal("0.01"))
    payments = (
        Payment(paid_on, first_part),
        Payment(invoice.due_date, invoice.amount_ttc - first_part),
    )
    paid = Invoice(
        "A", invoice.invoice_date, invoice.due_date, invoice.amount_ttc, payments
    )
    evaluation = evaluation_for(data.draw, invoice)
    result = compute_case(case_with(paid, regime, options, evaluation), RATES)
    assert result.interest_total == 0 and result.indemnity_total == 0
    assert result.total_claim == 0 and result.days_late == 0
    assert result.segments == ()


# ------------------------------------------------------------ the command

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
FIELD_VALUES = (
    JSON_VALUES
    | st.sampled_from(
        [
            "2024-02-29",
            "2024-02-30",
            "1e3",
            "-1.00",
            "0.001",
            "NaN",
            "Infinity",
            "B2B",
            "B2G",
            "3x_legal",
            "interest_first",
            "ACT/ACT",
            "9" * 40,
            "2999-12-31",
            "1900-01-01",
            "0000-01-01",
            "2015-01-01",
            "\n",
            "é",
        ]
    )
    | st.dates(date(1890, 1, 1), date(3010, 1, 1)).map(date.isoformat)
    | st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str)
)


def check_command(stdin: bytes) -> dict | None:
    """Run the command in-process; check it fails cleanly or succeeds with
    non-negative decimal amounts. Returns the output when it succeeded."""
    code, out, err = run(stdin)
    assert code in (0, 2), err
    if code == 2:
        assert out == "" and err.startswith("error: ")
        assert err.count("\n") == 1 and err.endswith("\n")
        assert " / " in err, "bilingual message"
        return None
    assert err == ""
    out.encode("utf-8")  # what the command writes must be valid UTF-8
    result = json.loads(out, parse_float=str, parse_int=str)
    check_amounts(result)
    return json.loads(out)


def check_amounts(result: dict) -> None:
    money_keys = (
        "interest_total",
        "indemnity_total",
        "additional_compensation",
        "principal_outstanding",
        "interest_paid",
        "interest_unpaid",
        "total_claim",
    )
    items = [result, *result["per_invoice"]]
    for item in items:
        for key in money_keys:
            if key in item:
                assert_money(item[key], key)
        assert int(item["days_late"]) >= 0
    segments = [seg for item in items for seg in item["segments"]]
    for segment in segments:
        assert_money(segment["interest_rounded"], "interest_rounded")
        # Exact bases and rates: an interest-first imputation leaves a sub-cent
        # fraction in the base, shown with all its digits (engine README §11).
        for key in ("principal", "rate_pct", "interest_exact"):
            assert_decimal(segment[key], key)
        assert int(segment["days"]) > 0


def assert_decimal(text, key) -> Decimal:
    """``text`` is a JSON string holding a finite, non-negative decimal."""
    assert isinstance(text, str), (key, text)
    try:
        value = Decimal(text)
    except InvalidOperation as error:
        raise AssertionError((key, text)) from error
    assert value.is_finite() and value >= 0, (key, text)
    return value


def assert_money(text, key) -> None:
    """``text`` is a non-negative amount written with exactly two decimals."""
    value = assert_decimal(text, key)
    assert MONEY.fullmatch(text) and value == value.quantize(Decimal("0.01")), (
        key,
        text,
    )


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_command_never_crashes_on_random_json(value):
    check_command(json.dumps(value).encode("utf-8"))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_command_never_crashes_on_random_bytes(data):
    check_command(data)


PATHS = [
    ("customer_type",),
    ("creditor",),
    ("contractual_rate_pct",),
    ("contractual_rate_clause",),
    ("below_floor_policy",),
    ("payment_imputation",),
    ("day_count",),
    ("evaluation_date",),
    ("mise_en_demeure_received",),
    ("judgment_enforceable_date",),
    ("buyer",),
    ("justified_recovery_costs_ht",),
    ("invoices",),
    ("unknown",),
    ("invoices", 0, "ref"),
    ("invoices", 0, "invoice_date"),
    ("invoices", 0, "due_date"),
    ("invoices", 0, "amount_ttc"),
    ("invoices", 0, "payments"),
    ("invoices", 0, "credit_notes"),
    ("invoices", 0, "payments", 0, "date"),
    ("invoices", 0, "payments", 0, "amount"),
    ("invoices", 0, "credit_notes", 0, "date"),
    ("invoices", 0, "credit_notes", 0, "amount_ttc"),
]


@settings(max_examples=400, deadline=None)
@given(
    paths=st.lists(st.sampled_from(PATHS), min_size=1, max_size=3),
    values=st.lists(FIELD_VALUES, min_size=3, max_size=3),
)
def test_command_never_crashes_on_mutated_cases(paths, values):
    data = build_case(
        [
            {
                "payments": [{"date": "2019-02-10", "amount": "100.00"}],
                "credit_notes": [{"date": "2019-02-20", "amount_ttc": "50.00"}],
            }
        ]
    )
    for path, value in zip(paths, values, strict=False):
        target = data
        for key in path[:-1]:
            target = child(target, key)
        if isinstance(target, dict):
            target[path[-1]] = value
    check_command(json.dumps(data).encode("utf-8"))


def child(container, key):
    """``container[key]`` when it exists, else ``None`` (the path was mutated)."""
    if isinstance(container, dict) and isinstance(key, str):
        return container.get(key)
    if isinstance(container, list) and isinstance(key, int) and key < len(container):
        return container[key]
    return None


@st.composite
def valid_cases(draw):
    regime = dict(draw(REGIMES))
    for key, value in list(regime.items()):
        if isinstance(value, date | Decimal):
            regime[key] = str(value)
    options = draw(OPTIONS)
    count = draw(st.integers(1, 4))
    items = []
    for number in range(count):
        invoice = draw(invoices())
        items.append(
            {
                "ref": f"R{number}",
                "invoice_date": invoice.invoice_date.isoformat(),
                "due_date": invoice.due_date.isoformat(),
                "amount_ttc": str(invoice.amount_ttc),
                "payments": [
                    {"date": p.date.isoformat(), "amount": str(p.amount)}
                    for p in invoice.payments
                ],
            }
        )
    latest = max(date.fromisoformat(item["due_date"]) for item in items)
    evaluation = min(latest + timedelta(days=draw(st.integers(-20, 300))), LAST)
    costs = draw(st.none() | st.integers(0, 500).map(str))
    return {
        **regime,
        **options,
        "evaluation_date": evaluation.isoformat(),
        "justified_recovery_costs_ht": costs,
        "invoices": items,
    }


@settings(max_examples=200, deadline=None)
@given(valid_cases())
def test_valid_cases_succeed_and_totals_add_up(data):
    result = check_command(json.dumps(data).encode("utf-8"))
    assert result is not None
    per_invoice = result["per_invoice"]
    for key in ("interest_total", "indemnity_total", "principal_outstanding"):
        assert Decimal(result[key]) == sum(Decimal(item[key]) for item in per_invoice)
    claims = sum(Decimal(item["total_claim"]) for item in per_invoice)
    assert Decimal(result["total_claim"]) == claims + Decimal(
        result["additional_compensation"]
    )
    for item in per_invoice:
        assert Decimal(item["interest_total"]) == Decimal(
            item["interest_exact"]
        ).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert parse_case(data).evaluation_date.isoformat() == data["evaluation_date"]


# ----------------------------------- the command fed hostile input (issue 8)

CASE_KEYS = [path[0] for path in PATHS if len(path) == 1]
INVOICE_KEYS = ["ref", "invoice_date", "due_date", "amount_ttc", "payments"]
INVOICE_KEYS += ["credit_notes", "unknown"]
UNICODE = st.text(
    st.characters(exclude_categories=()), max_size=12
)  # every code point, lone surrogates included
HOSTILE = FIELD_VALUES | UNICODE | st.integers(-(10**40), 10**40)


@st.composite
def case_shaped(draw):
    """A dict with the case's own keys (a random subset) whose values are
    random, of any type; invoices are lists of invoice-shaped dicts."""
    keys = draw(st.lists(st.sampled_from(CASE_KEYS), unique=True, max_size=8))
    data = {key: draw(HOSTILE) for key in keys}
    if draw(st.booleans()):
        data["invoices"] = [
            {
                key: draw(HOSTILE)
                for key in draw(st.lists(st.sampled_from(INVOICE_KEYS), unique=True))
            }
            for _ in range(draw(st.integers(0, 3)))
        ]
    return data


@settings(max_examples=200, deadline=None)
@given(case_shaped())
def test_command_never_crashes_on_case_shaped_random_json(data):
    check_command(json.dumps(data).encode("utf-8"))


RAW_NUMBERS = [
    "1e999",
    "-1e999",
    "1E400",
    "1e-400",
    "-0",
    "-0.0",
    "1" + "0" * 400,
    "0." + "0" * 400 + "1",
    "123456789012345678901234567890.12",
    "999999999999.99",
    "1000000000000",
    "1000000000001",
    "9.999999999999999e11",
    "12.345",
    "true",
    "null",
    "[]",
    "{}",
]


NUMBER_SLOTS = {
    "amount_ttc": ("invoices", 0, "amount_ttc"),
    "payment": ("invoices", 0, "payments", 0, "amount"),
    "credit_note": ("invoices", 0, "credit_notes", 0, "amount_ttc"),
    "rate": ("contractual_rate_pct",),
    "costs": ("justified_recovery_costs_ht",),
}


@settings(max_examples=200, deadline=None)
@given(
    number=st.sampled_from(RAW_NUMBERS) | st.integers(-(10**30), 10**30).map(str),
    slot=st.sampled_from(sorted(NUMBER_SLOTS)),
)
def test_command_never_crashes_on_huge_or_odd_json_numbers(number, slot):
    """Numbers written as raw JSON tokens (not strings): huge, tiny, exponent,
    negative zero, too many decimals, or another type in their place."""
    data = build_case(
        [
            {
                "payments": [{"date": "2019-02-10", "amount": "100.00"}],
                "credit_notes": [{"date": "2019-02-20", "amount_ttc": "50.00"}],
            }
        ]
    )
    *path, last = NUMBER_SLOTS[slot]
    target = data
    for key in path:
        target = target[key]
    target[last] = "@NUMBER@"
    text = json.dumps(data).replace('"@NUMBER@"', number)
    json.loads(text)  # the document itself is well-formed JSON
    check_command(text.encode("utf-8"))


@settings(max_examples=150, deadline=None)
@given(
    invoice_date=st.dates(date(1, 1, 1), date(9999, 12, 31)),
    due_days=st.integers(-400, 40000),
    evaluation_days=st.integers(-400, 40000),
    payment_days=st.integers(-40000, 40000),
)
def test_absurd_dates_give_an_error_or_sound_amounts(
    invoice_date, due_days, evaluation_days, payment_days
):
    """Dates from year 1 to 9999, due dates before the invoice, payments
    before the invoice or centuries later: a clean error or sound amounts."""

    def shifted(days):
        try:
            return (invoice_date + timedelta(days=days)).isoformat()
        except OverflowError:
            return "9999-12-31"

    data = build_case(
        [
            {
                "invoice_date": invoice_date.isoformat(),
                "due_date": shifted(due_days),
                "payments": [{"date": shifted(payment_days), "amount": "10.00"}],
            }
        ],
        evaluation_date=shifted(evaluation_days),
    )
    check_command(json.dumps(data).encode("utf-8"))


def test_lone_surrogate_is_a_clean_error():
    """``"\\ud800"`` is valid JSON but not valid text: refused, never a
    traceback when the reference is echoed back in the output."""
    data = build_case([{"ref": "\ud800"}])
    code, out, err = run(json.dumps(data).encode("utf-8"))
    assert (code, out) == (2, "")
    assert err == (
        "error: input: Caractère Unicode invalide (substitut isolé) / "
        "Invalid Unicode character (lone surrogate)\n"
    )


@pytest.mark.parametrize(
    "stdin",
    [b"", b"   \n", b"\xef\xbb\xbf{}", b"null", b'"text"', b"0", b"{}", b"[]"],
    ids=["empty", "blank", "bom", "null", "string", "number", "object", "list"],
)
def test_empty_and_trivial_input_is_one_line_error(stdin):
    code, out, err = run(stdin)
    assert (code, out) == (2, "")
    assert err.startswith("error: ") and err.count("\n") == 1 and " / " in err


@settings(max_examples=15, deadline=None)
@given(case_shaped() | valid_cases())
def test_real_process_prints_one_line_or_sound_json(data):
    """The command as a real process (what a shell script sees): exit 0 with
    JSON, or exit 2 with exactly one line ``error: ...`` and no traceback."""
    proc = subprocess.run(
        [sys.executable, "-m", "account_relance_fr.engine", "--compact"],
        input=json.dumps(data).encode("utf-8"),
        cwd=ROOT,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode in (0, 2), proc.stderr
    if proc.returncode == 2:
        assert proc.stdout == b""
        err = proc.stderr.decode("utf-8")
        assert err.startswith("error: ") and err.count("\n") == 1, err
    else:
        assert proc.stderr == b""
        check_amounts(json.loads(proc.stdout, parse_float=str, parse_int=str))
