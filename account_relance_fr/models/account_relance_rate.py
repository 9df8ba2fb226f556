# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .. import engine
from ..engine import rates as engine_rates


class AccountRelanceRate(models.Model):
    """Legal rates of one half-year: ECB main refinancing rate on its anchor day
    and both French legal interest rates. Shipped rows come from the engine's
    data files; a row edited by a person is never overwritten by an upgrade."""

    _name = "account.relance.rate"
    _description = "Legal late-payment rates per half-year"
    _order = "year desc, semester desc"
    _rec_name = "half"

    half = fields.Char(required=True, help="Half-year, e.g. 2024-S2.")
    year = fields.Integer(required=True)
    semester = fields.Selection(
        [("1", "S1 (January-June)"), ("2", "S2 (July-December)")], required=True
    )
    anchor_date = fields.Date(required=True, help="1 January or 1 July.")
    ecb_rate_pct = fields.Float(
        "ECB rate (%)",
        digits=(6, 4),
        required=True,
        help="ECB main refinancing operations rate in force on the anchor date.",
    )
    legal_rate_individual_pct = fields.Float(
        "Legal rate, individual creditor (%)",
        digits=(6, 4),
        required=True,
        help="French legal interest rate when the creditor is a natural person "
        "not acting for professional purposes.",
    )
    legal_rate_other_pct = fields.Float(
        "Legal rate, other cases (%)",
        digits=(6, 4),
        required=True,
        help="French legal interest rate in all other cases (professional creditor).",
    )
    b2b_default_rate_pct = fields.Float(
        "B2B default rate (%)", digits=(6, 4), compute="_compute_derived_rates"
    )
    b2b_floor_rate_pct = fields.Float(
        "B2B floor (3 × legal rate) (%)",
        digits=(6, 4),
        compute="_compute_derived_rates",
    )
    confidence = fields.Selection(
        [("C", "Confirmed"), ("S", "Single source"), ("U", "Unconfirmed")],
        default="C",
        required=True,
    )
    source = fields.Text()
    origin = fields.Selection(
        [("engine", "Shipped with the addon"), ("manual", "Edited by a user")],
        default="manual",
        required=True,
        readonly=True,
    )

    _sql_constraints = [
        (
            "half_unique",
            "UNIQUE(half)",
            "There is already a rate row for this half-year.",
        ),
    ]

    @api.depends("ecb_rate_pct", "legal_rate_other_pct")
    def _compute_derived_rates(self):
        for rate in self:
            ecb = self._to_decimal(rate.ecb_rate_pct)
            legal = self._to_decimal(rate.legal_rate_other_pct)
            rate.b2b_default_rate_pct = float(engine.b2b_default_rate(ecb))
            rate.b2b_floor_rate_pct = float(engine.b2b_floor_rate(legal))

    @api.constrains("half", "year", "semester", "anchor_date")
    def _check_half_consistency(self):
        for rate in self:
            half = self._half_year(rate.year, rate.semester)
            if not half:
                raise ValidationError(
                    self.env._("Invalid year or semester for %(half)s.", half=rate.half)
                )
            if rate.half != half.label or rate.anchor_date != half.anchor_date:
                raise ValidationError(
                    self.env._(
                        "Inconsistent half-year: %(half)s must read %(expected)s and "
                        "start on %(anchor)s.",
                        half=rate.half,
                        expected=half.label,
                        anchor=half.anchor_date,
                    )
                )

    @api.model
    def _half_year(self, year, semester):
        """The engine's half-year, or None for impossible values."""
        try:
            return engine.HalfYear(int(year), int(semester))
        except (engine.EngineError, TypeError, ValueError):
            return None

    @api.constrains("ecb_rate_pct", "legal_rate_individual_pct", "legal_rate_other_pct")
    def _check_rates_range(self):
        for rate in self:
            values = (
                rate.ecb_rate_pct,
                rate.legal_rate_individual_pct,
                rate.legal_rate_other_pct,
            )
            if any(value < -5 or value > 50 for value in values):
                raise ValidationError(
                    self.env._(
                        "Rate out of range for %(half)s (between -5%% and 50%%).",
                        half=rate.half,
                    )
                )

    def write(self, vals):
        # EXTEND 'base': a person's correction must survive module upgrades.
        if not self.env.context.get("relance_rate_loading"):
            vals = dict(vals, origin="manual")
        return super().write(vals)

    @staticmethod
    def _to_decimal(value):
        """Exact decimal of a rate stored with 4 digits (no float arithmetic)."""
        return Decimal(f"{value:.4f}")

    @api.model
    def _load_engine_rates(self):
        """Create or refresh the shipped rows from the engine's data files.

        Called at install and at every upgrade; rows edited by a person
        (origin 'manual') are left alone."""
        existing = {
            rate.half: rate for rate in self.with_context(active_test=False).search([])
        }
        loader = self.with_context(relance_rate_loading=True)
        for row in engine_rates.iter_rate_rows():
            vals = self._vals_from_engine_row(row)
            rate = existing.get(vals["half"])
            if not rate:
                loader.create(vals)
            elif rate.origin == "engine":
                rate.with_context(relance_rate_loading=True).write(vals)

    @api.model
    def _vals_from_engine_row(self, row):
        half = engine.HalfYear.parse(row["half"])
        return {
            "half": half.label,
            "year": half.year,
            "semester": str(half.semester),
            "anchor_date": row["anchor_date"],
            "ecb_rate_pct": float(Decimal(row["ecb_rate_pct"])),
            "legal_rate_individual_pct": float(Decimal(row["individual_pct"])),
            "legal_rate_other_pct": float(Decimal(row["other_pct"])),
            "confidence": row.get("confidence") or "C",
            "source": row.get("source") or "",
            "origin": "engine",
        }

    @api.model
    def _engine_rate_provider(self):
        """Engine rate provider backed by these records (all half-years)."""
        rows = [
            {
                "half": rate.half,
                "anchor_date": rate.anchor_date.isoformat(),
                "ecb_rate_pct": str(self._to_decimal(rate.ecb_rate_pct)),
                "individual_pct": str(self._to_decimal(rate.legal_rate_individual_pct)),
                "other_pct": str(self._to_decimal(rate.legal_rate_other_pct)),
                "confidence": rate.confidence,
                "source": rate.source or "",
            }
            for rate in self.sudo().search([])
        ]
        return engine.TableRateProvider.from_rows(rows)
