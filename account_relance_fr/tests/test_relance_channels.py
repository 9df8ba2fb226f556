# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Channels and evidence: sending hours (Sunday, public holidays, night,
Monday morning), the read receipt asked and received, the bounce and the
letter that replaces the email, the SMS through Odoo's sms module, the
courteous notice before the due date.

Emails go through Odoo's real sending code to a real SMTP server on
127.0.0.1; incoming receipts and bounces come in through Odoo's mail gateway
(``mail.thread.message_process``); SMS go through Odoo's sms module with
its IAP gateway mocked by Odoo's own ``MockSMS``."""

from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.sms.tests.common import MockSMS

from ..tools.sending_window import SendingWindow
from .common import RelanceCommon
from .smtp_server import SmtpTestServer, odoo_sending_to

DISPATCH_LOGGER = "odoo.addons.account_relance_fr.models.account_relance_event_dispatch"


def utc(year, month, day, hour, minute=0):
    return datetime(year, month, day, hour, minute)


@tagged("post_install", "-at_install")
class TestRelanceChannels(RelanceCommon, MockSMS):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Event = cls.env["account.relance.event"]
        cls.company.partner_id.tz = "Europe/Paris"
        cls.courteous = cls.levels[0]

    def _run_on(self, day, partners=None):
        return self.env["account.relance.policy"]._run_relances(
            as_of=day, partners=partners or self.customer
        )

    # ------------------------------------------------------ SENDING HOURS

    def test_sending_window_rules(self):
        window = self.company._relance_sending_window()
        self.assertEqual(window.weekdays, frozenset(range(5)), "Monday to Friday")
        self.assertEqual((window.start, window.end), (9.0, 18.0))
        # Summer time in Paris: UTC+2.
        self.assertFalse(window.is_open(utc(2026, 7, 15, 6, 59)), "08:59 in Paris")
        self.assertTrue(window.is_open(utc(2026, 7, 15, 7, 0)), "09:00 in Paris")
        self.assertFalse(window.is_open(utc(2026, 7, 15, 16, 0)), "18:00 in Paris")
        self.assertFalse(window.is_open(utc(2026, 7, 14, 8, 0)), "Bastille Day")
        self.assertFalse(window.is_open(utc(2026, 5, 1, 8, 0)), "1 May")
        self.assertFalse(window.is_open(utc(2026, 5, 25, 8, 0)), "Whit Monday")
        self.assertFalse(window.is_open(utc(2026, 7, 12, 8, 0)), "a Sunday")
        # Winter time: UTC+1.
        self.assertTrue(window.is_open(utc(2026, 12, 1, 8, 0)), "09:00 in Paris")
        self.assertEqual(
            window.next_opening(utc(2026, 7, 13, 20, 0)),
            utc(2026, 7, 15, 7, 0),
            "Monday night: the next opening skips 14 July",
        )
        self.assertEqual(
            window.next_opening(utc(2026, 5, 1, 8, 0)),
            utc(2026, 5, 4, 7, 0),
            "1 May, a Friday: Monday 9:00",
        )
        self.assertIsNone(
            SendingWindow(weekdays=frozenset()).next_opening(utc(2026, 1, 1, 0))
        )
        self.company.write(
            {"relance_send_sun": True, "relance_send_skip_holidays": False}
        )
        window = self.company._relance_sending_window()
        self.assertTrue(window.is_open(utc(2026, 7, 12, 8, 0)), "Sundays allowed")
        self.assertTrue(window.is_open(utc(2026, 7, 14, 8, 0)), "holidays allowed")
        with self.assertRaises(ValidationError):
            self.company.relance_send_hour_to = 8.0

    def test_dispatcher_keeps_reminders_for_the_next_window(self):
        """Due on Friday 10 July 2026: the courteous reminder is prepared on
        Saturday and leaves on Wednesday 15 July at 9:00 (14 July is a public
        holiday), dated that day."""
        invoice = self._invoice(self.customer, due=date(2026, 7, 10))
        event = self._run_on(date(2026, 7, 11))
        self.assertEqual(event.state, "queued")
        for moment, why in (
            (utc(2026, 7, 11, 8), "a Saturday"),
            (utc(2026, 7, 12, 8), "a Sunday"),
            (utc(2026, 7, 13, 5), "Monday 7:00, before the opening"),
            (utc(2026, 7, 13, 20), "Monday 22:00, at night"),
            (utc(2026, 7, 14, 8), "14 July, a public holiday"),
            (utc(2026, 7, 15, 6, 59), "Wednesday 8:59"),
        ):
            self.assertEqual(self.Event._dispatch_queued(now=moment), 0, why)
            self.assertEqual(event.state, "queued", why)
        self.assertEqual(self.Event._dispatch_queued(now=utc(2026, 7, 15, 7)), 1)
        self.assertEqual(event.state, "sending")
        self.assertEqual(event.date, date(2026, 7, 15), "dated the day it left")
        self.assertEqual(event.prepared_date, date(2026, 7, 11))
        self.assertEqual(invoice.relance_level_id, self.env["account.relance.level"])

    def test_monday_morning_after_1_may(self):
        self._invoice(self.customer, due=date(2026, 4, 30))
        event = self._run_on(date(2026, 5, 1))
        self.assertEqual(self.Event._dispatch_queued(now=utc(2026, 5, 1, 8)), 0)
        self.assertEqual(self.Event._dispatch_queued(now=utc(2026, 5, 3, 10)), 0)
        self.assertEqual(self.Event._dispatch_queued(now=utc(2026, 5, 4, 7, 30)), 1)
        self.assertEqual(event.date, date(2026, 5, 4))

    def test_scheduled_dispatcher_wakes_up_at_the_opening(self):
        self._invoice(self.customer, due=date(2026, 7, 10))
        event = self._run_on(date(2026, 7, 11))
        cron = self.env.ref("account_relance_fr.ir_cron_relance_dispatch")
        Trigger = self.env["ir.cron.trigger"].sudo()
        Trigger.search([("cron_id", "=", cron.id)]).unlink()
        with freeze_time(utc(2026, 7, 12, 8)):
            cron.sudo().method_direct_trigger()
        self.assertEqual(event.state, "queued", "nothing leaves on a Sunday")
        self.assertIn(
            utc(2026, 7, 13, 7),
            Trigger.search([("cron_id", "=", cron.id)]).mapped("call_at"),
            "woken up on Monday at 9:00, Paris time",
        )
        with freeze_time(utc(2026, 7, 13, 7)):
            cron.sudo().method_direct_trigger()
        self.assertEqual(event.state, "sending")

    def test_a_plain_day_sends_that_day(self):
        """Code that gives a day (the demo, *Send* pressed by a person) is
        not held by the sending hours."""
        self._invoice(self.customer, due=date(2026, 7, 10))
        event = self._run_on(date(2026, 7, 11))
        self.assertEqual(self.Event._dispatch_queued(now=date(2026, 7, 12)), 1)
        self.assertEqual(event.date, date(2026, 7, 12))

    # ------------------------------------------ READ RECEIPT AND BOUNCE

    def _send_for_real(self, server, day):
        self.Event._dispatch_queued(now=day)
        self.env["mail.mail"].sudo().process_email_queue()

    def _reminder_message(self, server, address):
        messages = server.to(address)
        self.assertEqual(len(messages), 1, address)
        return messages[0]

    def test_read_receipt_asked_and_recorded(self):
        self.courteous.request_read_receipt = True
        self._invoice(self.customer)
        self._invoice(self.other_customer)
        events = self._run_on(
            self.DUE + timedelta(days=1), self.customer | self.other_customer
        )
        with SmtpTestServer() as server, odoo_sending_to(self.env, server):
            self._send_for_real(server, self.DUE + timedelta(days=1))
        event = events.filtered(lambda e: e.partner_id == self.customer)
        self.assertEqual(event.state, "sent")
        sent = self._reminder_message(server, "durand@example.fr")
        receipt_to = sent["Disposition-Notification-To"]
        self.assertTrue(receipt_to, "the email asks for a read receipt")
        self.assertEqual(receipt_to, event._read_receipt_address())
        self.courteous.request_read_receipt = False

        # The customer's mail program answers (RFC 8098), through the gateway.
        message_id = sent["Message-ID"]
        raw = (
            "From: Durand SARL <durand@example.fr>\r\n"
            f"To: {receipt_to}\r\n"
            "Subject: Read: payment reminder\r\n"
            f"In-Reply-To: {message_id}\r\n"
            f"References: {message_id}\r\n"
            "Message-ID: <mdn-1@example.fr>\r\n"
            "Date: Thu, 05 Mar 2026 10:15:00 +0000\r\n"
            "MIME-Version: 1.0\r\n"
            'Content-Type: multipart/report; report-type=disposition-notification; boundary="B"\r\n'
            "\r\n"
            "--B\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            "Your message was displayed.\r\n"
            "--B\r\n"
            "Content-Type: message/disposition-notification\r\n\r\n"
            "Reporting-UA: Thunderbird\r\n"
            "Final-Recipient: rfc822;durand@example.fr\r\n"
            f"Original-Message-ID: {message_id}\r\n"
            "Disposition: manual-action/MDN-sent-manually; displayed\r\n"
            "--B--\r\n"
        )
        self.env["mail.thread"].sudo().message_process(False, raw)
        self.assertEqual(event.read_date, datetime(2026, 3, 5, 10, 15))
        self.assertIn("displayed", event.read_receipt)
        self.assertIn(
            "Read on 2026-03-05 10:15:00", "".join(event.message_ids.mapped("body"))
        )
        self.assertEqual(event.state, "sent", "still sent, its seal untouched")
        self.assertIn("Read on 2026-03-05 10:15:00", event._history_evidence())
        self.assertEqual(self.customer.message_bounce, 0, "a read receipt is no bounce")
        self.assertFalse(self.company._relance_check_integrity())
        # Nobody writes the evidence by hand.
        with self.assertRaises(UserError):
            event.write({"read_date": fields.Datetime.now()})
        other = events - event
        self.assertTrue(
            self._reminder_message(server, "martin@example.fr")[
                "Disposition-Notification-To"
            ]
        )
        self.assertFalse(other.read_date, "no receipt from Martin")

    def _bounce(self, original, address):
        message_id = original["Message-ID"]
        raw = (
            "From: Mail Delivery System <MAILER-DAEMON@mx.example.fr>\r\n"
            f"To: {original['Return-Path'] or original['From']}\r\n"
            "Subject: Undelivered Mail Returned to Sender\r\n"
            "Message-ID: <dsn-1@mx.example.fr>\r\n"
            "MIME-Version: 1.0\r\n"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="D"\r\n'
            "\r\n"
            "--D\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            "This is the mail system. Your message could not be delivered.\r\n"
            "--D\r\n"
            "Content-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx.example.fr\r\n"
            "\r\n"
            f"Final-Recipient: rfc822; {address}\r\n"
            "Action: failed\r\n"
            "Status: 5.1.1\r\n"
            "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
            "--D\r\n"
            "Content-Type: text/rfc822-headers\r\n\r\n"
            f"Message-ID: {message_id}\r\n"
            f"From: {original['From']}\r\n"
            f"To: {original['To']}\r\n"
            f"Subject: {original['Subject']}\r\n"
            "--D--\r\n"
        )
        self.env["mail.thread"].sudo().message_process(False, raw)

    def test_bounce_fails_the_reminder_and_falls_back_to_a_letter(self):
        self.courteous.bounce_fallback_letter = True
        invoice = self._invoice(self.customer)
        day = self.DUE + timedelta(days=1)
        event = self._run_on(day)
        with SmtpTestServer() as server, odoo_sending_to(self.env, server):
            self._send_for_real(server, day)
        self.assertEqual(event.state, "sent")
        self.assertEqual(invoice.relance_level_id, self.courteous)
        self._bounce(
            self._reminder_message(server, "durand@example.fr"), "durand@example.fr"
        )

        self.assertEqual(
            event.state, "cancelled", "the bounce is its sealed cancellation"
        )
        self.assertIn("bounced", event.cancel_reason)
        self.assertIn("550 5.1.1 user unknown", event.cancel_reason)
        self.assertEqual(event.bounce_reason, "smtp; 550 5.1.1 user unknown")
        self.assertTrue(event.bounce_date and event.cancel_seal_hash)
        self.assertFalse(invoice.relance_level_id, "the invoice is back to its level")
        letter = event.fallback_event_id
        self.assertTrue(letter, "a letter replaces the email")
        self.assertTrue(letter.channel_letter)
        self.assertFalse(letter.channel_email)
        self.assertEqual(letter.line_ids.move_id, invoice)
        self.assertEqual(letter.state, "queued")
        self.Event._dispatch_queued(now=day + timedelta(days=2))
        self.assertEqual(letter.state, "to_print")
        self.assertFalse(self.company._relance_check_integrity())
        # The reminder's history and the audit history show the bounce.
        self.assertIn("bounced", "".join(event.message_ids.mapped("body")))
        evidence = "\n".join(event._history_evidence())
        self.assertIn("550 5.1.1 user unknown", evidence)
        self.assertIn(letter.name, evidence)
        sections = self.Event._history_sections(self.customer)
        row = self.env["account.relance.history.xlsx"]._event_row(
            event, sections[0], []
        )
        self.assertIn("550 5.1.1 user unknown", row[-1])

    def test_bounce_without_fallback_lets_the_next_run_try_again(self):
        self._invoice(self.customer)
        day = self.DUE + timedelta(days=1)
        event = self._run_on(day)
        with SmtpTestServer() as server, odoo_sending_to(self.env, server):
            self._send_for_real(server, day)
            self._bounce(
                self._reminder_message(server, "durand@example.fr"), "durand@example.fr"
            )
        self.assertEqual(event.state, "cancelled")
        self.assertFalse(event.fallback_event_id)
        again = self._run_on(day + timedelta(days=1))
        self.assertEqual(again.level_id, self.courteous, "the next run tries again")

    # ----------------------------------------------------------------- SMS

    def _sms_level(self):
        self.courteous.write({"channel_email": False, "channel_sms": True})

    def test_sms_sent_through_odoo_sms_with_its_status(self):
        self._sms_level()
        self.customer.mobile = "06 12 34 56 78"
        invoice = self._invoice(self.customer, amount=1234.5)
        day = self.DUE + timedelta(days=1)
        event = self._run_on(day)
        self.assertEqual(event.state, "queued")
        with self.mockSMSGateway():
            self.Event._dispatch_queued(now=day)
        self.assertEqual(len(self._sms), 1)
        body = self._sms[0]["body"]
        self.assertIn(invoice.name, body)
        self.assertIn("1,234.50", body)
        self.assertIn(event.name, body)
        self.assertEqual(event.state, "sent")
        self.assertEqual(event.sms_state, "pending")
        self.assertTrue(event.seal_hash)
        self.assertEqual(invoice.relance_level_id, self.courteous)
        # The provider's delivery report, as /sms/status hands it to Odoo.
        sms = self._new_sms.filtered(
            lambda s: s.mail_message_id == event.sms_message_id
        )
        self.env["sms.tracker"].sudo().search(
            [("sms_uuid", "=", sms.uuid)]
        )._action_update_from_sms_state("sent")
        self.assertEqual(event.sms_state, "sent")
        self.assertIn("Delivered", "".join(event.message_ids.mapped("body")))
        self.assertIn(
            f"SMS to {event.sms_number}: Delivered", event._history_evidence()
        )
        self.assertFalse(self.company._relance_check_integrity())

    def test_sms_failure_and_missing_number(self):
        self._sms_level()
        self.customer.phone = "04 78 00 00 00"  # a landline: no SMS
        self.other_customer.phone = "07 98 76 54 32"  # a mobile in the phone field
        self._invoice(self.customer)
        self._invoice(self.other_customer)
        day = self.DUE + timedelta(days=1)
        events = self._run_on(day, self.customer | self.other_customer)
        without = events.filtered(lambda e: e.partner_id == self.customer)
        self.assertEqual(without.state, "to_review")
        self.assertIn("No mobile number", without.review_reason)
        with_phone = events - without
        self.assertEqual(with_phone.state, "queued")
        with (
            self.mockSMSGateway(sim_error="credit"),
            self.assertLogs(DISPATCH_LOGGER, level="ERROR"),
        ):
            self.Event._dispatch_queued(now=day)
        self.assertEqual(with_phone.state, "failed")
        self.assertIn("07 98 76 54 32", with_phone.failure_reason)
        self.assertIn("Insufficient Credit", with_phone.failure_reason)
        self.assertFalse(with_phone.seal_hash)

    # ------------------------------------------------- BEFORE THE DUE DATE

    def _before_due_level(self):
        return self.env["account.relance.level"].create(
            {
                "policy_id": self.policy.id,
                "sequence": 5,
                "name": "Before the due date",
                "days_after_due": -5,
                "min_days_since_previous": 0,
                "channel_email": True,
                "mail_template_id": self.env.ref(
                    "account_relance_fr.mail_template_relance_before_due"
                ).id,
                "send_mode": "auto",
            }
        )

    def test_courteous_notice_before_the_due_date(self):
        before = self._before_due_level()
        invoice = self._invoice(self.customer)
        self.assertFalse(self._run_on(self.DUE - timedelta(days=6)))
        notice = self._run_on(self.DUE - timedelta(days=5))
        self.assertEqual(notice.level_id, before)
        self.assertEqual(notice.line_ids.move_id, invoice)
        self.assertEqual((notice.interest_total, notice.indemnity_total), (0.0, 0.0))
        self.assertEqual(notice.total_claim, invoice.amount_total)
        self._deliver(self.DUE - timedelta(days=5))
        self.assertEqual(notice.state, "sent")
        self.assertIn("invoices due soon", notice.mail_message_id.subject)
        self.assertEqual(invoice.relance_level_id, before)
        analysis = self.env["account.relance.analysis"].search(
            [("move_id", "=", invoice.id)]
        )
        self.assertFalse(analysis.level_id, "not a reminder of an overdue invoice")
        # The day after the due date: the usual courteous reminder.
        reminder = self._run_on(self.DUE + timedelta(days=1))
        self.assertEqual(reminder.level_id, self.courteous)
        report = self.env["report.account_relance_fr.report_relance_letter"]
        self.assertFalse(report._earlier_events(reminder), "not an earlier reminder")
        self.assertEqual(report._event_values(reminder)["tone"], "courteous")

    def test_before_due_level_is_courteous_only(self):
        before = self._before_due_level()
        for values in (
            {"show_penalties": True},
            {"channel_registered": True},
            {"is_formal_notice": True},
        ):
            with self.assertRaises(ValidationError), self.env.cr.savepoint():
                before.write(values)
