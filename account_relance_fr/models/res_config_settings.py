# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    relance_policy_id = fields.Many2one(
        "account.relance.policy",
        "Default reminder policy",
        compute="_compute_relance_policy_id",
        inverse="_inverse_relance_policy_id",
        domain="[('company_id', '=', company_id)]",
    )
    relance_rate_mode = fields.Selection(
        related="company_id.relance_rate_mode", readonly=False
    )
    relance_contractual_rate_pct = fields.Float(
        related="company_id.relance_contractual_rate_pct", readonly=False
    )
    relance_below_floor_policy = fields.Selection(
        related="company_id.relance_below_floor_policy", readonly=False
    )
    relance_indemnity_amount = fields.Monetary(
        related="company_id.relance_indemnity_amount", readonly=False
    )
    relance_day_count = fields.Selection(
        related="company_id.relance_day_count", readonly=False
    )
    relance_payment_imputation = fields.Selection(
        related="company_id.relance_payment_imputation", readonly=False
    )
    relance_creditor_kind = fields.Selection(
        related="company_id.relance_creditor_kind", readonly=False
    )
    relance_interest_account_id = fields.Many2one(
        related="company_id.relance_interest_account_id", readonly=False
    )
    relance_indemnity_account_id = fields.Many2one(
        related="company_id.relance_indemnity_account_id", readonly=False
    )
    relance_invoice_legal_text = fields.Text(
        related="company_id.relance_invoice_legal_text", readonly=False
    )
    relance_formal_notice_text = fields.Text(
        related="company_id.relance_formal_notice_text", readonly=False
    )
    relance_promise_max_days = fields.Integer(
        related="company_id.relance_promise_max_days", readonly=False
    )

    # Sending hours (see res_company_sending.py)
    relance_send_mon = fields.Boolean(
        related="company_id.relance_send_mon", readonly=False
    )
    relance_send_tue = fields.Boolean(
        related="company_id.relance_send_tue", readonly=False
    )
    relance_send_wed = fields.Boolean(
        related="company_id.relance_send_wed", readonly=False
    )
    relance_send_thu = fields.Boolean(
        related="company_id.relance_send_thu", readonly=False
    )
    relance_send_fri = fields.Boolean(
        related="company_id.relance_send_fri", readonly=False
    )
    relance_send_sat = fields.Boolean(
        related="company_id.relance_send_sat", readonly=False
    )
    relance_send_sun = fields.Boolean(
        related="company_id.relance_send_sun", readonly=False
    )
    relance_send_hour_from = fields.Float(
        related="company_id.relance_send_hour_from", readonly=False
    )
    relance_send_hour_to = fields.Float(
        related="company_id.relance_send_hour_to", readonly=False
    )
    relance_send_skip_holidays = fields.Boolean(
        related="company_id.relance_send_skip_holidays", readonly=False
    )

    @api.depends("company_id")
    def _compute_relance_policy_id(self):
        Policy = self.env["account.relance.policy"]
        for settings in self:
            settings.relance_policy_id = Policy._default_for_company(
                settings.company_id
            )

    def _inverse_relance_policy_id(self):
        Policy = self.env["account.relance.policy"]
        for settings in self:
            current = Policy._default_for_company(settings.company_id)
            if settings.relance_policy_id and settings.relance_policy_id != current:
                current.is_default = False
                settings.relance_policy_id.is_default = True
