# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The customer's declarations (disputes, promises to pay) in the history
printed for auditors: they are entries of the same sealed chain."""

from odoo import api, models


class AccountRelanceEvent(models.Model):
    _inherit = "account.relance.event"

    @api.model
    def _history_sections(self, docs):
        # EXTEND: each section of a customer or an invoice also lists what the
        # customer declared there, in that company.
        if docs._name == "res.partner" and len(docs) > 1:
            sections = []
            for partner in docs:
                sections += self._history_sections(partner)
            return sections
        sections = super()._history_sections(docs)
        Declaration = self.env["account.relance.declaration"].sudo()
        for section in sections:
            domain = [("company_id", "=", section["company"].id)]
            if section["move"]:
                domain.append(("move_id", "=", section["move"].id))
            elif docs._name == "res.partner":
                domain.append(("partner_id", "=", docs.commercial_partner_id.id))
            else:
                section["declarations"] = Declaration.browse()
                continue
            section["declarations"] = Declaration.search(
                domain, order="seal_sequence, id"
            )
        return sections
