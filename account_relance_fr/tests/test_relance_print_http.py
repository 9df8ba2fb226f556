# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Every print action of the addon, downloaded over HTTP as the web client does.

The web client prints a PDF report by downloading ``/report/pdf/<report_name>/
<ids>`` (posted to ``/report/download``, which calls the same route handler):
the server finds the action by its ``report_name`` only, so each action must
have its own. The test discovers the addon's actions through their xml ids, so a
new one is covered without touching the test."""

import hashlib
import json
import shutil
import subprocess
from unittest import skipIf

import lxml.html

from odoo.tests import HttpCase, new_test_user, tagged

from .common import RelanceCommon

MODULE = "account_relance_fr"
AUDITOR_LOGIN = "relance_http_auditor"
AUDITOR_PASSWORD = "relance_http_auditor"
# The audit history says whose history it is: "<kind>: <name>" (one label per
# model of the printed records, see ``_history_sections``).
AUDIT_SUBJECT = {
    "res.partner": "Customer",
    "account.move": "Invoice",
    "account.relance.event": "Selection",
    "res.company": "Company",
}
# Pieces of the litigation file: not printed alone (see the test below).
LITIGATION_FILE_REPORTS = (
    "account_relance_fr.report_relance_litigation_request",
    "account_relance_fr.report_relance_litigation_bordereau",
)


@tagged("post_install", "-at_install")
@skipIf(not shutil.which("pdftotext"), "pdftotext (poppler-utils) reads the PDF text")
class TestRelancePrintHttp(RelanceCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.auditor = new_test_user(
            cls.env,
            AUDITOR_LOGIN,
            password=AUDITOR_PASSWORD,
            groups="account.group_account_readonly",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.invoice = cls._invoice(cls.customer, 1200.0)

    def setUp(self):
        super().setUp()
        # wkhtmltopdf loads the report style sheets from ``report.url``, i.e.
        # from this test server. While a /report/pdf request renders, its thread
        # holds the test cursor, so the server cannot answer wkhtmltopdf's
        # requests: tried here, each print hung until the client timed out.
        # And Debian's wkhtmltopdf (unpatched Qt) draws the styled web font as
        # outlines: a styled PDF has no text layer for pdftotext (see README,
        # "Tests render the documents"). A closed port leaves the PDF unstyled,
        # in a system font with a text layer; its text is the same.
        self._print_with_closed_style_server()
        # Documents rendered during the test (the letter a reminder sends) are
        # real PDFs, as in production, not Odoo's HTML stand-in for tests.
        self.env = self.env(context=dict(self.env.context, force_report_rendering=True))

    # ------------------------------------------------------------ helpers

    def _sealed_reminder(self):
        """A courteous reminder sent by email with its letter, sealed."""
        self.levels[0].attach_letter = True  # email levels attach no letter by default
        event = self._run(1, partners=self.customer)
        self.assertEqual(event.state, "sent")
        self.assertTrue(event.seal_hash)
        self.assertTrue(event._letter_attachment())
        return event

    def _print(self, report_name, records, lang="en_US"):
        """``/report/pdf/<report_name>/<ids>`` as the logged-in user downloads it.

        The context travels as the route's ``context`` query parameter (JSON),
        as the web client sends the user's context. ``force_report_rendering``
        is added because, while tests run, Odoo's ``_render_qweb_pdf`` returns
        the report's HTML instead of calling wkhtmltopdf unless the context asks
        for the real rendering (``_pre_render_qweb_pdf``)."""
        context = {
            "lang": lang,
            "tz": "Europe/Paris",
            "uid": self.auditor.id,
            "allowed_company_ids": [self.company.id],
            "force_report_rendering": True,
        }
        ids = ",".join(str(record_id) for record_id in records.ids)
        response = self.url_open(
            f"/report/pdf/{report_name}/{ids}?context={json.dumps(context)}",
            timeout=60,
        )
        self.assertEqual(
            response.status_code, 200, (report_name, self._error_text(response))
        )
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertTrue(response.content.startswith(b"%PDF"), report_name)
        return response.content

    @staticmethod
    def _error_text(response):
        """The message of Odoo's error page, for the assertion's message."""
        try:
            text = lxml.html.fromstring(response.content).text_content()
        except (lxml.etree.ParserError, ValueError):
            text = response.text
        return " ".join(text.split())[-600:]

    def _pdf_text(self, content):
        text = subprocess.run(
            ["pdftotext", "-layout", "-", "-"],
            input=content,
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout.decode()
        for space in ("\u202f", "\xa0"):
            text = text.replace(space, " ")
        return " ".join(text.split())

    def _module_reports(self):
        """Every ``ir.actions.report`` of the addon, found by its xml id."""
        data = self.env["ir.model.data"].search(
            [("module", "=", MODULE), ("model", "=", "ir.actions.report")]
        )
        return self.env["ir.actions.report"].browse(data.mapped("res_id"))

    # -------------------------------------------------------------- tests

    def test_every_print_action_over_http(self):
        event = self._sealed_reminder()
        self.assertIn(self.invoice, event.line_ids.move_id)
        subjects = {
            "account.relance.event": (event, event.name),
            "res.partner": (self.customer, self.customer.name),
            "account.move": (self.invoice, self.invoice.name),
            "res.company": (self.company, self.company.name),
        }
        reports = self._module_reports()
        self.assertGreaterEqual(len(reports), 7, reports.mapped("report_name"))
        self.authenticate(AUDITOR_LOGIN, AUDITOR_PASSWORD)
        for report in reports:
            with self.subTest(report=report.report_name, model=report.model):
                self.assertIn(
                    report.model, subjects, "add a record of this model to the test"
                )
                record, name = subjects[report.model]
                if report.report_name in LITIGATION_FILE_REPORTS:
                    # Pieces of the litigation file, rendered while it is
                    # built only: printed alone, they are refused (to the
                    # auditor already by the report's groups).
                    response = self.url_open(
                        f"/report/pdf/{report.report_name}/{record.id}", timeout=60
                    )
                    self.assertNotEqual(response.status_code, 200)
                    self.assertRegex(
                        self._error_text(response),
                        "part of the litigation file|You are not allowed to print",
                    )
                    continue
                text = self._pdf_text(self._print(report.report_name, record))
                self.assertIn(name, text)
                if "report_relance_audit" in report.report_name:
                    self.assertIn(f"{AUDIT_SUBJECT[report.model]}: {name}", text)
        self.assertEqual(
            len(set(reports.mapped("report_name"))),
            len(reports),
            "one report name per action: the web client finds actions by name",
        )

    def test_reprint_is_the_sealed_document(self):
        event = self._sealed_reminder()
        letter = event._letter_attachment()
        sealed = hashlib.sha256(letter.raw).hexdigest()
        self.assertIn(
            {"id": letter.id, "sha256": sealed, "size": len(letter.raw)},
            json.loads(event.seal_payload)["content"]["documents"],
        )
        attachments = self.env["ir.attachment"].search_count([])
        self.authenticate(AUDITOR_LOGIN, AUDITOR_PASSWORD)
        letter_report = "account_relance_fr.report_relance_letter"
        first = self._print(letter_report, event)
        self.assertEqual(hashlib.sha256(first).hexdigest(), sealed)
        self.assertEqual(first, letter.raw)
        self.assertEqual(self._print(letter_report, event), first, "printed twice")
        self.env["res.lang"]._activate_lang("fr_FR")
        self.auditor.lang = "fr_FR"
        self.assertEqual(self._print(letter_report, event, lang="fr_FR"), first)
        # Whichever letter action is used, a sealed reminder prints what it sent.
        notice_report = "account_relance_fr.report_relance_formal_notice"
        self.assertEqual(self._print(notice_report, event), first)
        # An unsent reminder prints a fresh preview, which nothing stores.
        self.levels[0].send_mode = "review"
        self._invoice(self.other_customer, 700.0)
        pending = self._run(1, partners=self.other_customer)
        self.assertEqual(pending.state, "to_review")
        self.assertFalse(pending.sealed_letter_sha256)
        preview = self._print(letter_report, pending)
        self.assertIn(pending.name, self._pdf_text(preview))
        self.assertNotIn(
            hashlib.sha256(preview).hexdigest(), pending.document_fingerprints or ""
        )
        self.assertEqual(
            self.env["ir.attachment"].search_count([]),
            attachments,
            "printing never stores a document",
        )
        self.assertEqual(event.sealed_letter_sha256, sealed)
        self.assertEqual(self.company._relance_check_integrity(), [])
