# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _render_qweb_pdf_prepare_streams(self, report_ref, data, res_ids=None):
        # EXTEND 'base': the reminder letters are rendered one wkhtmltopdf run
        # per letter, then merged by Odoo into one PDF. A single run for several
        # documents needs a wkhtmltopdf built on a patched Qt; the builds of the
        # Linux distributions (unpatched Qt) exit with an empty file.
        if (
            not res_ids
            or len(set(res_ids)) < 2
            or not self._relance_is_letter(report_ref)
        ):
            return super()._render_qweb_pdf_prepare_streams(
                report_ref, data, res_ids=res_ids
            )
        streams = {}
        for res_id in dict.fromkeys(res_ids):
            streams.update(
                super()._render_qweb_pdf_prepare_streams(
                    report_ref, data, res_ids=[res_id]
                )
            )
        return streams

    def _relance_is_letter(self, report_ref):
        """A report some reminder level prints as its letter."""
        report = self._get_report(report_ref)
        return report.model == "account.relance.event" and bool(
            self.env["account.relance.level"]
            .sudo()
            .with_context(active_test=False)
            .search_count([("report_id", "=", report.id)], limit=1)
        )
