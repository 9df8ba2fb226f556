# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class AccountRelanceEventCancel(models.TransientModel):
    _name = "account.relance.event.cancel"
    _description = "Cancel reminders with a reason"

    event_ids = fields.Many2many("account.relance.event", required=True)
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.event_ids.action_cancel(reason=self.reason)
        return {"type": "ir.actions.act_window_close"}
