# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The styled PDF: wkhtmltopdf loads the report style sheets from the server.

The text tests (test_relance_documents) point wkhtmltopdf to a closed port, so
their PDFs are built without any style sheet. Here the test server answers
(HttpCase), so the mise en demeure is rendered as in production."""

import io
import os
from datetime import date
from types import SimpleNamespace
from unittest import skipIf

from odoo.tests import HttpCase, tagged

from .common import RelanceCommon

try:
    from PyPDF2 import PdfReader
except ImportError:  # pragma: no cover - PyPDF2 is an Odoo dependency
    PdfReader = None


def _wkhtmltopdf_ok():
    from odoo.addons.base.models.ir_actions_report import wkhtmltopdf_state

    return wkhtmltopdf_state in ("ok", "upgrade")


def _pdf_fonts(content):
    """Base names of the fonts the pages of a PDF use."""
    fonts = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        resources = page.get("/Resources")
        resources = resources.get_object() if resources else {}
        page_fonts = resources.get("/Font")
        page_fonts = page_fonts.get_object() if page_fonts else {}
        for font in page_fonts.values():
            fonts.add(str(font.get_object().get("/BaseFont")))
    return fonts


@tagged("post_install", "-at_install")
@skipIf(PdfReader is None, "PyPDF2 is needed to read the PDF")
class TestRelanceDocumentsStyled(RelanceCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref("base.EUR").active = True
        cls.company.currency_id = cls.env.ref("base.EUR")
        cls._invoice(cls.customer, 15000.0)
        lines = cls.env["account.move.line"].search(
            [
                ("partner_id", "=", cls.customer.id),
                ("account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
            ]
        )
        decision = SimpleNamespace(covered_items=lines.ids, item_levels={})
        Event = cls.env["account.relance.event"]
        vals = Event._prepare_event_vals(
            cls.company, cls.customer, cls.levels[4], decision, date(2026, 3, 31)
        )
        cls.event = Event._trusted().create(vals)
        cls.report = cls.env.ref(
            "account_relance_fr.action_report_relance_formal_notice"
        )

    def setUp(self):
        super().setUp()
        if not _wkhtmltopdf_ok():
            self.skipTest("wkhtmltopdf is not available")
        self.served = []
        Binary = self.env.registry["ir.binary"]
        original = Binary._get_stream_from

        def spy(binary, record, *args, **kwargs):
            stream = original(binary, record, *args, **kwargs)
            if record._name == "ir.attachment":
                self.served.append((record.name, stream.mimetype, stream.size))
            return stream

        self.patch(Binary, "_get_stream_from", spy)

    def _render(self, report_url):
        self.env["ir.config_parameter"].sudo().set_param("report.url", report_url)
        content, kind = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(self.report, self.event.ids)
        )
        self.assertEqual(kind, "pdf")
        keep = os.environ.get("RELANCE_PDF_DIR")
        if keep:  # keep the PDFs for a visual check
            name = "styled" if report_url == self.base_url() else "unstyled"
            with open(os.path.join(keep, f"notice_{name}.pdf"), "wb") as handle:
                handle.write(content)
        return content

    def test_styled_formal_notice_loads_the_report_style_sheets(self):
        unstyled = self._render("http://127.0.0.1:9")
        self.assertFalse(self.served)
        styled = self._render(self.base_url())
        # wkhtmltopdf asked the server for the report style sheet (bootstrap
        # and the report layout) and got it.
        style_sheets = {
            name: size
            for name, mimetype, size in self.served
            if mimetype == "text/css" and "report_assets" in name
        }
        self.assertIn("web.report_assets_common.min.css", style_sheets, self.served)
        self.assertGreater(
            style_sheets["web.report_assets_common.min.css"],
            50_000,
            "bootstrap and the report layout are in it",
        )
        # Only the style sheet sets the font: without it, wkhtmltopdf falls back
        # on the system's default font, which the styled PDF must not use.
        # (With a wkhtmltopdf on unpatched Qt, the web font is drawn as outlines
        # and the styled PDF has no font at all.)
        fallback = _pdf_fonts(unstyled)
        self.assertTrue(fallback, "the unstyled PDF carries the fallback font")
        self.assertFalse(
            fallback & _pdf_fonts(styled),
            "the styled PDF still uses the fallback font: CSS not applied",
        )
