# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The customer's statement page link: signed with the customer's access
token (as ``portal.mixin`` links are) for one company."""

import uuid
from urllib.parse import urlencode

from odoo import fields, models
from odoo.tools import consteq, hmac

STATEMENT_SCOPE = "account_relance_fr.statement"


class ResPartner(models.Model):
    _inherit = "res.partner"

    relance_access_token = fields.Char(
        "Statement access token",
        copy=False,
        groups="base.group_system",
        help="Secret of the signed links to the customer's statement page; "
        "clear it to revoke every link sent so far.",
    )

    def _relance_ensure_token(self):
        """The commercial partner's secret, created on first use."""
        self.ensure_one()
        partner = self.commercial_partner_id.sudo()
        if not partner.relance_access_token:
            partner.write({"relance_access_token": str(uuid.uuid4())})
        return partner.relance_access_token

    def _relance_statement_token(self, company):
        """Token of the statement page of this customer in ``company``: the
        signature binds the customer, the company and the customer's secret,
        so a token opens that one statement and nothing else."""
        self.ensure_one()
        partner = self.commercial_partner_id
        secret = partner._relance_ensure_token()
        return hmac(
            self.env(su=True), STATEMENT_SCOPE, (partner.id, company.id, secret)
        )

    def _relance_check_statement_token(self, company, token):
        """True when ``token`` opens this customer's statement in ``company``."""
        self.ensure_one()
        partner = self.commercial_partner_id.sudo()
        if not token or not isinstance(token, str) or partner != self.sudo():
            return False
        if not partner.relance_access_token:
            return False
        expected = hmac(
            self.env(su=True),
            STATEMENT_SCOPE,
            (partner.id, company.id, partner.relance_access_token),
        )
        return consteq(expected, token)

    def _relance_statement_path(self, company):
        self.ensure_one()
        partner = self.commercial_partner_id
        query = urlencode({"access_token": self._relance_statement_token(company)})
        return f"/relance/statement/{company.id}/{partner.id}?{query}"

    def _relance_statement_url(self, company):
        """Absolute URL of the statement page, for emails and letters."""
        self.ensure_one()
        return company.get_base_url() + self._relance_statement_path(company)

    def _relance_statement_lang(self):
        self.ensure_one()
        return (
            self.commercial_partner_id.lang
            or fields.first(
                self.env["res.lang"].sudo().search([("active", "=", True)])
            ).code
        )
