# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The link every reminder (email and letter) gives to the customer's
statement page."""

from odoo import fields, models


class AccountRelanceEvent(models.Model):
    _inherit = "account.relance.event"

    statement_url = fields.Char(
        "Statement page",
        compute="_compute_statement_url",
        help="Signed link to the customer's statement page (open invoices, pay "
        "online, dispute, promise to pay), printed in the email and the letter.",
    )

    def _compute_statement_url(self):
        for event in self:
            partner = event.partner_id.commercial_partner_id
            event.statement_url = (
                partner._relance_statement_url(event.company_id)
                if partner and event.company_id
                else False
            )
