# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Issue 14: the attacks an ordinary user could run through RPC (what the web
client's JSON calls allow), each as that user, with two companies and users
of every role. Each test failed before the fix."""

import io
import json
from datetime import datetime, time, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command, fields
from odoo.api import call_kw
from odoo.exceptions import AccessError, UserError
from odoo.models import check_method_name
from odoo.tests import HttpCase, new_test_user, tagged

from .common import RelanceCommon

EVENT = "account.relance.event"
LINE = "account.relance.event.line"
STATEMENT = "account_relance_fr.report_relance_statement"
INTEGRITY = "account_relance_fr.report_relance_audit_integrity"
LETTER = "account_relance_fr.report_relance_letter"
HISTORY = "account_relance_fr.report_relance_audit_partner"


class RelanceAttackCommon(RelanceCommon):
    """Company A (``self.company``) and company B, and a user of every role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.setup_other_company(name="Société B")["company"]
        cls.company_b.write({"street": "3 rue B", "zip": "75003", "city": "Paris"})
        cls.policy_b = (
            cls.env["account.relance.policy"].sudo()._default_for_company(cls.company_b)
        )

        def user(login, groups, company=None):
            company = company or cls.company
            return new_test_user(
                cls.env,
                login,
                password=login,
                groups=groups,
                company_id=company.id,
                company_ids=[company.id],
            )

        relance_user = "account_relance_fr.group_relance_user"
        cls.clerk_a = user("attack_clerk_a", relance_user)
        cls.clerk_b = user("attack_clerk_b", relance_user, cls.company_b)
        cls.employee = user("attack_employee", "base.group_user")
        cls.billing = user("attack_billing", "account.group_account_invoice")
        cls.portal = user("attack_portal", "base.group_portal")
        cls.public = cls.env.ref("base.public_user").sudo()

    def _rpc(self, user, model, method, args, company=None):
        """What the web client or XML-RPC does: private names refused, then
        the public method called as ``user`` in ``company`` (default: the
        user's own)."""
        check_method_name(method)
        company = company or user.company_id
        context = {"allowed_company_ids": [company.id]}
        env = self.env(user=user, context=context, su=False)
        return call_kw(env[model], method, args, {"context": context})

    def _queued(self, partner, company=None, amount=1000.0, day=1):
        """A reminder of ``partner`` waiting in the dispatcher's queue, made by
        the run (not dispatched yet)."""
        company = company or self.company
        self._invoice(partner, amount, company=company)
        events = (
            self.env["account.relance.policy"]
            .sudo()
            ._run_relances(as_of=self.DUE + timedelta(days=day), partners=partner)
        )
        event = events.filtered(lambda e: e.company_id == company)
        self.assertEqual(event.state, "queued")
        return event.sudo()

    def _sealed(self, partner=None):
        """A reminder sent by email with its letter, sealed."""
        partner = partner or self.customer
        self._invoice(partner)
        # Email levels attach no letter unless they ask for it (issue 17).
        self.policy._ordered_levels()[0].attach_letter = True
        event = self._run(1, partners=partner)
        self.assertEqual(event.state, "sent")
        self.assertTrue(event.seal_hash)
        return event


