# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A heading of a letter never ends a page alone: the letters are rendered
by the wkhtmltopdf of this machine (Debian's is built on unpatched Qt) with
more and more text before the heading, so that in one of them it falls at
the bottom of the first page, and each page is read with ``pdftotext``.

Rendered once without the letter's page-break styles, the same letters do
leave the heading alone at the bottom of a page: the test sees the case it
guards against, and what prevents it."""

import os
import shutil
import subprocess
import tempfile
from datetime import date
from unittest import skipIf

from markupsafe import Markup

from odoo.tests import tagged

from .common import RelanceCommon, load_french

# The sweep: from no extra paragraph to enough to push the heading to the
# second page, one paragraph (about one line) at a time.
PARAGRAPHS = range(0, 34)
EARLIER_HEADING = "Nos relances précédentes :"
PENALTIES_HEADING = "Calcul des pénalités de retard"
HEADINGS = (EARLIER_HEADING, PENALTIES_HEADING)
# The words of the tables' header rows (the invoices, the earlier reminders,
# the periods of interest): a page ending with a line made of them only ends
# with a header without its rows.
HEADER_WORDS = (
    {"Facture", "Date", "Échéance", "Montant", "TTC", "Réglé", "Restant", "dû"}
    | {"Jours", "de", "retard"},
    {"Date", "Référence", "Relance", "Envoyée", "par"},
    {"De", "À", "Jours", "Semestre", "Principal", "Taux", "annuel", "Intérêts"},
)


def _pages(content):
    """The text lines of each page of a PDF (``pdftotext -f N -l N``)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "letters.pdf")
        with open(path, "wb") as handle:
            handle.write(content)
        info = subprocess.run(
            ["pdfinfo", path], capture_output=True, text=True, check=True
        ).stdout
        count = int(info.split("Pages:")[1].split()[0])
        pages = []
        for number in range(1, count + 1):
            text = subprocess.run(
                [
                    "pdftotext",
                    "-layout",
                    "-f",
                    str(number),
                    "-l",
                    str(number),
                    path,
                    "-",
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            pages.append(
                [" ".join(line.split()) for line in text.splitlines() if line.strip()]
            )
        return pages


def _is_header(line):
    words = set(line.split())
    return any(words <= header for header in HEADER_WORDS)


def _is_heading(line, headings):
    # "Facture FAC/2026/00001": the heading of one invoice's computation.
    return line in headings or (
        line.startswith("Facture ") and len(line.split()) == 2 and "/" in line
    )


def _orphans(pages, headings=HEADINGS):
    """``[(page number, last lines)]`` of the pages that end with a heading
    or a table header without any row after it."""
    found = []
    for number, lines in enumerate(pages, 1):
        index = len(lines) - 1
        while index >= 0 and _is_header(lines[index]):
            index -= 1
        header_alone = index < len(lines) - 1
        if header_alone or (index >= 0 and _is_heading(lines[index], headings)):
            found.append((number, lines[max(index, 0) :]))
    return found


@tagged("post_install", "-at_install")
@skipIf(
    not (shutil.which("pdftotext") and shutil.which("pdfinfo")),
    "pdftotext and pdfinfo (poppler-utils) read the pages",
)
class TestRelancePageBreaks(RelanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_french(cls.env)
        cls.customer.lang = "fr_FR"
        cls.report_letter = cls.env.ref(
            "account_relance_fr.action_report_relance_letter"
        )
        cls.report_notice = cls.env.ref(
            "account_relance_fr.action_report_relance_formal_notice"
        )

    def setUp(self):
        super().setUp()
        self._print_with_closed_style_server()

    def _letters(self, level, day, paragraphs):
        """One reminder of the customer at ``level`` per count of extra
        paragraphs (its message, printed before the invoices)."""
        vals = self._unsent_vals(level, day)
        return (
            self.env["account.relance.event"]
            ._trusted()
            .create(
                [
                    dict(
                        vals,
                        body=Markup("").join(
                            Markup("<p>Paragraphe %s du message.</p>") % (index + 1)
                            for index in range(count)
                        ),
                    )
                    for count in paragraphs
                ]
            )
        )

    def _render(self, report, events):
        content, kind = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(report, events.ids)
        )
        self.assertEqual(kind, "pdf")
        keep = os.environ.get("RELANCE_PDF_DIR")
        if keep:  # keep the PDF for a visual check
            name = f"{self._testMethodName}_{len(self._unprotected_views)}.pdf"
            with open(os.path.join(keep, name), "wb") as handle:
                handle.write(content)
        return _pages(content)

    _unprotected_views = ()

    def _without_page_break_styles(self, *xmlids):
        """The templates ``xmlids`` without their page-break styles."""
        self._unprotected_views = xmlids
        for xmlid in xmlids:
            view = self.env.ref(xmlid)
            arch = view.arch_db
            for style in ("page-break-inside: avoid;", "page-break-after: avoid;"):
                arch = arch.replace(style, "")
            self.assertNotEqual(arch, view.arch_db, xmlid)
            view.arch_db = arch

    def _sent_earlier_reminders(self):
        """The courteous and second reminders of the ladder, sent."""
        self._invoice(self.customer, 1200.0)
        for days in (1, 10):
            self._run(days)
        sent = self.env["account.relance.event"].search(
            [("partner_id", "=", self.customer.id), ("state", "=", "sent")]
        )
        self.assertEqual(len(sent), 2)

    def test_earlier_reminders_heading_never_ends_a_page(self):
        self._sent_earlier_reminders()
        letters = self._letters(self.levels[3], date(2026, 4, 1), PARAGRAPHS)
        pages = self._render(self.report_letter, letters)
        self.assertTrue(
            any(lines and lines[0] == EARLIER_HEADING for lines in pages),
            "in one of the letters, the earlier reminders went to the next page",
        )
        self.assertFalse(_orphans(pages))

        # Without the styles, the same letters leave the heading alone.
        self._without_page_break_styles("account_relance_fr.relance_earlier_reminders")
        pages = self._render(self.report_letter, letters)
        self.assertTrue(
            _orphans(pages, [EARLIER_HEADING]),
            "the sweep puts the heading at the bottom of a page",
        )

    def test_penalties_and_invoices_headings_never_end_a_page(self):
        self._invoice(self.customer, 15000.0)
        notices = self._letters(self.levels[4], date(2026, 3, 31), PARAGRAPHS)
        pages = self._render(self.report_notice, notices)
        self.assertFalse(_orphans(pages))
        for first_line in (PENALTIES_HEADING, "Facture Date Échéance"):
            self.assertTrue(
                any(lines and lines[0].startswith(first_line) for lines in pages),
                f"in one of the notices, {first_line!r} went to the next page",
            )

        # Without the styles, a table header or heading ends a page.
        self._without_page_break_styles(
            "account_relance_fr.relance_invoice_table",
            "account_relance_fr.report_relance_formal_notice_body",
        )
        pages = self._render(self.report_notice, notices)
        self.assertTrue(_orphans(pages), "the sweep puts a heading at a page bottom")
