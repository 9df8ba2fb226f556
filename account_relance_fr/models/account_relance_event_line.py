# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class AccountRelanceEventLine(models.Model):
    """One invoice (or installment) listed in a reminder, as it stood that day."""

    _name = "account.relance.event.line"
    _description = "Invoice of a reminder (snapshot)"
    _order = "event_id, due_date, id"
    _check_company_auto = True

    event_id = fields.Many2one(
        "account.relance.event", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="event_id.company_id", store=True)
    currency_id = fields.Many2one(related="event_id.currency_id")
    move_id = fields.Many2one(
        "account.move", "Invoice", required=True, index=True, check_company=True
    )
    move_line_id = fields.Many2one(
        "account.move.line", "Installment", check_company=True
    )
    invoice_date = fields.Date()
    due_date = fields.Date(required=True)
    days_late = fields.Integer(aggregator="max")
    amount_total = fields.Monetary("Amount incl. VAT")
    amount_paid = fields.Monetary("Paid")
    amount_residual = fields.Monetary("Remaining")
    interest = fields.Monetary("Late interest")
    indemnity = fields.Monetary("Recovery indemnity")
    penalty_detail = fields.Text("Interest detail")
    advances_level = fields.Boolean(
        help="This invoice moved up to the event's level with this reminder."
    )
    new_level_id = fields.Many2one("account.relance.level", "Level reached")
    previous_level_id = fields.Many2one("account.relance.level", "Previous level")
    previous_level_sent = fields.Boolean()
