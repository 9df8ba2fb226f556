# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import RelanceCommon


@tagged("post_install", "-at_install")
class TestRelanceAnalysis(RelanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env.user)
        cls.salesman = cls.env.user
        # (days late, amount): not due, 1-30, 31-60, 61-90, > 90
        cls.moves = {
            days: cls._dated_invoice(cls.customer, amount, days)
            for days, amount in ((-10, 100.0), (10, 200.0), (45, 300.0), (75, 400.0))
        }
        cls.old = cls._dated_invoice(cls.other_customer, 500.0, 120)
        cls.paid = cls._dated_invoice(cls.other_customer, 50.0, 20)

    @classmethod
    def _dated_invoice(cls, partner, amount, days_late):
        due = cls.today - timedelta(days=days_late)
        invoice_date = min(due, cls.today) - timedelta(days=30)
        return cls._invoice(partner, amount, due=due, invoice_date=invoice_date)

    def _rows(self):
        Analysis = self.env["account.relance.analysis"]
        self.env.flush_all()
        Analysis.invalidate_model()
        return Analysis.search([("company_id", "=", self.company.id)])

    def test_age_buckets_and_amounts(self):
        self._pay(self.paid, when=self.today)
        self._pay(self.moves[75], amount=150.0, when=self.today)
        rows = self._rows()
        by_move = {row.move_id: row for row in rows}
        self.assertNotIn(self.paid, by_move, "paid invoices are not open")
        expected = {
            self.moves[-10]: ("0_not_due", 0, 100.0, 0.0),
            self.moves[10]: ("1_30", 10, 200.0, 200.0),
            self.moves[45]: ("2_60", 45, 300.0, 300.0),
            self.moves[75]: ("3_90", 75, 250.0, 250.0),
            self.old: ("4_more", 120, 500.0, 500.0),
        }
        for move, (bucket, days, residual, overdue) in expected.items():
            row = by_move[move]
            self.assertEqual(row.age_bucket, bucket, move.name)
            self.assertEqual(row.days_late, days, move.name)
            self.assertAlmostEqual(row.amount_residual, residual)
            self.assertAlmostEqual(row.amount_overdue, overdue)
            self.assertEqual(row.partner_id, move.commercial_partner_id)
            self.assertEqual(row.user_id, self.salesman)
        groups = dict(
            self.env["account.relance.analysis"]._read_group(
                [("company_id", "=", self.company.id)],
                ["partner_id"],
                ["amount_residual:sum"],
            )
        )
        self.assertAlmostEqual(groups[self.customer], 850.0)
        self.assertAlmostEqual(groups[self.other_customer], 500.0)

    def test_level_and_exclusion(self):
        level = self.levels[0]
        self.moves[10].sudo().write({"relance_level_id": level.id})
        self.moves[45].write(
            {"relance_exclusion": "dispute", "relance_dispute_reason": "Broken"}
        )
        by_move = {row.move_id: row for row in self._rows()}
        self.assertEqual(by_move[self.moves[10]].level_id, level)
        self.assertEqual(by_move[self.moves[45]].exclusion, "dispute")

    def test_dso(self):
        Analysis = self.env["account.relance.analysis"]
        # Open receivables 1 550, credit sales of the last 365 days 1 550.
        self.assertAlmostEqual(Analysis._company_dso(self.company), 365.0)
        self._pay(self.paid, when=self.today)
        self._pay(self.old, when=self.today)
        self.assertAlmostEqual(
            Analysis._company_dso(self.company), round(1000.0 / 1550.0 * 365, 1)
        )
        # A year later, these sales are out of the window: no credit sales.
        later = self.today + timedelta(days=400)
        self.assertEqual(Analysis._company_dso(self.company, as_of=later), 0.0)

    def test_dso_without_sales(self):
        other = self.setup_other_company(name="Empty")["company"]
        self.assertEqual(self.env["account.relance.analysis"]._company_dso(other), 0.0)

    def test_partner_smart_button(self):
        self.assertAlmostEqual(
            self.customer.with_company(self.company).relance_overdue_amount, 900.0
        )
        self.assertEqual(self.customer.with_company(self.company).relance_open_count, 0)
        action = self.customer.action_relance_open_events()
        self.assertEqual(action["res_model"], "account.relance.event")
