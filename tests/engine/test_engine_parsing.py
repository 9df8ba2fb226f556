# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Input validation: ``parse_case`` and the value objects name the field at fault."""

import copy
from datetime import date, datetime
from decimal import Decimal

import pytest
from engine_helpers import build_case

from account_relance_fr.engine import (
    Case,
    CreditNote,
    EngineError,
    Invoice,
    Payment,
    parse_case,
)


def test_defaults_and_types():
    case = parse_case(build_case())
    assert case.creditor == "company"
    assert case.below_floor_policy == "raise_to_floor"
    assert case.payment_imputation == "principal_first"
    assert case.day_count == "ACT/365"
    assert case.buyer is None and case.contractual_rate_pct is None
    invoice = case.invoices[0]
    assert invoice.amount_ttc == Decimal("10000.00")
    assert invoice.due_date == date(2019, 1, 31)
    assert invoice.payments == () and isinstance(case.invoices, tuple)


def test_optional_keys_may_be_null():
    data = build_case(
        contractual_rate_pct=None,
        buyer=None,
        mise_en_demeure_received=None,
        justified_recovery_costs_ht=None,
    )
    data["invoices"][0]["payments"] = None
    assert parse_case(data).invoices[0].payments == ()


def test_odoo_style_values_are_accepted():
    data = build_case(contractual_rate_pct="12.0000", buyer="state")
    data["invoices"][0]["ref"] = 42
    case = parse_case(data)
    assert case.contractual_rate_pct == Decimal("12.0000")
    assert case.invoices[0].ref == "42"


def set_path(data, path, value):
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value


DELETE = object()
PAYMENT = {"date": "2019-02-01", "amount": "100.00"}

BAD_INPUTS = [
    (("customer_type",), "B2X", "customer_type"),
    (("customer_type",), DELETE, "customer_type"),
    (("creditor",), "person", "creditor"),
    (("day_count",), "30/360", "day_count"),
    (("payment_imputation",), 1, "payment_imputation"),
    (("below_floor_policy",), "ignore", "below_floor_policy"),
    (("contractual_rate_clause",), "2x_legal", "contractual_rate_clause"),
    (("contractual_rate_pct",), "12,5", "contractual_rate_pct"),
    (("contractual_rate_pct",), "-1", "contractual_rate_pct"),
    (("contractual_rate_pct",), "150", "contractual_rate_pct"),
    (("contractual_rate_pct",), 12.5, "contractual_rate_pct"),
    (("buyer",), "city", "buyer"),
    (("evaluation_date",), "2019-02-30", "evaluation_date"),
    (("evaluation_date",), "31/03/2019", "evaluation_date"),
    (("evaluation_date",), "20190331", "evaluation_date"),
    (("evaluation_date",), "1850-01-01", "evaluation_date"),
    (("evaluation_date",), DELETE, "evaluation_date"),
    (("mise_en_demeure_received",), 20190101, "mise_en_demeure_received"),
    (("justified_recovery_costs_ht",), "-5", "justified_recovery_costs_ht"),
    (("surprise",), 1, "surprise"),
    (("invoices",), {}, "invoices"),
    (("invoices",), DELETE, "invoices"),
    (("invoices", 0), "F1", "invoices[0]"),
    (("invoices", 0, "colour"), "red", "invoices[0].colour"),
    (("invoices", 0, "ref"), "", "invoices[0].ref"),
    (("invoices", 0, "ref"), DELETE, "invoices[0].ref"),
    (("invoices", 0, "amount_ttc"), "-10.00", "invoices[0].amount_ttc"),
    (("invoices", 0, "amount_ttc"), "10.001", "invoices[0].amount_ttc"),
    (("invoices", 0, "amount_ttc"), "1e3", "invoices[0].amount_ttc"),
    (("invoices", 0, "amount_ttc"), "NaN", "invoices[0].amount_ttc"),
    (("invoices", 0, "amount_ttc"), 10.5, "invoices[0].amount_ttc"),
    (("invoices", 0, "amount_ttc"), True, "invoices[0].amount_ttc"),
    (("invoices", 0, "amount_ttc"), "9" * 13, "invoices[0].amount_ttc"),
    (("invoices", 0, "due_date"), "2018-12-31", "invoices[0].due_date"),
    (("invoices", 0, "payments"), "x", "invoices[0].payments"),
    (("invoices", 0, "payments"), [PAYMENT, "x"], "invoices[0].payments[1]"),
    (
        ("invoices", 0, "payments"),
        [{"date": "2019-02-01"}],
        "invoices[0].payments[0].amount",
    ),
    (
        ("invoices", 0, "payments"),
        [{"date": "2018-12-01", "amount": "1"}],
        "invoices[0].payments[0].date",
    ),
    (
        ("invoices", 0, "payments"),
        [{"date": "2019-02-01", "amount": "10000.01"}],
        "invoices[0].payments",
    ),
    (
        ("invoices", 0, "credit_notes"),
        [{"date": "2019-02-01", "amount_ttc": "-1"}],
        "invoices[0].credit_notes[0].amount_ttc",
    ),
    (
        ("invoices", 0, "credit_notes"),
        [{"date": "2019-02-01", "amount": "1"}],
        "invoices[0].credit_notes[0].amount",
    ),
]


