# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class AccountRelancePolicy(models.Model):
    """A company's ordered ladder of reminder levels (the daily run is in
    ``account_relance_policy_run.py``, the shipped French ladder in
    ``account_relance_policy_ladder.py``)."""

    _name = "account.relance.policy"
    _description = "Reminder policy"
    _order = "company_id, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    is_default = fields.Boolean(
        "Default policy of the company",
        help="Used for every customer who has no policy of their own.",
    )
    level_ids = fields.One2many(
        "account.relance.level", "policy_id", "Levels", copy=True
    )
    level_count = fields.Integer(compute="_compute_level_count")
    note = fields.Text()

    @api.depends("level_ids")
    def _compute_level_count(self):
        for policy in self:
            policy.level_count = len(policy.level_ids)

    @api.constrains("is_default", "company_id", "active")
    def _check_one_default_per_company(self):
        for company in self.filtered("is_default").company_id:
            defaults = self.search_count(
                [("company_id", "=", company.id), ("is_default", "=", True)]
            )
            if defaults > 1:
                raise ValidationError(
                    self.env._(
                        "Company %(company)s already has a default reminder policy.",
                        company=company.name,
                    )
                )

    def _engine_levels(self):
        self.ensure_one()
        return [
            level._to_engine_level()
            for level in self.level_ids.sorted(
                lambda lvl: (lvl.sequence, lvl.days_after_due, lvl.id)
            )
        ]

    def _ordered_levels(self):
        self.ensure_one()
        return self.level_ids.sorted(
            lambda lvl: (lvl.sequence, lvl.days_after_due, lvl.id)
        )

    @api.model
    def _default_for_company(self, company):
        return self.search(
            [("company_id", "=", company.id), ("is_default", "=", True)], limit=1
        )

    # ------------------------------------------------------------------ RUN
