# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The run creates reminders; the dispatcher renders and hands them to the mail
queue; a reminder is sent once its email has left. Faults in the middle of any
step lose nothing and send nothing twice."""

import contextlib
import io
from unittest.mock import patch

from odoo import Command
from odoo.tests import tagged

from odoo.addons.account_relance_fr.models import account_relance_policy_run

from .common import RelanceCommon

try:
    from PyPDF2 import PdfReader
except ImportError:  # pragma: no cover - PyPDF2 is an Odoo dependency
    PdfReader = None


class Killed(BaseException):
    """What the worker's death looks like to the code: nothing catches it."""


@tagged("post_install", "-at_install")
class TestRelanceDispatch(RelanceCommon):
    FIRST_RUN = RelanceCommon.DUE.replace(day=3)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.customer | cls.other_customer
        for index in range(3):
            cls.customers |= cls._make_customer(
                f"Client {index}", f"client{index}@example.fr"
            )

    def _mails_of(self, events):
        return (
            self.env["mail.mail"]
            .sudo()
            .search([("mail_message_id", "in", events.mail_message_id.ids)])
        )

    def _event_emails(self, events):
        """Emails sent or waiting for ``events``, whatever their state."""
        return self.env["mail.message"].search(
            [
                ("model", "=", "account.relance.event"),
                ("res_id", "in", events.ids),
                ("subtype_id", "=", self.env.ref("mail.mt_comment").id),
            ]
        )

    def _first_run(self):
        return self.env["account.relance.policy"]._run_relances(
            as_of=self.FIRST_RUN, partners=self.customers
        )

    def test_run_queues_dispatch_sends_mail_queue_confirms(self):
        invoice = self._invoice(self.customer)
        event = self._first_run()
        self.assertEqual(event.state, "queued", "the run renders and sends nothing")
        self.assertFalse(event.attachment_ids)
        self.assertFalse(invoice.relance_level_id, "a level is reached once sent")
        self.env["account.relance.event"]._dispatch_queued(now=self.FIRST_RUN)
        self.assertEqual(event.state, "sending")
        self.assertFalse(invoice.relance_level_id)
        mail = self._mails_of(event)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.state, "outgoing")
        self.assertFalse(
            event.attachment_ids, "the email is the reminder: no letter PDF rendered"
        )
        self.assertFalse(mail.attachment_ids)
        self.assertIn("remain unpaid", mail.body_html)
        self.assertEqual(mail.recipient_ids, event.contact_id)
        self.assertFalse(event.seal_hash, "not sealed before the email has left")
        with self.mock_smtplib_connection():
            self.env["mail.mail"].sudo().process_email_queue()
        to_customer = [
            email
            for email in self.emails  # the queue may hold other (demo) mails
            if email["smtp_to_list"] == ["durand@example.fr"]
        ]
        self.assertEqual(len(to_customer), 1, "one email left")
        self.assertEqual(event.state, "sent")
        self.assertTrue(event.seal_hash)
        self.assertEqual(invoice.relance_level_id, self.levels[0])
        self.assertTrue(invoice.relance_level_sent)
        self.assertEqual(invoice.relance_last_date, event.date)
        self.assertFalse(self.company._relance_check_integrity())

    def test_level_attaching_the_letter_sends_it_with_the_email(self):
        self.levels[0].attach_letter = True
        self._invoice(self.customer)
        event = self._first_run()
        self.env["account.relance.event"]._dispatch_queued(now=self.FIRST_RUN)
        self.assertEqual(event.state, "sending")
        letter = event._letter_attachment()
        self.assertTrue(letter, "the letter is rendered")
        mail = self._mails_of(event)
        self.assertEqual(mail.attachment_ids, letter)
        with self.mock_smtplib_connection():
            self.env["mail.mail"].sudo().process_email_queue()
        self.assertEqual(event.state, "sent")
        self.assertIn(letter.id, event._sealed_documents(), "the letter is sealed")
        self.assertFalse(self.company._relance_check_integrity())

    def test_emails_of_a_batch_are_rendered_and_queued_at_once(self):
        for customer in self.customers:
            self._invoice(customer)
        events = self._first_run()
        self.assertEqual(len(events), 5)
        Mail = type(self.env["mail.mail"])
        with patch.object(
            Mail, "create", autospec=True, side_effect=Mail.create
        ) as create:
            self.env["account.relance.event"]._dispatch_queued(now=self.FIRST_RUN)
        self.assertEqual(create.call_count, 1, "one mail.mail create for the batch")
        self.assertEqual(set(events.mapped("state")), {"sending"})
        mails = self._mails_of(events)
        self.assertEqual(len(mails), 5)
        for event in events:
            mail = mails.filtered(lambda m, e=event: m.res_id == e.id)
            self.assertEqual(mail.recipient_ids, event.contact_id)
            self.assertIn(event.name, mail.subject)
            self.assertIn(event.line_ids.move_id.name, mail.body_html)
            self.assertEqual(event.mail_message_id, mail.mail_message_id)

    def test_batch_that_cannot_be_emailed_at_once_is_emailed_one_by_one(self):
        for customer in self.customers:
            self._invoice(customer)
        events = self._first_run()
        Event = type(self.env["account.relance.event"])
        with (
            patch.object(Event, "_send_emails", side_effect=RuntimeError("boom")),
            self.assertLogs("odoo.addons.account_relance_fr", level="WARNING"),
        ):
            self.env["account.relance.event"]._dispatch_queued(now=self.FIRST_RUN)
        self.assertEqual(set(events.mapped("state")), {"sending"})
        self.assertEqual(len(self._mails_of(events)), 5, "each email sent alone")

    def test_invoice_pdf_stored_by_odoo_is_attached_not_rendered(self):
        invoice = self._invoice(self.customer)
        stored = self.env["ir.attachment"].create(
            {
                "name": "INV_stored.pdf",
                "raw": b"%PDF-1.4 the invoice as it was sent",
                "mimetype": "application/pdf",
                "res_model": "account.move",
                "res_id": invoice.id,
                "res_field": "invoice_pdf_report_file",
            }
        )
        self.assertEqual(invoice.invoice_pdf_report_id, stored)
        self._run(1, partners=self.customer)
        Report = type(self.env["ir.actions.report"])
        with patch.object(Report, "_relance_render_batch") as render:
            second = self._run(10, partners=self.customer)
        render.assert_not_called()
        self.assertTrue(second.level_id.attach_invoices)
        self.assertEqual(second.state, "sent")
        self.assertEqual(second.attachment_ids.mapped("raw"), [stored.raw])
        self.assertIn(second.attachment_ids.id, second._sealed_documents())

    def test_invoice_in_instalments_reaches_its_level_once_sent(self):
        """Two receivable lines of one invoice in one reminder: the invoice gets
        one level, when the reminder leaves."""
        term = self.env["account.payment.term"].create(
            {
                "name": "Half now, half in 10 days",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 50.0}),
                    Command.create(
                        {"value": "percent", "value_amount": 50.0, "nb_days": 10}
                    ),
                ],
            }
        )
        invoice = self._invoice(self.customer, post=False)
        invoice.write({"invoice_payment_term_id": term.id})
        invoice.action_post()
        receivable = invoice.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )
        self.assertEqual(len(receivable), 2)
        last_due = max(receivable.mapped("date_maturity"))
        event = self._run((last_due - self.DUE).days + 1)
        self.assertEqual(event.line_ids.move_line_id, receivable)
        self.assertEqual(event.state, "sent")
        self.assertEqual(invoice.relance_level_id, self.levels[0])
        self.assertTrue(invoice.relance_level_sent)
        self.assertEqual(invoice.relance_last_date, event.date)

    def test_mail_server_failure_fails_event_and_next_run_retries(self):
        invoice = self._invoice(self.customer)
        event = self._first_run()
        self.env["account.relance.event"]._dispatch_queued(now=self.FIRST_RUN)
        IrMailServer = type(self.env["ir.mail_server"])

        def refuse(*args, **kwargs):
            raise ConnectionRefusedError("SMTP relay down")

        with (
            self.mock_smtplib_connection(),
            patch.object(IrMailServer, "send_email", refuse),
            self.assertLogs("odoo.addons.mail.models.mail_mail", level="INFO"),
        ):
            self.env["mail.mail"].sudo().process_email_queue()
        self.assertEqual(event.state, "failed")
        self.assertIn("SMTP relay down", event.failure_reason)
        self.assertFalse(event.seal_hash, "a reminder that did not leave is not sealed")
        self.assertFalse(invoice.relance_level_id, "the level did not advance")
        self.assertFalse(self._run(1), "the same day's rerun does not resend")
        retry = self._run(2)
        self.assertEqual(retry.level_id, self.levels[0])
        self.assertEqual(retry.state, "sent")
        self.assertEqual(event.state, "cancelled", "the failure is kept, replaced")
        self.assertIn(retry.name, event.cancel_reason)
        self.assertTrue(invoice.relance_level_sent)
        self.assertEqual(len(self._event_emails(retry)), 1)

    def test_run_killed_in_a_batch_is_finished_by_the_rerun(self):
        for customer in self.customers:
            self._invoice(customer)
        Policy = type(self.env["account.relance.policy"])
        original = Policy._run_batch
        calls = []

        def batch_then_die(self_, company, decisions, as_of, facts=None):
            # Each batch is its own transaction (the cron commits after each):
            # the first is kept, the second dies half-way and is rolled back.
            with self.env.cr.savepoint():
                calls.append(len(decisions))
                events = original(self_, company, decisions[:1], as_of, facts)
                if len(calls) == 2:
                    raise Killed
                return events | original(self_, company, decisions[1:], as_of, facts)

        # Not assertRaises, which would roll the whole run back.
        with (
            patch.object(account_relance_policy_run, "RUN_BATCH_SIZE", 2),
            patch.object(Policy, "_run_batch", batch_then_die),
            contextlib.suppress(Killed),
        ):
            self._first_run()
        self.assertEqual(len(calls), 2, "killed in the second batch")
        self.env.invalidate_all()
        Event = self.env["account.relance.event"]
        kept = Event.search([("partner_id", "in", self.customers.ids)])
        self.assertEqual(len(kept), 2, "the committed batch is kept")
        self._first_run()
        self._deliver(self.FIRST_RUN)
        events = Event.search([("partner_id", "in", self.customers.ids)])
        self.assertEqual(len(events), len(self.customers))
        self.assertEqual(events.partner_id, self.customers, "one reminder each")
        self.assertEqual(set(events.mapped("state")), {"sent"})
        for event in events:
            self.assertEqual(len(self._event_emails(event)), 1, event.name)

    def test_dispatch_killed_is_finished_once(self):
        for customer in self.customers:
            self._invoice(customer)
        events = self._first_run()
        Event = type(self.env["account.relance.event"])
        original = Event._perform_channels
        performed = []

        def die_on_third(self_):
            performed.append(self_.id)
            if len(performed) == 3:
                raise Killed
            return original(self_)

        # The dispatcher's transaction dies: rolled back.
        with (
            patch.object(Event, "_perform_channels", die_on_third),
            contextlib.suppress(Killed),
            self.env.cr.savepoint(),
        ):
            self.env["account.relance.event"]._dispatch_queued(now=self.FIRST_RUN)
        self.assertEqual(len(performed), 3)
        self.env.invalidate_all()
        self.assertEqual(set(events.mapped("state")), {"queued"})
        self.assertFalse(self._event_emails(events), "the dead batch left no email")
        self._deliver(self.FIRST_RUN)
        self._deliver(self.FIRST_RUN)
        self.assertEqual(set(events.mapped("state")), {"sent"})
        for event in events:
            self.assertEqual(len(self._event_emails(event)), 1, event.name)

    def test_queued_reminders_are_taken_by_one_dispatcher(self):
        """Rows being dispatched are locked: a second dispatcher skips them."""
        self._invoice(self.customer)
        event = self._first_run()
        self.env.flush_all()
        with self.registry.cursor() as other_cr:
            other_cr.execute(
                "SELECT id FROM account_relance_event WHERE id = %s "
                "FOR UPDATE SKIP LOCKED",
                [event.id],
            )
            self.assertFalse(
                other_cr.fetchall(), "uncommitted queued rows are not visible"
            )
        ids = self.env["account.relance.event"]._queued_batch_ids(1000)
        self.assertIn(event.id, ids)


