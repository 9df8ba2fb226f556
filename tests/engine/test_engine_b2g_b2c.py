# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Public buyers (fixed ECB + 8 rate) and consumers (legal interest)."""

from datetime import date
from decimal import Context, Decimal

import pytest

from account_relance_fr.engine import compute_case, judgment_surcharge_start

D = Decimal


def one_division(numerator):
    return Context(prec=50).divide(numerator, D(36500))


# ----------------------------------------------------------------- B2G


def test_b2g_rate_fixed_for_the_whole_delay_across_half_years(case_of, rates):
    # interest started in 2023-S1 (ECB 2.50 %): 10.50 % even in 2023-S2 and 2024
    case = case_of(
        [{"invoice_date": "2023-04-01", "due_date": "2023-05-21"}],
        customer_type="B2G",
        buyer="hospital",
        evaluation_date="2024-02-29",
    )
    result = compute_case(case, rates)
    assert [(s.half.label, s.rate_pct) for s in result.segments] == [
        ("2023-S1", D("10.50")),
        ("2023-S2", D("10.50")),
        ("2024-S1", D("10.50")),
    ]
    days = (date(2024, 2, 29) - date(2023, 5, 21)).days
    assert result.days_late == days == 284
    # one formula over the whole delay gives the same exact figure
    assert result.invoices[0].interest_exact == one_division(
        D(10000) * D("10.50") * days
    )
    assert result.indemnity_total == D(40)


def test_b2g_rate_taken_from_the_half_year_of_the_first_interest_day(case_of, rates):
    case = case_of(
        [{"invoice_date": "2023-06-01", "due_date": "2023-06-30"}],
        customer_type="B2G",
        evaluation_date="2023-08-31",
    )
    result = compute_case(case, rates)
    assert {s.rate_pct for s in result.segments} == {D("12.00")}  # ECB 4.00 + 8


def test_b2g_2022_hikes_do_not_change_the_rate(case_of, rates):
    case = case_of(
        [{"invoice_date": "2022-07-01", "due_date": "2022-07-31"}],
        customer_type="B2G",
        evaluation_date="2023-03-31",
    )
    result = compute_case(case, rates)
    assert {s.rate_pct for s in result.segments} == {D("8.00")}


def test_b2g_ignores_contract_terms_with_a_warning(case_of, rates):
    case = case_of(
        customer_type="B2G",
        contractual_rate_pct="20",
    )
    result = compute_case(case, rates)
    assert {s.rate_pct for s in result.segments} == {D("8.00")}
    assert any("ignor" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("buyer", "due_date", "flagged"),
    [
        ("state", "2025-01-31", False),
        ("state", "2025-02-01", True),
        ("hospital", "2025-02-20", False),
        ("hospital", "2025-02-21", True),
        ("public_company", "2025-03-02", False),
        ("public_company", "2025-03-03", True),
    ],
)
def test_b2g_payment_periods_30_50_60(case_of, rates, buyer, due_date, flagged):
    case = case_of(
        [{"invoice_date": "2025-01-01", "due_date": due_date}],
        customer_type="B2G",
        buyer=buyer,
        evaluation_date="2025-01-10",
    )
    warnings = compute_case(case, rates).warnings
    assert bool(warnings) is flagged
    if flagged:
        assert buyer in warnings[0]


# ----------------------------------------------------------------- B2C


def b2c(case_of, **options):
    base = {
        "customer_type": "B2C",
        "evaluation_date": "2025-08-31",
    }
    base.update(options)
    return case_of([{"invoice_date": "2024-11-01", "due_date": "2024-12-01"}], **base)


def test_b2c_without_mise_en_demeure_no_interest_no_indemnity(case_of, rates):
    result = compute_case(b2c(case_of), rates)
    assert (result.interest_total, result.indemnity_total) == (0, 0)
    assert result.days_late == 273
    assert result.total_claim == D("10000.00")
    assert any("mise en demeure" in w.lower() for w in result.warnings)


def test_b2c_interest_from_the_day_after_the_notice_company_creditor(case_of, rates):
    result = compute_case(b2c(case_of, mise_en_demeure_received="2025-01-10"), rates)
    first = result.segments[0]
    assert first.date_from == date(2025, 1, 11)
    assert [(s.half.label, s.rate_pct, s.days) for s in result.segments] == [
        ("2025-S1", D("3.71"), 171),  # autres cas
        ("2025-S2", D("2.76"), 62),
    ]
    assert result.indemnity_total == 0
    assert result.invoices[0].interest_exact == one_division(
        D(10000) * (D("3.71") * 171 + D("2.76") * 62)
    )


def test_b2c_individual_creditor_uses_the_particuliers_rate(case_of, rates):
    result = compute_case(
        b2c(case_of, mise_en_demeure_received="2025-01-10", creditor="individual"),
        rates,
    )
    assert [s.rate_pct for s in result.segments] == [D("7.21"), D("6.65")]


def test_b2c_judgment_adds_5_points_after_two_months(case_of, rates):
    result = compute_case(
        b2c(
            case_of,
            mise_en_demeure_received="2025-01-10",
            judgment_enforceable_date="2025-03-15",
        ),
        rates,
    )
    assert [(s.date_from, s.date_to, s.rate_pct) for s in result.segments] == [
        (date(2025, 1, 11), date(2025, 5, 15), D("3.71")),
        (date(2025, 5, 16), date(2025, 6, 30), D("8.71")),
        (date(2025, 7, 1), date(2025, 8, 31), D("7.76")),
    ]
    assert result.interest_total == D("368.64")


@pytest.mark.parametrize(
    ("enforceable", "surcharge"),
    [
        (date(2025, 3, 15), date(2025, 5, 16)),
        (date(2024, 12, 31), date(2025, 3, 1)),  # 28 Feb expires, 1 Mar starts
        (date(2023, 12, 31), date(2024, 3, 1)),  # 29 Feb in a leap year
        (date(2025, 11, 30), date(2026, 1, 31)),
    ],
)
def test_judgment_surcharge_day_convention(enforceable, surcharge):
    assert judgment_surcharge_start(enforceable) == surcharge


def test_b2c_notice_before_the_due_date(case_of, rates):
    result = compute_case(b2c(case_of, mise_en_demeure_received="2024-11-15"), rates)
    assert result.segments[0].date_from == date(2024, 12, 2)
    assert any("avant l'échéance" in w for w in result.warnings)


def test_b2c_recovery_costs_and_contract_are_ignored(case_of, rates):
    result = compute_case(
        b2c(
            case_of,
            mise_en_demeure_received="2025-01-10",
            justified_recovery_costs_ht="500",
            contractual_rate_clause="3x_legal",
        ),
        rates,
    )
    assert result.additional_compensation == 0
    assert result.segments[0].rate_pct == D("3.71")
    assert len([w for w in result.warnings if "ignor" in w]) == 2


def test_judgment_date_is_ignored_outside_b2c(case_of, rates):
    with_judgment = compute_case(case_of(judgment_enforceable_date="2019-01-01"), rates)
    without = compute_case(case_of(), rates)
    assert with_judgment.interest_total == without.interest_total
    assert any("L313-3" in w for w in with_judgment.warnings)
