# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Which letter a reminder prints: the one its level decided, the one it sent."""

import hashlib
from datetime import date

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import RelanceCommon

LETTER = "account_relance_fr.action_report_relance_letter"
NOTICE = "account_relance_fr.action_report_relance_formal_notice"


@tagged("post_install", "-at_install")
class TestRelanceLetterRules(RelanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.letter = cls.env.ref(LETTER)
        cls.notice = cls.env.ref(NOTICE)
        cls.litigation = cls.levels.filtered("is_litigation")
        cls.call = cls.levels.filtered(lambda level: level.channel_phone)
        # The courteous email carries its letter here: a letter sent and sealed.
        cls.levels[0].attach_letter = True

    def _event_at(self, level):
        """An unsent reminder of the customer at ``level``, built by the run's
        own code."""
        return (
            self.env["account.relance.event"]
            ._trusted()
            .create(self._unsent_vals(level, date(2026, 5, 2)))
        )

    def _html(self, report, event):
        return (
            self.env["ir.actions.report"]
            ._render_qweb_html(report, event.ids)[0]
            .decode()
        )

    def _pdf(self, report, event):
        """What ``/report/pdf`` returns (the real path, not the test stand-in)."""
        return (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(report, event.ids)[0]
        )

    def _assert_refused(self, report, event, words):
        for render in (self._html, self._pdf):
            with self.assertRaises(UserError, msg=(report.name, render)) as caught:
                render(report, event)
            for word in words:
                self.assertIn(word, str(caught.exception))

    def test_litigation_never_writes_to_the_customer(self):
        self._invoice(self.customer)
        event = self._event_at(self.litigation)
        self.assertFalse(event.seal_hash)
        for report in (self.letter, self.notice):
            self._assert_refused(report, event, [event.name, "litigation"])

    def test_only_the_level_letter_is_rendered_for_an_unsent_reminder(self):
        self._invoice(self.customer)
        courteous = self._event_at(self.levels[0])
        self.assertEqual(self.levels[0].report_id, self.letter)
        self.assertIn(courteous.name, self._html(self.letter, courteous))
        # The Print menu offers the mise en demeure on every reminder: a formal
        # notice the process never decided is not printed.
        self._assert_refused(
            self.notice, courteous, [courteous.name, "Mise en demeure"]
        )
        notice = self._event_at(self.levels.filtered("is_formal_notice"))
        self.assertIn(notice.name, self._html(self.notice, notice))
        self._assert_refused(self.letter, notice, [notice.name, "Reminder letter"])
        call = self._event_at(self.call)
        for report in (self.letter, self.notice):
            self._assert_refused(report, call, [call.name, "sends no letter"])

    def test_sealed_reminder_prints_its_sealed_letter_with_either_action(self):
        self._invoice(self.customer)
        event = self._run(1)
        self.assertEqual(event.state, "sent")
        letter = event._letter_attachment()
        attachments = self.env["ir.attachment"].search_count([])
        for report in (self.letter, self.notice):
            self.assertEqual(self._pdf(report, event), letter.raw, report.name)
        self.assertEqual(self.env["ir.attachment"].search_count([]), attachments)
        self.assertEqual(
            event.sealed_letter_sha256, hashlib.sha256(letter.raw).hexdigest()
        )

    def test_sealed_reminder_without_its_letter_is_an_error(self):
        self._invoice(self.customer)
        self._run(1)
        self._run(10)
        call = self._run(20)
        self.assertEqual((call.level_id, call.state), (self.call, "sent"))
        self.assertFalse(call._letter_attachment())
        self.assertFalse(call.sealed_letter_sha256)
        attachments = self.env["ir.attachment"].search_count([])
        for report in (self.letter, self.notice):
            with self.assertRaises(UserError) as caught:
                self._pdf(report, call)
            self.assertIn("has no sealed letter", str(caught.exception))
        self.assertEqual(self.env["ir.attachment"].search_count([]), attachments)

    def test_removed_or_changed_sealed_letter_is_not_printed(self):
        self._invoice(self.customer)
        event = self._run(1)
        letter = event._letter_attachment()
        # Another attachment of the reminder with the letter's name is not it.
        self.env["ir.attachment"].create(
            {
                "name": letter.name,
                "raw": b"%PDF-1.4 another document",
                "res_model": event._name,
                "res_id": event.id,
            }
        )
        self.assertEqual(self._pdf(self.letter, event), letter.raw)
        # The letter changed after sending, in the database (Odoo refuses it:
        # see test_relance_attacks); the integrity check reports it too.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE ir_attachment SET store_fname = NULL, db_datas = %s WHERE id = %s",
            [b"%PDF-1.4 forged", letter.id],
        )
        self.env.invalidate_all()
        with self.assertRaises(UserError) as caught:
            self._pdf(self.letter, event)
        self.assertIn("not the one its seal records", str(caught.exception))
        self.env.cr.execute("DELETE FROM ir_attachment WHERE id = %s", letter.ids)
        self.env.invalidate_all()
        with self.assertRaises(UserError) as caught:
            self._pdf(self.letter, event)
        self.assertIn("has no sealed letter", str(caught.exception))
