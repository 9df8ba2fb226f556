# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Demo data only: the French creditor of the demo and its language."""

from odoo import Command, api, models

DEMO_LANG = "fr_FR"


class AccountRelancePolicy(models.Model):
    _inherit = "account.relance.policy"

    @api.model
    def _demo_french_language(self):
        """French active, with the French terms of the installed modules and of
        this addon (loaded now: the demo history is written in French before
        Odoo loads this addon's translations, after its demo data)."""
        lang = self.env["res.lang"].with_context(active_test=False)
        lang = lang.search([("code", "=", DEMO_LANG)])
        Module = self.env["ir.module.module"]
        modules = Module.search([("name", "=", "account_relance_fr")])
        if not lang.active:
            lang.active = True
            modules |= Module.search([("state", "=", "installed")])
        modules._update_translations(DEMO_LANG)

    @api.model
    def _demo_french_company(self, company):
        """The demo creditor keeps its books with the French chart (l10n_fr):
        its taxes, journals, fiscal positions, and the income accounts of the
        invoiced penalties; the administrator works in it."""
        if not company.chart_template:
            self.env["account.chart.template"]._load("fr", company, False)
        chart = self.env["account.chart.template"].with_company(company)
        company.partner_id.lang = DEMO_LANG
        company.write(
            {
                "relance_interest_account_id": chart.ref("pcg_7631").id,
                "relance_indemnity_account_id": chart.ref("pcg_758").id,
            }
        )
        admin = self.env.ref("base.user_admin")
        admin.write(
            {
                "company_ids": [Command.link(company.id)],
                "company_id": company.id,
                "lang": DEMO_LANG,
            }
        )