@tagged("post_install", "-at_install")
class TestRelanceAttacks(RelanceAttackCommon):
    # ---------------------------------- 1. another company's invoice, emailed

    def test_attack_1_foreign_invoice_never_reaches_a_reminder(self):
        invoice_a = self._invoice(self.customer, 31750.0)
        level_b = self.policy_b._ordered_levels()[0]
        vals = {
            "company_id": self.company_b.id,
            "partner_id": self.customer.id,
            "contact_id": self.clerk_b.partner_id.id,
            "level_id": level_b.id,
            "date": str(self.DUE + timedelta(days=1)),
            "state": "queued",
            "channel_email": True,
            "amount_due": 31750.0,
            "line_ids": [
                Command.create(
                    {
                        "move_id": invoice_a.id,
                        "due_date": str(self.DUE),
                        "amount_residual": 31750.0,
                    }
                )
            ],
        }
        for state in ("queued", "to_review", False):
            with self.assertRaisesRegex(UserError, "created by the reminder run"):
                self._rpc(self.clerk_b, EVENT, "create", [{**vals, "state": state}])
        own = self._queued(self.customer, company=self.company_b)
        self.assertEqual(own.company_id, self.company_b)
        with self.assertRaises(UserError):
            self._rpc(
                self.clerk_b,
                LINE,
                "create",
                [
                    {
                        "event_id": own.id,
                        "move_id": invoice_a.id,
                        "due_date": "2026-03-02",
                    }
                ],
            )
        with self.assertRaises(UserError):
            self._rpc(
                self.clerk_b,
                EVENT,
                "write",
                [own.ids, {"line_ids": [Command.create({"move_id": invoice_a.id})]}],
            )
        with self.assertRaises(UserError):
            self._rpc(
                self.clerk_b,
                LINE,
                "write",
                [own.line_ids.ids, {"move_id": invoice_a.id}],
            )
        # Even the addon's own code cannot list A's invoice in B's reminder.
        with self.assertRaises(UserError):
            own._trusted().line_ids.write({"move_id": invoice_a.id})
        # Forced in the database (a bug, an import): the dispatcher refuses it
        # before rendering anything, and says nothing of company A.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE account_relance_event_line SET move_id = %s, move_line_id = NULL,"
            " amount_residual = 31750 WHERE event_id = %s",
            [invoice_a.id, own.id],
        )
        self.env.cr.execute(
            "UPDATE account_relance_event SET amount_due = 31750 WHERE id = %s",
            own.ids,
        )
        self.env.invalidate_all()
        self.env[EVENT]._dispatch_queued(now=self.DUE + timedelta(days=1))
        self.assertEqual(own.state, "failed")
        self.assertIn("not a customer invoice of Société B", own.failure_reason)
        for secret in (invoice_a.name, "31", self.company.name):
            self.assertNotIn(secret, own.failure_reason)
        own_records = [("model", "=", EVENT), ("res_id", "=", own.id)]
        self.assertFalse(self.env["mail.mail"].sudo().search_count(own_records))
        self.assertFalse(
            self.env["ir.attachment"]
            .sudo()
            .search_count([("res_model", "=", EVENT), ("res_id", "=", own.id)])
        )
        self.assertFalse(own.attachment_ids)
        self.assertFalse(invoice_a.relance_level_id)
        self.assertFalse(
            invoice_a.message_ids.filtered(lambda m: own.name in (m.body or "")),
            "nothing of B's reminder is logged on A's invoice",
        )
        self.assertFalse(own.seal_hash)
        # *Send* by hand refuses it the same way.
        with self.assertRaisesRegex(UserError, "not a customer invoice"):
            self._rpc(self.clerk_b, EVENT, "action_send", [own.ids])
        self.assertEqual(self.company_b._relance_check_integrity(), [])

    # ------------------------- 2. forged, backdated, sealed mise en demeure

    def test_attack_2_no_forged_reminder_no_skipped_review(self):
        invoice = self._invoice(self.customer, 5000.0)
        litigation = self.levels.filtered("is_litigation")
        notice = self.levels.filtered("is_formal_notice")[:1]
        forged = {
            "company_id": self.company.id,
            "partner_id": self.customer.id,
            "level_id": notice.id,
            "date": "2025-03-01",
            "name": "REL/2025/00001",
            "state": "to_print",
            "channel_letter": True,
            "interest_total": 999.0,
            "total_claim": 5999.0,
            "line_ids": [
                Command.create(
                    {
                        "move_id": invoice.id,
                        "due_date": "2025-01-01",
                        "advances_level": True,
                        "new_level_id": litigation.id,
                    }
                )
            ],
        }
        for user in (self.clerk_a, self.env.ref("base.user_admin")):
            user.sudo().company_ids = [Command.link(self.company.id)]
            with self.assertRaisesRegex(UserError, "created by the reminder run"):
                self._rpc(user, EVENT, "create", [forged], company=self.company)
        self.assertFalse(self.env[EVENT].search([("name", "=", "REL/2025/00001")]))
        # A reminder waiting for review cannot skip it.
        self.levels[0].send_mode = "review"
        pending = self._run(1, partners=self.customer)
        self.assertEqual(pending.state, "to_review")
        for vals in (
            {"state": "queued"},
            {"state": "to_print"},
            {"state": "sent"},
            {"date": "2025-03-01"},
            {"name": "REL/2025/00001"},
            {"interest_total": 999.0},
            {"level_id": notice.id},
            {"contact_id": self.clerk_a.partner_id.id},
            {"channel_email": False, "channel_letter": True},
            {"postponed_until": "2030-01-01"},
            {"line_ids": [Command.clear()]},
        ):
            with self.assertRaises(UserError, msg=vals) as caught:
                self._rpc(self.clerk_a, EVENT, "write", [pending.ids, vals])
            self.assertNotIsInstance(caught.exception, AccessError, vals)
        for line_vals in ({"interest": 999.0}, {"new_level_id": litigation.id}):
            with self.assertRaises(UserError):
                self._rpc(
                    self.clerk_a, LINE, "write", [pending.line_ids.ids, line_vals]
                )
        # What a person reviews stays editable.
        self._rpc(self.clerk_a, EVENT, "write", [pending.ids, {"body": "<p>Merci</p>"}])
        self.assertIn("Merci", pending.body)
        # The state machine holds for the addon's own code too.
        with self.assertRaisesRegex(UserError, "cannot go from"):
            pending._trusted().write({"state": "queued"})
        self._deliver(self.DUE + timedelta(days=1))
        self.assertEqual(pending.state, "to_review", "the dispatcher did not send it")
        self.assertFalse(invoice.relance_level_id)

    def test_attack_2_every_role_is_refused(self):
        event = self._queued(self.customer)
        for user in (self.employee, self.billing, self.portal, self.public):
            for model, method, args in (
                (EVENT, "create", [{"partner_id": self.customer.id}]),
                (EVENT, "write", [event.ids, {"state": "sent"}]),
                (EVENT, "action_send", [event.ids]),
                (LINE, "write", [event.line_ids.ids, {"interest": 0.0}]),
            ):
                with self.assertRaises(AccessError, msg=(user.login, method)):
                    self._rpc(user, model, method, args, company=self.company)
        with self.assertRaises(AccessError):
            self._rpc(self.clerk_b, EVENT, "write", [event.ids, {"body": "x"}])
        self.assertEqual(event.state, "queued")

    # ------------------------------------ 4. an email that left, no trace

    def test_attack_4_no_cancel_while_the_email_waits(self):
        event = self._queued(self.customer)
        self.env[EVENT]._dispatch_queued(now=self.DUE + timedelta(days=1))
        self.assertEqual(event.state, "sending")
        for method, args in (
            ("action_cancel", [event.ids, "Oops"]),
            ("action_skip", [event.ids]),
        ):
            with self.assertRaises(UserError, msg=method):
                self._rpc(self.clerk_a, EVENT, method, args)
        self.assertEqual(event.state, "sending")
        with self.mock_smtplib_connection():
            self.env["mail.mail"].sudo().process_email_queue()
        self.assertEqual(len(self.emails), 1, "the email left")
        self.assertEqual(event.state, "sent")
        self.assertTrue(event.seal_hash, "an email that left is sealed")
        self._rpc(self.clerk_a, EVENT, "action_cancel", [event.ids, "Oops"])
        self.assertEqual(event.state, "cancelled")
        self.assertTrue(event.cancel_seal_hash, "and its cancellation too")
        self.assertEqual(self.company._relance_check_integrity(), [])

    def test_attack_4_an_email_gone_from_the_queue_unsent_can_be_cancelled(self):
        event = self._queued(self.customer)
        self.env[EVENT]._dispatch_queued(now=self.DUE + timedelta(days=1))
        self.assertEqual(event.state, "sending")
        mails = (
            self.env["mail.mail"]
            .sudo()
            .search([("mail_message_id", "=", event.mail_message_id.id)])
        )
        mails.unlink()  # deleted from the queue by an administrator
        self._rpc(self.clerk_a, EVENT, "action_cancel", [event.ids, "Never left"])
        self.assertEqual(event.state, "cancelled")
        self.assertFalse(event.seal_hash, "nothing left, nothing sealed")

    def test_attack_4_an_email_that_left_is_sealed_before_cancelling(self):
        event = self._queued(self.customer)
        self.env[EVENT]._dispatch_queued(now=self.DUE + timedelta(days=1))
        # The mail server took it but the sealing failed at that moment
        # (the next dispatcher run would seal it).
        unsealed = patch.object(type(event), "_seal_if_done", lambda self, **kw: None)
        with unsealed, self.mock_smtplib_connection():
            self.env["mail.mail"].sudo().process_email_queue()
        self.assertEqual(len(self.emails), 1)
        self.assertEqual(event.state, "sending")
        self.assertTrue(event.email_sent_date)
        self.assertFalse(event.seal_hash)
        self._rpc(self.clerk_a, EVENT, "action_cancel", [event.ids, "Oops"])
        self.assertEqual(event.state, "cancelled")
        self.assertTrue(event.seal_hash, "the email that left is sealed")
        self.assertTrue(event.cancel_seal_hash)
        self.assertEqual(self.company._relance_check_integrity(), [])

    def test_attack_4_a_refused_email_retried_that_leaves_is_sealed(self):
        event = self._queued(self.customer)
        self.env[EVENT]._dispatch_queued(now=self.DUE + timedelta(days=1))
        mails = (
            self.env["mail.mail"]
            .sudo()
            .search([("mail_message_id", "=", event.mail_message_id.id)])
        )
        mails.write({"state": "exception"})
        mails._postprocess_sent_message(success_pids=[], failure_type="mail_smtp")
        self.assertEqual(event.state, "failed")
        mails.action_retry()  # from the mail queue's screen
        with self.mock_smtplib_connection():
            self.env["mail.mail"].sudo().process_email_queue()
        self.assertEqual(len(self.emails), 1, "the email left after all")
        self.assertEqual(event.state, "sent")
        self.assertTrue(event.seal_hash)
        self.assertEqual(self.company._relance_check_integrity(), [])

    def test_attack_4_a_refused_email_is_recalled_with_its_reminder(self):
        event = self._queued(self.customer)
        self.env[EVENT]._dispatch_queued(now=self.DUE + timedelta(days=1))
        mails = (
            self.env["mail.mail"]
            .sudo()
            .search([("mail_message_id", "=", event.mail_message_id.id)])
        )
        mails.write({"state": "exception"})
        mails._postprocess_sent_message(success_pids=[], failure_type="mail_smtp")
        self.assertEqual(event.state, "failed")
        self._rpc(self.clerk_a, EVENT, "action_cancel", [event.ids, "Wrong address"])
        self.assertEqual(event.state, "cancelled")
        self.assertFalse(mails.exists(), "nobody can retry it afterwards")

    # ---------------------------------------- 5. sealed letters rewritten

    def test_attack_5_sealed_documents_are_immutable(self):
        event = self._sealed()
        letter = event._letter_attachment()
        self.assertTrue(letter)
        original = letter.raw
        admin = self.env.ref("base.user_admin")
        admin.sudo().company_ids = [Command.link(self.company.id)]
        for user in (self.clerk_a, admin):
            for method, args in (
                ("write", [letter.ids, {"raw": b"%PDF forged"}]),
                ("write", [letter.ids, {"datas": "JVBERg=="}]),
                ("write", [letter.ids, {"name": "other.pdf"}]),
                ("write", [letter.ids, {"res_id": 0}]),
                ("unlink", [letter.ids]),
            ):
                with self.assertRaises(UserError, msg=(user.login, method, args)):
                    self._rpc(user, "ir.attachment", method, args, company=self.company)
        for attempt in (
            lambda: letter.sudo().write({"raw": b"%PDF forged"}),
            lambda: letter.sudo().unlink(),
            lambda: event.attachment_ids.sudo().unlink(),
        ):
            with self.assertRaises(UserError):
                attempt()
        self.assertEqual(letter.raw, original)
        # The same bytes written back (Odoo's storage migration) are accepted.
        letter.sudo().write({"raw": original})
        self.assertEqual(self.company._relance_check_integrity(), [])
        # A cancelled reminder keeps its documents sealed as well.
        event.action_cancel(reason="Erreur")
        with self.assertRaises(UserError):
            letter.sudo().unlink()

    # -------------------------------------------- 6. formula injection

    def test_attack_6_export_never_writes_a_formula(self):
        from openpyxl import load_workbook

        evil = self._make_customer('=HYPERLINK("http://evil.test","x")', "e@example.fr")
        self.levels[0].send_mode = "review"
        self._invoice(evil)
        event = self._run(1, partners=evil)
        self.assertEqual(event.state, "to_review")
        self._rpc(
            self.clerk_a, EVENT, "write", [event.ids, {"registered_number": "=1+2"}]
        )
        action = self._rpc(self.clerk_a, EVENT, "action_audit_export_xlsx", [event.ids])
        attachment_id = int(action["url"].split("/")[3].split("?")[0])
        content = self.env["ir.attachment"].browse(attachment_id).raw
        workbook = load_workbook(io.BytesIO(content))
        values = []
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    self.assertNotEqual(cell.data_type, "f", (sheet.title, cell.value))
                    values.append(cell.value)
        self.assertIn("'=1+2", values)
        self.assertIn("'" + evil.name, values)

    # ------------------------------- 7. one bad reminder blocks the queue

    def test_attack_7_one_bad_reminder_never_blocks_the_queue(self):
        bad = self._queued(self.customer)
        good = self._queued(self.other_customer)
        entry = self.env["account.move"].create(
            {
                "move_type": "entry",
                "partner_id": self.customer.id,
                "line_ids": [
                    Command.create(
                        {
                            "account_id": self.company_data[
                                "default_account_receivable"
                            ].id,
                            "partner_id": self.customer.id,
                            "debit": 1000.0,
                        }
                    ),
                    Command.create(
                        {
                            "account_id": self.company_data[
                                "default_account_revenue"
                            ].id,
                            "credit": 1000.0,
                        }
                    ),
                ],
            }
        )
        entry.action_post()
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE account_relance_event_line SET move_id = %s, move_line_id = NULL"
            " WHERE event_id = %s",
            [entry.id, bad.id],
        )
        self.env.invalidate_all()
        cron = self.env.ref("account_relance_fr.ir_cron_relance_dispatch").sudo()
        # Within the company's sending hours (9:00-18:00, Paris), the day the
        # reminders were prepared, whatever the hour the tests run at.
        with freeze_time(datetime.combine(bad.date, time(10, 0))):
            cron.method_direct_trigger()
            cron.method_direct_trigger()
        self.assertEqual(bad.state, "failed")
        self.assertIn("not a customer invoice", bad.failure_reason)
        self.assertEqual(good.state, "sending", "the queue went on")

    def test_attack_7_a_crash_while_dating_fails_one_reminder_only(self):
        bad = self._queued(self.customer)
        good = self._queued(self.other_customer)
        Penalty = type(self.env["account.relance.penalty"])
        original = Penalty._compute_for_run
        bad_moves = bad.line_ids.move_id

        def crash(penalty, moves, day):
            if moves & bad_moves:
                raise ValueError("engine crash")
            return original(penalty, moves, day)

        with patch.object(Penalty, "_compute_for_run", crash):
            self.env[EVENT]._dispatch_queued(now=self.DUE + timedelta(days=3))
        self.assertEqual(bad.state, "failed")
        self.assertIn("engine crash", bad.failure_reason)
        self.assertEqual(good.state, "sending")
        self.assertEqual(good.date, self.DUE + timedelta(days=3))

    # --------------------------------------------------------- 8. smaller

    def test_attack_8_run_now_is_for_managers(self):
        self._invoice(self.customer)
        for user in (self.clerk_a, self.billing):
            with self.assertRaises(AccessError):
                self._rpc(
                    user, "account.relance.policy", "action_run_now", [self.policy.ids]
                )
        self.assertFalse(
            self.env[EVENT].search([("partner_id", "=", self.customer.id)])
        )

    def test_attack_8_postponed_reminder_waits(self):
        event = self._queued(self.customer)
        today = fields.Date.context_today(event)
        event.with_user(self.clerk_a)._postpone(today + timedelta(days=10))
        self.env[EVENT]._dispatch_queued(now=today + timedelta(days=5))
        self.assertEqual(event.state, "queued")
        self.env[EVENT]._dispatch_queued(now=today + timedelta(days=10))
        self.assertEqual(event.state, "sending")

    def test_attack_8_message_never_makes_the_server_fetch(self):
        self.levels[0].send_mode = "review"
        self._invoice(self.customer)
        event = self._run(1, partners=self.customer)
        body = (
            '<p>Bonjour <img src="http://127.0.0.2:8069/probe.png">'
            '<span style="background: url(http://127.0.0.2/x)">ici</span>'
            ' <a href="https://example.fr/pay">payer</a></p>'
        )
        self._rpc(self.clerk_a, EVENT, "write", [event.ids, {"body": body}])
        self.assertNotIn("127.0.0.2", event.body)
        self.assertIn("https://example.fr/pay", event.body)
        html = (
            self.env["ir.actions.report"]
            .with_user(self.clerk_a)
            ._render_qweb_html(LETTER, event.ids)[0]
            .decode()
        )
        self.assertNotIn("127.0.0.2", html)
        self.assertIn("Bonjour", html)


