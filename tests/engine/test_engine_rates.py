# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Rate tables, providers and half-years."""

import csv
from datetime import date
from decimal import Decimal

import pytest

from account_relance_fr.engine import (
    EngineError,
    HalfYear,
    MissingRateError,
    RateProvider,
    RateTableError,
    TableRateProvider,
    compute_case,
    iter_ecb_rows,
    iter_legal_rows,
    iter_rate_rows,
    load_default_rates,
)
from account_relance_fr.engine.rates import DATA_DIR

# §4.1 of the law document: half, ECB, B2B default, B2G, particuliers,
# autres cas, B2B floor.
LAW_TABLE = """
2015-S1 0.05 10.05 8.05 4.06 0.93 2.79
2015-S2 0.05 10.05 8.05 4.29 0.99 2.97
2016-S1 0.05 10.05 8.05 4.54 1.01 3.03
2016-S2 0.00 10.00 8.00 4.35 0.93 2.79
2017-S1 0.00 10.00 8.00 4.16 0.90 2.70
2017-S2 0.00 10.00 8.00 3.94 0.90 2.70
2018-S1 0.00 10.00 8.00 3.73 0.89 2.67
2018-S2 0.00 10.00 8.00 3.60 0.88 2.64
2019-S1 0.00 10.00 8.00 3.40 0.86 2.58
2019-S2 0.00 10.00 8.00 3.26 0.87 2.61
2020-S1 0.00 10.00 8.00 3.15 0.87 2.61
2020-S2 0.00 10.00 8.00 3.11 0.84 2.52
2021-S1 0.00 10.00 8.00 3.14 0.79 2.37
2021-S2 0.00 10.00 8.00 3.12 0.76 2.28
2022-S1 0.00 10.00 8.00 3.13 0.76 2.28
2022-S2 0.00 10.00 8.00 3.15 0.77 2.31
2023-S1 2.50 12.50 10.50 4.47 2.06 6.18
2023-S2 4.00 14.00 12.00 6.82 4.22 12.66
2024-S1 4.50 14.50 12.50 8.01 5.07 15.21
2024-S2 4.25 14.25 12.25 8.16 4.92 14.76
2025-S1 3.15 13.15 11.15 7.21 3.71 11.13
2025-S2 2.15 12.15 10.15 6.65 2.76 8.28
2026-S1 2.15 12.15 10.15 6.67 2.62 7.86
2026-S2 2.40 12.40 10.40 6.84 2.75 8.25
"""
ROWS = [line.split() for line in LAW_TABLE.strip().splitlines()]


@pytest.mark.parametrize("row", ROWS, ids=[row[0] for row in ROWS])
def test_shipped_tables_match_the_law_document(row, rates):
    half = HalfYear.parse(row[0])
    ecb, b2b, b2g, individual, other, floor = (Decimal(v) for v in row[1:])
    assert rates.ecb_rate(half) == ecb
    assert rates.ecb_rate(half) + 10 == b2b
    assert rates.ecb_rate(half) + 8 == b2g
    assert rates.legal_rate(half, "individual") == individual
    assert rates.legal_rate(half, "other") == other
    assert 3 * rates.legal_rate(half, "other") == floor


def test_tables_cover_2015_s1_to_2026_s2_without_gap(rates):
    halves = rates.halves()
    assert halves[0] == HalfYear(2015, 1) and halves[-1] == HalfYear(2026, 2)
    assert [h.index for h in halves] == list(
        range(halves[0].index, halves[-1].index + 1)
    )


