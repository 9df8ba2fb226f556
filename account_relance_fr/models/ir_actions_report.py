# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import functools
import io
import logging
import re
import subprocess

import lxml.html

from odoo import api, models
from odoo.exceptions import AccessError
from odoo.tools.pdf import PdfFileReader, PdfFileWriter

from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin

_logger = logging.getLogger(__name__)

RENDER_BATCH_SIZE = 50
_BLANKS = re.compile(r"\s+")
# The reports of the addon (letters, formal notices, statements, audits).
RELANCE_REPORTS = "account_relance_fr."
# A style sheet of an asset bundle, as Odoo links it in a report's head.
_BUNDLE_LINK = re.compile(
    r'<link\b[^>]*href="/web/assets/[^"/]*/?(?P<bundle>[\w.]+?)(?:\.rtl)?\.min\.css"[^>]*/?>'
)
_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}")
# An empty image address (a layout without background image) makes wkhtmltopdf
# fetch the base URL, the server itself.
_EMPTY_URL = re.compile(r"""url\(\s*(['"]?)\s*\1\s*\)""")
# Fonts every Debian/Ubuntu server has (fonts-dejavu, fonts-liberation), found
# by fontconfig: wkhtmltopdf embeds them as text, whatever its Qt build (web
# fonts are drawn as outlines by a wkhtmltopdf on unpatched Qt: no text layer,
# 1 MB a page).
LETTER_FONTS = '"Liberation Sans", "DejaVu Sans", Arial, sans-serif'
_LETTER_STYLE = (
    "<style>body, body * { font-family: %s !important; }</style>" % LETTER_FONTS
)


