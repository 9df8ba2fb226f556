# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models
from odoo.exceptions import UserError, ValidationError

SEALED_STATES = ("sent", "cancelled")


class AccountRelanceEventLine(models.Model):
    """The invoices of a sent reminder are part of its seal: like the reminder
    itself, nobody (sudo and the administrator included) changes, adds or
    removes them once it is sent."""

    _inherit = "account.relance.event.line"

    def _check_trusted(self, operation):
        """Lines are written by the run and the dispatcher only: nobody adds
        another invoice to a reminder or changes what it claims."""
        if not self.env["account.relance.event"]._is_trusted():
            self.check_access(operation)  # no right: AccessError, as before
            raise UserError(
                self.env._(
                    "The invoices of a reminder are set by the reminder run: they cannot be added or changed by hand."
                )
            )

    @api.constrains("event_id", "move_id", "move_line_id")
    def _check_invoice_of_the_reminder(self):
        """A line lists an invoice of the reminder's own company and customer."""
        for line in self.sudo():
            event, move = line.event_id, line.move_id
            if (
                move.company_id != event.company_id
                or move.commercial_partner_id != event.partner_id.commercial_partner_id
                or move.move_type != "out_invoice"
                or (line.move_line_id and line.move_line_id.move_id != move)
            ):
                raise ValidationError(
                    self.env._(
                        "A reminder lists only customer invoices of its own company and customer."
                    )
                )

    def _check_event_not_sealed(self, events):
        if any(event.state in SEALED_STATES for event in events):
            raise UserError(events._immutable_message())

    @api.model_create_multi
    def create(self, vals_list):
        self._check_trusted("create")
        event_ids = {vals["event_id"] for vals in vals_list if vals.get("event_id")}
        self._check_event_not_sealed(
            self.env["account.relance.event"].sudo().browse(event_ids)
        )
        return super().create(vals_list)

    def write(self, vals):
        self._check_trusted("write")
        events = self.sudo().event_id
        if vals.get("event_id"):
            events |= self.env["account.relance.event"].sudo().browse(vals["event_id"])
        self._check_event_not_sealed(events)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sealed_event(self):
        self._check_event_not_sealed(self.sudo().event_id)
