# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import zlib

from odoo import api, fields, models
from odoo.exceptions import UserError

STATES = [
    ("to_review", "To review"),
    ("queued", "To send"),
    ("sending", "Email in the mail queue"),
    ("to_print", "To print"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("cancelled", "Cancelled"),
]
# States that hold back the customer's next reminder; a failed one does not.
PENDING_STATES = ("to_review", "queued", "sending", "to_print")
# States a person may still skip or postpone (nothing has left yet).
SKIPPABLE_STATES = ("to_review", "queued", "to_print", "failed")

# Seal of the sending (one chain entry) and seal of the cancellation (another entry).
SEAL_FIELDS = {
    "seal_sequence",
    "seal_previous_hash",
    "seal_hash",
    "seal_payload",
    "seal_date",
}
CANCEL_SEAL_FIELDS = {
    "cancel_seal_sequence",
    "cancel_seal_previous_hash",
    "cancel_seal_hash",
    "cancel_seal_payload",
}
# Fields a sent event may still change, through its sealed cancellation only.
WRITABLE_AFTER_SENT = {
    "state",
    "cancel_reason",
    "cancel_date",
    "cancel_user_id",
    *CANCEL_SEAL_FIELDS,
}
# Evidence that comes back after a reminder left (SMS status, read receipt,
# bounce): not part of the seal, written by the addon's code only (through
# ``_sealing``), whatever the reminder's state; nobody writes it otherwise.
EVIDENCE_FIELDS = {
    "sms_state",
    "sms_failure",
    "read_date",
    "read_receipt",
    "bounce_date",
    "bounce_reason",
    "fallback_event_id",
}
SEAL_VERSION = 1
SEAL_GENESIS = "0" * 64
# pg_advisory_xact_lock(int4, int4) namespace of the per-company chain lock.
SEAL_LOCK_NAMESPACE = zlib.crc32(b"account_relance_fr.seal") & 0x7FFFFFFF
SEAL_HEAD_PARAM = "account_relance_fr.seal_head.%s"
# Only the sealing code holds this object: no RPC context (JSON) can carry it.
SEAL_CONTEXT_KEY = "account_relance_seal_token"
_SEAL_TOKEN = object()


class AccountRelanceEvent(models.Model):
    """One communication to one customer at one level, covering all its overdue
    invoices, with the amounts as they stood that day."""

    _name = "account.relance.event"
    _description = "Reminder sent to a customer"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(readonly=True, copy=False, default="/")
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id", store=True)
    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, readonly=True, index=True
    )
    contact_id = fields.Many2one(
        "res.partner", "Sent to", readonly=True, help="Reminder contact at that date."
    )
    policy_id = fields.Many2one(
        "account.relance.policy", readonly=True, check_company=True
    )
    level_id = fields.Many2one(
        "account.relance.level", required=True, readonly=True, check_company=True
    )
    date = fields.Date(
        required=True,
        readonly=True,
        index=True,
        help="Date of the reminder: the day it was prepared, then the day it "
        "left (its deadline and penalties are counted from that day).",
    )
    prepared_date = fields.Date(
        "Prepared on",
        readonly=True,
        copy=False,
        help="Day of the run (or of the person) that prepared the reminder.",
    )
    deadline_date = fields.Date("Payment deadline", readonly=True)
    channel_email = fields.Boolean("Email", readonly=True)
    channel_letter = fields.Boolean("Letter", readonly=True)
    channel_registered = fields.Boolean("Registered letter", readonly=True)
    channel_phone = fields.Boolean("Phone call", readonly=True)
    show_penalties = fields.Boolean(readonly=True)
    line_ids = fields.One2many(
        "account.relance.event.line", "event_id", "Invoices", readonly=True
    )
    move_ids = fields.Many2many(
        "account.move", compute="_compute_move_ids", string="Invoices covered"
    )
    amount_due = fields.Monetary("Overdue amount", readonly=True)
    interest_total = fields.Monetary("Late interest", readonly=True)
    indemnity_total = fields.Monetary("Recovery indemnities", readonly=True)
    total_claim = fields.Monetary("Total claimed", readonly=True)
    attachment_ids = fields.Many2many(
        "ir.attachment", string="Documents sent", readonly=True
    )
    mail_message_id = fields.Many2one("mail.message", "Email message", readonly=True)
    email_sent_date = fields.Datetime(
        "Email accepted on",
        readonly=True,
        copy=False,
        help="When the outgoing mail server accepted the reminder's email.",
    )
    email_message_ref = fields.Char(
        "Email Message-ID",
        readonly=True,
        copy=False,
        help="Message-ID header of the email as it left.",
    )
    email_failure_reason = fields.Text(
        "Email failure",
        readonly=True,
        copy=False,
        help="Why the email copy of a posted letter could not leave.",
    )
    letter_posted_date = fields.Date(
        "Letter posted on",
        readonly=True,
        copy=False,
        help="Day the letter was recorded as posted.",
    )
    registered_number = fields.Char("Registered letter number", copy=False)
    user_id = fields.Many2one("res.users", "Done by", readonly=True)
    state = fields.Selection(
        STATES, default="to_review", required=True, readonly=True, tracking=True
    )
    review_reason = fields.Text("Why it needs a person", readonly=True)
    failure_reason = fields.Text(readonly=True)
    cancel_reason = fields.Text(readonly=True)
    cancel_date = fields.Datetime(readonly=True)
    cancel_user_id = fields.Many2one("res.users", readonly=True)
    body = fields.Html("Message", help="Optional text added to the email or letter.")
    # ----- tamper-evident chain (one chain per company, see _integrity_findings)
    seal_sequence = fields.Integer(
        "Seal number", readonly=True, copy=False, index=True, aggregator=None
    )
    seal_previous_hash = fields.Char(
        "Previous seal (SHA-256)", readonly=True, copy=False
    )
    seal_hash = fields.Char("Seal (SHA-256)", readonly=True, copy=False, index=True)
    seal_payload = fields.Text("Sealed content", readonly=True, copy=False)
    seal_date = fields.Datetime("Sealed on", readonly=True, copy=False)
    cancel_seal_sequence = fields.Integer(
        "Cancellation seal number", readonly=True, copy=False, aggregator=None
    )
    cancel_seal_previous_hash = fields.Char(
        "Previous seal of the cancellation", readonly=True, copy=False
    )
    cancel_seal_hash = fields.Char(
        "Cancellation seal (SHA-256)", readonly=True, copy=False
    )
    cancel_seal_payload = fields.Text("Sealed cancellation", readonly=True, copy=False)
    document_fingerprints = fields.Text(
        "Document fingerprints (SHA-256)",
        compute="_compute_document_fingerprints",
        help="SHA-256 of every document sent, recorded in the seal.",
    )
    sealed_letter_sha256 = fields.Char(
        "Sealed letter (SHA-256)",
        compute="_compute_sealed_letter_sha256",
        help="SHA-256 recorded in the seal for the letter sent: printing the "
        "letter of a sealed reminder returns this document, byte for byte.",
    )
    postponed_until = fields.Date(
        readonly=True,
        copy=False,
        tracking=True,
        help="The reminder leaves the queue to process until this date.",
    )
    skipped = fields.Boolean(
        readonly=True,
        copy=False,
        help="Cancelled from the queue without being sent: the daily run does not "
        "create another reminder for this customer on the same date.",
    )

    _sql_constraints = [
        (
            "seal_sequence_unique",
            "UNIQUE(company_id, seal_sequence)",
            "Two reminders cannot share a seal number.",
        ),
        (
            "cancel_seal_sequence_unique",
            "UNIQUE(company_id, cancel_seal_sequence)",
            "Two cancellations cannot share a seal number.",
        ),
    ]

    @api.depends("line_ids.move_id")
    def _compute_move_ids(self):
        for event in self:
            event.move_ids = event.line_ids.move_id

    # --------------------------------------------------------------- CRUD

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # Created unsent and unsealed: only sending marks it sent and seals
            # it; nobody (sudo included) creates what looks like a sent reminder.
            forged = set(vals) & (SEAL_FIELDS | CANCEL_SEAL_FIELDS)
            if vals.get("state") in ("sent", "cancelled") or forged:
                raise UserError(
                    self.env._(
                        "A reminder is created unsent: only sending it marks it sent and seals it."
                    )
                )
        for vals in vals_list:
            vals.setdefault("prepared_date", vals.get("date"))
        unnamed = [vals for vals in vals_list if vals.get("name", "/") == "/"]
        for vals, name in zip(unnamed, self._next_names(len(unnamed)), strict=True):
            vals["name"] = name
        return super().create(vals_list)

    def write(self, vals):
        # EXTEND 'mail': sent events are immutable, only cancellation is allowed.
        changed = {key for key in vals if not key.startswith(("message_", "activity_"))}
        if changed and self._write_breaks_seal(changed, vals):
            raise UserError(self._immutable_message())
        return super().write(vals)

    def _write_breaks_seal(self, changed, vals):
        """A sent event only accepts its sealed cancellation; a cancelled one
        nothing. Only the sealing code (``_sealing``) may make an event
        sent or cancel a sent one, and it writes each seal exactly once; nobody,
        sudo and the administrator included, writes seal fields otherwise."""
        if self.env.context.get(SEAL_CONTEXT_KEY) is _SEAL_TOKEN:
            if changed <= EVIDENCE_FIELDS:
                return False
            if changed & SEAL_FIELDS and any(event.seal_hash for event in self):
                return True
            if changed & CANCEL_SEAL_FIELDS and any(
                event.cancel_seal_hash for event in self
            ):
                return True
            if any(event.state == "cancelled" for event in self):
                return bool(changed - CANCEL_SEAL_FIELDS)
            sent = any(event.state == "sent" for event in self)
            return sent and bool(changed - WRITABLE_AFTER_SENT - SEAL_FIELDS)
        if changed & (SEAL_FIELDS | CANCEL_SEAL_FIELDS | EVIDENCE_FIELDS):
            return True
        if vals.get("state") == "sent":
            return True
        if any(event.state == "cancelled" for event in self):
            return True
        return any(event.state == "sent" for event in self)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sent(self):
        if any(event.state in ("sent", "cancelled") for event in self):
            raise UserError(self._immutable_message())

    def _immutable_message(self):
        return self.env._(
            "A sent reminder can be neither changed nor deleted: cancel it with a reason, then create a new one."
        )

    # ------------------------------------------------------------ ACTIONS

    def action_send(self):
        """The review screen's button: performs reviewed (or failed) reminders
        now, or records printed letters as posted today."""
        self._send_on(self._departure_day())
        return True

    def action_cancel(self, reason=None):
        if reason is None:
            reason = self.env.context.get("relance_cancel_reason")
        if reason is None:
            return {
                "type": "ir.actions.act_window",
                "res_model": "account.relance.event.cancel",
                "view_mode": "form",
                "target": "new",
                "context": {"default_event_ids": self.ids},
            }
        reason = self._required_reason(reason)
        for event in self:
            if event.state == "cancelled":
                continue
            event._restore_invoice_levels()
            event._sealing().write(
                {
                    "state": "cancelled",
                    "cancel_reason": reason,
                    "cancel_date": fields.Datetime.now(),
                    "cancel_user_id": self.env.user.id,
                }
            )
            if event.seal_hash:
                event._seal(cancellation=True)
        return True

    @api.model
    def _required_reason(self, reason):
        """``reason`` without its surrounding blanks; a blank reason is refused."""
        text = reason.strip() if isinstance(reason, str) else ""
        if not text:
            raise UserError(self.env._("Give a reason: it is kept in the history."))
        return text

    def action_print_letter(self):
        """Print the letters of the selected reminders in one PDF. Every level
        names its letter report; a selection mixing reports (e.g. registered
        letters and mises en demeure) is refused: print it level by level."""
        if not self:
            return False
        without = self.filtered(lambda event: not event.level_id.report_id)
        if without:
            raise UserError(
                self.env._(
                    "The level of these reminders has no letter: %(names)s.",
                    names=", ".join(without.mapped("name")),
                )
            )
        reports = self.level_id.report_id
        if len(reports) > 1:
            raise UserError(
                self.env._(
                    "These reminders use different letters (%(reports)s): group the list by level and print each group.",
                    reports=", ".join(reports.mapped("name")),
                )
            )
        self._prepare_letters_for_posting(self._departure_day())
        return reports.report_action(self)

    def action_skip(self):
        """Do not send these pending reminders: cancelled (never sent, so not
        sealed) with the reason "Skipped by <user>", the invoices back to their
        previous level. The daily run does not recreate them the same day."""
        self._check_pending()
        reason = self.env._("Skipped by %(user)s", user=self.env.user.name)
        self.write({"skipped": True})
        return self.action_cancel(reason=reason)

    def action_postpone(self):
        """Ask until when the selected pending reminders wait."""
        self._check_pending()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Postpone reminders"),
            "res_model": "account.relance.event.postpone",
            "view_mode": "form",
            "target": "new",
            "context": {"default_event_ids": self.ids},
        }

    def _postpone(self, until):
        """Leave the queue until ``until``; the invoices keep their level and the
        run creates no other reminder for these customers meanwhile."""
        self._check_pending()
        if until <= fields.Date.context_today(self):
            raise UserError(self.env._("Choose a date after today."))
        self.write({"postponed_until": until})

    def _check_pending(self):
        done = self.filtered(lambda event: event.state not in SKIPPABLE_STATES)
        if done:
            raise UserError(
                self.env._(
                    "Only pending reminders (to review, to send, to print, failed) can be postponed or skipped: %(names)s.",
                    names=", ".join(done.mapped("name")),
                )
            )

    # ------------------------------------------- AUDIT: HISTORY AND EXPORTS

    def action_audit_export_xlsx(self):
        return self.env["account.relance.history.xlsx"]._export_action(self)

    def action_audit_print(self):
        return self.env.ref(
            "account_relance_fr.action_report_relance_audit_event"
        ).report_action(self, config=False)

    def action_audit_check_integrity(self):
        """Check the chain of the events' companies and show the result."""
        companies = self.company_id or self.env.companies
        return self.env.ref(
            "account_relance_fr.action_report_relance_audit_integrity"
        ).report_action(companies, config=False)
