# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import zlib

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.html_safety import strip_remote_resources

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
# The addon's own code (the run, the dispatcher, the documented buttons) holds
# this object while it creates and moves reminders (see ``_trusted``): like the
# seal token, no RPC context can carry it.
TRUST_CONTEXT_KEY = "account_relance_trust_token"
_TRUST_TOKEN = object()
# What a person may write on a reminder (the review screen's editable fields);
# everything else is written by the addon's own code only.
USER_WRITABLE = {"body", "registered_number"}
# The state machine, in one place: {state: states it may move to}. Only the
# addon's own code moves a reminder (nobody writes ``state``); a reviewed
# reminder is sent by *Send*, never put back in the queue, and a reminder
# whose email is in the mail queue waits for the mail server's answer (see
# ``_check_no_email_in_queue``).
TRANSITIONS = {
    "queued": {"to_review", "to_print", "sending", "sent", "failed", "cancelled"},
    "to_review": {"to_print", "sending", "sent", "failed", "cancelled"},
    "failed": {"to_review", "to_print", "sending", "sent", "cancelled"},
    # Back to review when the rates it needs are missing or unconfirmed.
    "to_print": {"to_review", "sending", "sent", "failed", "cancelled"},
    "sending": {"sent", "failed", "cancelled"},
    "sent": {"cancelled"},
    "cancelled": set(),
}
# States a reminder is created in (by the run only).
CREATE_STATES = ("queued", "to_review", "failed")


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
    call_to_make = fields.Boolean(
        "Call to make",
        compute="_compute_call_to_make",
        search="_search_call_to_make",
        help="A phone reminder whose call task is still open and that no later "
        "reminder of the customer has replaced.",
    )
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
    def _compute_call_to_make(self):
        to_make = self._calls_to_make(self.filtered("channel_phone"))
        for event in self:
            event.call_to_make = event in to_make

    def _search_call_to_make(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(operator)
        candidates = self.search(
            [("channel_phone", "=", True), ("activity_ids", "!=", False)]
        )
        wanted = operator == "=" and value or operator == "!=" and not value
        ids = self._calls_to_make(candidates).ids
        return [("id", "in" if wanted else "not in", ids)]

    @api.model
    def _calls_to_make(self, events):
        """Those of ``events`` whose call is still to make: an open task, and
        no later reminder of the same customer (not cancelled) since."""
        events = events.filtered(
            lambda event: event.channel_phone and event.activity_ids
        )
        if not events:
            return events
        later = self.search_read(
            [
                ("partner_id", "in", events.partner_id.ids),
                ("state", "!=", "cancelled"),
            ],
            ["partner_id", "date"],
        )
        last = {}
        for row in later:
            partner = row["partner_id"][0]
            last[partner] = max(last.get(partner, row["date"]), row["date"])
        return events.filtered(
            lambda event: event.date >= last.get(event.partner_id.id, event.date)
        )

    def _compute_move_ids(self):
        for event in self:
            event.move_ids = event.line_ids.move_id

    # --------------------------------------------------------------- CRUD

    def _trusted(self):
        """This recordset as the addon's own code uses it: allowed to create
        reminders and to move them along the state machine (see ``write``).
        Private, hence out of reach of RPC; only the run, the dispatcher and the
        documented buttons call it."""
        return self.with_context(**{TRUST_CONTEXT_KEY: _TRUST_TOKEN})

    def _untrusted(self):
        """These records as their caller may hold them (without the token)."""
        return self.with_context(**{TRUST_CONTEXT_KEY: None})

    def _is_trusted(self):
        context = self.env.context
        return (
            context.get(TRUST_CONTEXT_KEY) is _TRUST_TOKEN
            or context.get(SEAL_CONTEXT_KEY) is _SEAL_TOKEN
        )

    @api.model_create_multi
    def create(self, vals_list):
        return super().create(self._checked_create_vals(vals_list))

    @api.model
    def _checked_create_vals(self, vals_list):
        """``vals_list`` checked and completed (name, prepared date) for new
        reminders: by :meth:`create` and by the daily run's bulk insert."""
        if not self._is_trusted():
            self.check_access("create")  # no right: AccessError, as before
            # Reminders come from the run (daily, or the preview's Send now):
            # nobody (sudo and the administrator included) creates one with a
            # state, a date, a name, invoices or amounts of their choosing.
            raise UserError(
                self.env._(
                    "Reminders are created by the reminder run only (scheduled, or Preview / Send now)."
                )
            )
        for vals in vals_list:
            # Created unsent and unsealed: only sending marks it sent and seals
            # it; nobody (sudo included) creates what looks like a sent reminder.
            forged = set(vals) & (SEAL_FIELDS | CANCEL_SEAL_FIELDS)
            if vals.get("state", "to_review") not in CREATE_STATES or forged:
                raise UserError(
                    self.env._(
                        "A reminder is created unsent: only sending it marks it sent and seals it."
                    )
                )
        for vals in vals_list:
            vals.setdefault("prepared_date", vals.get("date"))
            if vals.get("body"):
                vals["body"] = strip_remote_resources(vals["body"])
        unnamed = [vals for vals in vals_list if vals.get("name", "/") == "/"]
        for vals, name in zip(unnamed, self._next_names(len(unnamed)), strict=True):
            vals["name"] = name
        return vals_list

    def write(self, vals):
        # EXTEND 'mail': sent events are immutable, only cancellation is allowed.
        changed = {key for key in vals if not key.startswith(("message_", "activity_"))}
        if changed and not self._is_trusted():
            self.check_access("write")  # no right: AccessError first
        if changed and self._write_breaks_seal(changed, vals):
            raise UserError(self._immutable_message())
        if changed and not self._is_trusted():
            forbidden = changed - self._user_writable_fields()
            if forbidden:
                raise UserError(
                    self.env._(
                        "Only the message and the registered letter number of a reminder can be changed by hand (not: %(fields)s); use its buttons to send, postpone or cancel it.",
                        fields=", ".join(sorted(forbidden)),
                    )
                )
        if "state" in vals:
            self._check_transition(vals["state"])
        if vals.get("body"):
            vals = {**vals, "body": strip_remote_resources(vals["body"])}
        return super().write(vals)

    def _user_writable_fields(self):
        """What a person may write on a reminder (see ``USER_WRITABLE``)."""
        return USER_WRITABLE

    def _check_transition(self, state):
        """Refuse a move the state machine (``TRANSITIONS``) does not allow."""
        labels = dict(STATES)
        for event in self:
            if state != event.state and state not in TRANSITIONS[event.state]:
                raise UserError(
                    self.env._(
                        "Reminder %(name)s cannot go from “%(current)s” to “%(new)s”.",
                        name=event.name,
                        current=labels[event.state],
                        new=labels.get(state, state),
                    )
                )

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
        self._trusted()._send_on(self._departure_day())
        return True

    def action_cancel(self, reason=None):
        if reason is None:
            reason = self.env.context.get("relance_cancel_reason")
        if reason is None:
            return {
                "type": "ir.actions.act_window",
                "name": self.env._("Cancel reminders"),
                "res_model": "account.relance.event.cancel",
                "view_mode": "form",
                "target": "new",
                "context": {"default_event_ids": self.ids},
            }
        reason = self._required_reason(reason)
        self._check_no_email_in_queue()
        for event in self:
            if event.state == "cancelled":
                continue
            if event.email_sent_date and not event.seal_hash:
                # Its email left (its letter may wait): an email that left is
                # sealed, then the cancellation is sealed after it.
                event._trusted()._mark_sent()
            event._recall_failed_emails()
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

    def _check_no_email_in_queue(self):
        """An email in the mail queue may leave at any moment: its reminder
        is not cancelled meanwhile (it would leave unsealed). Once the mail
        server has answered, the reminder is sent (cancel it then: the
        cancellation is sealed) or failed. An email that left before its
        reminder was sealed is sealed first (see ``action_cancel``)."""
        # Still in the queue: refused (see _recall_failed_emails); an email
        # no longer in the queue and never accepted will not leave.
        for event in self.filtered(lambda event: event.state == "sending"):
            event._recall_failed_emails()

    def _recall_failed_emails(self):
        """The emails of this unsent reminder that the mail server refused are
        deleted from the mail queue: nobody retries them once it is cancelled
        (an email that leaves is sealed with its reminder). One being retried
        right now (locked by the mail queue) refuses the cancellation."""
        self.ensure_one()
        if self.seal_hash or not self.mail_message_id or self.email_sent_date:
            return
        self.env.flush_all()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    """SELECT id, state FROM mail_mail
                        WHERE mail_message_id = %s FOR UPDATE NOWAIT""",
                    [self.mail_message_id.id],
                )
                rows = self.env.cr.fetchall()
        except psycopg2.OperationalError:
            rows = [(None, "outgoing")]
        if any(state == "outgoing" for _id, state in rows):
            raise UserError(
                self.env._(
                    "The email of %(name)s is in the mail queue: it cannot be cancelled until the mail server has taken it or refused it.",
                    name=self.name,
                )
            )
        self.env["mail.mail"].sudo().browse(
            [mail_id for mail_id, state in rows if state in ("exception", "cancel")]
        ).unlink()

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
        self._trusted()._prepare_letters_for_posting(self._departure_day())
        return reports.report_action(self)

    def action_skip(self):
        """Do not send these pending reminders: cancelled (never sent, so not
        sealed) with the reason "Skipped by <user>", the invoices back to their
        previous level. The daily run does not recreate them the same day."""
        self._check_pending()
        reason = self.env._("Skipped by %(user)s", user=self.env.user.name)
        self._trusted().write({"skipped": True})
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
        self._trusted().write({"postponed_until": until})

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
