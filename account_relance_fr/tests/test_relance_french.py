# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""French documents and messages as a French accountant reads them, and the
French demo (issue 21): elision, dates and state labels in the message's
language, explained mail failures, no unsubscribe link in a reminder, calls
still to make, day columns never summed, the demo creditor and its history."""

import io
import re
from datetime import timedelta

from odoo.tests import tagged

from ..tools.french import elide
from .common import RelanceCommon
from .smtp_server import SmtpTestServer, odoo_sending_to

try:
    from PyPDF2 import PdfReader
except ImportError:  # pragma: no cover - PyPDF2 is an Odoo dependency
    PdfReader = None


@tagged("post_install", "-at_install")
class TestRelanceFrench(RelanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mail_cron = cls.env.ref("mail.ir_cron_mail_scheduler_action")
        cls.french = cls.env["res.lang"]._lang_get("fr_FR")

    def _first_reminder(self):
        """The courteous reminder of an invoice, dispatched, its email waiting
        in Odoo's mail queue."""
        self._invoice(self.customer)
        as_of = self.DUE + timedelta(days=1)
        event = self.env["account.relance.policy"]._run_relances(
            as_of=as_of, partners=self.customer
        )
        self.env["account.relance.event"]._dispatch_queued(now=as_of)
        self.assertEqual(event.state, "sending")
        return event

    # ------------------------------------------------------------ WORDS

    def test_french_elision_before_a_vowel(self):
        self.assertEqual(
            elide("Configurez les comptes de Atelier Dupont SAS.", "fr_FR"),
            "Configurez les comptes d'Atelier Dupont SAS.",
        )
        self.assertEqual(
            elide("le dossier de Imprimerie Bernard", "fr_BE"),
            "le dossier d'Imprimerie Bernard",
        )
        for unchanged in ("le dossier de Martin SAS", "de Hénaff"):
            self.assertEqual(elide(unchanged, "fr_FR"), unchanged)
        self.assertEqual(elide("of Atelier de Art", "en_US"), "of Atelier de Art")

    def test_missing_accounts_message_names_the_company_with_elision(self):
        self.company.write(
            {
                "name": "Atelier Durand",
                "relance_interest_account_id": False,
                "relance_indemnity_account_id": False,
            }
        )
        if not self.french:
            self.skipTest("French is not installed in this database")
        with self.assertRaises(Exception) as caught:
            self.env["account.relance.penalty"].with_context(
                lang="fr_FR"
            )._check_penalty_accounts(self.company)
        self.assertIn("d'Atelier Durand", str(caught.exception))
        self.assertNotIn("de Atelier", str(caught.exception))

    def test_chatter_line_writes_state_and_date_in_the_message_language(self):
        event = self._first_reminder()
        if not self.french:
            self.skipTest("French is not installed in this database")
        event.with_context(lang="fr_FR")._post_messages()
        body = self.customer.message_ids[:1].body
        self.assertIn("03/03/2026", body)
        self.assertNotIn("2026-03-03", body)
        english = dict(self.env["account.relance.event"]._fields["state"].selection)
        self.assertNotIn(f", {english[event.state]})", body)

    # ------------------------------------------------------------ EMAILS

    def test_refused_connection_is_explained(self):
        """Odoo's mail queue against a port where nothing listens: the
        reminder fails with what to check, then the server's words."""
        event = self._first_reminder()
        closed = SmtpTestServer()
        closed.server_close()  # bound once, now refusing connections
        with odoo_sending_to(self.env, closed):
            self.mail_cron.sudo().method_direct_trigger()
        self.assertEqual(event.state, "failed")
        self.assertIn("Outgoing Mail Servers", event.failure_reason)
        self.assertIn("refused", event.failure_reason.lower())

    def test_reminder_email_has_no_unsubscribe_link(self):
        """Even to a contact that follows the reminder (whom Odoo would offer
        to unfollow), the transactional email has no such link."""
        event = self._first_reminder()
        event.message_subscribe(partner_ids=self.customer.ids)
        with SmtpTestServer() as server:
            with odoo_sending_to(self.env, server):
                self.mail_cron.sudo().method_direct_trigger()
            received = server.to("durand@example.fr")
        self.assertEqual(len(received), 1)
        html = received[0].get_body(("html",)).get_content()
        self.assertIn(event.line_ids.move_id.name, html)
        self.assertNotIn("/mail/unfollow", html)
        self.assertNotIn("mail_unfollow", html)
        self.assertNotIn("Unfollow", html)

    # ------------------------------------------------------------ SCREENS

    def test_calls_to_make_lists_only_the_calls_still_to_make(self):
        self._invoice(self.customer)
        for days in (1, 10):
            self._run(days)
        call = self._run(20)
        self.assertTrue(call.channel_phone)
        Event = self.env["account.relance.event"]
        self.assertEqual(Event.search([("call_to_make", "=", True)]), call)
        self.assertTrue(call.call_to_make)
        later = self._run(30)
        self.assertTrue(later)
        self.assertFalse(Event.search([("call_to_make", "=", True)]))
        self.assertFalse(call.call_to_make, "a later reminder replaced the call")
        self.assertIn(call, Event.search([("call_to_make", "!=", True)]))

    def test_day_columns_are_not_summed_by_groups(self):
        Level = self.env["account.relance.level"]
        for name in ("days_after_due", "min_days_since_previous", "deadline_days"):
            self.assertIsNone(Level._fields[name].aggregator, name)
        groups = Level._read_group(
            [("policy_id", "=", self.policy.id)],
            ["policy_id"],
            ["__count"],
        )
        self.assertEqual(groups[0][1], len(self.levels))
        self.assertIsNone(
            self.env["account.move"]._fields["relance_days_late"].aggregator
        )

    def test_wizards_opened_from_buttons_have_a_title(self):
        self._invoice(self.customer)
        event = self._run(1)
        self.assertEqual(event.action_cancel()["name"], "Cancel reminders")
        self.assertEqual(
            self.customer.action_relance_preview()["name"], "Reminder preview"
        )


