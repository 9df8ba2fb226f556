# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Public worked examples of the law document (§8) reproduced to the cent."""

from datetime import date
from decimal import Decimal

from account_relance_fr.engine import (
    HalfYear,
    TableRateProvider,
    compute_case,
    parse_case,
)


def test_e1_les_echos_15000_at_15_percent_30_days(case_of, rates):
    # 15 000 € TTC due 15 April 2018, 15 %, paid 15 May 2018: 184.93 €
    case = case_of(
        [
            {
                "invoice_date": "2018-02-15",
                "due_date": "2018-04-15",
                "amount_ttc": "15000.00",
                "payments": [{"date": "2018-05-15", "amount": "15000.00"}],
            }
        ],
        contractual_rate_pct="15",
        evaluation_date="2018-06-30",
    )
    result = compute_case(case, rates)
    assert result.interest_total == Decimal("184.93")
    assert result.days_late == 30
    (segment,) = result.segments
    assert (segment.date_from, segment.date_to) == (
        date(2018, 4, 16),
        date(2018, 5, 15),
    )
    assert segment.days == 30 and segment.rate_pct == Decimal(15)
    assert result.indemnity_total == Decimal(40)
    assert result.total_claim == Decimal("224.93")


def test_e2_same_figure_when_evaluated_unpaid(case_of, rates):
    case = case_of(
        [
            {
                "invoice_date": "2018-02-15",
                "due_date": "2018-04-15",
                "amount_ttc": "15000",
            }
        ],
        contractual_rate_pct="15",
        evaluation_date="2018-05-15",
    )
    result = compute_case(case, rates)
    assert result.interest_total == Decimal("184.93")
    assert result.principal_outstanding == Decimal("15000.00")


def test_e3_shine_3000_at_14_76_percent_from_the_3x_clause(case_of, rates):
    # 14.76 % is 3 × 4.92 %, the floor of 2024-S2: the clause gives it by itself
    case = case_of(
        [
            {
                "invoice_date": "2024-08-01",
                "due_date": "2024-09-01",
                "amount_ttc": "3000",
            }
        ],
        contractual_rate_clause="3x_legal",
        evaluation_date="2024-10-01",
    )
    result = compute_case(case, rates)
    assert result.segments[0].rate_pct == Decimal("14.76")
    assert result.days_late == 30
    assert result.interest_total == Decimal("36.39")


def test_e3_same_with_a_fixed_rate(case_of, rates):
    case = case_of(
        [
            {
                "invoice_date": "2024-08-01",
                "due_date": "2024-09-01",
                "amount_ttc": "3000",
            }
        ],
        contractual_rate_pct="14.76",
        evaluation_date="2024-10-01",
    )
    result = compute_case(case, rates)
    assert result.interest_total == Decimal("36.39")
    assert result.warnings == ()


def test_e4_lexing_day_based_variant_252_74(case_of, rates):
    # 10 000 € at 10.25 % for 90 days: 252.74 € (the source's 256 € is a quarter)
    case = case_of(
        [{"invoice_date": "2019-01-01", "due_date": "2019-01-31"}],
        contractual_rate_pct="10.25",
        evaluation_date="2019-05-01",
    )
    result = compute_case(case, rates)
    assert result.days_late == 90
    assert result.interest_total == Decimal("252.74")


def test_e5_infor_612_15_at_10_percent_13_days(case_of, rates):
    case = case_of(
        [
            {
                "invoice_date": "2019-02-01",
                "due_date": "2019-03-01",
                "amount_ttc": "612.15",
            }
        ],
        contractual_rate_pct="10",
        evaluation_date="2019-03-14",
    )
    result = compute_case(case, rates)
    assert result.days_late == 13
    assert result.interest_total == Decimal("2.18")


def test_e6_public_buyer_ecb_0_25_plus_8_points():
    # marchespublicspme.com 2014: 0.25 % + 8 = 8.25 %, amount × days / 365 × rate.
    # 2014 is outside the shipped tables: a provider of our own supplies it.
    half = HalfYear(2014, 1)
    provider = TableRateProvider(
        {half: Decimal("0.25")}, {half: (Decimal("0.04"), Decimal("0.04"))}
    )
    case = parse_case(
        {
            "customer_type": "B2G",
            "evaluation_date": "2014-04-30",
            "invoices": [
                {
                    "ref": "M1",
                    "invoice_date": "2014-02-01",
                    "due_date": "2014-03-03",
                    "amount_ttc": "20000",
                }
            ],
        }
    )
    result = compute_case(case, provider)
    assert result.segments[0].rate_pct == Decimal("8.25")
    expected = Decimal(20000) * Decimal("8.25") / 100 * 58 / 365
    assert result.interest_total == expected.quantize(Decimal("0.01"))
    assert result.interest_total == Decimal("262.19")


def test_odoo_layer_example_2026_s1(case_of, rates):
    # 15 000 € × 12.15 % × 29/365 (2026-S1: ECB 2.15 % + 10) = 144.80 €
    case = case_of(
        [
            {
                "invoice_date": "2026-01-01",
                "due_date": "2026-02-01",
                "amount_ttc": "15000",
            }
        ],
        evaluation_date="2026-03-02",
    )
    assert compute_case(case, rates).interest_total == Decimal("144.80")
