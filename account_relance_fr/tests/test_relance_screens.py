# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What the collector's screens rely on: searchable days late and next reminder
date, skip and postpone from the queue, letters printed in bulk, the DSO."""

import io
import operator
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import RelanceCommon, wkhtmltopdf_ok

try:
    from PyPDF2 import PdfReader
except ImportError:  # pragma: no cover - PyPDF2 is an Odoo dependency
    PdfReader = None

OPERATORS = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "=": operator.eq,
}


@tagged("post_install", "-at_install")
class TestRelanceScreens(RelanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env.user)
        cls.third_customer = cls._make_customer("Petit SA", "petit@example.fr")

    def _search_ids(self, domain, moves):
        return set(
            self.env["account.move"].search([("id", "in", moves.ids), *domain]).ids
        )

    def _assert_search_matches_compute(self, field, moves, values):
        """The search method selects exactly the invoices whose computed value
        matches, for every operator and value."""
        moves.invalidate_recordset()
        computed = {move.id: move[field] for move in moves}
        for op, compare in OPERATORS.items():
            for value in values:
                expected = {
                    move_id
                    for move_id, got in computed.items()
                    if got is not False and compare(got, value)
                }
                self.assertEqual(
                    self._search_ids([(field, op, value)], moves),
                    expected,
                    f"{field} {op} {value}",
                )

    # ------------------------------------------------------------ days late

    def test_search_days_late(self):
        moves = {
            days: self._invoice(self.customer, 100.0, due=self.today - timedelta(days))
            for days in (-5, 0, 10, 31, 45, 61, 75, 91, 120)
        }
        paid = self._invoice(self.customer, 100.0, due=self.today - timedelta(95))
        self._pay(paid, when=self.today)
        draft = self._invoice(
            self.customer, 100.0, due=self.today - timedelta(100), post=False
        )
        partial = self._invoice(self.customer, 300.0, due=self.today - timedelta(40))
        self._pay(partial, amount=100.0, when=self.today)
        all_moves = paid | draft | partial
        for move in moves.values():
            all_moves |= move
        self.assertEqual(moves[75].relance_days_late, 75)
        self.assertEqual(partial.relance_days_late, 40)
        self.assertEqual(paid.relance_days_late, 0)
        self.assertEqual(draft.relance_days_late, 0)
        # The filters of the invoice list.
        self.assertEqual(
            self._search_ids([("relance_days_late", ">", 30)], all_moves),
            {moves[d].id for d in (31, 45, 61, 75, 91, 120)} | {partial.id},
        )
        self.assertEqual(
            self._search_ids([("relance_days_late", ">", 60)], all_moves),
            {moves[d].id for d in (61, 75, 91, 120)},
        )
        self.assertEqual(
            self._search_ids([("relance_days_late", ">", 90)], all_moves),
            {moves[91].id, moves[120].id},
        )
        self.assertEqual(
            self._search_ids([("relance_days_late", "=", 0)], all_moves),
            {moves[-5].id, moves[0].id, paid.id, draft.id},
        )
        self._assert_search_matches_compute(
            "relance_days_late", all_moves, (-1, 0, 1, 10, 30, 40, 90, 120)
        )

    def test_search_days_late_rejects_other_operators(self):
        with self.assertRaises(UserError):
            self.env["account.move"].search([("relance_days_late", "in", [1, 2])])

    # ----------------------------------------------------- next reminder

    def test_search_next_reminder_date(self):
        """Several levels, sent or not, a customer on another policy, a
        dispute, a paid invoice: search and compute agree on every date."""
        quick = self.policy.copy({"name": "Quick", "is_default": False})
        quick_levels = quick._ordered_levels()
        quick_levels[0].days_after_due = 3
        quick_levels[1].write({"days_after_due": 4, "min_days_since_previous": 5})
        self.other_customer.with_company(self.company).relance_policy_id = quick
        first = self._invoice(self.customer, 1000.0)
        later = self._invoice(self.customer, 500.0, due=self.DUE + timedelta(8))
        quick_one = self._invoice(self.other_customer, 700.0)
        disputed = self._invoice(self.third_customer, 300.0)
        disputed.write(
            {"relance_exclusion": "dispute", "relance_dispute_reason": "Broken"}
        )
        paid = self._invoice(self.third_customer, 200.0)
        self._pay(paid)
        fresh = self._invoice(self.third_customer, 400.0, due=self.DUE + timedelta(20))
        moves = first | later | quick_one | disputed | paid | fresh
        # Never reminded: the first level's date, one day after the due date at least.
        self.assertEqual(first.relance_next_date, self.DUE + timedelta(1))
        self.assertEqual(quick_one.relance_next_date, self.DUE + timedelta(3))
        self._run(3)
        # First reminders sent on D+3: the second level waits for its interval.
        self.assertEqual(first.relance_level_id, self.levels[0])
        self.assertTrue(first.relance_level_sent)
        first.invalidate_recordset()
        self.assertEqual(first.relance_next_date, self.DUE + timedelta(10))
        self.assertEqual(later.relance_next_date, self.DUE + timedelta(9))
        self.assertEqual(quick_one.relance_level_id, quick_levels[0])
        # Its interval since the first reminder weighs more than its days after due.
        self.assertEqual(quick_one.relance_next_date, self.DUE + timedelta(8))
        self.assertFalse(disputed.relance_next_date)
        self.assertFalse(paid.relance_next_date)
        days = [self.DUE + timedelta(n) for n in (0, 1, 3, 4, 7, 8, 9, 10, 11, 21, 40)]
        self._assert_search_matches_compute("relance_next_date", moves, days)
        # A reminder waiting for review: its invoices have no next date yet.
        self._run(10)
        self._run(20)
        letter = self._run(30).filtered(lambda e: e.partner_id == self.customer)
        self.assertEqual(letter.state, "to_review")
        moves.invalidate_recordset()
        self.assertFalse(first.relance_next_date)
        self._assert_search_matches_compute("relance_next_date", moves, days)
        self.assertEqual(
            self._search_ids([("relance_next_date", "=", False)], moves),
            {move.id for move in moves if not move.relance_next_date},
        )
        self.assertEqual(
            self._search_ids([("relance_next_date", "!=", False)], moves),
            {move.id for move in moves if move.relance_next_date},
        )

    def test_invoice_filters_evaluate(self):
        """The filters of the invoice search view are valid domains."""
        arch = self.env.ref("account_relance_fr.account_move_view_search").arch
        names = (
            "relance_late_30",
            "relance_late_60",
            "relance_late_90",
            "relance_next_today",
            "relance_next_week",
        )
        context = self._view_eval_context()
        self._invoice(self.customer, 100.0, due=self.today - timedelta(70))
        found = {}
        for name in names:
            node = etree.fromstring(arch).xpath(f"//filter[@name='{name}']")[0]
            domain = safe_eval(node.get("domain"), context)
            found[name] = self.env["account.move"].search_count(
                [("partner_id", "=", self.customer.id), *domain]
            )
        self.assertEqual(
            found,
            {
                "relance_late_30": 1,
                "relance_late_60": 1,
                "relance_late_90": 0,
                "relance_next_today": 1,
                "relance_next_week": 1,
            },
        )

    def _view_eval_context(self):
        return {"context_today": lambda: self.today, "relativedelta": relativedelta}

    # ------------------------------------------------------- skip, postpone

    def _letter_to_review(self, partners=None):
        for days in (1, 10, 20):
            self._run(days, partners)
        events = self._run(30, partners)
        self.assertEqual(set(events.mapped("state")), {"to_review"})
        return events

    def test_skip(self):
        self._invoice(self.customer, 1500.0)
        self._invoice(self.other_customer, 900.0)
        events = self._letter_to_review()
        self.assertEqual(len(events), 2)
        invoices = events.line_ids.move_id
        self.assertEqual(
            invoices.relance_level_id, self.levels[2], "the letter is not sent yet"
        )
        events.action_skip()
        self.assertEqual(set(events.mapped("state")), {"cancelled"})
        self.assertTrue(all(events.mapped("skipped")))
        self.assertEqual(events[0].cancel_reason, f"Skipped by {self.env.user.name}")
        # Never sent, so never sealed.
        self.assertFalse(any(events.mapped("seal_hash")))
        self.assertFalse(any(events.mapped("cancel_seal_hash")))
        # The invoices stay at the phone call level, which was done.
        self.assertEqual(invoices.relance_level_id, self.levels[2])
        self.assertTrue(all(invoices.mapped("relance_level_sent")))
        # A second run of the same date does not bring them back...
        self.assertFalse(self._run(30))
        # ... the next day's run does: the invoices are still unpaid.
        again = self._run(31)
        self.assertEqual(again.partner_id, events.partner_id)
        self.assertEqual(set(again.level_id.ids), {self.levels[3].id})
        with self.assertRaises(UserError):
            events.action_skip()

    def test_cancel_is_not_skip(self):
        """A plain cancellation (e.g. wrong address, now fixed) lets a second
        run of the same day create the reminder again."""
        self._invoice(self.customer, 1500.0)
        event = self._letter_to_review()
        event.action_cancel(reason="Wrong address")
        self.assertFalse(event.skipped)
        self.assertEqual(self._run(30).partner_id, self.customer)

    def test_postpone(self):
        self._invoice(self.customer, 1500.0)
        event = self._letter_to_review()
        invoice = event.line_ids.move_id
        action = event.action_postpone()
        self.assertEqual(action["res_model"], "account.relance.event.postpone")
        wizard = (
            self.env[action["res_model"]].with_context(**action["context"]).create({})
        )
        self.assertEqual(wizard.postponed_until, self.today + timedelta(7))
        wizard.postponed_until = self.today + timedelta(3)
        wizard.action_confirm()
        self.assertEqual(event.postponed_until, self.today + timedelta(3))
        self.assertEqual(event.state, "to_review")
        self.assertEqual(
            invoice.relance_level_id, self.levels[2], "the letter is not sent yet"
        )
        # Out of the queue until that date, listed under "Postponed".
        self.assertNotIn(event, self._queue("to_process"))
        self.assertIn(event, self._queue("postponed"))
        self.assertIn(event, self._queue("to_process", self.today + timedelta(3)))
        # The run creates no other reminder for this customer meanwhile.
        self.assertFalse(self._run(60))
        self.assertEqual(invoice.relance_level_id, self.levels[2])
        # Still a pending reminder: it can be sent once back.
        event.action_send()
        self.assertEqual(event.state, "to_print")
        with self.assertRaises(UserError):
            event._postpone(self.today)

    def test_postpone_refuses_done_reminders(self):
        self._invoice(self.customer, 1500.0)
        sent = self._run(1)
        self.assertEqual(sent.state, "sent")
        with self.assertRaises(UserError):
            sent.action_postpone()

    def _queue(self, filter_name, today=None):
        arch = self.env.ref("account_relance_fr.account_relance_event_view_search").arch
        node = etree.fromstring(arch).xpath(f"//filter[@name='{filter_name}']")[0]
        domain = safe_eval(
            node.get("domain"), {"context_today": lambda: today or self.today}
        )
        return self.env["account.relance.event"].search(domain)

    # ---------------------------------------------------------- bulk print

    def test_print_letters_in_bulk(self):
        self._invoice(self.customer, 1500.0)
        self._invoice(self.other_customer, 900.0)
        letters = self._letter_to_review()
        # Without a document layout, Odoo asks for one before printing.
        self.company.external_report_layout_id = self.env.ref(
            "web.external_layout_standard"
        )
        action = letters.action_print_letter()
        self.assertEqual(action["type"], "ir.actions.report")
        self.assertEqual(
            action["report_name"], "account_relance_fr.report_relance_letter"
        )
        self.assertEqual(sorted(action["context"]["active_ids"]), sorted(letters.ids))
        if PdfReader is None or not wkhtmltopdf_ok():
            return
        self.env["ir.config_parameter"].sudo().set_param(
            "report.url", "http://127.0.0.1:9"
        )
        report = self.env.ref("account_relance_fr.action_report_relance_letter")
        combined = self._pdf(report, letters.ids)
        singles = [self._pdf(report, event.ids) for event in letters]
        # One PDF with every letter, each letter complete.
        self.assertEqual(
            len(combined.pages), sum(len(single.pages) for single in singles)
        )
        text = " ".join(
            " ".join((page.extract_text() or "").split()) for page in combined.pages
        )
        for event in letters:
            self.assertIn(event.partner_id.name, text)
            self.assertIn(event.name, text)

    def _pdf(self, report, ids):
        content, kind = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(report, ids)
        )
        self.assertEqual(kind, "pdf")
        return PdfReader(io.BytesIO(content))

    def test_print_refuses_mixed_letters_and_levels_without_letter(self):
        self._invoice(self.customer, 1500.0)
        self._invoice(self.other_customer, 900.0)
        letters = self._letter_to_review()
        letter = letters.filtered(lambda e: e.partner_id == self.customer)
        self._send(letter, 30)
        letter.registered_number = "1A 123 456 7890 1"
        self._send(letter, 30)
        notice = self._run(46, self.customer)
        self.assertTrue(notice.level_id.is_formal_notice)
        mixed = notice | (letters - letter)
        with self.assertRaisesRegex(UserError, "Mise en demeure"):
            mixed.action_print_letter()
        call = self.env["account.relance.event"].search(
            [("level_id", "=", self.levels[2].id)], limit=1
        )
        self.assertTrue(call)
        with self.assertRaisesRegex(UserError, "has no letter"):
            (call | notice).action_print_letter()

    # ------------------------------------------------------------------ DSO

    def test_dso_in_analysis_title(self):
        self._invoice(self.customer, 1000.0, due=self.today - timedelta(30))
        paid = self._invoice(self.customer, 1000.0, due=self.today - timedelta(60))
        self._pay(paid, when=self.today)
        # Open receivables 1 000 / credit sales of the year 2 000 x 365.
        self.assertEqual(
            self.env["account.relance.analysis"]._company_dso(self.company), 182.5
        )
        action = (
            self.env.ref("account_relance_fr.account_relance_analysis_action_open")
            .with_company(self.company)
            .run()
        )
        self.assertEqual(action["res_model"], "account.relance.analysis")
        self.assertEqual(
            action["name"],
            "Receivables by age - DSO 182.5 days (all open customer receivables, "
            "due or not, / invoiced sales of the last 365 days x 365)",
        )
        self.assertEqual(
            action["display_name"], action["name"], "what the web client shows"
        )
        menu = self.env.ref("account_relance_fr.account_relance_analysis_menu")
        self.assertEqual(
            menu.action,
            self.env.ref("account_relance_fr.account_relance_analysis_action_open"),
        )
