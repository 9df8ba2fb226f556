# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The ECB Data Portal's SDMX-CSV answer and the rate of each anchor day."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from account_relance_fr.engine import (
    EngineError,
    HalfYear,
    TableRateProvider,
    anchor_rates,
    compute_case,
    parse_case,
    parse_ecb_csv,
)

RECORDED = (
    Path(__file__).resolve().parents[2] / "account_relance_fr/tests/data/ecb_mrr_fr.csv"
).read_text()


def test_recorded_answer_is_read():
    observations = parse_ecb_csv(RECORDED)
    assert observations[0] == (date(2008, 10, 15), Decimal("3.75"))
    assert observations[-1] == (date(2026, 6, 17), Decimal("2.4"))
    assert observations == sorted(observations)


def test_anchor_day_takes_the_last_observation_on_or_before_it():
    observations = parse_ecb_csv(RECORDED)
    rates = anchor_rates(observations, date(2027, 1, 1), HalfYear(2022, 1))
    assert rates[HalfYear(2022, 2)] == Decimal("0.0"), "hike of 27 July 2022"
    assert rates[HalfYear(2023, 1)] == Decimal("2.5")
    assert rates[HalfYear(2024, 2)] == Decimal("4.25")
    assert rates[HalfYear(2026, 2)] == Decimal("2.4")
    assert rates[HalfYear(2027, 1)] == Decimal("2.4")
    assert max(rates) == HalfYear(2027, 1), "never a future half-year"
    assert HalfYear(2027, 1) not in anchor_rates(
        observations, date(2026, 12, 31), HalfYear(2026, 1)
    )


def test_change_on_the_anchor_day_counts():
    observations = [
        (date(2026, 7, 1), Decimal("3.0")),
        (date(2026, 6, 1), Decimal("2")),
    ]
    rates = anchor_rates(observations, date(2026, 7, 1), HalfYear(2026, 1))
    assert rates == {HalfYear(2026, 2): Decimal("3.0")}, "before the first: left out"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "<html><body>Maintenance</body></html>",
        "KEY,TIME_PERIOD\nx,2026-01-01\n",
        "TIME_PERIOD,OBS_VALUE\n",
        "TIME_PERIOD,OBS_VALUE\n2026-13-01,2.0\n",
        "TIME_PERIOD,OBS_VALUE\n2026-01-01,two\n",
        "TIME_PERIOD,OBS_VALUE\n2026-01-01,1e3\n",
        None,
    ],
)
def test_garbage_is_refused(text):
    with pytest.raises(EngineError):
        parse_ecb_csv(text)


def test_results_name_the_unconfirmed_half_years_they_used():
    provider = TableRateProvider.from_rows(
        [
            {"half": "2026-S1", "ecb_rate_pct": "2.15", "confidence": "C"},
            {"half": "2026-S2", "ecb_rate_pct": "2.40", "confidence": "U"},
        ]
    )
    case = parse_case(
        {
            "customer_type": "B2B",
            "evaluation_date": "2026-07-10",
            "invoices": [
                {
                    "ref": "F1",
                    "invoice_date": "2026-05-01",
                    "due_date": "2026-06-20",
                    "amount_ttc": "1000",
                },
                {
                    "ref": "F2",
                    "invoice_date": "2026-05-01",
                    "due_date": "2026-07-20",
                    "amount_ttc": "1000",
                },
            ],
        }
    )
    result = compute_case(case, provider)
    assert result.invoices[0].unconfirmed_halves == ("2026-S2",)
    assert result.invoices[1].unconfirmed_halves == (), "not due yet: no rate used"
    assert result.to_dict()["per_invoice"][0]["unconfirmed_halves"] == ["2026-S2"]
