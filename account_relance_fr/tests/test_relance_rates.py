# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Legal rates that keep themselves current (the ECB rate fetched from a
loopback ECB Data Portal, the legal interest rates asked of the accounting
managers) and a half-year change that stops nothing."""

from datetime import date

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import RelanceCommon
from .ecb_server import EcbTestServer

ECB_LOGGER = "odoo.addons.account_relance_fr.models.account_relance_rate_ecb"
RUN_LOGGER = "odoo.addons.account_relance_fr.models.account_relance_policy_run"


@tagged("post_install", "-at_install")
class TestRelanceRates(RelanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = EcbTestServer().start()
        cls.addClassCleanup(cls.server.stop)
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("account_relance_fr.ecb_rates_url", cls.server.url)
        params.set_param("account_relance_fr.ecb_rates_timeout", "1")

    def setUp(self):
        super().setUp()
        self.server.answer("csv")
        self.Rate = self.env["account.relance.rate"]
        # The rows as shipped (RelanceCommon confirms 2026-S2 as the fetch would).
        self.Rate._load_engine_rates()

    # ------------------------------------------------------------ helpers

    def _row(self, half):
        return self.Rate.search([("half", "=", half)])

    def _rows(self):
        return {
            rate.half: (
                rate.ecb_rate_pct,
                rate.ecb_confidence,
                rate.legal_rate_other_pct,
                rate.legal_confidence,
                rate.source,
                rate.origin,
            )
            for rate in self.Rate.search([])
        }

    def _activities(self, rate, xmlid):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "account.relance.rate"),
                ("res_id", "=", rate.id),
                ("activity_type_id", "=", self.env.ref(xmlid).id),
            ]
        )

    def _cron(self, today):
        return self.Rate._cron_update_ecb_rates(today=today)

    def _run_on(self, day, partners=None):
        events = self.env["account.relance.policy"]._run_relances(
            as_of=day, partners=partners
        )
        self._deliver(day)
        return events

    def _clause_customer(self, name, email):
        customer = self._make_customer(name, email)
        customer.relance_rate_mode = "3x_legal"
        return customer

    # ------------------------------------------------------ 1. ECB fetch

    def test_the_scheduled_action_exists(self):
        cron = self.env.ref("account_relance_fr.ir_cron_relance_ecb_rates")
        self.assertEqual(cron.code, "model._cron_update_ecb_rates()")
        self.assertTrue(cron.active)
        # Odoo's own way of running it: the request reaches the loopback server.
        cron.method_direct_trigger()
        self.assertTrue(self.server.requests)
        self.assertIn("format=csvdata", self.server.requests[-1])

    def test_confirms_the_shipped_row_and_never_invents_a_half_year(self):
        before = self._rows()
        self.assertEqual(before["2026-S2"][1], "U")
        changed = self._cron(date(2026, 12, 1))
        row = self._row("2026-S2")
        self.assertEqual(changed, row, "only the unconfirmed row changes")
        self.assertEqual(row.ecb_rate_pct, 2.40)
        self.assertEqual(row.ecb_confidence, "C")
        self.assertIn("ECB Data Portal", row.source)
        self.assertIn("2026-12-01", row.source)
        self.assertEqual(row.legal_confidence, "U", "the legal rates stay as shipped")
        self.assertFalse(self._row("2027-S1"), "no future half-year")
        after = self._rows()
        self.assertEqual(
            {k: v for k, v in after.items() if k != "2026-S2"},
            {k: v for k, v in before.items() if k != "2026-S2"},
            "the confirmed shipped rows agree with the ECB and stay as they are",
        )
        self.assertFalse(
            self.env["mail.activity"].search(
                [("res_model", "=", "account.relance.rate")]
            ),
            "nothing to tell anybody",
        )
        # A second call with the same answer changes nothing.
        self.assertFalse(self._cron(date(2026, 12, 2)))
        self.assertEqual(self._rows(), after)

    def test_creates_the_new_half_year_on_its_anchor_day(self):
        self._cron(date(2026, 12, 31))
        self.assertFalse(self._row("2027-S1"))
        self._cron(date(2027, 1, 1))
        row = self._row("2027-S1")
        self.assertEqual(
            (row.ecb_rate_pct, row.ecb_confidence, row.origin), (2.40, "C", "ecb")
        )
        self.assertFalse(row.legal_confidence, "legal rates unknown, not zero")
        self.assertEqual(row.anchor_date, date(2027, 1, 1))
        # The last observation on or before the anchor day: a change on
        # 2 January belongs to the next half-year.
        body = self.server.httpd.body + (
            "FM.B.U2.EUR.4F.KR.MRR_FR.LEV,B,U2,EUR,4F,KR,MRR_FR,LEV,2027-01-02,"
            "2.65,A,F,,,P1D,,E,,,,,,,,,,4,,4F,,x,y,PCPA,0\n"
        )
        self.server.answer("csv", body)
        self.assertFalse(self._cron(date(2027, 1, 5)))
        self.assertEqual(self._row("2027-S1").ecb_rate_pct, 2.40)

    def test_never_changes_a_row_a_person_edited(self):
        row = self._row("2026-S2")
        row.ecb_rate_pct = 2.50
        self.assertEqual((row.origin, row.ecb_confidence), ("manual", "C"))
        self.assertFalse(self._cron(date(2026, 12, 1)))
        self.assertEqual(row.ecb_rate_pct, 2.50)
        activity = self._activities(
            row, "account_relance_fr.mail_activity_type_relance_rate_check"
        )
        self.assertEqual(len(activity), 1)
        self.assertIn("second half of 2026", activity.summary)
        self.assertTrue(activity.user_id.has_group("account.group_account_manager"))
        # Every day the same contradiction: still one activity.
        self._cron(date(2026, 12, 2))
        self.assertEqual(
            len(
                self._activities(
                    row, "account_relance_fr.mail_activity_type_relance_rate_check"
                )
            ),
            1,
        )

    def test_contradiction_with_a_rate_sent_reminders_used(self):
        invoice = self._invoice(self.customer)
        self._run(1)
        second = self._run(10)
        self.assertEqual(second.state, "sent")
        self.assertTrue(second.show_penalties and second.interest_total)
        self.assertTrue(invoice.relance_level_id)
        # The ECB now says the rate of 1 January 2026 was 2.00 %.
        body = self.server.httpd.body.replace(
            "2026-06-17,2.4",
            "2025-12-17,2.0,A,F,,,P1D,,E,,,,,,,,,,4,,4F,,x,y,PCPA,0\n"
            "FM.B.U2.EUR.4F.KR.MRR_FR.LEV,B,U2,EUR,4F,KR,MRR_FR,LEV,2026-06-17,2.4",
        )
        self.server.answer("csv", body)
        self._cron(date(2026, 12, 1))
        row = self._row("2026-S1")
        self.assertEqual((row.ecb_rate_pct, row.ecb_confidence), (2.15, "C"))
        activity = self._activities(
            row, "account_relance_fr.mail_activity_type_relance_rate_check"
        )
        self.assertEqual(len(activity), 1)
        self.assertIn("first half of 2026", activity.summary)
        self.assertIn(second.name, activity.note)

    def test_failures_change_nothing_and_are_told_after_three_days(self):
        before = self._rows()
        closed = "http://127.0.0.1:9/none"  # discard port: nobody listens
        cases = [
            ("error", None, "503"),
            ("timeout", None, "timed out"),
            ("garbage", None, "not SDMX-CSV"),
            ("csv", "TIME_PERIOD,OBS_VALUE\n2026-06-17,abc\n", "Unreadable line"),
        ]
        day = date(2026, 12, 1)
        for mode, body, expected in cases:
            self.server.answer(mode, body)
            with self.assertLogs(ECB_LOGGER, level="WARNING") as logs:
                self.assertFalse(self._cron(day))
            self.assertIn("ECB rates not updated", logs.output[0])
            self.assertIn(expected, logs.output[0])
            self.assertEqual(self._rows(), before)
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("account_relance_fr.ecb_rates_url", closed)
        check = "account_relance_fr.mail_activity_type_relance_rate_check"
        latest = self.Rate.search([], limit=1)
        with self.assertLogs(ECB_LOGGER, level="WARNING"):
            self._cron(date(2026, 12, 2))
        self.assertFalse(self._activities(latest, check), "two days: not yet")
        with self.assertLogs(ECB_LOGGER, level="WARNING"):
            self._cron(date(2026, 12, 3))
        activity = self._activities(latest, check)
        self.assertEqual(len(activity), 1, "three failing days: one activity")
        self.assertIn("2026-12-01", activity.note)
        self.assertEqual(self._rows(), before)
        params.set_param("account_relance_fr.ecb_rates_url", self.server.url)
        self.server.answer("csv")
        self._cron(date(2026, 12, 4))
        self.assertFalse(self._activities(latest, check), "solved by itself")
        self.assertEqual(self._row("2026-S2").ecb_confidence, "C")
        # A rate the table refuses (out of range) for a new half-year: no row.
        self.server.answer("csv", "TIME_PERIOD,OBS_VALUE\n2026-12-30,150.0\n")
        with self.assertLogs(ECB_LOGGER, level="WARNING") as logs:
            self.assertFalse(self._cron(date(2027, 1, 5)))
        self.assertIn("out of range", logs.output[0])
        self.assertFalse(self._row("2027-S1").ecb_confidence)
        self.assertEqual(self._row("2026-S2").ecb_rate_pct, 2.40)

    # ------------------------------------------------ 2. legal rates asked

    def test_legal_rates_are_asked_once_with_the_official_link(self):
        self._cron(date(2027, 1, 1))
        row = self._row("2027-S1")
        legal = "account_relance_fr.mail_activity_type_relance_legal_rate"
        activity = self._activities(row, legal)
        self.assertEqual(len(activity), 1)
        self.assertIn("first half of 2027", activity.summary)
        self.assertIn("service-public.fr", activity.note)
        self._cron(date(2027, 1, 2))
        self.assertEqual(len(self._activities(row, legal)), 1)
        # A person enters them: the activity closes by itself.
        row.write({"legal_rate_individual_pct": 6.9, "legal_rate_other_pct": 2.8})
        self.assertEqual(row.legal_confidence, "C")
        self.assertFalse(self._activities(row, legal))

    # ------------------------------------ 3. a run across 1 January 2027

    def test_a_run_across_the_first_of_january(self):
        """The cron enters the ECB rate of 2027-S1 from the loopback server;
        the legal rates of 2027-S1 are not published yet. Statutory customers
        are reminded with penalties; a customer with the 3 × legal rate
        clause gets its courteous email, then its second reminder waits, with
        its lines, for the legal rate; once entered (and the unconfirmed
        2026-S2 legal rates confirmed), Send works."""
        due = date(2026, 12, 20)
        statutory = self.customer
        clause = self._clause_customer("Clause SA", "clause@example.fr")
        newcomer = self._clause_customer("Nouveau SA", "nouveau@example.fr")
        self._invoice(statutory, due=due)
        clause_invoice = self._invoice(clause, due=due)
        self._invoice(newcomer, due=date(2027, 1, 3))
        self._cron(date(2026, 12, 21))
        first = self._run_on(date(2026, 12, 21))
        self.assertEqual(set(first.mapped("state")), {"sent"})
        self.assertEqual(first.partner_id, statutory | clause)
        self._cron(date(2027, 1, 5))
        self.assertEqual(self._row("2027-S1").ecb_rate_pct, 2.40)
        with self.assertNoLogs(RUN_LOGGER, level="ERROR"):
            second = self._run_on(date(2027, 1, 5))
        by_partner = {event.partner_id: event for event in second}
        sent = by_partner[statutory]
        self.assertEqual(sent.state, "sent")
        self.assertTrue(sent.show_penalties)
        # 1 000 × 12.40 % × (11 + 5) / 365, both half-years at ECB 2.40 % + 10
        self.assertEqual(sent.interest_total, 5.44)
        courteous = by_partner[newcomer]
        self.assertEqual(courteous.state, "sent", "no penalty shown, nothing waits")
        self.assertFalse(courteous.show_penalties)
        waiting = by_partner[clause]
        self.assertEqual(waiting.state, "to_review", "waits, not failed")
        self.assertIn("of the first half of 2027", waiting.review_reason)
        self.assertIn("legal interest rate", waiting.review_reason)
        self.assertEqual(waiting.rate_wait_half, "2027-S1")
        self.assertEqual(waiting.line_ids.move_id, clause_invoice, "its lines")
        self.assertFalse(waiting.mail_message_id)
        row = self._row("2027-S1")
        legal = "account_relance_fr.mail_activity_type_relance_legal_rate"
        company_activity = self._activities(row, legal).filtered(
            lambda a: self.company.name in a.summary
        )
        self.assertEqual(len(company_activity), 1)
        with self.assertRaisesRegex(UserError, "first half of 2027"):
            waiting._send_on(date(2027, 1, 5))
        # Next day's run: no second reminder for that customer, no second activity.
        again = self._run_on(date(2027, 1, 6))
        self.assertNotIn(clause, again.partner_id)
        self.assertEqual(
            len(
                self._activities(row, legal).filtered(
                    lambda a: self.company.name in a.summary
                )
            ),
            1,
        )
        # The accounting manager enters the rates: the activities close.
        row.write({"legal_rate_individual_pct": 6.9, "legal_rate_other_pct": 2.8})
        self.assertFalse(self._activities(row, legal))
        # 2026-S2's legal rates, shipped unconfirmed, hold it back still.
        with self.assertRaisesRegex(
            UserError, "unconfirmed rate of the second half of 2026"
        ):
            waiting._send_on(date(2027, 1, 6))
        self._row("2026-S2").legal_confidence = "C"
        waiting._send_on(date(2027, 1, 6))
        self._deliver(date(2027, 1, 6))
        self.assertEqual(waiting.state, "sent")
        self.assertFalse(waiting.rate_wait_half)
        # 1 000 × 3 × 2.75 % × 11/365 + 1 000 × 3 × 2.80 % × 6/365
        self.assertEqual(waiting.interest_total, 3.87)
        self.assertTrue(waiting.seal_hash)

    def test_a_missing_ecb_rate_waits_and_the_cron_releases_it(self):
        """The ECB cannot be reached on 5 January 2027: no 2027-S1 row. The
        second reminder of a statutory customer waits for the ECB rate, one
        activity on the row created for it; the next day's fetch enters the
        rate and closes the activity; Send works."""
        self._cron(date(2026, 12, 21))
        due = date(2026, 12, 20)
        invoice = self._invoice(self.customer, due=due)
        self._run_on(date(2026, 12, 21))
        self.server.answer("error")
        with self.assertLogs(ECB_LOGGER, level="WARNING"):
            self._cron(date(2027, 1, 5))
        self.assertFalse(self._row("2027-S1").ecb_confidence)
        waiting = self._run_on(date(2027, 1, 5))
        self.assertEqual(waiting.state, "to_review")
        self.assertIn("ECB rate of the first half of 2027", waiting.review_reason)
        self.assertEqual(waiting.line_ids.move_id, invoice)
        row = self._row("2027-S1")
        self.assertEqual(row.origin, "run")
        self.assertFalse(row.ecb_confidence)
        ecb = "account_relance_fr.mail_activity_type_relance_ecb_rate"
        self.assertEqual(len(self._activities(row, ecb)), 1)
        # Nothing is sent with a carried-over rate.
        with self.assertRaisesRegex(UserError, "first half of 2027"):
            waiting._send_on(date(2027, 1, 5))
        self.server.answer("csv")
        self._cron(date(2027, 1, 6))
        self.assertEqual((row.ecb_rate_pct, row.ecb_confidence), (2.40, "C"))
        self.assertFalse(self._activities(row, ecb), "closed by itself")
        waiting._send_on(date(2027, 1, 6))
        self._deliver(date(2027, 1, 6))
        self.assertEqual(waiting.state, "sent")
        # 1 000 × 12.40 % × (11 + 6) / 365
        self.assertEqual(waiting.interest_total, 5.78)

    def test_an_unconfirmed_rate_letter_waits(self):
        """2026-S2's ECB rate is shipped unconfirmed: a reminder showing
        penalties over it waits in To process; once the fetch confirms it,
        Send works."""
        due = date(2026, 6, 20)
        self._invoice(self.customer, due=due)
        self._run_on(date(2026, 6, 21))
        waiting = self._run_on(date(2026, 7, 5))
        self.assertEqual(waiting.state, "to_review")
        self.assertIn(
            "unconfirmed rate of the second half of 2026", waiting.review_reason
        )
        with self.assertRaisesRegex(UserError, "second half of 2026"):
            waiting._send_on(date(2026, 7, 5))
        self._cron(date(2026, 7, 5))
        waiting._send_on(date(2026, 7, 5))
        self._deliver(date(2026, 7, 5))
        self.assertEqual(waiting.state, "sent")
