# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""B2B rules: default rate per half-year, floors, contractual rates, indemnity."""

from datetime import date
from decimal import Context, Decimal

import pytest

from account_relance_fr.engine import compute_case

D = Decimal


def exact(amount, *rate_days):
    """Σ amount × rate × days / 36500, the reference formula (exact numerator,
    one division at the engine's documented 50 significant digits)."""
    numerator = sum(D(amount) * D(r) * d for r, d in rate_days)
    return Context(prec=50).divide(numerator, D(36500))


def rates_of(result):
    return [(s.half.label, s.rate_pct, s.days) for s in result.segments]


def test_default_rate_is_re_anchored_at_every_half_year(case_of, rates):
    case = case_of(
        [{"invoice_date": "2023-05-01", "due_date": "2023-05-31"}],
        evaluation_date="2024-02-29",
    )
    result = compute_case(case, rates)
    assert rates_of(result) == [
        ("2023-S1", D("12.50"), 30),
        ("2023-S2", D("14.00"), 184),
        ("2024-S1", D("14.50"), 60),
    ]
    expected = exact(10000, ("12.5", 30), ("14", 184), ("14.5", 60))
    assert result.invoices[0].interest_exact == expected
    assert result.interest_total == D("1046.85")
    assert result.days_late == 274


def test_2022_s2_trap_ecb_hikes_inside_the_half_year_change_nothing(case_of, rates):
    # the ECB raised its rate on 27 July and 14 September 2022; the rate of the
    # whole second half-year is the one of 1 July 2022 (0 %) + 10 points
    case = case_of(
        [{"invoice_date": "2022-06-01", "due_date": "2022-06-30"}],
        evaluation_date="2022-12-31",
    )
    result = compute_case(case, rates)
    assert rates_of(result) == [("2022-S2", D("10.00"), 184)]
    assert result.interest_total == D("504.11")


def test_2024_floor_above_default_does_not_raise_the_default_rate(case_of, rates):
    case = case_of(
        [{"invoice_date": "2023-12-01", "due_date": "2023-12-31"}],
        evaluation_date="2024-12-31",
    )
    result = compute_case(case, rates)
    assert [s.rate_pct for s in result.segments] == [D("14.50"), D("14.25")]
    paradox = [w for w in result.warnings if "plancher" in w]
    assert len(paradox) == 2
    assert "15.21" in paradox[0] and "14.50" in paradox[0]
    assert "14.76" in paradox[1] and "14.25" in paradox[1]


def test_contract_below_the_2024_floor_is_raised_with_a_warning(case_of, rates):
    case = case_of(
        [{"invoice_date": "2023-12-01", "due_date": "2023-12-31"}],
        contractual_rate_pct="12",
        evaluation_date="2024-12-31",
    )
    result = compute_case(case, rates)
    assert [s.rate_pct for s in result.segments] == [D("15.21"), D("14.76")]
    assert result.interest_total == D("1502.48")
    assert len(result.warnings) == 2
    assert all("relevé au plancher" in w and "raised" in w for w in result.warnings)


def test_contract_below_floor_statutory_default_option(case_of, rates):
    case = case_of(
        [{"invoice_date": "2023-12-01", "due_date": "2023-12-31"}],
        contractual_rate_pct="12",
        below_floor_policy="statutory_default",
        evaluation_date="2024-12-31",
    )
    result = compute_case(case, rates)
    assert [s.rate_pct for s in result.segments] == [D("14.50"), D("14.25")]
    assert result.interest_total == D("1441.37")
    assert all("statutory default rate" in w for w in result.warnings)
    assert len(result.warnings) == 2


def test_floor_is_checked_per_half_year(case_of, rates):
    # 8 % is above the 2023-S1 floor (6.18 %) but below 2023-S2's (12.66 %)
    case = case_of(
        [{"invoice_date": "2023-05-01", "due_date": "2023-05-31"}],
        contractual_rate_pct="8",
        evaluation_date="2023-08-31",
    )
    result = compute_case(case, rates)
    assert rates_of(result) == [
        ("2023-S1", D("8"), 30),
        ("2023-S2", D("12.66"), 62),
    ]
    assert len(result.warnings) == 1 and "2023-S2" in result.warnings[0]


def test_contract_above_the_default_rate_has_no_ceiling(case_of, rates):
    case = case_of(contractual_rate_pct="20")
    result = compute_case(case, rates)
    assert {s.rate_pct for s in result.segments} == {D("20")}
    assert result.invoices[0].interest_exact == exact(10000, ("20", 59))
    assert result.warnings == ()


