# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

RESULTS = [
    ("reached", "Reached, will pay"),
    ("promise", "Promise to pay"),
    ("dispute", "Disputes the invoice"),
    ("no_answer", "No answer / voicemail"),
    ("wrong_number", "Wrong number"),
]


class AccountRelanceCall(models.TransientModel):
    """Log a collection call, its result and an optional promise to pay."""

    _name = "account.relance.call"
    _description = "Log a collection call"

    partner_id = fields.Many2one("res.partner", "Customer", required=True)
    move_ids = fields.Many2many(
        "account.move",
        string="Invoices",
        domain="[('commercial_partner_id', '=', partner_id), ('move_type', '=', 'out_invoice'),"
        " ('state', '=', 'posted'), ('payment_state', 'not in', ('paid', 'in_payment'))]",
    )
    result = fields.Selection(RESULTS, required=True, default="reached")
    promise_date = fields.Date("Promised payment date")
    dispute_reason = fields.Text()
    note = fields.Text()

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "account.move":
            moves = self.env["account.move"].browse(
                self.env.context.get("active_ids", [])
            )
            values["move_ids"] = [(6, 0, moves.ids)]
            values["partner_id"] = moves.commercial_partner_id[:1].id
        return values

    def action_log(self):
        self.ensure_one()
        if self.result == "promise" and not self.promise_date:
            raise UserError(self.env._("Enter the promised date."))
        if self.result == "dispute" and not (self.dispute_reason or "").strip():
            raise UserError(self.env._("Enter the dispute reason."))
        if self.result == "promise":
            self.move_ids.write(
                {
                    "relance_exclusion": "promise",
                    "relance_promise_date": self.promise_date,
                }
            )
        elif self.result == "dispute":
            self.move_ids.write(
                {
                    "relance_exclusion": "dispute",
                    "relance_dispute_reason": self.dispute_reason.strip(),
                }
            )
        body = self.env._(
            "Collection call: %(result)s. %(note)s",
            result=dict(self._fields["result"]._description_selection(self.env))[
                self.result
            ],
            note=self.note or "",
        )
        for record in [*self.move_ids, self.partner_id]:
            record.message_post(
                body=body, message_type="comment", subtype_xmlid="mail.mt_note"
            )
        self._close_call_activities(body)
        return {"type": "ir.actions.act_window_close"}

    def _close_call_activities(self, feedback):
        """Mark done the call tasks the run created for this customer."""
        events = self.env["account.relance.event"].search(
            [("partner_id", "=", self.partner_id.commercial_partner_id.id)]
        )
        call_type = self.env.ref("mail.mail_activity_data_call")
        calls = events.activity_ids.filtered(
            lambda act: act.activity_type_id == call_type
        )
        if calls:
            calls.action_feedback(feedback=self.note or feedback)
