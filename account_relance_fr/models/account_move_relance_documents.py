# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The invoice PDFs a reminder attaches: the one Odoo stored on the invoice
when it was sent or printed for sending; rendered (in batches) and stored the
way Odoo stores it only for the invoices that have none yet."""

from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _relance_invoice_pdfs(self):
        """``{move id: ir.attachment}``: the invoice PDF Odoo keeps for each of
        these invoices (``invoice_pdf_report_id``, else the main attachment when
        it is a PDF of the invoice); those without one are rendered now, one
        wkhtmltopdf process per batch, and stored as Odoo's own invoice PDF so
        that every later reminder attaches the same document."""
        moves = self.sudo()
        pdfs = {}
        for move in moves:
            attachment = move.invoice_pdf_report_id or move.message_main_attachment_id
            if attachment and attachment.mimetype == "application/pdf":
                pdfs[move.id] = attachment
        missing = moves.filtered(lambda move: move.id not in pdfs)
        if missing:
            pdfs.update(missing._relance_store_invoice_pdfs())
        return pdfs

    def _relance_store_invoice_pdfs(self):
        """Render these invoices' PDFs at once and store each as the invoice's
        PDF (``invoice_pdf_report_file``), as sending the invoice does."""
        report = self.env.ref("account.account_invoices")
        contents = self.env["ir.actions.report"]._relance_render_batch(
            report, self, marker=lambda move: move.name
        )
        moves = self.filtered(lambda move: move.id in contents)
        attachments = self.env["ir.attachment"].create(
            [
                {
                    "name": move._get_invoice_report_filename(),
                    "raw": contents[move.id],
                    "mimetype": "application/pdf",
                    "res_model": move._name,
                    "res_id": move.id,
                    "res_field": "invoice_pdf_report_file",
                }
                for move in moves
            ]
        )
        for move, attachment in zip(moves, attachments, strict=True):
            if not move.message_main_attachment_id:
                move.message_main_attachment_id = attachment
        moves.invalidate_recordset(["invoice_pdf_report_id", "invoice_pdf_report_file"])
        return dict(zip(moves.ids, attachments, strict=True))
