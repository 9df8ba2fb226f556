# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from lxml import etree

from odoo import Command
from odoo.api import call_kw
from odoo.exceptions import AccessError, UserError
from odoo.models import check_method_name
from odoo.tests import Form, new_test_user, tagged

from ..models.account_relance_policy_run import RUN_LOCK_KEY
from .common import RelanceCommon

LETTER = "account_relance_fr.action_report_relance_letter"
AUDIT = "account_relance_fr.action_report_relance_audit_event"
# Every model of the addon holding customers' debts: closed to outsiders.
REMINDER_MODELS = (
    "account.relance.event",
    "account.relance.event.line",
    "account.relance.policy",
    "account.relance.level",
    "account.relance.analysis",
    "account.relance.declaration",
)


@tagged("post_install", "-at_install")
class TestRelanceSecurity(RelanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.setup_other_company(name="Société B")["company"]
        cls.auditor = new_test_user(
            cls.env,
            "relance_auditor",
            groups="account.group_account_readonly",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.clerk = new_test_user(
            cls.env,
            "relance_clerk",
            groups="account_relance_fr.group_relance_user",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.employee = new_test_user(
            cls.env, "relance_employee", groups="base.group_user"
        )
        cls.portal = new_test_user(
            cls.env, "relance_portal", groups="base.group_portal"
        )
        cls.billing = new_test_user(
            cls.env,
            "relance_billing",
            groups="account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        sales = cls.env.ref("sales_team.group_sale_salesman", raise_if_not_found=False)
        cls.salesperson = new_test_user(
            cls.env,
            "relance_salesperson",
            groups=sales.get_external_id()[sales.id] if sales else "base.group_user",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.public = cls.env.ref("base.public_user").sudo()

    def test_new_company_gets_the_french_policy(self):
        policy = (
            self.env["account.relance.policy"]
            .sudo()
            ._default_for_company(self.company_b)
        )
        self.assertEqual(len(policy.level_ids), 6)
        self.assertTrue(policy.level_ids.filtered("is_formal_notice"))

    def test_multi_company_isolation(self):
        mine, theirs = self._two_company_events()
        events = mine | theirs
        self.assertEqual(events.company_id, self.company | self.company_b)
        visible = self.env["account.relance.event"].with_user(self.clerk).search([])
        self.assertEqual(
            visible.company_id, self.company, "company A never sees B's reminders"
        )
        levels = self.env["account.relance.level"].with_user(self.clerk).search([])
        self.assertEqual(levels.company_id, self.company)

    def test_access_rights(self):
        self.customer.email = False
        self._invoice(self.customer)
        event = self._run(1)
        self.assertEqual(
            event.state, "to_review", "rights, not the seal, are tested here"
        )
        self.assertTrue(event.with_user(self.auditor).read(["name", "total_claim"]))
        with self.assertRaises(AccessError):
            event.with_user(self.auditor).write({"body": "x"})
        with self.assertRaises(AccessError):
            event.with_user(self.auditor).action_cancel(reason="no")
        for user in (self.employee, self.portal):
            with self.assertRaises(AccessError):
                event.with_user(user).read(["name"])
            with self.assertRaises(AccessError):
                self.env["account.relance.policy"].with_user(user).search([])
        with self.assertRaises(AccessError):
            self.policy.with_user(self.clerk).write({"name": "mine"})
        rate = self.env["account.relance.rate"].search([], limit=1)
        self.assertTrue(rate.with_user(self.employee).read(["half"]))
        with self.assertRaises(AccessError):
            rate.with_user(self.clerk).write({"ecb_rate_pct": 9.0})

    def test_even_admin_cannot_edit_sent_event(self):
        self._invoice(self.customer)
        event = self._run(1).sudo()
        with self.assertRaises(UserError):
            event.write({"total_claim": 0.0})
        with self.assertRaises(UserError):
            event.unlink()

    def test_overlapping_runs_are_refused(self):
        self._invoice(self.customer)
        with self.registry.cursor() as other_cr:
            other_cr.execute("SELECT pg_advisory_lock(%s)", [RUN_LOCK_KEY])
            self.assertFalse(
                self._run(1), "a second run while one holds the lock does nothing"
            )
            other_cr.execute("SELECT pg_advisory_unlock(%s)", [RUN_LOCK_KEY])
        self.assertTrue(self._run(1), "once the first run ends, the work is done")

    def test_cron_runs_in_batches(self):
        self._invoice(self.customer)
        self._invoice(self.other_customer)
        cron = self.env.ref("account_relance_fr.ir_cron_relance_run")
        self.assertEqual(cron.interval_type, "days")
        cron.sudo().method_direct_trigger()
        events = self.env["account.relance.event"].search(
            [("partner_id", "in", (self.customer | self.other_customer).ids)]
        )
        self.assertEqual(len(events), 2, "today's run reached both customers")
        self.assertEqual(set(events.mapped("level_id")), {self.levels[0]})

    def test_rate_rows_loaded_and_kept_when_edited(self):
        Rate = self.env["account.relance.rate"]
        self.assertEqual(Rate.search_count([("half", "like", "20")]), 24)
        row = Rate.search([("half", "=", "2024-S2")])
        self.assertEqual(row.b2b_default_rate_pct, 14.25)
        self.assertAlmostEqual(row.b2b_floor_rate_pct, 14.76, places=4)
        row.ecb_rate_pct = 4.3
        self.assertEqual(row.origin, "manual")
        Rate._load_engine_rates()
        self.assertEqual(
            row.ecb_rate_pct, 4.3, "an upgrade keeps a person's correction"
        )

    def test_default_ladder_is_named_in_each_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        company = self.env["res.company"].sudo().create({"name": "Société C"})
        policy = self.env["account.relance.policy"].sudo()._default_for_company(company)
        french = policy.with_context(lang="fr_FR")
        self.assertNotEqual(french.name, policy.with_context(lang="en_US").name)
        self.assertEqual(french.level_ids.filtered("is_litigation").name, "Contentieux")

    # ------------------------------------------------------- issue 8: access

    def _rpc(self, user, model, method, args, company=None):
        """What the web client or XML-RPC does: private names refused, then
        the public method called as ``user`` in ``company``."""
        check_method_name(method)
        context = {"allowed_company_ids": [(company or self.company).id]}
        env = self.env(user=user, context=context, su=False)
        return call_kw(env[model], method, args, {"context": context})

    def _render(self, user, report, records):
        return (
            self.env["ir.actions.report"]
            .with_user(user)
            .with_context(allowed_company_ids=user.company_ids.ids)
            ._render_qweb_html(report, records.ids)[0]
            .decode()
        )

    def _assert_render_refused(self, user, report, records):
        """Rendering is refused: an access error, raised as is or from inside
        the template (QWeb wraps it)."""
        with self.assertRaises(Exception) as caught:  # noqa: B017
            self._render(user, report, records)
        error = caught.exception
        self.assertTrue(
            isinstance(error, AccessError) or isinstance(error.__cause__, AccessError),
            repr(error),
        )

    def _two_company_events(self):
        self._invoice(self.customer)
        self._invoice(self.customer, company=self.company_b)
        events = (
            self.env["account.relance.policy"]
            .sudo()
            ._run_relances(as_of=self.DUE.replace(day=3))
        )
        mine = events.filtered(lambda e: e.company_id == self.company)
        self.assertEqual(len(mine), 1)
        return mine, events - mine

    def test_company_a_never_sees_company_b(self):
        mine, theirs = self._two_company_events()
        self.assertEqual(theirs.company_id, self.company_b)
        policy_b = (
            self.env["account.relance.policy"]
            .sudo()
            ._default_for_company(self.company_b)
        )
        for user in (self.clerk, self.auditor):
            env = self.env(user=user)
            for model, record in (
                ("account.relance.event", theirs),
                ("account.relance.event.line", theirs.line_ids),
                ("account.relance.policy", policy_b),
                ("account.relance.level", policy_b.level_ids[:1]),
            ):
                self.assertFalse(
                    env[model].search([("id", "in", record.ids)]), (user, model)
                )
                with self.assertRaises(AccessError, msg=(user.login, model)):
                    env[model].browse(record.ids).read(["display_name"])
            self.assertEqual(
                env["account.relance.event"].search([]), mine.with_user(user)
            )
            self._assert_render_refused(user, LETTER, theirs)
            self._assert_render_refused(user, AUDIT, theirs)
            attachments = env["ir.attachment"].search(
                [
                    ("res_model", "=", "account.relance.event"),
                    ("res_id", "in", theirs.ids),
                ]
            )
            self.assertFalse(attachments, "B's letters stay hidden")
            self.assertIn(mine.name, self._render(user, LETTER, mine))
        with self.assertRaises(AccessError):
            self._rpc(self.clerk, "account.relance.event", "action_send", [theirs.ids])
        # Legal rates are public law, the same for every company: no company.
        self.assertNotIn("company_id", self.env["account.relance.rate"]._fields)

    def test_salesperson_and_billing_user_see_no_reminders(self):
        event = self._run(1) if self._invoice(self.customer) else None
        for user in (self.salesperson, self.billing):
            env = self.env(user=user)
            for model in REMINDER_MODELS:
                with self.assertRaises(AccessError, msg=(user.login, model)):
                    env[model].search([])
            self._assert_render_refused(user, LETTER, event)
            # The customer form still opens: its reminder figures are hidden.
            partner = self.customer.with_user(user)
            self.assertEqual(partner.relance_open_count, 0)
            self.assertTrue(env["account.relance.rate"].search_count([]))
        # The invoicing user works on invoices without the reminder tab.
        invoice = event.line_ids.move_id.with_user(self.billing)
        with Form(invoice) as form:
            self.assertEqual(form.partner_id, self.customer)
        arch = invoice.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn('name="relance_event_line_ids"', arch)
        # The invoice list and its filters open; the reminder columns and
        # filters (which need the policies) are not shown to this user.
        result = invoice.get_views(
            [
                (self.env.ref("account.view_out_invoice_tree").id, "list"),
                (False, "search"),
            ]
        )
        views = result["views"]
        for hidden in ("relance_next_date", "relance_level_id"):
            self.assertNotIn(f'name="{hidden}"', views["list"]["arch"])
            self.assertNotIn(hidden, views["search"]["arch"])
        listed = etree.fromstring(views["list"]["arch"]).xpath("/list/field/@name")
        self.assertIn("relance_days_late", listed)
        self.assertTrue(invoice.search_read([("id", "=", invoice.id)], listed))
        self.assertIn(invoice, invoice.search([("relance_days_late", ">", 0)]))

    def test_portal_and_public_users_get_nothing(self):
        self._invoice(self.customer)
        event = self._run(1)
        self.assertEqual(event.state, "sent")
        for user in (self.portal, self.public):
            env = self.env(user=user)
            for model in REMINDER_MODELS:
                with self.assertRaises(AccessError, msg=(user.login, model)):
                    env[model].search_count([])
            with self.assertRaises(AccessError):
                event.with_user(user).read(["name", "total_claim"])
            self._assert_render_refused(user, LETTER, event)
            self._assert_render_refused(user, AUDIT, event)
            for method, args in (
                ("action_send", [event.ids]),
                ("action_cancel", [event.ids, "no"]),
                ("action_print_letter", [event.ids]),
                ("action_audit_export_xlsx", [event.ids]),
                ("read", [event.ids, ["total_claim"]]),
                ("write", [event.ids, {"body": "x"}]),
                ("unlink", [event.ids]),
            ):
                with self.assertRaises(AccessError, msg=(user.login, method)):
                    self._rpc(user, "account.relance.event", method, args)
            with self.assertRaises(AccessError):
                self._rpc(user, "account.relance.policy", "action_run_now", [[]])
            with self.assertRaises(AccessError):
                self._rpc(user, "account.relance.policy", "_run_relances", [])
        self.assertEqual(event.state, "sent")

    def test_auditor_reads_and_prints_but_changes_nothing(self):
        self.customer.email = False
        self._invoice(self.customer)
        pending = self._run(1)
        self.customer.email = "durand@example.fr"
        pending.action_send()
        self._deliver()
        self.assertEqual(pending.state, "sent")
        event = pending.with_user(self.auditor)
        self.assertEqual(event.line_ids.amount_residual, 1000.0)
        self.assertIn(event.name, self._render(self.auditor, LETTER, pending))
        self.assertIn(event.seal_hash, self._render(self.auditor, AUDIT, pending))
        self.assertEqual(event.action_audit_print()["type"], "ir.actions.report")
        self.levels[0].send_mode = "review"
        self._invoice(self.other_customer)
        waiting = self._run(2)
        self.assertEqual(waiting.state, "to_review")
        self.assertFalse(waiting._blocking_problem(), "it could be sent")
        mails = self.env["mail.mail"].sudo().search_count([])
        for record in (waiting, pending):
            for method, args in (
                ("write", [record.ids, {"body": "x"}]),
                ("unlink", [record.ids]),
                ("copy", [record.ids]),
                ("action_send", [record.ids]),
                ("action_cancel", [record.ids, "no"]),
            ):
                # Access rights refuse; on a sent one the seal may refuse first
                # (AccessError is a UserError).
                refusal = AccessError if record == waiting else UserError
                with self.assertRaises(refusal, msg=(record.state, method)):
                    self._rpc(self.auditor, "account.relance.event", method, args)
        self.assertEqual(waiting.state, "to_review")
        self.assertEqual(self.env["mail.mail"].sudo().search_count([]), mails)
        for record in (waiting, pending):
            line = record.line_ids
            refusal = AccessError if record == waiting else UserError
            for method, args in (
                ("write", [line.ids, {"interest": 0.0}]),
                ("unlink", [line.ids]),
                ("create", [{"event_id": record.id, "move_id": line.move_id.id}]),
            ):
                with self.assertRaises(refusal, msg=(record.state, method)):
                    self._rpc(self.auditor, "account.relance.event.line", method, args)
        for model, record in (
            ("account.relance.policy", self.policy),
            ("account.relance.level", self.levels[0]),
        ):
            with self.assertRaises(AccessError):
                self._rpc(self.auditor, model, "write", [record.ids, {"name": "x"}])
        self.assertEqual(pending.state, "sent")

    def test_admin_through_rpc_cannot_edit_or_forge_a_sent_event(self):
        admin = self.env.ref("base.user_admin")
        self.assertEqual(admin.id, 2)
        admin.sudo().company_ids = [Command.link(self.company.id)]
        self._invoice(self.customer)
        event = self._run(1)
        self.assertEqual(event.state, "sent")
        seal = event.seal_hash
        Event, Line = "account.relance.event", "account.relance.event.line"
        line = event.line_ids
        for model, method, args in (
            (Event, "write", [event.ids, {"total_claim": 0.0}]),
            (Event, "write", [event.ids, {"state": "to_review"}]),
            (Event, "write", [event.ids, {"line_ids": [Command.clear()]}]),
            (Event, "unlink", [event.ids]),
            (Event, "create", [self._forged_vals(event, state="sent")]),
            (Event, "create", [self._forged_vals(event, seal_hash="f" * 64)]),
            (Line, "write", [line.ids, {"amount_residual": 1.0}]),
            (Line, "unlink", [line.ids]),
            (Line, "create", [{"event_id": event.id, "move_id": line.move_id.id}]),
        ):
            with self.assertRaises(UserError, msg=(model, method, args)) as caught:
                self._rpc(admin, model, method, args)
            self.assertNotIsInstance(caught.exception, AccessError)
        # Only the run creates reminders: not even a copy.
        with self.assertRaisesRegex(UserError, "created by the reminder run"):
            self._rpc(admin, Event, "copy", [event.ids])
        for method in ("_sealing", "_mark_sent", "_seal"):
            with self.assertRaises(AccessError):
                self._rpc(admin, Event, method, [event.ids])
        # Cancelling with a reason is the only change, and it is sealed.
        self._rpc(admin, Event, "action_cancel", [event.ids, "Erreur"])
        self.assertEqual(event.state, "cancelled")
        self.assertEqual(event.seal_hash, seal)
        self.assertTrue(event.cancel_seal_hash)
        self.assertEqual(self.company._relance_check_integrity(), [])
        # A change made directly in SQL is flagged by the integrity check.
        self.env.cr.execute(
            "UPDATE account_relance_event_line SET amount_residual = 1 WHERE id = %s",
            line.ids,
        )
        findings = self.company._relance_check_integrity()
        self.assertEqual({f["code"] for f in findings}, {"altered"})
        self.assertEqual({f["event_id"] for f in findings}, {event.id})

    def _forged_vals(self, event, **extra):
        return {
            "company_id": event.company_id.id,
            "partner_id": event.partner_id.id,
            "level_id": event.level_id.id,
            "date": event.date.isoformat(),
            **extra,
        }
