# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import RelanceCommon


@tagged("post_install", "-at_install")
class TestRelanceTour(RelanceCommon, HttpCase):
    """The collector's day in the browser: open the queue, review and send a
    registered letter, print it, record it as posted."""

    def test_collector_day(self):
        self._invoice(self.customer, 1500.0)
        for days in (1, 10, 20):
            self._run(days)
        letter = self._run(30)
        self.assertEqual(letter.state, "to_review")
        self.assertTrue(letter.channel_registered)
        self.start_tour(
            "/odoo/action-account_relance_fr.account_relance_event_action_to_process",
            "account_relance_fr_collector_day",
            login=self.env.user.login,
        )
        letter.invalidate_recordset()
        self.assertEqual(letter.state, "sent")
        self.assertEqual(letter.registered_number, "1A 123 456 7890 1")
        # Next step of the ladder: the mise en demeure, printed from its form.
        self.company.external_report_layout_id = self.env.ref(
            "web.external_layout_standard"
        )
        # The letter left today (the day the tour posted it): the mise en
        # demeure comes 10 days later at the earliest.
        posted = (fields.Date.today() - self.DUE).days
        self.assertEqual(letter.letter_posted_date, fields.Date.today())
        notice = self._run(posted + 10)
        self.assertTrue(notice.level_id.is_formal_notice)
        self.assertTrue(notice.channel_registered)
        action = notice.action_print_letter()
        self.assertEqual(action["type"], "ir.actions.report")
        html = self.env["ir.actions.report"]._render_qweb_html(
            action["report_name"], notice.ids
        )[0]
        self.assertIn(notice.partner_id.name.encode(), html)