@tagged("post_install", "-at_install")
class TestRelanceFrenchDemo(RelanceCommon):
    """The demo database a new user gets (skipped in a database without it)."""

    def setUp(self):
        super().setUp()
        self.demo = self.env.ref(
            "account_relance_fr.demo_company", raise_if_not_found=False
        )
        if not self.demo:
            self.skipTest("no demo data in this database")
        # As the administrator of a demo database, in the demo company.
        self.env = self.env(
            user=self.env.ref("base.user_admin"),
            context=dict(self.env.context, allowed_company_ids=[self.demo.id]),
        )
        self.demo = self.demo.with_env(self.env)

    def test_demo_company_is_french(self):
        demo = self.demo
        self.assertEqual(demo.currency_id.name, "EUR")
        self.assertEqual(demo.country_id.code, "FR")
        self.assertEqual(demo.chart_template, "fr")
        self.assertTrue(demo.logo)
        self.assertEqual(demo.partner_id.lang, "fr_FR")
        chart = self.env["account.chart.template"].with_company(demo)
        self.assertEqual(demo.relance_interest_account_id, chart.ref("pcg_7631"))
        self.assertEqual(demo.relance_indemnity_account_id, chart.ref("pcg_758"))
        self.assertTrue(
            self.env["account.fiscal.position"].search_count(
                [("company_id", "=", demo.id)]
            )
        )
        bank = demo.partner_id.bank_ids
        self.assertEqual(bank.acc_number, "FR76 3000 6000 0112 3456 7890 189")
        self.assertEqual(bank.bank_bic, "AGRIFRPP")
        self.assertEqual(self.env.ref("base.user_admin").company_id, demo)
        customers = (
            self.env["account.relance.event"]
            .search([("company_id", "=", demo.id)])
            .partner_id
        )
        self.assertGreaterEqual(len(customers), 8)
        self.assertEqual(set(customers.mapped("lang")), {"fr_FR"})

    def test_demo_history_is_french_and_styled(self):
        events = self.env["account.relance.event"].search(
            [("company_id", "=", self.demo.id), ("state", "=", "sent")]
        )
        mails = self.env["mail.message"].search(
            [
                ("model", "=", "account.relance.event"),
                ("res_id", "in", events.ids),
                ("subtype_id", "=", self.env.ref("mail.mt_comment").id),
            ]
        )
        self.assertGreaterEqual(len(mails), 10)
        for message in mails:
            self.assertIn("Bonjour", message.body, message.subject)
            self.assertIn("Facture", message.body, message.subject)
            self.assertNotIn("Dear", message.body)
        letters = events.filtered("seal_hash").filtered(
            lambda event: event._relance_letter_attached()
        )
        self.assertTrue(letters)
        letter = letters[0]._relance_sealed_letter()
        self.assertLess(len(letter.raw), 300_000)
        text = " ".join(
            page.extract_text() or ""
            for page in PdfReader(io.BytesIO(letter.raw)).pages
        )
        text = re.sub(r"\s+", " ", text)
        self.assertIn("SAS au capital de 50 000,00 €", text.replace("\u00a0", " "))
        self.assertIn("AGRIFRPP", text)
        self.assertNotIn("$", text)

    def test_invoice_penalties_work_on_the_demo(self):
        invoice = self.env.ref("account_relance_fr.invoice_registered")
        action = invoice.with_company(self.demo).action_relance_invoice_penalties()
        penalty = (
            self.env["account.move"].browse(action["res_id"])
            if action.get("res_id")
            else self.env["account.move"].search(action["domain"])
        )
        self.assertTrue(penalty)
        self.assertEqual(penalty.company_id, self.demo)
        self.assertEqual(penalty.currency_id.name, "EUR")
        self.assertIn(
            self.demo.relance_indemnity_account_id,
            penalty.invoice_line_ids.account_id,
        )