@tagged("post_install", "-at_install")
class TestRelanceAttacksReports(RelanceAttackCommon, HttpCase):
    """3. The reports, printed the way the web client downloads them."""

    def _get(self, user, report_name, records, company=None):
        if user:
            self.authenticate(user.login, user.login)
        else:
            self.authenticate(None, None)
        company = company or (user.company_id if user else self.company)
        context = {"allowed_company_ids": [company.id]}
        ids = ",".join(str(i) for i in records.ids)
        return self.url_open(
            f"/report/pdf/{report_name}/{ids}?context={json.dumps(context)}",
            timeout=120,
            allow_redirects=False,  # the public is sent to the login page
        )

    def _assert_refused(self, user, report_name, records, secrets, company=None):
        response = self._get(user, report_name, records, company=company)
        label = (user.login if user else "public", report_name)
        self.assertNotEqual(response.status_code, 200, label)
        for secret in secrets:
            self.assertNotIn(secret, response.text, label)

    def test_attack_3_reports_check_who_prints(self):
        invoice = self._invoice(self.customer, 4321.0)
        event = self._sealed()
        head = self.env["account.relance.event"]._chain_entries(
            self.company, head_only=True
        )[0][1]
        secrets = [invoice.name, "4,321", "4321", head]
        # A plain employee, a portal user and the public get no statement.
        for user in (self.employee, self.portal, None):
            self._assert_refused(user, STATEMENT, self.customer, secrets)
        # Nor the chain, nor the history, nor the letter.
        for user in (self.employee, self.portal, self.billing, None):
            self._assert_refused(user, INTEGRITY, self.company, secrets)
            self._assert_refused(user, HISTORY, self.customer, secrets)
            self._assert_refused(user, LETTER, event, secrets)
        # Company B's Reminders user: nothing of A, whatever company it asks.
        for company in (self.company_b, self.company):
            self._assert_refused(
                self.clerk_b, INTEGRITY, self.company, secrets, company=company
            )
            self._assert_refused(self.clerk_b, LETTER, event, secrets, company=company)
        # The invoicing user prints the statement, A's Reminders user the rest.
        response = self._get(self.billing, STATEMENT, self.customer)
        self.assertEqual(response.status_code, 200)
        self.assertIn(invoice.name, response.text)
        response = self._get(self.clerk_a, INTEGRITY, self.company)
        self.assertEqual(response.status_code, 200)
        self.assertIn(head, response.text)

    def test_attack_3_orm_refuses_before_reading(self):
        event = self._sealed()
        Report = self.env["ir.actions.report"]
        for user, report, records in (
            (self.employee, STATEMENT, self.customer),
            (self.portal, INTEGRITY, self.company),
            (self.clerk_b, INTEGRITY, self.company),
            (self.clerk_b, LETTER, event),
            (self.billing, LETTER, event),
        ):
            env_report = Report.with_user(user).with_context(
                allowed_company_ids=user.company_ids.ids
            )
            for render in (
                env_report._render_qweb_html,
                env_report.with_context(force_report_rendering=True)._render_qweb_pdf,
            ):
                with self.assertRaises(AccessError, msg=(user.login, report)):
                    render(report, records.ids)
