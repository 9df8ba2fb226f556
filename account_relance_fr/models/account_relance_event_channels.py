# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Channels and evidence: the SMS (Odoo's ``sms`` module), the read receipt
asked in the email's headers and the one that comes back, the bounce (and
the letter that replaces a bounced email)."""

import re

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from .account_relance_event import EVIDENCE_FIELDS

SMS_STATES = [
    ("ready", "In the SMS queue"),
    ("process", "Processing"),
    ("pending", "Sent"),
    ("sent", "Delivered"),
    ("exception", "Failed"),
    ("bounce", "Not delivered"),
    ("canceled", "Cancelled"),
]
# SMS states in which the SMS left Odoo (the SMS channel is done).
SMS_LEFT = ("process", "pending", "sent")
# A French mobile number: +33 6…, +33 7…, 06…, 07….
FRENCH_MOBILE = re.compile(r"^(?:\+33|0033|0)[67]\d{8}$")
# Reminder line fields copied into the letter that replaces a bounced email.
LINE_COPY_FIELDS = (
    "move_id",
    "move_line_id",
    "invoice_date",
    "due_date",
    "days_late",
    "amount_total",
    "amount_paid",
    "amount_residual",
    "interest",
    "indemnity",
    "penalty_detail",
    "advances_level",
    "new_level_id",
    "previous_level_id",
    "previous_level_sent",
)


def _mobile_like(number):
    digits = re.sub(r"[\s.\-()/]", "", number or "")
    if FRENCH_MOBILE.match(digits):
        return True
    try:
        import phonenumbers  # optional, as in Odoo's phone_validation
    except ImportError:
        return False
    try:
        parsed = phonenumbers.parse(digits, "FR")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(parsed) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


class AccountRelanceEvent(models.Model):
    _inherit = "account.relance.event"

    channel_sms = fields.Boolean("SMS", readonly=True)
    sms_number = fields.Char("SMS sent to", readonly=True, copy=False)
    sms_message_id = fields.Many2one("mail.message", "SMS message", readonly=True)
    sms_state = fields.Selection(
        SMS_STATES, "SMS status", readonly=True, copy=False, tracking=True
    )
    sms_failure = fields.Char("SMS failure", readonly=True, copy=False)
    read_date = fields.Datetime(
        "Read on",
        readonly=True,
        copy=False,
        help="When the customer's mail program said the email was displayed "
        "(read receipt).",
    )
    read_receipt = fields.Char(
        "Read receipt", readonly=True, copy=False, help="Disposition returned."
    )
    bounce_date = fields.Datetime("Email bounced on", readonly=True, copy=False)
    bounce_reason = fields.Text("Bounce", readonly=True, copy=False)
    fallback_event_id = fields.Many2one(
        "account.relance.event",
        "Letter replacing the email",
        readonly=True,
        copy=False,
    )

    def _write_evidence(self, vals):
        """Evidence that comes back after a reminder left (SMS status, read
        receipt, bounce): written by this code only, sent reminder or not."""
        assert set(vals) <= EVIDENCE_FIELDS
        self._sealing().write(vals)

    # ------------------------------------------------------------ SMS

    def _sms_recipient_number(self):
        """The contact's mobile, else its phone when it looks like a mobile;
        '' when there is none."""
        self.ensure_one()
        contact = self.contact_id
        for number in (contact.mobile, contact.phone):
            if number and (number == contact.mobile or _mobile_like(number)):
                return contact._phone_format(number=number) or number
        return ""

    def _send_sms(self):
        """The level's SMS to the contact's mobile, through Odoo's ``sms``
        module (IAP); the SMS and its status are in the reminder's history."""
        self.ensure_one()
        number = self._sms_recipient_number()
        if not number:
            raise UserError(self._sms_missing_number())
        template = self.level_id.sms_template_id
        body = template._render_field("body", self.ids, compute_lang=True)[self.id]
        message = self._message_sms(
            body,
            partner_ids=self.contact_id.ids,
            sms_pid_to_number={self.contact_id.id: number},
        )
        self.write({"sms_number": number, "sms_message_id": message.id})
        notification = self._sms_notification()
        self._write_evidence(
            {
                "sms_state": notification.notification_status or "ready",
                "sms_failure": notification.failure_type or False,
            }
        )
        if self.sms_state in ("exception", "bounce", "canceled"):
            raise UserError(
                self.env._(
                    "The SMS to %(number)s could not leave: %(reason)s",
                    number=number,
                    reason=self._sms_failure_label(notification),
                )
            )

    def _sms_missing_number(self):
        return self.env._(
            "No mobile number for %(contact)s: the SMS cannot leave.",
            contact=self.contact_id.display_name,
        )

    def _sms_notification(self):
        self.ensure_one()
        return (
            self.env["mail.notification"]
            .sudo()
            .search(
                [
                    ("mail_message_id", "=", self.sms_message_id.id),
                    ("notification_type", "=", "sms"),
                ],
                limit=1,
            )
        )

    def _sms_failure_label(self, notification):
        failure = notification.failure_type
        if not failure:
            return notification.failure_reason or ""
        labels = dict(
            notification._fields["failure_type"]._description_selection(self.env)
        )
        return labels.get(failure, failure)

    def _sms_done(self):
        self.ensure_one()
        return not self.channel_sms or self.sms_state in SMS_LEFT

    @api.model
    def _on_sms_notifications(self, notifications):
        """Called when Odoo's SMS trackers update notifications (sending, then
        the delivery report of the SMS provider): the reminder's SMS status
        follows, in its history."""
        sms = notifications.filtered(
            lambda n: (
                n.notification_type == "sms" and n.mail_message_id.model == self._name
            )
        )
        if not sms:
            return
        events = self.sudo().search([("sms_message_id", "in", sms.mail_message_id.ids)])
        for event in events:
            notification = sms.filtered(
                lambda n, e=event: n.mail_message_id == e.sms_message_id
            )[:1]
            status = notification.notification_status
            if not status or status == event.sms_state:
                continue
            event._write_evidence(
                {"sms_state": status, "sms_failure": notification.failure_type}
            )
            label = dict(SMS_STATES).get(status, status)
            reason = event._sms_failure_label(notification)
            event._message_log(
                body=self.env._(
                    "SMS to %(number)s: %(status)s %(reason)s",
                    number=event.sms_number or "",
                    status=label,
                    reason=f"({reason})" if reason else "",
                )
            )

    # ------------------------------------------------------ READ RECEIPT

    def _notify_by_email_get_headers(self, headers=None):
        # EXTEND 'mail': the level may ask for a read receipt.
        headers = super()._notify_by_email_get_headers(headers=headers)
        if len(self) == 1 and self.level_id.request_read_receipt:
            headers["Disposition-Notification-To"] = self._read_receipt_address()
        return headers

    def _read_receipt_address(self):
        """Where the read receipt goes: the reply-to of the reminder (Odoo's
        catchall alias when there is one, which routes it back here)."""
        self.ensure_one()
        return (
            self._notify_get_reply_to(default=self.company_id.email)[self.id]
            or self.company_id.email
            or ""
        )

    def _record_read_receipt(self, disposition, when=None):
        """A read receipt came back: "displayed" is recorded as read on that
        date, any other disposition (deleted, …) as it is."""
        self.ensure_one()
        when = fields.Datetime.to_datetime(when) or fields.Datetime.now()
        displayed = "displayed" in (disposition or "").lower()
        vals = {"read_receipt": disposition or ""}
        if displayed and not self.read_date:
            vals["read_date"] = when
        self._write_evidence(vals)
        if displayed:
            body = self.env._(
                "Read on %(date)s (read receipt: %(disposition)s).",
                date=fields.Datetime.to_string(when),
                disposition=disposition,
            )
        else:
            body = self.env._(
                "Read receipt: %(disposition)s.", disposition=disposition or "?"
            )
        self._message_log(body=body)

    # ------------------------------------------------------------ BOUNCE

    def _on_bounce(self, email, reason):
        """The reminder's email bounced (Odoo's bounce handling): before it
        was sealed, the reminder fails with the reason; once sealed (the mail
        server had accepted it), its sealed cancellation records the bounce,
        its invoices go back to their level. A posted letter still counts:
        the bounce of its email copy is recorded only. If the level says so,
        a letter reminder with the same invoices replaces the email."""
        self.ensure_one()
        if self.bounce_date or self.state == "cancelled":
            return
        self = self._trusted()  # the mail gateway's bounce, checked by Odoo's routing
        text = self.env._(
            "The email to %(email)s bounced: %(reason)s",
            email=email or self.contact_id.email or "",
            reason=reason or "?",
        )
        self._write_evidence(
            {"bounce_date": fields.Datetime.now(), "bounce_reason": reason or ""}
        )
        if self.letter_posted_date:
            self._message_log(body=text)
            return
        if self.state == "sent":
            self._message_log(body=text)
            self.action_cancel(reason=text)
        elif self.state in ("sending", "to_print", "queued"):
            self._mark_failed(text)
        else:
            self._message_log(body=text)
        if self.level_id.bounce_fallback_letter:
            self._fallback_letter()

    def _fallback_letter(self):
        """A letter reminder with this reminder's invoices, routed as the run
        routes its reminders (to review, or to the dispatcher then to print)."""
        self.ensure_one()
        level = self.level_id
        lines = [
            Command.create(
                {
                    name: line[name].id
                    if isinstance(line[name], models.BaseModel)
                    else line[name]
                    for name in LINE_COPY_FIELDS
                }
            )
            for line in self.line_ids.sorted("id")
        ]
        letter = self.create(
            {
                "company_id": self.company_id.id,
                "currency_id": self.currency_id.id,
                "partner_id": self.partner_id.id,
                "contact_id": self.contact_id.id,
                "policy_id": self.policy_id.id,
                "level_id": level.id,
                "date": self.date,
                "deadline_date": self.deadline_date,
                "channel_letter": True,
                "show_penalties": self.show_penalties,
                "amount_due": self.amount_due,
                "interest_total": self.interest_total,
                "indemnity_total": self.indemnity_total,
                "total_claim": self.total_claim,
                "state": "queued",
                "line_ids": lines,
                "review_reason": False,
            }
        )
        letter._supersede_failed()
        letter._route()
        self._write_evidence({"fallback_event_id": letter.id})
        self._message_log(
            body=self.env._(
                "Replaced by the letter reminder %(name)s.", name=letter.name
            )
        )
        letter._message_log(
            body=self.env._(
                "Letter replacing reminder %(name)s, whose email bounced.",
                name=self.name,
            )
        )
        return letter
