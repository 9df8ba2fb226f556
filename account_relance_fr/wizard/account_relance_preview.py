# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import Command, api, fields, models
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)
REASONS = {
    "no_overdue": _lt("Nothing overdue"),
    "net_balance_not_positive": _lt(
        "Net balance not positive (credit notes, payments)"
    ),
    "customer_excluded": _lt("Customer excluded from reminders"),
    "all_items_excluded": _lt("All invoices excluded (dispute, promise, payment plan)"),
    "pending_event": _lt("A reminder awaits a person's action"),
    "already_done_today": _lt("Already done for this date"),
    "min_interval": _lt("Minimum interval since the last reminder not elapsed"),
    "no_level_due": _lt("No level due yet"),
    "litigation_reached": _lt("Litigation reached: handled by a person"),
}


class AccountRelancePreview(models.TransientModel):
    """Shows what the run would do at a chosen date, and can do it now."""

    _name = "account.relance.preview"
    _description = "Reminder preview / send now"

    date = fields.Date(required=True, default=fields.Date.context_today)
    partner_ids = fields.Many2many("res.partner", string="Customers", required=True)
    line_ids = fields.One2many(
        "account.relance.preview.line", "preview_id", readonly=True
    )

    @api.onchange("date", "partner_ids")
    def _onchange_compute_lines(self):
        self.line_ids = [Command.clear()] + [
            Command.create(vals) for vals in self._preview_lines()
        ]

    def _preview_lines(self):
        Policy = self.env["account.relance.policy"]
        partners = self.partner_ids.commercial_partner_id
        lines = []
        for decision in Policy._preview(self.env.company, self.date, partners._origin):
            lines.append(
                {
                    "partner_id": decision.customer_key,
                    "level_id": decision.level.key if decision.level else False,
                    "action": decision.action,
                    "reason": self.env._(REASONS[decision.reason])
                    if decision.reason
                    else "",
                    "invoice_count": len(decision.covered_items),
                    "amount_due": float(decision.net_total),
                    "next_date": decision.next_date,
                }
            )
        return lines

    def action_send_now(self):
        self.ensure_one()
        events = self.env["account.relance.policy"]._run_relances(
            as_of=self.date, partners=self.partner_ids.commercial_partner_id
        )
        return events._get_records_action(name=self.env._("Reminders created"))


class AccountRelancePreviewLine(models.TransientModel):
    _name = "account.relance.preview.line"
    _description = "Reminder preview line"

    preview_id = fields.Many2one(
        "account.relance.preview", required=True, ondelete="cascade"
    )
    partner_id = fields.Many2one("res.partner", "Customer")
    level_id = fields.Many2one("account.relance.level")
    action = fields.Selection([("create", "Reminder"), ("skip", "Nothing")])
    reason = fields.Char()
    invoice_count = fields.Integer("Invoices")
    currency_id = fields.Many2one(
        related="preview_id.partner_ids.company_id.currency_id"
    )
    amount_due = fields.Float("Net overdue", digits="Account")
    next_date = fields.Date("Next possible date")
