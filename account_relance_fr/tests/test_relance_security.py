# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from ..models.account_relance_policy import RUN_LOCK_KEY
from .common import RelanceCommon


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

    def test_new_company_gets_the_french_policy(self):
        policy = (
            self.env["account.relance.policy"]
            .sudo()
            ._default_for_company(self.company_b)
        )
        self.assertEqual(len(policy.level_ids), 6)
        self.assertTrue(policy.level_ids.filtered("is_formal_notice"))

    def test_multi_company_isolation(self):
        self._invoice(self.customer)
        self._invoice(self.customer, company=self.company_b)
        events = (
            self.env["account.relance.policy"]
            .sudo()
            ._run_relances(as_of=self.DUE.replace(day=3))
        )
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