def test_csv_files_have_the_documented_columns_and_sources():
    with (DATA_DIR / "ecb_rates.csv").open(newline="", encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == [
            "half",
            "anchor_date",
            "ecb_rate_pct",
            "confidence",
            "source",
        ]
    with (DATA_DIR / "legal_rates.csv").open(newline="", encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == [
            "half",
            "individual_pct",
            "other_pct",
            "confidence",
            "source",
        ]
    for row in [*iter_ecb_rows(), *iter_legal_rows()]:
        assert row["source"].strip(), row["half"]


def test_only_2026_s2_is_unconfirmed(rates):
    unconfirmed = {row["half"] for row in iter_rate_rows() if row["confidence"] != "C"}
    assert unconfirmed == {"2026-S2"}
    assert rates.confidence(HalfYear(2026, 2), "ecb") == "U"
    assert rates.confidence(HalfYear(2026, 2), "legal") == "U"
    assert rates.confidence(HalfYear(2026, 1), "ecb") == "C"


def test_iter_rate_rows_shape_and_round_trip(rates):
    rows = list(iter_rate_rows())
    assert len(rows) == 24
    assert set(rows[0]) == {
        "half",
        "anchor_date",
        "ecb_rate_pct",
        "individual_pct",
        "other_pct",
        "confidence",
        "source",
    }
    assert rows[0]["anchor_date"] == "2015-01-01"
    assert rows[1]["anchor_date"] == "2015-07-01"
    rebuilt = TableRateProvider.from_rows(rows)
    for half in rates.halves():
        assert rebuilt.ecb_rate(half) == rates.ecb_rate(half)
        assert rebuilt.legal_rate(half, "other") == rates.legal_rate(half, "other")
    assert rebuilt.confidence(HalfYear(2026, 2), "ecb") == "U"


def test_missing_half_year_names_it_in_both_languages(rates):
    with pytest.raises(MissingRateError) as caught:
        rates.ecb_rate(HalfYear(2027, 1))
    error = caught.value
    assert error.field == "rates" and error.label == "2027-S1"
    assert str(error) == (
        "Taux BCE manquant pour le semestre 2027-S1 / "
        "Missing ECB rate for half-year 2027-S1"
    )
    with pytest.raises(MissingRateError, match="2014-S2.*/.*2014-S2"):
        rates.legal_rate(HalfYear(2014, 2), "individual")


def test_computation_outside_the_tables_raises_naming_the_half(case_of, rates):
    late = case_of(
        [{"invoice_date": "2026-10-01", "due_date": "2026-11-30"}],
        evaluation_date="2027-02-01",
    )
    with pytest.raises(MissingRateError, match="2027-S1"):
        compute_case(late, rates)
    early = case_of(
        [{"invoice_date": "2014-10-01", "due_date": "2014-11-30"}],
        evaluation_date="2015-02-01",
    )
    with pytest.raises(MissingRateError, match="2014-S2"):
        compute_case(early, rates)


def test_unconfirmed_rate_brings_a_warning(case_of, rates):
    case = case_of(
        [{"invoice_date": "2026-05-01", "due_date": "2026-06-15"}],
        evaluation_date="2026-08-31",
    )
    result = compute_case(case, rates)
    assert [s.rate_pct for s in result.segments] == [Decimal("12.15"), Decimal("12.40")]
    assert any("2026-S2" in w and "non confirmé" in w for w in result.warnings)
    before = case_of(
        [{"invoice_date": "2026-05-01", "due_date": "2026-06-15"}],
        evaluation_date="2026-06-30",
    )
    assert compute_case(before, rates).warnings == ()


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"half": "2024-S3", "ecb_rate_pct": "1"}, "rates[0].half"),
        ({"half": "2024-S1", "ecb_rate_pct": 1.5}, "rates[2024-S1].ecb_rate_pct"),
        ({"half": "2024-S1", "ecb_rate_pct": "abc"}, "rates[2024-S1].ecb_rate_pct"),
        (
            {"half": "2024-S1", "anchor_date": "2024-07-01", "ecb_rate_pct": "1"},
            "rates[2024-S1].anchor_date",
        ),
        (
            {"half": "2024-S1", "ecb_rate_pct": "1", "confidence": "X"},
            "rates[2024-S1].confidence",
        ),
        ({"half": "2024-S1", "individual_pct": "1"}, "rates[2024-S1].other_pct"),
        (
            {"half": "2024-S1", "individual_pct": "-1", "other_pct": "1"},
            "rates[2024-S1].individual_pct",
        ),
    ],
)
def test_malformed_rate_rows_are_refused(row, field):
    with pytest.raises(RateTableError) as caught:
        TableRateProvider.from_rows([row])
    assert caught.value.field == field


def test_duplicate_half_year_is_refused():
    rows = [{"half": "2024-S1", "ecb_rate_pct": "4.5"}] * 2
    with pytest.raises(RateTableError, match="2024-S1"):
        TableRateProvider.from_rows(rows)


def test_provider_rows_accept_decimal_int_and_date_anchor():
    provider = TableRateProvider.from_rows(
        [
            {
                "half": "2030-S1",
                "anchor_date": date(2030, 1, 1),
                "ecb_rate_pct": Decimal("1.25"),
                "individual_pct": 3,
                "other_pct": "1",
            }
        ]
    )
    half = HalfYear(2030, 1)
    assert provider.ecb_rate(half) == Decimal("1.25")
    assert provider.legal_rate(half, "individual") == 3