def test_3x_legal_clause_follows_each_half_year(case_of, rates):
    case = case_of(
        [{"invoice_date": "2023-05-01", "due_date": "2023-05-31"}],
        contractual_rate_clause="3x_legal",
        evaluation_date="2024-01-31",
    )
    result = compute_case(case, rates)
    assert [s.rate_pct for s in result.segments] == [
        D("6.18"),
        D("12.66"),
        D("15.21"),
    ]
    assert result.warnings == ()


def test_indemnity_even_when_paid_one_day_late(case_of, rates):
    case = case_of(
        [{"payments": [{"date": "2019-02-01", "amount": "10000.00"}]}],
        evaluation_date="2019-06-30",
    )
    result = compute_case(case, rates)
    assert result.days_late == 1
    assert result.interest_total == D("2.74")  # 10 000 × 10 % / 365
    assert result.indemnity_total == D(40)
    assert result.principal_outstanding == 0
    assert result.total_claim == D("42.74")


def test_paid_on_the_due_date_costs_nothing(case_of, rates):
    case = case_of(
        [{"payments": [{"date": "2019-01-31", "amount": "10000.00"}]}],
        evaluation_date="2019-06-30",
    )
    result = compute_case(case, rates)
    assert (result.interest_total, result.indemnity_total, result.total_claim) == (
        0,
        0,
        0,
    )
    assert result.days_late == 0 and result.segments == ()


def test_indemnity_when_partly_paid_in_time_and_rest_late(case_of, rates):
    case = case_of(
        [
            {
                "payments": [
                    {"date": "2019-01-20", "amount": "9000.00"},
                    {"date": "2019-02-10", "amount": "1000.00"},
                ]
            }
        ],
    )
    result = compute_case(case, rates)
    assert result.indemnity_total == D(40)
    assert result.invoices[0].interest_exact == exact(1000, ("10", 10))
    assert result.days_late == 10


def test_no_interest_nor_indemnity_before_the_due_date(case_of, rates):
    case = case_of(evaluation_date="2019-01-31")
    result = compute_case(case, rates)
    assert (result.interest_total, result.indemnity_total, result.days_late) == (
        0,
        0,
        0,
    )
    assert result.total_claim == D("10000.00")  # due today, nothing more
    early = compute_case(case_of(evaluation_date="2019-01-15"), rates)
    assert early.total_claim == 0 and early.principal_outstanding == D("10000.00")


def test_40_euros_per_late_invoice(case_of, rates):
    case = case_of(
        [
            {},
            {"amount_ttc": "50.00"},
            {"payments": [{"date": "2019-01-30", "amount": "10000.00"}]},
            {"due_date": "2019-04-30"},
        ]
    )
    result = compute_case(case, rates)
    assert [r.indemnity for r in result.invoices] == [D(40), D(40), 0, 0]
    assert result.indemnity_total == D(80)


def test_justified_costs_beyond_the_indemnities(case_of, rates):
    result = compute_case(case_of(justified_recovery_costs_ht="300"), rates)
    assert result.additional_compensation == D(260)
    invoice = result.invoices[0]
    assert result.total_claim == (
        invoice.principal_outstanding
        + invoice.interest_total
        + invoice.indemnity
        + D(260)
    )
    covered = compute_case(
        case_of([{}, {}, {}], justified_recovery_costs_ht="100"), rates
    )
    assert covered.indemnity_total == D(120) and covered.additional_compensation == 0


def test_total_claim_adds_principal_interest_and_indemnity(case_of, rates):
    case = case_of(
        [{"payments": [{"date": "2019-02-15", "amount": "4000.00"}]}],
    )
    result = compute_case(case, rates)
    # 10 000 € × 10 % for 15 days, then 6 000 € × 10 % for 44 days
    expected_interest = exact(1, ("100000", 15), ("60000", 44))
    assert result.invoices[0].interest_exact == expected_interest
    assert result.principal_outstanding == D("6000.00")
    assert result.total_claim == D("6000.00") + result.interest_total + D(40)
    assert result.segments[1].date_from == date(2019, 2, 16)


@pytest.mark.parametrize(
    ("due_date", "codes"),
    [
        ("2025-03-16", []),  # 60 days
        ("2025-03-31", ["beyond_60_days"]),  # lawful with a 45 days EOM clause
        ("2025-04-15", ["beyond_60_days", "beyond_45_days_eom"]),
    ],
)
def test_payment_terms_beyond_the_maxima_are_flagged(case_of, rates, due_date, codes):
    case = case_of(
        [{"invoice_date": "2025-01-15", "due_date": due_date}],
        evaluation_date="2025-01-20",
    )
    warnings = compute_case(case, rates).warnings
    assert len(warnings) == len(codes)
    if codes:
        assert all(w.startswith("F1: ") for w in warnings)
        assert "60" in warnings[0]
    if len(codes) == 2:
        assert "45" in warnings[1]