@functools.cache
def _wkhtmltopdf_has_patched_qt():
    """Only a wkhtmltopdf built with patched Qt prints several HTML documents
    into one PDF (and writes the outlines Odoo splits it on)."""
    try:
        version = subprocess.run(
            [_get_wkhtmltopdf_bin(), "--version"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "patched qt" in version.lower()


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    @api.model
    def _relance_render_batch(self, report, records, marker):
        """``{record id: PDF bytes}`` of ``report`` for ``records``, with one
        wkhtmltopdf process per ``RENDER_BATCH_SIZE`` records.

        Odoo splits a multi-record PDF on its outlines, which only a wkhtmltopdf
        built with patched Qt writes. Otherwise the pages are split here on
        ``marker(record)``, a text each document prints on its first page and no
        other document of the batch prints; a batch that cannot be split for
        sure is rendered record by record.

        Every document rendered here (letters, invoice copies sent with the
        reminders) is self-contained, see ``_relance_self_contained``."""
        self = self.with_context(relance_self_contained=True)
        pdfs = {}
        for start in range(0, len(records), RENDER_BATCH_SIZE):
            chunk = records[start : start + RENDER_BATCH_SIZE]
            pdfs.update(self._relance_render_chunk(report, chunk, marker))
        return pdfs

    # ------------------------------------------------- access to the reports

    @api.model
    def _relance_check_report_access(self, report_ref, res_ids):
        """The reports of this addon check who prints them before anything is
        read (several read as superuser: the sealed letter, the chain): the
        report's groups, then read access to every printed record (rights and
        company rules), and for a company's chain, that company among the
        user's current companies. ``/report/<converter>/...`` checks none of
        this itself."""
        if self.env.su:
            return
        report = self._get_report(report_ref)
        if not (report.report_name or "").startswith("account_relance_fr."):
            return
        user = self.env.user
        if report.groups_id and not (report.groups_id & user.groups_id):
            raise AccessError(
                self.env._(
                    "You are not allowed to print %(report)s.", report=report.name
                )
            )
        records = self.env[report.model].browse(res_ids or [])
        records.check_access("read")
        if report.model == "res.company" and records - self.env.companies:
            raise AccessError(
                self.env._(
                    "You can only print %(report)s for your current companies.",
                    report=report.name,
                )
            )

    @api.model
    def _render_qweb_html(self, report_ref, docids, data=None):
        # EXTEND 'base': this addon's reports check access first.
        self._relance_check_report_access(report_ref, docids)
        return super()._render_qweb_html(report_ref, docids, data=data)

    @api.model
    def _render_qweb_text(self, report_ref, docids, data=None):
        # EXTEND 'base': this addon's reports check access first.
        self._relance_check_report_access(report_ref, docids)
        return super()._render_qweb_text(report_ref, docids, data=data)

    def _pre_render_qweb_pdf(self, report_ref, res_ids=None, data=None):
        # EXTEND 'base': this addon's reports check access first, before a
        # sealed letter is returned from its attachment.
        self._relance_check_report_access(
            report_ref, [res_ids] if isinstance(res_ids, int) else res_ids
        )
        return super()._pre_render_qweb_pdf(report_ref, res_ids=res_ids, data=data)

    def retrieve_attachment(self, record):
        # EXTEND 'base': the document a sealed reminder returns is the letter
        # its seal records, not any attachment of the reminder with that name.
        attachment = super().retrieve_attachment(record)
        if attachment is not None and record._name == "account.relance.event":
            attachment = record._relance_sealed_letter()
        return attachment

    def _prepare_pdf_report_attachment_vals_list(self, report, streams):
        # EXTEND 'base': only the sending stores a reminder's letter (the one
        # it seals); printing a reminder never creates an attachment.
        if report.model == "account.relance.event":
            return []
        return super()._prepare_pdf_report_attachment_vals_list(report, streams)

    def _render_qweb_pdf_prepare_streams(self, report_ref, data, res_ids=None):
        # EXTEND 'base': several reminders printed at once (letters to post,
        # bulk print) go through one wkhtmltopdf process, whatever its build.
        # The addon's documents are self-contained (see _relance_self_contained).
        report = self._get_report(report_ref)
        if report.model == "account.relance.event" and len(set(res_ids or [])) > 1:
            self = self.with_context(relance_one_document=True)
        if (report.report_name or "").startswith(RELANCE_REPORTS):
            self = self.with_context(relance_self_contained=True)
        return super()._render_qweb_pdf_prepare_streams(
            report_ref, data, res_ids=res_ids
        )

    def _run_wkhtmltopdf(self, bodies, *args, **kwargs):
        # EXTEND 'base': without patched Qt, wkhtmltopdf fails on several HTML
        # documents; the reminders' batches are printed as one document, one
        # record after the other from a new page, then split again.
        if (
            self.env.context.get("relance_one_document")
            and len(bodies) > 1
            and not _wkhtmltopdf_has_patched_qt()
        ):
            bodies = [self._relance_merge_bodies(bodies)]
        if self.env.context.get("relance_self_contained"):
            bodies = [self._relance_self_contained(body) for body in bodies]
            for key in ("header", "footer"):
                if kwargs.get(key):
                    kwargs[key] = self._relance_self_contained(kwargs[key])
        return super()._run_wkhtmltopdf(bodies, *args, **kwargs)

    @api.model
    def _relance_self_contained(self, html):
        """``html`` with its report style sheets written in it and the letters'
        fonts set: wkhtmltopdf fetches nothing from the server.

        A document rendered where the server cannot be reached from itself
        (during the installation, behind a proxy, a wrong ``report.url``) is
        styled all the same, and its text stays text (``LETTER_FONTS``)."""
        css_cache = {}

        def inline(match):
            bundle = match.group("bundle")
            if bundle not in css_cache:
                css_cache[bundle] = self._relance_bundle_css(bundle)
            css = css_cache[bundle]
            return match.group(0) if css is None else f"<style>{css}</style>"

        html = _EMPTY_URL.sub("none", _BUNDLE_LINK.sub(inline, html))
        head_end = html.find("</head>")
        if head_end < 0:
            return _LETTER_STYLE + html
        return html[:head_end] + _LETTER_STYLE + html[head_end:]

    @api.model
    def _relance_bundle_css(self, bundle):
        """The CSS of the asset bundle ``bundle`` without its web fonts (the
        letters use the server's fonts), or None when it cannot be read."""
        try:
            asset = self.env["ir.qweb"]._get_asset_bundle(bundle, js=False)
            attachments = asset.css()
        except (ValueError, KeyError):
            _logger.info("Report style sheet %s not inlined", bundle, exc_info=True)
            return None
        css = "".join(
            (attachment.raw or b"").decode("utf-8", "replace")
            for attachment in attachments
        )
        if not css:
            return None
        # "</style" inside the CSS would end the element early.
        return _FONT_FACE.sub("", css).replace("</style", "<\\/style")

    @api.model
    def _relance_merge_bodies(self, bodies):
        """One HTML document holding the content of ``bodies``, each from a new
        page (they share the same head: same report, same assets)."""
        documents = [lxml.html.document_fromstring(body) for body in bodies]
        first_body = documents[0].body
        for document in documents[1:]:
            page = lxml.html.Element("div", style="page-break-before: always;")
            page.extend(list(document.body))
            first_body.append(page)
        return lxml.html.tostring(
            documents[0], encoding="unicode", doctype="<!DOCTYPE html>"
        )

    @api.model
    def _relance_render_chunk(self, report, records, marker):
        if len(records) > 1:
            # Odoo's own switch: PDF streams, or HTML when tests do not ask for
            # real rendering (then each record is rendered alone below).
            streams, kind = self.with_context(
                relance_one_document=True
            )._pre_render_qweb_pdf(report, res_ids=records.ids)
            if kind == "pdf":
                pdfs = self._relance_streams_by_record(streams, records, marker)
                if pdfs:
                    return pdfs
                _logger.info(
                    "Batch of %s documents could not be split; rendering one by one.",
                    len(records),
                )
        return {
            record.id: self._render_qweb_pdf(report, record.ids)[0]
            for record in records
        }

    @api.model
    def _relance_streams_by_record(self, streams, records, marker):
        """``{record id: PDF bytes}`` from Odoo's streams, split on the markers
        when Odoo returned one combined PDF; ``{}`` if a record is missing."""
        pdfs = {
            res_id: value["stream"].getvalue()
            for res_id, value in streams.items()
            if res_id and value.get("stream")
        }
        combined = streams.get(False, {}).get("stream")
        if combined and not pdfs:
            pdfs = self._relance_split_on_markers(combined.getvalue(), records, marker)
        return pdfs if all(record.id in pdfs for record in records) else {}

    @api.model
    def _relance_split_on_markers(self, content, records, marker):
        """Split ``content`` before the first page showing each record's marker;
        ``{}`` unless every marker starts a page in the records' order."""
        reader = PdfFileReader(io.BytesIO(content), strict=False)
        pages = [_BLANKS.sub("", page.extract_text() or "") for page in reader.pages]
        starts = []
        for record in records:
            needle = _BLANKS.sub("", marker(record))
            found = [index for index, text in enumerate(pages) if needle in text]
            if len(found) != 1:
                return {}
            starts.append(found[0])
        if starts[0] != 0 or starts != sorted(set(starts)):
            return {}
        pdfs = {}
        for record, first, end in zip(
            records, starts, [*starts[1:], len(pages)], strict=True
        ):
            writer = PdfFileWriter()
            for index in range(first, end):
                writer.addPage(reader.getPage(index))
            stream = io.BytesIO()
            writer.write(stream)
            pdfs[record.id] = stream.getvalue()
        return pdfs
