# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The rate in force in a half-year (what invoices and letters print), the
legal formulas it is made of, the rate terms agreed with a customer, and the
fixed indemnity the creditor claims."""

from datetime import date
from decimal import Decimal

import pytest

from account_relance_fr.engine import (
    BASIS_CONTRACT,
    BASIS_FLOOR,
    BASIS_LEGAL,
    BASIS_PUBLIC,
    BASIS_STATUTORY,
    EngineError,
    HalfYear,
    MissingRateError,
    b2b_default_rate,
    b2b_floor_rate,
    b2g_rate,
    compute_case,
    rate_in_force,
    resolve_rate_terms,
)

D = Decimal
H2024_1 = HalfYear(2024, 1)  # ECB 4.50, legal "autres cas" 5.07 (floor 15.21)
H2023_2 = HalfYear(2023, 2)  # ECB 4.00, legal 4.22 (floor 12.66)


def test_formulas():
    assert b2b_default_rate(D("4.50")) == D("14.50")
    assert b2g_rate(D("4.50")) == D("12.50")
    assert b2b_floor_rate(D("5.07")) == D("15.21")


@pytest.mark.parametrize(
    ("options", "half", "rate", "basis"),
    [
        ({}, H2024_1, "14.50", BASIS_STATUTORY),
        ({"contractual_rate_pct": "16"}, H2024_1, "16", BASIS_CONTRACT),
        ({"contractual_rate_pct": "13"}, H2023_2, "13", BASIS_CONTRACT),
        ({"contractual_rate_pct": "9"}, H2024_1, "15.21", BASIS_FLOOR),
        (
            {"contractual_rate_pct": "9", "below_floor_policy": "statutory_default"},
            H2024_1,
            "14.50",
            BASIS_STATUTORY,
        ),
        ({"contractual_rate_clause": "3x_legal"}, H2023_2, "12.66", BASIS_FLOOR),
        ({"customer_type": "B2G"}, H2024_1, "12.50", BASIS_PUBLIC),
        ({"customer_type": "B2C"}, H2024_1, "5.07", BASIS_LEGAL),
        (
            {"customer_type": "B2C", "creditor": "individual"},
            H2024_1,
            "8.01",
            BASIS_LEGAL,
        ),
    ],
)
def test_rate_in_force(case_of, rates, options, half, rate, basis):
    found = rate_in_force(case_of(**options), half, rates)
    assert (found.half, found.rate_pct, found.basis) == (half, D(rate), basis)


def test_rate_in_force_is_the_rate_the_computation_applies(case_of, rates):
    case = case_of(
        [{"invoice_date": "2023-05-01", "due_date": "2023-05-31"}],
        evaluation_date="2024-02-29",
        contractual_rate_pct="9",
    )
    for segment in compute_case(case, rates).segments:
        assert rate_in_force(case, segment.half, rates).rate_pct == segment.rate_pct


def test_rate_in_force_carries_the_notes(case_of, rates):
    below = rate_in_force(case_of(contractual_rate_pct="9"), H2024_1, rates)
    assert any("below the floor" in note for note in below.notes)
    paradox = rate_in_force(case_of(), H2024_1, rates)
    assert any("exceeds the default rate" in note for note in paradox.notes)


def test_rate_in_force_of_an_unknown_half_year_names_it(case_of, rates):
    with pytest.raises(MissingRateError, match="2099-S1"):
        rate_in_force(case_of(), HalfYear(2099, 1), rates)
    with pytest.raises(EngineError):
        rate_in_force(case_of(), date(2024, 1, 1), rates)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("company", None, "statutory", None), (None, None)),
        ((False, None, "fixed", D("12.5")), ("12.5000", None)),
        (("fixed", D("18"), "statutory", None), ("18.0000", None)),
        (("3x_legal", None, "fixed", D("12")), (None, "3x_legal")),
        (("statutory", None, "3x_legal", None), (None, None)),
    ],
)
def test_resolve_rate_terms(args, expected):
    terms = resolve_rate_terms(*args)
    assert (terms["contractual_rate_pct"], terms["contractual_rate_clause"]) == expected


@pytest.mark.parametrize(
    ("given", "expected"), [(None, "40.00"), ("55.50", "55.50"), ("0", "0")]
)
def test_fixed_indemnity(case_of, rates, given, expected):
    options = {} if given is None else {"fixed_indemnity": given}
    case = case_of(
        [{"invoice_date": "2024-01-01", "due_date": "2024-01-31"}],
        evaluation_date="2024-03-01",
        **options,
    )
    assert compute_case(case, rates).indemnity_total == D(expected)
    consumer = case_of(
        [{"invoice_date": "2024-01-01", "due_date": "2024-01-31"}],
        evaluation_date="2024-03-01",
        customer_type="B2C",
        **options,
    )
    assert compute_case(consumer, rates).indemnity_total == 0, "never for consumers"


def test_fixed_indemnity_must_be_an_amount(case_of):
    with pytest.raises(EngineError) as caught:
        case_of(fixed_indemnity="-1")
    assert caught.value.field == "fixed_indemnity"
