# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The styled PDF: the letters carry their style sheets and use the server's
fonts, so that wkhtmltopdf fetches nothing and keeps a text layer.

The style sheets are written into the document (the server need not be
reachable from itself: installation, proxy, wrong ``report.url``), and the
fonts are fontconfig's Liberation/DejaVu, which every wkhtmltopdf build embeds
as text (a web font is drawn as outlines by a build on unpatched Qt: no text,
1 MB a page)."""

import io
import os
import re
from datetime import date
from unittest import skipIf

from odoo.tests import HttpCase, tagged

from .common import RelanceCommon, wkhtmltopdf_ok

try:
    from PyPDF2 import PdfReader
except ImportError:  # pragma: no cover - PyPDF2 is an Odoo dependency
    PdfReader = None


_BLANKS = re.compile(r"\s+")


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
        vals = cls._unsent_vals(cls.levels[4], date(2026, 3, 31))
        cls.event = cls.env["account.relance.event"]._trusted().create(vals)
        cls.report = cls.env.ref(
            "account_relance_fr.action_report_relance_formal_notice"
        )

    def setUp(self):
        super().setUp()
        if not wkhtmltopdf_ok():
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

    def test_styled_formal_notice_is_self_contained_with_a_text_layer(self):
        html = self.env["ir.actions.report"]._relance_self_contained(
            self.env["ir.actions.report"]
            ._render_qweb_html(self.report, self.event.ids)[0]
            .decode()
        )
        # Bootstrap and the report layout are in the document, not linked.
        self.assertNotIn('rel="stylesheet" href="/web/assets/', html)
        self.assertGreater(len(html), 100_000, "the style sheets are inlined")
        self.assertIn("Liberation Sans", html)
        for report_url in ("http://127.0.0.1:9", self.base_url()):
            content = self._render(report_url)
            # wkhtmltopdf asked the server for nothing, reachable or not.
            self.assertFalse(
                [served for served in self.served if served[1] == "text/css"],
                self.served,
            )
            fonts = _pdf_fonts(content)
            self.assertTrue(
                fonts and all("Liberation" in f or "DejaVu" in f for f in fonts),
                fonts,
            )
            # The text layer: what a reader (or pdftotext) finds in the PDF.
            text = _BLANKS.sub(
                " ",
                " ".join(
                    page.extract_text() or ""
                    for page in PdfReader(io.BytesIO(content)).pages
                ),
            )
            for expected in ("MISE EN DEMEURE", "Durand SARL", self.event.name):
                self.assertIn(expected, text)
            self.assertIn("15,000.00", text.replace("\u00a0", " "))
            # Small enough to be emailed: one page is far below 300 KB.
            self.assertLess(len(content), 300_000)
