# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import api, fields, models


class AccountRelanceEventPostpone(models.TransientModel):
    _name = "account.relance.event.postpone"
    _description = "Postpone reminders"

    event_ids = fields.Many2many("account.relance.event", required=True)
    postponed_until = fields.Date(
        "Postpone until", required=True, default=lambda self: self._default_until()
    )

    @api.model
    def _default_until(self):
        return fields.Date.context_today(self) + timedelta(days=7)

    def action_confirm(self):
        self.ensure_one()
        self.event_ids._postpone(self.postponed_until)
        return {"type": "ir.actions.act_window_close"}
