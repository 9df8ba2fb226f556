# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import base64
import hashlib
import io
import json

from openpyxl import load_workbook

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import RelanceCommon


@tagged("post_install", "-at_install")
class TestRelanceAudit(RelanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Event = cls.env["account.relance.event"]

    def _chain(self):
        """Three dates, two customers: six sealed entries."""
        self.invoice = self._invoice(self.customer, 1500.0)
        self.other_invoice = self._invoice(self.other_customer, 700.0)
        events = self.Event
        for days in (1, 10, 20):
            events |= self._run(days)
        self.assertEqual(len(events), 6)
        self.assertEqual(set(events.mapped("state")), {"sent"})
        return events.sorted("seal_sequence")

    def _check(self):
        return self.company._relance_check_integrity()

    def _codes(self, findings):
        return {finding["code"] for finding in findings}

    def test_chain_verifies(self):
        events = self._chain()
        self.assertEqual(events.mapped("seal_sequence"), [1, 2, 3, 4, 5, 6])
        previous = "0" * 64
        for event in events:
            self.assertEqual(event.seal_previous_hash, previous)
            self.assertEqual(
                event.seal_hash,
                hashlib.sha256(event.seal_payload.encode()).hexdigest(),
            )
            content = json.loads(event.seal_payload)["content"]
            self.assertEqual(content["name"], event.name)
            self.assertEqual(content["total_claim"], f"{event.total_claim:.2f}")
            previous = event.seal_hash
        first = events[0]
        self.assertTrue(first.attachment_ids, "the letter went with the email")
        for attachment in first.attachment_ids:
            self.assertIn(
                hashlib.sha256(attachment.raw).hexdigest(), first.document_fingerprints
            )
        self.assertEqual(self._check(), [])
        head = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(f"account_relance_fr.seal_head.{self.company.id}")
        )
        self.assertEqual(head, f"6:{events[-1].seal_hash}")

    def test_sql_update_of_amount_is_detected(self):
        events = self._chain()
        target = events[2]
        self.env.cr.execute(
            "UPDATE account_relance_event SET total_claim = 1 WHERE id = %s",
            [target.id],
        )
        findings = self._check()
        self.assertEqual(self._codes(findings), {"altered"})
        self.assertEqual(findings[0]["event_id"], target.id)
        self.assertIn(target.name, findings[0]["message"])
        self.assertIn("total_claim", findings[0]["message"])

    def test_sql_update_of_a_line_is_detected(self):
        events = self._chain()
        target = events[1]
        self.env.cr.execute(
            "UPDATE account_relance_event_line SET amount_residual = 10 "
            "WHERE event_id = %s",
            [target.id],
        )
        findings = self._check()
        self.assertEqual([f["event_id"] for f in findings], [target.id])
        self.assertIn("amount_residual", findings[0]["message"])

    def test_sql_delete_is_a_gap(self):
        events = self._chain()
        deleted = events[2]
        self.env.cr.execute(
            "DELETE FROM account_relance_event_line WHERE event_id = %s", [deleted.id]
        )
        self.env.cr.execute(
            "DELETE FROM account_relance_event WHERE id = %s", [deleted.id]
        )
        findings = self._check()
        self.assertEqual(self._codes(findings), {"gap"})
        self.assertEqual(findings[0]["sequence"], 3)
        self.assertIn("3", findings[0]["message"])

    def test_deleting_the_last_entry_is_detected(self):
        events = self._chain()
        self.env.cr.execute(
            "DELETE FROM account_relance_event WHERE id = %s", [events[-1].id]
        )
        self.assertEqual(self._codes(self._check()), {"head"})

    def test_rewritten_seal_breaks_the_next_link(self):
        events = self._chain()
        target = events[1]
        payload = json.loads(target.seal_payload)
        payload["content"]["total_claim"] = "1.00"
        text = json.dumps(
            payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        self.env.cr.execute(
            "UPDATE account_relance_event SET total_claim = 1, seal_payload = %s, "
            "seal_hash = %s WHERE id = %s",
            [text, hashlib.sha256(text.encode()).hexdigest(), target.id],
        )
        findings = self._check()
        self.assertEqual(self._codes(findings), {"link"})
        self.assertEqual(findings[0]["event_id"], events[2].id)

    def test_changed_document_bytes_are_detected(self):
        events = self._chain()
        target = events[0]
        # Nobody changes a sealed document through Odoo (see
        # test_relance_attacks): changed in the database, it is detected.
        letter = target.attachment_ids[:1]
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE ir_attachment SET store_fname = NULL, db_datas = %s WHERE id = %s",
            [b"forged letter", letter.id],
        )
        letter.invalidate_recordset()
        findings = self._check()
        self.assertEqual(self._codes(findings), {"document"})
        self.assertEqual(findings[0]["event_id"], target.id)
        # A document unlinked from the reminder in SQL is missing.
        other = events[1]
        self.env.cr.execute(
            "DELETE FROM account_relance_event_ir_attachment_rel "
            "WHERE account_relance_event_id = %s",
            [other.id],
        )
        flagged = {f["event_id"] for f in self._check() if f["code"] == "document"}
        self.assertEqual(flagged, {target.id, other.id})

    def test_nobody_edits_a_sealed_event(self):
        events = self._chain()
        admin = self.env.ref("base.user_admin")
        admin.sudo().company_ids = [Command.link(self.company.id)]
        for event in (events[0].with_user(admin), events[0].sudo()):
            for vals in (
                {"total_claim": 0.0},
                {"seal_hash": "0" * 64},
                {"seal_sequence": 99},
                {"registered_number": "X"},
                {"state": "to_review"},
                {"state": "cancelled", "cancel_reason": "no seal"},
                {"line_ids": [Command.clear()]},
            ):
                with self.assertRaises(UserError, msg=vals) as caught:
                    event.write(vals)
                self.assertNotIsInstance(caught.exception, AccessError)
        for event in (events[0].sudo(),):
            with self.assertRaises(UserError):
                event.unlink()
            self.assertEqual(event.action_audit_print()["type"], "ir.actions.report")
            with self.assertRaises(UserError):  # even the sealing code seals once
                event._sealing().write({"seal_hash": "1" * 64})
            with self.assertRaises(UserError):
                event.line_ids[:1].write({"interest": 0.0})
            with self.assertRaises(UserError):
                event.line_ids[:1].unlink()
            with self.assertRaises(UserError):
                event.line_ids[:1].copy()
        self.assertEqual(self._check(), [])

    def test_only_sending_seals(self):
        self.customer.email = False
        self._invoice(self.customer)
        event = self._run(1)
        self.assertEqual(event.state, "to_review")
        with self.assertRaises(UserError):
            event.sudo().write({"state": "sent"})
        with self.assertRaises(UserError):
            event.sudo().write({"seal_hash": "f" * 64})
        # Forced in SQL, a sent event without seal is reported.
        self.env.cr.execute(
            "UPDATE account_relance_event SET state = 'sent' WHERE id = %s", [event.id]
        )
        findings = self._check()
        self.assertEqual(self._codes(findings), {"unsealed"})

    def test_cancellation_is_appended(self):
        events = self._chain()
        target = events[1]
        seal = target.seal_hash
        target.action_cancel(reason="Adresse erronée")
        self.assertEqual(target.state, "cancelled")
        self.assertEqual(target.seal_hash, seal, "the original seal is kept")
        self.assertEqual(target.cancel_seal_sequence, 7)
        self.assertEqual(target.cancel_seal_previous_hash, events[-1].seal_hash)
        content = json.loads(target.cancel_seal_payload)["content"]
        self.assertEqual(content["cancel_reason"], "Adresse erronée")
        self.assertEqual(content["sealed_hash"], seal)
        self.assertEqual(self._check(), [])
        nxt = self._run(30).filtered(lambda e: e.state == "sent")
        if nxt:
            self.assertEqual(nxt[0].seal_previous_hash, target.cancel_seal_hash)
        with self.assertRaises(UserError):
            target.sudo().write({"cancel_reason": "other"})
        self.env.cr.execute(
            "UPDATE account_relance_event SET cancel_reason = 'x' WHERE id = %s",
            [target.id],
        )
        findings = self._check()
        self.assertEqual(self._codes(findings), {"altered"})
        self.env.cr.execute(
            "UPDATE account_relance_event SET state = 'sent', cancel_reason = %s "
            "WHERE id = %s",
            ["Adresse erronée", target.id],
        )
        self.assertEqual(self._codes(self._check()), {"state"})

    def test_audit_report(self):
        events = self._chain()
        report = "account_relance_fr.action_report_relance_audit_partner"
        Report = self.env["ir.actions.report"]
        html = Report._render_qweb_html(report, self.customer.ids)[0].decode()
        mine = events.filtered(lambda e: e.partner_id == self.customer)
        self.assertEqual(len(mine), 3)
        for event in mine:
            self.assertIn(event.name, html)
            self.assertIn(event.seal_hash, html)
        self.assertNotIn(
            events.filtered(lambda e: e.partner_id == self.other_customer)[0].name,
            html,
        )
        sha = hashlib.sha256(mine[0].attachment_ids[0].raw).hexdigest()
        self.assertIn(sha, html)
        self.assertIn("Reminder chain intact", html)
        html = Report._render_qweb_html(
            "account_relance_fr.action_report_relance_audit_move", self.invoice.ids
        )[0].decode()
        self.assertIn(self.invoice.name, html)
        self.assertIn(mine[-1].seal_hash, html)
        self.env.cr.execute(
            "UPDATE account_relance_event SET interest_total = 0 WHERE id = %s",
            [mine[0].id],
        )
        html = Report._render_qweb_html(
            "account_relance_fr.action_report_relance_audit_event", mine.ids
        )[0].decode()
        self.assertIn("Reminder chain ALTERED", html)
        self.assertIn("interest_total", html)
        action = mine.action_audit_check_integrity()
        self.assertEqual(action["report_type"], "qweb-html")
        html = Report._render_qweb_html(action["report_name"], self.company.ids)[
            0
        ].decode()
        self.assertIn("ALTERED", html)
        from odoo.addons.base.models.ir_actions_report import wkhtmltopdf_state

        if wkhtmltopdf_state not in ("ok", "upgrade"):
            return
        # The test server cannot serve wkhtmltopdf's style sheet requests while
        # the test thread holds the registry: a closed port avoids waiting forever.
        self.env["ir.config_parameter"].sudo().set_param(
            "report.url", "http://127.0.0.1:9"
        )
        pdf, kind = Report.with_context(force_report_rendering=True)._render_qweb_pdf(
            report, self.customer.ids
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))

    def test_spreadsheet_export(self):
        events = self._chain()
        action = self.env["account.relance.history.xlsx"]._export_action(self.customer)
        self.assertEqual(action["type"], "ir.actions.act_url")
        attachment_id = int(action["url"].split("/")[3].split("?")[0])
        attachment = self.env["ir.attachment"].browse(attachment_id)
        book = load_workbook(io.BytesIO(base64.b64decode(attachment.datas)))
        self.assertEqual(
            book.sheetnames,
            [
                "Reminders",
                "Invoices",
                "Documents",
                "Integrity",
            ],
        )
        rows = list(book["Reminders"].iter_rows(values_only=True))
        mine = events.filtered(lambda e: e.partner_id == self.customer)
        self.assertEqual(
            [row[2] for row in rows[1:]], mine.sorted("date").mapped("name")
        )
        self.assertEqual({row[18] for row in rows[1:]}, set(mine.mapped("seal_hash")))
        lines = list(book["Invoices"].iter_rows(values_only=True))
        self.assertEqual(len(lines) - 1, len(mine.line_ids))
        self.assertEqual({row[2] for row in lines[1:]}, {self.invoice.name})
        integrity = list(book["Integrity"].iter_rows(values_only=True))
        self.assertEqual(integrity[1][4], "ok")
        docs = list(book["Documents"].iter_rows(values_only=True))
        self.assertEqual(len(docs) - 1, len(mine.attachment_ids))
        action = mine.action_audit_export_xlsx()
        self.assertIn("/web/content/", action["url"])
