# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .. import engine
from ..engine import rates as engine_rates

CONFIDENCE = [("C", "Confirmed"), ("S", "Single source"), ("U", "Unconfirmed")]
ECB_FIELDS = ("ecb_rate_pct",)
LEGAL_FIELDS = ("legal_rate_individual_pct", "legal_rate_other_pct")


class AccountRelanceRate(models.Model):
    """Legal rates of one half-year: ECB main refinancing rate on its anchor day
    and both French legal interest rates. Shipped rows come from the engine's
    data files, the ECB rate of later half-years from the ECB Data Portal
    (see account_relance_rate_ecb.py); a row edited by a person is never
    overwritten, neither by an upgrade nor by the ECB fetch.

    Each kind of rate has its confidence; an empty confidence means the rate
    is not known yet (a rate of 0 % is a real rate: the ECB's from 2016 to 2022)."""

    _name = "account.relance.rate"
    _description = "Legal late-payment rates per half-year"
    _inherit = ["mail.thread", "mail.activity.mixin"]
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
        help="ECB main refinancing operations rate in force on the anchor date.",
    )
    legal_rate_individual_pct = fields.Float(
        "Legal rate, individual creditor (%)",
        digits=(6, 4),
        help="French legal interest rate when the creditor is a natural person "
        "not acting for professional purposes.",
    )
    legal_rate_other_pct = fields.Float(
        "Legal rate, other cases (%)",
        digits=(6, 4),
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
    ecb_confidence = fields.Selection(
        CONFIDENCE,
        "ECB rate confidence",
        help="Empty: the ECB rate of this half-year is not known yet. A person "
        "entering the rate confirms it.",
    )
    legal_confidence = fields.Selection(
        CONFIDENCE,
        "Legal rates confidence",
        help="Empty: the legal interest rates of this half-year are not known "
        "yet. A person entering them confirms them.",
    )
    confidence = fields.Selection(
        CONFIDENCE,
        compute="_compute_confidence",
        store=True,
        help="The weakest of both rates; Unconfirmed while a rate is missing.",
    )
    source = fields.Text()
    origin = fields.Selection(
        [
            ("engine", "Shipped with the addon"),
            ("ecb", "ECB Data Portal"),
            ("run", "Awaited by the daily run"),
            ("manual", "Edited by a user"),
        ],
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

    @api.depends("ecb_confidence", "legal_confidence")
    def _compute_confidence(self):
        order = [code for code, _label in CONFIDENCE]
        for rate in self:
            tags = [rate.ecb_confidence or "U", rate.legal_confidence or "U"]
            rate.confidence = max(tags, key=order.index)

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

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.context.get("relance_rate_loading"):
            vals_list = [
                self._vals_by_person(vals, creating=True) for vals in vals_list
            ]
        rates = super().create(vals_list)
        rates._close_rate_activities()
        return rates

    def write(self, vals):
        # EXTEND 'base': a person's correction must survive module upgrades
        # and the ECB fetch; a rate a person enters is confirmed by them.
        if not self.env.context.get("relance_rate_loading"):
            vals = dict(self._vals_by_person(vals), origin="manual")
        result = super().write(vals)
        self._close_rate_activities()
        return result

    @api.model
    def _vals_by_person(self, vals, creating=False):
        """``vals`` of a person: each kind of rate they give is known, and
        confirmed unless they chose its confidence. On creation a kind counts
        as given when its value is not zero (the form sends every field)."""
        vals = dict(vals)
        for kind, names in (("ecb", ECB_FIELDS), ("legal", LEGAL_FIELDS)):
            key = f"{kind}_confidence"
            given = [name for name in names if name in vals]
            if creating:
                given = [name for name in given if vals[name]]
            if given and not vals.get(key):
                vals[key] = "C"
        vals.setdefault("origin", "manual")
        return vals

    def _has_ecb(self):
        self.ensure_one()
        return bool(self.ecb_confidence)

    def _has_legal(self):
        self.ensure_one()
        return bool(self.legal_confidence)

    def _close_rate_activities(self):
        """The activities asking for a rate close by themselves once the row
        holds it."""
        types = {
            "ecb": self.env.ref(
                "account_relance_fr.mail_activity_type_relance_ecb_rate",
                raise_if_not_found=False,
            ),
            "legal": self.env.ref(
                "account_relance_fr.mail_activity_type_relance_legal_rate",
                raise_if_not_found=False,
            ),
        }
        for rate in self:
            done = [
                kind_type
                for kind, kind_type in types.items()
                if kind_type
                and (rate._has_ecb() if kind == "ecb" else rate._has_legal())
            ]
            if not done:
                continue
            activities = (
                self.env["mail.activity"]
                .sudo()
                .search(
                    [
                        ("res_model", "=", self._name),
                        ("res_id", "=", rate.id),
                        ("activity_type_id", "in", [t.id for t in done]),
                    ]
                )
            )
            if activities:
                activities.action_feedback(
                    feedback=self.env._(
                        "Rate entered on the row of the %(half)s.",
                        half=self.env["account.relance.document"]._format_half(
                            rate.half
                        ),
                    )
                )

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
        for rate in existing.values():
            if rate.origin == "manual" and not (
                rate.ecb_confidence or rate.legal_confidence
            ):
                # Rows typed before each kind had its confidence: both known.
                rate.with_context(relance_rate_loading=True).write(
                    {"ecb_confidence": "C", "legal_confidence": "C"}
                )
        for row in engine_rates.iter_rate_rows():
            vals = self._vals_from_engine_row(row)
            rate = existing.get(vals["half"])
            if not rate:
                loader.create(vals)
            elif rate.origin in ("engine", "run"):
                rate.with_context(relance_rate_loading=True).write(vals)
            elif rate.origin == "ecb":
                # The ECB rate fetched stays; the shipped legal rates fill in.
                legal = {name: vals[name] for name in LEGAL_FIELDS}
                if vals.get("legal_confidence") and (
                    not rate._has_legal() or rate.legal_confidence != "C"
                ):
                    rate.with_context(relance_rate_loading=True).write(
                        {**legal, "legal_confidence": vals["legal_confidence"]}
                    )

    @api.model
    def _vals_from_engine_row(self, row):
        half = engine.HalfYear.parse(row["half"])
        shipped = engine_rates.load_default_rates()
        has_ecb = row.get("ecb_rate_pct") not in (None, "")
        has_legal = row.get("individual_pct") not in (None, "")
        return {
            "half": half.label,
            "year": half.year,
            "semester": str(half.semester),
            "anchor_date": row["anchor_date"],
            "ecb_rate_pct": float(Decimal(row["ecb_rate_pct"])) if has_ecb else 0.0,
            "legal_rate_individual_pct": float(Decimal(row["individual_pct"]))
            if has_legal
            else 0.0,
            "legal_rate_other_pct": float(Decimal(row["other_pct"]))
            if has_legal
            else 0.0,
            "ecb_confidence": shipped.confidence(half, "ecb") if has_ecb else False,
            "legal_confidence": shipped.confidence(half, "legal")
            if has_legal
            else False,
            "source": row.get("source") or "",
            "origin": "engine",
        }

    @api.model
    def _engine_rate_provider(self):
        """Engine rate provider backed by these records (all half-years)."""
        rows = []
        # One row per half-year: a few dozen rows.
        for rate in self.sudo().search([]):  # pylint: disable=no-search-all
            if rate.ecb_confidence:
                rows.append(
                    {
                        "half": rate.half,
                        "ecb_rate_pct": str(self._to_decimal(rate.ecb_rate_pct)),
                        "confidence": rate.ecb_confidence,
                    }
                )
            if rate.legal_confidence:
                rows.append(
                    {
                        "half": rate.half,
                        "individual_pct": str(
                            self._to_decimal(rate.legal_rate_individual_pct)
                        ),
                        "other_pct": str(self._to_decimal(rate.legal_rate_other_pct)),
                        "confidence": rate.legal_confidence,
                    }
                )
        return engine.TableRateProvider.from_rows(rows)
