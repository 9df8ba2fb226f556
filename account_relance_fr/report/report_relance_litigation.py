# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models
from odoo.exceptions import UserError

from .relance_document import LEGAL_BASIS


class ReportRelanceLitigationRequest(models.AbstractModel):
    """The prepared request of the litigation file (``01-requete.pdf``):
    rendered only while the file is built, with the figures of that file."""

    _name = "report.account_relance_fr.report_relance_litigation_request"
    _description = "Litigation file: prepared request"

    @api.model
    def _get_report_values(self, docids, data=None):
        values = (data or {}).get("relance_litigation")
        if not values:
            raise UserError(
                self.env._(
                    "This document is part of the litigation file: use Prepare the litigation file on the customer."
                )
            )
        docs = self.env["res.partner"].browse(docids)
        return {
            "doc_ids": docs.ids,
            "doc_model": "res.partner",
            "docs": docs,
            "lit": values,
            "company": values["company"],
            "legal_basis": LEGAL_BASIS[values["debtor_type"]],
        }


class ReportRelanceLitigationBordereau(models.AbstractModel):
    """The numbered list of pieces of the litigation file (``00-bordereau.pdf``)."""

    _name = "report.account_relance_fr.report_relance_litigation_bordereau"
    _inherit = "report.account_relance_fr.report_relance_litigation_request"
    _description = "Litigation file: list of pieces"
