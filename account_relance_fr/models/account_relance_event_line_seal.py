# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models
from odoo.exceptions import UserError

SEALED_STATES = ("sent", "cancelled")


class AccountRelanceEventLine(models.Model):
    """The invoices of a sent reminder are part of its seal: like the reminder
    itself, nobody (sudo and the administrator included) changes, adds or
    removes them once it is sent."""

    _inherit = "account.relance.event.line"

    def _check_event_not_sealed(self, events):
        if any(event.state in SEALED_STATES for event in events):
            raise UserError(events._immutable_message())

    @api.model_create_multi
    def create(self, vals_list):
        event_ids = {vals["event_id"] for vals in vals_list if vals.get("event_id")}
        self._check_event_not_sealed(
            self.env["account.relance.event"].sudo().browse(event_ids)
        )
        return super().create(vals_list)

    def write(self, vals):
        events = self.sudo().event_id
        if vals.get("event_id"):
            events |= self.env["account.relance.event"].sudo().browse(vals["event_id"])
        self._check_event_not_sealed(events)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sealed_event(self):
        self._check_event_not_sealed(self.sudo().event_id)
