# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What happens when a reminder leaves: several channels, the mail queue of
Odoo talking to a real SMTP server, the day the reminder is dated, blank
reasons, and the set-based helpers on nothing."""

from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import RelanceCommon
from .smtp_server import SmtpTestServer, odoo_sending_to

MAIL_LOGGER = "odoo.addons.mail.models.mail_mail"


@tagged("post_install", "-at_install")
class TestRelanceDeparture(RelanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Event = cls.env["account.relance.event"]
        cls.mail_cron = cls.env.ref("mail.ir_cron_mail_scheduler_action")

    def _day(self, days_after_due):
        return self.DUE + timedelta(days=days_after_due)

    def _to_formal_notice(self, invoice):
        """The shipped ladder up to the mise en demeure, waiting for review:
        emails at D+1 and D+10, call at D+20, registered letter prepared at
        D+30, reviewed and posted the same day."""
        for days in (1, 10, 20):
            self._run(days)
        letter = self._run(30)
        self._send(letter, 30)
        letter.registered_number = "1A 000 000 0001 1"
        self._send(letter, 30)
        self.assertEqual(letter.state, "sent")
        notice = self._run(45)
        self.assertTrue(notice.level_id.is_formal_notice)
        self.assertEqual(notice.state, "to_review")
        self.assertTrue(notice.channel_email and notice.channel_registered)
        return notice

    def _run_mail_queue(self, server):
        """Odoo's own scheduled action of the mail queue, as the cron runs it,
        towards the loopback SMTP server."""
        with odoo_sending_to(self.env, server):
            self.mail_cron.sudo().method_direct_trigger()

    # ------------------------------------------------------ SEVERAL CHANNELS

    def test_formal_notice_by_letter_and_email_through_the_mail_queue(self):
        """Defect 1 of the real-paths issue: the mail queue crashed on the
        email of a reminder waiting to print. Now the email copy leaves when
        the registered letter is posted, with that letter attached; the
        reminder is sent once the mail server accepted it."""
        invoice = self._invoice(self.customer)
        notice = self._to_formal_notice(invoice)
        self._send(notice, 46)
        self.assertEqual(notice.state, "to_print")
        self.assertFalse(notice.mail_message_id, "no email before the letter is posted")
        notice.registered_number = "1A 000 000 0002 8"
        with SmtpTestServer() as server:
            self._send(notice, 47)
            self.assertEqual(notice.state, "sending", "posted, email in the queue")
            self.assertEqual(notice.letter_posted_date, self._day(47))
            self.assertFalse(notice.seal_hash)
            with self.assertNoLogs(MAIL_LOGGER, level="ERROR"):
                self._run_mail_queue(server)
            received = server.to("durand@example.fr")
        self.assertEqual(len(received), 1)
        message = received[0]
        self.assertIn("MISE EN DEMEURE", message["Subject"])
        attached = [part.get_filename() for part in message.iter_attachments()]
        self.assertIn(notice._letter_filename(), attached)
        self.assertEqual(notice.state, "sent")
        self.assertTrue(notice.seal_hash)
        self.assertTrue(notice.email_sent_date)
        self.assertEqual(notice.email_message_ref, message["Message-ID"])
        self.assertEqual(invoice.relance_level_id, notice.level_id)
        self.assertFalse(self.company._relance_check_integrity())

    def test_email_accepted_before_the_letter_is_posted(self):
        """The other order (an email handed over while the letter waits, as a
        reminder dispatched by an earlier version did): the acceptance is
        recorded, the reminder waits for its letter, then is sent."""
        invoice = self._invoice(self.customer)
        notice = self._to_formal_notice(invoice)
        self._send(notice, 46)
        notice._trusted().with_context(mail_notify_force_send=False)._send_email()
        with SmtpTestServer() as server:
            with self.assertNoLogs(MAIL_LOGGER, level="ERROR"):
                self._run_mail_queue(server)
            self.assertEqual(len(server.to("durand@example.fr")), 1)
        self.assertEqual(notice.state, "to_print", "the letter is not posted yet")
        self.assertTrue(notice.email_sent_date)
        self.assertFalse(notice.seal_hash)
        notice.registered_number = "1A 000 000 0003 5"
        self._send(notice, 47)
        self.assertEqual(notice.state, "sent", "no second email: it already left")
        self.assertEqual(len(self._event_mails(notice)), 1)
        self.assertTrue(notice.seal_hash)
        self.assertEqual(invoice.relance_level_id, notice.level_id)

    def test_email_copy_refused_after_the_letter_was_posted(self):
        """The registered letter left: a refused email copy is recorded, the
        reminder is still sent and sealed (the letter is what counts)."""
        notice = self._to_formal_notice(self._invoice(self.customer))
        self._send(notice, 46)
        notice.registered_number = "1A 000 000 0004 2"
        with SmtpTestServer() as server:
            server.refused.add("durand@example.fr")
            self._send(notice, 46)
            self._run_mail_queue(server)
        self.assertEqual(notice.state, "sent")
        self.assertIn("durand@example.fr", notice.email_failure_reason)
        self.assertTrue(notice.seal_hash)

    def _event_mails(self, events):
        return (
            self.env["mail.mail"]
            .sudo()
            .search([("mail_message_id", "in", events.mail_message_id.ids)])
        )

    # --------------------------------------------------- THE DAY IT LEAVES

    def test_deadline_and_penalties_count_from_the_day_it_leaves(self):
        """Defect 4: a reminder prepared at D+30 and reviewed at D+55 asked for
        payment by D+45. It is dated the day it leaves: deadline, days late
        and interest are counted from that day."""
        invoice = self._invoice(self.customer, 3000.0)
        for days in (1, 10, 20):
            self._run(days)
        letter = self._run(30)
        prepared = letter.interest_total
        self.assertEqual(letter.deadline_date, self._day(45))
        self._send(letter, 55)
        self.assertEqual(letter.prepared_date, self._day(30))
        self.assertEqual(letter.date, self._day(55))
        self.assertEqual(letter.deadline_date, self._day(70))
        self.assertEqual(letter.line_ids.days_late, 55)
        self.assertGreater(letter.interest_total, prepared)
        expected = self.env["account.relance.penalty"]._compute_for_moves(
            invoice, self._day(55)
        )[invoice.id]["interest"]
        self.assertEqual(letter.interest_total, float(expected))
        self.assertEqual(
            letter.total_claim,
            letter.amount_due + letter.interest_total + letter.indemnity_total,
        )
        html = self._letter_html(letter)
        self.assertIn("April 26, 2026", html, "the letter date is the day it left")
        self.assertIn("May 11, 2026", html, "deadline: 15 days after")

        # Printed for posting two days later: the letter carries that day.
        with freeze_time(self._day(57)):
            letter.action_print_letter()
        self.assertEqual(letter.date, self._day(57))
        self.assertEqual(letter.deadline_date, self._day(72))
        self.assertTrue(letter._letter_attachment(), "the printed letter is kept")
        letter.registered_number = "1A 000 000 0005 9"
        self._send(letter, 57)
        self.assertEqual(letter.state, "sent")
        self.assertEqual(letter.letter_posted_date, self._day(57))

    def _letter_html(self, event):
        html, _kind = (
            self.env["ir.actions.report"]
            .with_context(lang="en_US")
            ._render_qweb_html(event.level_id.report_id, event.ids)
        )
        return html.decode()

    def test_postponed_queued_reminder_waits_for_its_date(self):
        self._invoice(self.customer)
        with freeze_time(self._day(1)):
            event = self.env["account.relance.policy"]._run_relances()
            self.assertEqual(event.state, "queued")
            event._postpone(self._day(5))
            self.assertEqual(self.Event._dispatch_queued(), 0)
            self.assertEqual(event.state, "queued")
        with freeze_time(self._day(5)):
            # A Saturday: the day is given, so the sending hours do not hold it.
            self.assertEqual(self.Event._dispatch_queued(now=self._day(5)), 1)
        self.assertEqual(event.state, "sending")
        self.assertEqual(event.date, self._day(5))

    # --------------------------------------------------------- LITIGATION

    def test_litigation_step_writes_to_nobody(self):
        """Defect 3: the litigation level hands the file to a person and sends
        nothing to the customer."""
        invoice = self._invoice(self.customer)
        notice = self._to_formal_notice(invoice)
        self._send(notice, 45)
        notice.registered_number = "1A 000 000 0006 6"
        self._send(notice, 45)
        self._deliver(self._day(45))
        self.assertEqual(notice.state, "sent")
        litigation = self._run(60)
        self.assertTrue(litigation.level_id.is_litigation)
        self.assertEqual(litigation.state, "to_review")
        self._send(litigation, 60)
        self.assertEqual(litigation.state, "sent")
        self.assertFalse(litigation.mail_message_id)
        self.assertFalse(litigation.attachment_ids)
        self.assertFalse(self._event_mails(litigation))
        self.assertIn(
            "Take over the litigation file", litigation.activity_ids.summary or ""
        )
        self.assertEqual(invoice.relance_level_id, litigation.level_id)

    # ------------------------------------------------------- BLANK REASONS

    def test_blank_reasons_are_refused(self):
        """Defect 6: a sent reminder cancelled with "   " as reason."""
        invoice = self._invoice(self.customer)
        event = self._run(1)
        self.assertEqual(event.state, "sent")
        wizard = self.env["account.relance.event.cancel"].create(
            {"event_ids": [(6, 0, event.ids)], "reason": "   "}
        )
        with self.assertRaisesRegex(UserError, "Give a reason"):
            wizard.action_confirm()
        for blank in ("", " \n\t "):
            with self.assertRaisesRegex(UserError, "Give a reason"):
                event.action_cancel(reason=blank)
        self.assertEqual(event.state, "sent")
        event.action_cancel(reason="  Paid by cheque before the email  ")
        self.assertEqual(event.cancel_reason, "Paid by cheque before the email")

        call = self.env["account.relance.call"].create(
            {
                "partner_id": self.customer.id,
                "move_ids": [(6, 0, invoice.ids)],
                "result": "dispute",
                "dispute_reason": "  ",
            }
        )
        with self.assertRaises(UserError):
            call.action_log()
        with self.assertRaises(ValidationError):
            invoice.write(
                {"relance_exclusion": "dispute", "relance_dispute_reason": " "}
            )
        with self.assertRaises(ValidationError):
            invoice.write({"relance_exclusion": "payment_plan"})
        with self.assertRaises(ValidationError):
            invoice.write({"relance_exclusion": "promise"})

    # ------------------------------------------------------ EMPTY SETS

    def test_set_based_helpers_do_nothing_on_nothing(self):
        """Every set-based helper (SQL or ORM) is a no-op on an empty set."""
        self._invoice(self.customer)
        Event = self.Event
        none = Event.browse()
        day = self._day(1)
        none._mark_sent()
        none._write_invoice_levels()
        none._dispatch(day)
        none._post_messages()
        none._route({})
        none._supersede_failed()
        none._insert_lines([])
        none._store_letters({})
        none._store_invoice_copies(self.env["account.move"])
        none._seal_if_done()
        none._prepare_documents()
        self.assertEqual(none._refresh_for_departure(day), none)
        self.assertEqual(none._drop_stale({}), none)
        self.assertEqual(none._invoices_problems(), {})
        self.assertEqual(Event._line_facts([]), {})
        Event._on_mail_result(self.env["mail.mail"])
        Event._on_mail_result(self.env["mail.mail"], failure_type="unknown")
        Penalty = self.env["account.relance.penalty"]
        moves = self.env["account.move"]
        self.assertEqual(Penalty._compute_for_moves(moves, day), {})
        self.assertEqual(Penalty._compute_for_moves_with_errors(moves, day), ({}, {}))
        self.assertEqual(Penalty._compute_for_batch(moves, day), {})
        self.assertEqual(Penalty._invoice_facts(moves), {})
        self.assertEqual(Penalty._invoice_payments(moves), {})
        self.assertEqual(Penalty._formal_notice_dates([], []), {})
        self.assertEqual(moves._relance_pending_move_ids(), set())
        self.assertEqual(moves._relance_last_sent_dates(), {})
        nobody = self.env["res.partner"]
        self.assertEqual(
            self.env["account.relance.snapshot"]._open_customer_ids(
                self.company, nobody
            ),
            [],
        )
        self.assertEqual(Event._partner_event_stats(self.company, day, nobody), {})
        self.assertFalse(
            self.env["account.relance.policy"]._run_relances(
                as_of=day, partners=nobody
            ),
            "an empty selection of customers reminds nobody",
        )
        self.assertFalse(Event.search([]).filtered(lambda e: e.date == day))