@pytest.mark.parametrize(
    ("path", "value", "field"),
    BAD_INPUTS,
    ids=[b[2] + str(i) for i, b in enumerate(BAD_INPUTS)],
)
def test_bad_input_names_the_field(path, value, field):
    data = copy.deepcopy(build_case())
    set_path(data, path, value)
    with pytest.raises(EngineError) as caught:
        parse_case(data)
    assert caught.value.field == field
    assert " / " in caught.value.message  # French / English


def test_payments_plus_credit_notes_above_amount():
    data = build_case(
        [
            {
                "payments": [{"date": "2019-02-01", "amount": "6000"}],
                "credit_notes": [{"date": "2019-01-10", "amount_ttc": "4000.01"}],
            }
        ]
    )
    with pytest.raises(EngineError, match="10000.01") as caught:
        parse_case(data)
    assert caught.value.field == "invoices[0].payments"


def test_fixed_rate_and_clause_are_exclusive():
    data = build_case(contractual_rate_pct="12", contractual_rate_clause="3x_legal")
    with pytest.raises(EngineError) as caught:
        parse_case(data)
    assert caught.value.field == "contractual_rate_clause"


def test_duplicate_refs():
    with pytest.raises(EngineError) as caught:
        parse_case(build_case([{"ref": "A"}, {"ref": "A"}]))
    assert caught.value.field == "invoices[1].ref"


def test_top_level_must_be_an_object():
    for value in ([], "case", None, 3):
        with pytest.raises(EngineError) as caught:
            parse_case(value)
        assert caught.value.field == "case"


def test_value_objects_check_themselves():
    with pytest.raises(EngineError) as caught:
        Payment(date(2025, 1, 1), Decimal("-1"))
    assert caught.value.field == "amount"
    with pytest.raises(EngineError):
        Payment(datetime(2025, 1, 1, 12, 0), Decimal(1))
    with pytest.raises(EngineError):
        CreditNote(date(2025, 1, 1), 5.0)
    with pytest.raises(EngineError) as caught:
        Invoice("A", date(2025, 1, 2), date(2025, 1, 1), Decimal(1))
    assert caught.value.field == "due_date"
    with pytest.raises(EngineError) as caught:
        Case("B2B", date(2025, 1, 1), (), day_count="365")
    assert caught.value.field == "day_count"
    with pytest.raises(EngineError) as caught:
        Case("B2B", date(2025, 1, 1), ("not an invoice",))
    assert caught.value.field == "invoices[0]"


def test_value_objects_take_any_date_but_a_datetime():
    """Typed values built by the Odoo bridge take the database's dates, also
    when a test clock replaces ``date`` by a subclass; a datetime is refused."""

    class FrozenDate(date):
        pass

    payment = Payment(FrozenDate(2025, 1, 1), Decimal(1))
    assert payment.date == date(2025, 1, 1)
    with pytest.raises(EngineError):
        Invoice("A", datetime(2025, 1, 1), date(2025, 1, 1), Decimal(1))
    with pytest.raises(EngineError):
        Invoice("A", date(1899, 12, 31), date(2025, 1, 1), Decimal(1))


def test_lists_become_tuples():
    invoice = Invoice(
        "A",
        date(2025, 1, 1),
        date(2025, 1, 31),
        Decimal("100.00"),
        payments=[Payment(date(2025, 2, 1), Decimal(10))],
    )
    case = Case("B2B", date(2025, 3, 1), [invoice])
    assert isinstance(invoice.payments, tuple) and isinstance(case.invoices, tuple)


def test_exact_json_numbers_are_read_as_decimals():
    data = build_case([{"amount_ttc": 100}], justified_recovery_costs_ht=Decimal("7.5"))
    case = parse_case(data)
    assert case.invoices[0].amount_ttc == Decimal(100)
    assert case.justified_recovery_costs_ht == Decimal("7.5")
    for bad, message in (
        (-5, "négative"),
        (Decimal("-0.50"), "négative"),
        (Decimal("1.234"), "Invalid amount"),
        (10**13, "Invalid amount"),
    ):
        with pytest.raises(EngineError, match=message) as caught:
            parse_case(build_case([{"amount_ttc": bad}]))
        assert caught.value.field == "invoices[0].amount_ttc"
