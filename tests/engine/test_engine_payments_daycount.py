# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Day count (ACT/365, ACT/ACT), partial payments, credit notes, imputation."""

from datetime import date
from decimal import ROUND_DOWN, Context, Decimal

from account_relance_fr.engine import compute_case, compute_invoice

D = Decimal
C50 = Context(prec=50)


# ------------------------------------------------------------ day count


def leap_case(case_of, **options):
    return case_of(
        [{"invoice_date": "2023-12-01", "due_date": "2023-12-31"}],
        evaluation_date="2024-06-30",
        **options,
    )


def test_leap_year_act_365_divides_by_365(case_of, rates):
    result = compute_case(leap_case(case_of), rates)
    (segment,) = result.segments
    assert segment.days == 182 and segment.year_days == 365
    assert result.interest_total == D("723.01")  # 10 000 × 14.5 % × 182 / 365


def test_leap_year_act_act_divides_by_366(case_of, rates):
    result = compute_case(leap_case(case_of, day_count="ACT/ACT"), rates)
    (segment,) = result.segments
    assert segment.year_days == 366
    assert result.interest_total == D("721.04")  # 10 000 × 14.5 % × 182 / 366


def test_act_act_uses_each_segment_s_calendar_year(case_of, rates):
    case = case_of(
        [{"invoice_date": "2023-11-01", "due_date": "2023-11-30"}],
        evaluation_date="2024-01-31",
        day_count="ACT/ACT",
    )
    result = compute_case(case, rates)
    assert [(s.half.label, s.days, s.year_days) for s in result.segments] == [
        ("2023-S2", 31, 365),
        ("2024-S1", 31, 366),
    ]
    expected = C50.add(
        C50.divide(D(10000) * D(14) * 31, D(36500)),
        C50.divide(D(10000) * D("14.5") * 31, D(36600)),
    )
    assert result.invoices[0].interest_exact == expected


def test_act_act_equals_act_365_outside_leap_years(case_of, rates):
    plain = compute_case(case_of(), rates)
    act_act = compute_case(case_of(day_count="ACT/ACT"), rates)
    assert plain.invoices[0].interest_exact == act_act.invoices[0].interest_exact


# ------------------------------------------------------------- payments


def test_partial_payment_reduces_the_base_from_the_next_day(case_of, rates):
    case = case_of([{"payments": [{"date": "2019-02-10", "amount": "2500.00"}]}])
    result = compute_case(case, rates)
    assert [(s.date_from, s.date_to, s.principal) for s in result.segments] == [
        (date(2019, 2, 1), date(2019, 2, 10), D("10000.00")),
        (date(2019, 2, 11), date(2019, 3, 31), D("7500.00")),
    ]
    numerator = D(10000) * 10 * 10 + D(7500) * 10 * 49
    assert result.invoices[0].interest_exact == C50.divide(numerator, D(36500))


def test_credit_note_reduces_principal_before_and_after_the_due_date(case_of, rates):
    case = case_of(
        [
            {
                "credit_notes": [
                    {"date": "2019-01-15", "amount_ttc": "1000.00"},
                    {"date": "2019-03-01", "amount_ttc": "4000.00"},
                ]
            }
        ]
    )
    result = compute_case(case, rates)
    assert [s.principal for s in result.segments] == [D("9000.00"), D("5000.00")]
    assert result.principal_outstanding == D("5000.00")
    assert result.indemnity_total == D(40)


def test_credit_note_closing_an_overdue_balance_owes_no_indemnity(case_of, rates):
    case = case_of([{"credit_notes": [{"date": "2019-02-05", "amount_ttc": "10000"}]}])
    result = compute_case(case, rates)
    assert result.indemnity_total == 0
    assert result.days_late == 5 and result.segments[-1].date_to == date(2019, 2, 5)
    assert result.interest_total == D("13.70")


