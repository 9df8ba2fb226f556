# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The legal numbers of French late-payment interest, named once.

- C. com. L441-10: the statutory B2B rate of a half-year is the ECB rate of its
  anchor day + 10 points; a contractual rate may not be below 3 × the legal
  interest rate ("autres cas") of the half-year.
- CCP R2192-31: public buyers, the ECB rate of the half-year the delay started
  + 8 points.
- CMF L313-3: + 5 points two months after a judgment became enforceable.
- C. com. D441-5: the fixed recovery indemnity (``model.FIXED_INDEMNITY``).
"""

from decimal import Decimal

from .model import CLAUSE_3X_LEGAL

__all__ = [
    "B2B_MARGIN",
    "B2G_MARGIN",
    "BASIS_CONTRACT",
    "BASIS_FLOOR",
    "BASIS_LEGAL",
    "BASIS_PUBLIC",
    "BASIS_STATUTORY",
    "FLOOR_FACTOR",
    "JUDGMENT_MARGIN",
    "b2b_default_rate",
    "b2b_floor_rate",
    "b2g_rate",
    "resolve_rate_terms",
]

B2B_MARGIN = Decimal(10)
B2G_MARGIN = Decimal(8)
JUDGMENT_MARGIN = Decimal(5)
FLOOR_FACTOR = Decimal(3)
# What the rate of a half-year is (``RateInForce.basis``).
BASIS_STATUTORY = "statutory"  # B2B: ECB + 10 points
BASIS_CONTRACT = "fixed"  # B2B: the contractual rate, at or above the floor
BASIS_FLOOR = "3x_legal"  # B2B: 3 × legal rate (clause, or contract raised to it)
BASIS_PUBLIC = "public"  # B2G: ECB + 8 points
BASIS_LEGAL = "legal"  # B2C: legal interest rate


def b2b_default_rate(ecb_pct: Decimal) -> Decimal:
    """Statutory B2B rate of a half-year: its ECB rate + 10 points (L441-10)."""
    return ecb_pct + B2B_MARGIN


def b2g_rate(ecb_pct: Decimal) -> Decimal:
    """Public buyers' rate: the ECB rate of the half-year the delay started
    + 8 points (CCP R2192-31)."""
    return ecb_pct + B2G_MARGIN


def b2b_floor_rate(legal_other_pct: Decimal) -> Decimal:
    """Floor of a contractual B2B rate: 3 × the legal interest rate of the
    half-year, "autres cas" (L441-10)."""
    return FLOOR_FACTOR * legal_other_pct


def resolve_rate_terms(
    partner_mode: str | None,
    partner_rate_pct: Decimal | None,
    company_mode: str,
    company_rate_pct: Decimal | None,
) -> dict:
    """The rate terms agreed with one customer, as case keys: the customer's
    own terms when it has some (``partner_mode`` not empty nor ``"company"``),
    else the creditor's general terms. Modes: ``"statutory"``, ``"fixed"``
    (with its rate), ``"3x_legal"``.

    :return: ``{"contractual_rate_pct": str | None,
        "contractual_rate_clause": "3x_legal" | None}``
    """
    own = partner_mode not in (None, False, "", "company")
    mode = partner_mode if own else company_mode
    rate = partner_rate_pct if own else company_rate_pct
    return {
        "contractual_rate_pct": f"{Decimal(rate or 0):.4f}"
        if mode == "fixed"
        else None,
        "contractual_rate_clause": CLAUSE_3X_LEGAL if mode == "3x_legal" else None,
    }
