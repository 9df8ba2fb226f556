# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Due-date helpers and the payment-term check."""

from datetime import date

import pytest

from account_relance_fr.engine import (
    EngineError,
    add_months,
    b2g_due_date,
    check_payment_term,
    due_date_45_eom,
    due_date_60_days,
    due_date_from_receipt,
    end_of_month,
)


def test_default_term_is_30_days_after_receipt():
    assert due_date_from_receipt(date(2025, 1, 15)) == date(2025, 2, 14)
    assert due_date_from_receipt(date(2025, 1, 15), days=10) == date(2025, 1, 25)


def test_60_days_from_the_invoice_date():
    assert due_date_60_days(date(2025, 1, 15)) == date(2025, 3, 16)
    assert due_date_60_days(date(2024, 1, 15)) == date(2024, 3, 15)  # leap year


@pytest.mark.parametrize(
    ("invoice_date", "plus45_then_eom", "eom_then_plus45"),
    [
        (date(2025, 1, 15), date(2025, 3, 31), date(2025, 3, 17)),
        (date(2025, 1, 31), date(2025, 3, 31), date(2025, 3, 17)),
        (date(2025, 11, 20), date(2026, 1, 31), date(2026, 1, 14)),
        (date(2024, 1, 10), date(2024, 2, 29), date(2024, 3, 16)),
    ],
)
def test_45_days_end_of_month_both_methods(
    invoice_date, plus45_then_eom, eom_then_plus45
):
    assert due_date_45_eom(invoice_date) == plus45_then_eom
    assert due_date_45_eom(invoice_date, method="eom_then_plus45") == eom_then_plus45


def test_45_days_end_of_month_unknown_method():
    with pytest.raises(EngineError) as caught:
        due_date_45_eom(date(2025, 1, 1), method="60_eom")
    assert caught.value.field == "method"


def test_public_buyer_periods():
    receipt = date(2025, 1, 1)
    assert b2g_due_date(receipt, "state") == date(2025, 1, 31)
    assert b2g_due_date(receipt, "hospital") == date(2025, 2, 20)
    assert b2g_due_date(receipt, "public_company") == date(2025, 3, 2)
    with pytest.raises(EngineError):
        b2g_due_date(receipt, "city")


def codes(findings):
    return [(f.code, f.severity) for f in findings]


def test_b2b_terms():
    invoice = date(2025, 1, 15)
    assert check_payment_term(invoice, date(2025, 3, 16)) == []
    assert codes(check_payment_term(invoice, date(2025, 3, 31))) == [
        ("beyond_60_days", "warning")
    ]
    # with the contract's method, 31 March is beyond 45 days end of month
    strict = check_payment_term(
        invoice, date(2025, 3, 31), eom_method="eom_then_plus45"
    )
    assert codes(strict) == [
        ("beyond_60_days", "error"),
        ("beyond_45_days_eom", "error"),
    ]
    assert strict[1].limit == date(2025, 3, 17)
    late = check_payment_term(invoice, date(2025, 4, 1))
    assert codes(late) == [("beyond_60_days", "error"), ("beyond_45_days_eom", "error")]
    assert " / " in late[0].message


def test_periodic_invoices_45_days():
    invoice = date(2025, 1, 15)
    assert check_payment_term(invoice, date(2025, 3, 1), periodic=True) == []
    assert codes(check_payment_term(invoice, date(2025, 3, 2), periodic=True)) == [
        ("periodic_beyond_45_days", "error")
    ]


def test_default_30_days_when_nothing_agreed():
    invoice = date(2025, 1, 15)
    found = check_payment_term(
        invoice, date(2025, 2, 20), receipt_date=date(2025, 1, 10), agreed=False
    )
    assert codes(found) == [("beyond_30_days_after_receipt", "error")]
    assert (
        check_payment_term(invoice, date(2025, 2, 20), receipt_date=date(2025, 1, 10))
        == []
    )


def test_public_buyer_terms_from_receipt_or_invoice_date():
    invoice = date(2025, 1, 1)
    found = check_payment_term(
        invoice, date(2025, 2, 21), customer_type="B2G", buyer="hospital"
    )
    assert codes(found) == [("b2g_beyond_max", "error")]
    assert "50" in found[0].message
    assert (
        check_payment_term(
            invoice,
            date(2025, 2, 21),
            customer_type="B2G",
            buyer="hospital",
            receipt_date=date(2025, 1, 2),
        )
        == []
    )


def test_consumers_have_no_statutory_maximum():
    assert (
        check_payment_term(date(2025, 1, 1), date(2025, 12, 31), customer_type="B2C")
        == []
    )


def test_check_payment_term_refuses_bad_arguments():
    with pytest.raises(EngineError):
        check_payment_term("2025-01-01", date(2025, 2, 1))
    with pytest.raises(EngineError):
        check_payment_term(date(2025, 1, 1), date(2025, 2, 1), customer_type="B2X")


def test_month_arithmetic():
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 12, 31), 2) == date(2025, 2, 28)
    assert add_months(date(2025, 3, 15), -3) == date(2024, 12, 15)
    assert end_of_month(date(2024, 2, 10)) == date(2024, 2, 29)