def test_interest_first_imputes_exact_accrued_interest(case_of, rates):
    payments = [
        {"date": "2025-03-01", "amount": "5000.00"},
        {"date": "2025-04-01", "amount": "5000.00"},
    ]
    case = case_of(
        [
            {
                "invoice_date": "2025-01-01",
                "due_date": "2025-01-31",
                "payments": payments,
            }
        ],
        payment_imputation="interest_first",
        evaluation_date="2025-06-30",
    )
    result = compute_case(case, rates)
    first, second, third = result.segments
    accrued_1 = C50.divide(D(10000) * D("13.15") * 29, D(36500))
    assert first.interest_exact == accrued_1
    # imputed to 10^-20 €, rounded down: 104.47945205479452054794
    imputed_1 = accrued_1.quantize(D("1e-20"), rounding=ROUND_DOWN)
    assert str(imputed_1) == "104.47945205479452054794"
    assert second.principal == D(5000) + imputed_1  # 10 000 - (5 000 - i)
    invoice = result.invoices[0]
    # the second payment pays the rest of the interest, then principal
    assert invoice.interest_paid == (
        C50.add(accrued_1, second.interest_exact)
    ).quantize(D("0.01"))
    assert invoice.principal_outstanding > 0  # payments = amount, yet not paid off
    assert invoice.days_late == 150
    assert invoice.interest_unpaid == invoice.interest_total - invoice.interest_paid
    assert invoice.total_claim == (
        invoice.principal_outstanding + invoice.interest_unpaid + invoice.indemnity
    )
    # what was paid + what is claimed = principal + all interest + indemnity
    assert D(10000) + invoice.interest_total + D(40) == D(10000) + invoice.total_claim


def test_interest_first_small_payment_goes_to_interest_only(case_of, rates):
    case = case_of(
        [{"payments": [{"date": "2019-03-01", "amount": "50.00"}]}],
        payment_imputation="interest_first",
    )
    result = compute_case(case, rates)
    invoice = result.invoices[0]
    assert {s.principal for s in result.segments} == {D("10000.00")}
    assert invoice.interest_paid == D("50.00")
    assert invoice.interest_unpaid == invoice.interest_total - D(50)
    assert invoice.principal_outstanding == D("10000.00")


def test_interest_first_credit_note_reduces_principal_only(case_of, rates):
    case = case_of(
        [{"credit_notes": [{"date": "2019-03-01", "amount_ttc": "3000.00"}]}],
        payment_imputation="interest_first",
    )
    invoice = compute_case(case, rates).invoices[0]
    assert invoice.interest_paid == 0
    assert invoice.principal_outstanding == D("7000.00")


def test_full_late_payment_under_both_imputations(case_of, rates):
    invoices = [{"payments": [{"date": "2019-03-10", "amount": "10000.00"}]}]
    principal = compute_case(case_of(invoices), rates)
    interest = compute_case(
        case_of(invoices, payment_imputation="interest_first"), rates
    )
    assert principal.interest_total == D("104.11")  # 10 000 × 10 % × 38 / 365
    assert principal.principal_outstanding == 0 and principal.days_late == 38
    # same first segment; interest-first turns the interest into unpaid principal
    assert principal.segments[0] == interest.segments[0]
    assert interest.principal_outstanding == principal.interest_total
    assert interest.invoices[0].interest_paid == principal.interest_total
    assert len(interest.segments) == 2 and interest.segments[1].principal < 105


def test_payment_after_the_evaluation_date_is_ignored(case_of, rates):
    case = case_of([{"payments": [{"date": "2019-05-01", "amount": "10000.00"}]}])
    result = compute_case(case, rates)
    assert result.principal_outstanding == D("10000.00")
    assert result.warnings and result.warnings[0].startswith("F1: ")
    assert "2019-05-01" in result.warnings[0]


def test_compute_invoice_gives_the_case_figures(case_of, rates):
    case = case_of(
        [{}, {"payments": [{"date": "2019-02-10", "amount": "2500.00"}]}],
        day_count="ACT/ACT",
    )
    whole = compute_case(case, rates)
    for invoice, expected in zip(case.invoices, whole.invoices, strict=True):
        assert compute_invoice(invoice, case, rates) == expected