def test_rate_provider_is_abstract_and_pluggable(case_of):
    with pytest.raises(TypeError):
        RateProvider()

    class Flat(RateProvider):
        """Same rates for every half-year (a stand-in for database records)."""

        def ecb_rate(self, half):
            return Decimal("1.00")

        def legal_rate(self, half, category):
            return Decimal("2.00")

    case = case_of(
        [{"invoice_date": "2040-01-01", "due_date": "2040-01-31"}],
        evaluation_date="2040-03-01",
    )
    result = compute_case(case, Flat())
    assert result.segments[0].rate_pct == Decimal("11.00")


def test_each_provider_gets_its_own_rates(case_of):
    def provider(ecb):
        half = HalfYear(2030, 1)
        return TableRateProvider({half: Decimal(ecb)}, {half: (Decimal(1), Decimal(1))})

    case = case_of(
        [{"invoice_date": "2030-01-01", "due_date": "2030-01-31"}],
        evaluation_date="2030-03-01",
    )
    assert compute_case(case, provider("1")).segments[0].rate_pct == Decimal(11)
    assert compute_case(case, provider("2")).segments[0].rate_pct == Decimal(12)


def test_unknown_legal_category_is_refused(rates):
    with pytest.raises(EngineError) as caught:
        rates.legal_rate(HalfYear(2024, 1), "consumer")
    assert caught.value.field == "category"


def test_default_rates_are_loaded_once():
    assert load_default_rates() is load_default_rates()


# -------------------------------------------------------------- HalfYear


def test_half_year_from_date_and_bounds():
    half = HalfYear.from_date(date(2024, 7, 1))
    assert (
        half == HalfYear(2024, 2) and half.label == "2024-S2" and str(half) == "2024-S2"
    )
    assert half.start == half.anchor_date == date(2024, 7, 1)
    assert half.end == date(2024, 12, 31)
    assert HalfYear.from_date(date(2024, 6, 30)).end == date(2024, 6, 30)
    assert half.next() == HalfYear(2025, 1)
    assert HalfYear(2025, 1).previous() == half
    assert HalfYear(2024, 1) < half < HalfYear(2025, 1)
    assert (
        HalfYear(2024, 1).days_in_year == 366 and HalfYear(2100, 1).days_in_year == 365
    )
    assert HalfYear.from_index(half.index) == half


@pytest.mark.parametrize("label", ["2024-S0", "2024S1", "24-S1", "", None, "2024-S1 "])
def test_half_year_parse_refuses_bad_labels(label):
    with pytest.raises(EngineError):
        HalfYear.parse(label)


def test_half_year_refuses_bad_semester():
    with pytest.raises(EngineError):
        HalfYear(2024, 3)


def test_duck_typed_provider_and_non_decimal_answers(case_of):
    class Records:
        """No base class, no ``confidence``: still usable."""

        def __init__(self, ecb):
            self.ecb = ecb

        def ecb_rate(self, half):
            return self.ecb

        def legal_rate(self, half, category):
            return Decimal("1.00")

    case = case_of(
        [{"invoice_date": "2040-01-01", "due_date": "2040-01-31"}],
        evaluation_date="2040-03-01",
    )
    assert compute_case(case, Records(Decimal("2"))).segments[0].rate_pct == 12
    with pytest.raises(EngineError) as caught:
        compute_case(case, Records(2.0))
    assert caught.value.field == "rates" and "2040-S1" in str(caught.value)
    with pytest.raises(EngineError):
        compute_case(case, object())


def test_negative_rate_from_a_provider_is_an_error(case_of):
    half = HalfYear(2030, 1)
    provider = TableRateProvider(
        {half: Decimal("-10.5")}, {half: (Decimal(1), Decimal(1))}
    )
    case = case_of(
        [{"invoice_date": "2030-01-01", "due_date": "2030-01-31"}],
        evaluation_date="2030-03-01",
    )
    with pytest.raises(EngineError, match="2030-S1") as caught:
        compute_case(case, provider)
    assert caught.value.field == "rates"


def test_default_rate_without_legal_rates_still_computes(case_of):
    # the 2024-style floor note needs the legal rate; its absence is not an error
    half = HalfYear(2030, 1)
    provider = TableRateProvider({half: Decimal("1")}, {})
    case = case_of(
        [{"invoice_date": "2030-01-01", "due_date": "2030-01-31"}],
        evaluation_date="2030-03-01",
    )
    assert compute_case(case, provider).segments[0].rate_pct == Decimal(11)
    with pytest.raises(MissingRateError, match="2030-S1"):
        compute_case(
            case_of(
                [{"invoice_date": "2030-01-01", "due_date": "2030-01-31"}],
                evaluation_date="2030-03-01",
                contractual_rate_pct="12",
            ),
            provider,
        )