@tagged("post_install", "-at_install")
class TestRelanceBatchRendering(RelanceCommon):
    def setUp(self):
        super().setUp()
        from odoo.addons.base.models.ir_actions_report import wkhtmltopdf_state

        if wkhtmltopdf_state not in ("ok", "upgrade") or PdfReader is None:
            self.skipTest("wkhtmltopdf and PyPDF2 are needed")
        # See test_relance_documents: wkhtmltopdf must not wait on the test server.
        self.env["ir.config_parameter"].sudo().set_param(
            "report.url", "http://127.0.0.1:9"
        )

    def test_letters_of_a_batch_come_from_one_wkhtmltopdf_process(self):
        customers = self.customer | self.other_customer
        customers |= self._make_customer("Petit SARL", "petit@example.fr")
        for customer in customers:
            self._invoice(customer, 1200.0)
            self._invoice(customer, 800.0, due=self.DUE.replace(day=1))
        self._run(1)
        self._run(10)
        self._run(20)
        letters = self._run(30)
        self.assertEqual(len(letters), 3)
        self.assertEqual(set(letters.mapped("state")), {"to_review"})
        Report = type(self.env["ir.actions.report"])
        original = Report._run_wkhtmltopdf
        processes = []

        def counted(self_, bodies, *args, **kwargs):
            processes.append(len(bodies))
            return original(self_, bodies, *args, **kwargs)

        with patch.object(Report, "_run_wkhtmltopdf", counted):
            letters.with_context(force_report_rendering=True).action_send()
        self.assertEqual(processes, [3], "one process for the three letters")
        self.assertEqual(set(letters.mapped("state")), {"to_print"})
        for letter in letters:
            attachment = letter._letter_attachment()
            self.assertEqual(len(attachment), 1)
            self.assertTrue(attachment.raw.startswith(b"%PDF"))
            pages = PdfReader(io.BytesIO(attachment.raw)).pages
            text = " ".join(" ".join(page.extract_text().split()) for page in pages)
            self.assertIn(letter.name, text)
            self.assertIn(letter.partner_id.name, text)
            for other in letters - letter:
                self.assertNotIn(other.name, text)
                self.assertNotIn(other.partner_id.name, text)

    def test_unsplittable_batch_falls_back_to_one_by_one(self):
        customers = self.customer | self.other_customer
        for customer in customers:
            self._invoice(customer)
        # Reminders still to send: the batch renders their letters (a sealed
        # reminder's letter is the one it stored, returned as it is).
        self.levels[0].send_mode = "review"
        events = self._run(1)
        self.assertEqual(set(events.mapped("state")), {"to_review"})
        Report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        report = self.env.ref("account_relance_fr.action_report_relance_letter")
        pdfs = Report._relance_render_batch(
            report, events, marker=lambda event: "no such marker"
        )
        self.assertEqual(set(pdfs), set(events.ids))
        for event in events:
            pages = PdfReader(io.BytesIO(pdfs[event.id])).pages
            text = " ".join(" ".join(page.extract_text().split()) for page in pages)
            self.assertIn(event.name, text)
