# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import ValidationError

from .. import engine

RATE_MODES = [
    ("statutory", "Statutory rate (ECB + 10 points)"),
    ("fixed", "Contractual fixed rate"),
    ("3x_legal", "Contractual: 3 × legal interest rate"),
]


class ResCompany(models.Model):
    _inherit = "res.company"

    relance_rate_mode = fields.Selection(
        RATE_MODES,
        "Late-payment rate",
        default="statutory",
        required=True,
    )
    relance_contractual_rate_pct = fields.Float(
        "Contractual late-payment rate (%)", digits=(6, 4)
    )
    relance_below_floor_policy = fields.Selection(
        [
            ("raise_to_floor", "Raise to the floor (3 × legal rate)"),
            ("statutory_default", "Apply the statutory rate (ECB + 10 points)"),
        ],
        "Contractual rate below the floor",
        default="raise_to_floor",
        required=True,
    )
    relance_indemnity_amount = fields.Monetary(
        "Fixed recovery indemnity",
        default=float(engine.FIXED_INDEMNITY),
        currency_field="currency_id",
        help="Fixed recovery indemnity per late invoice (French Commercial Code D441-5): 40 €.",
    )
    relance_day_count = fields.Selection(
        [("ACT/365", "Actual/365 (Banque de France)"), ("ACT/ACT", "Actual/actual")],
        "Day count",
        default="ACT/365",
        required=True,
    )
    relance_payment_imputation = fields.Selection(
        [
            ("principal_first", "Principal first (usual practice)"),
            ("interest_first", "Interest first (Code civil 1343-1)"),
        ],
        "Partial payments",
        default="principal_first",
        required=True,
    )
    relance_creditor_kind = fields.Selection(
        [("company", "Company / professional"), ("individual", "Private individual")],
        "Creditor category for legal interest",
        default="company",
        required=True,
    )
    relance_interest_account_id = fields.Many2one(
        "account.account",
        "Late-interest income account",
        check_company=True,
        help="Income account of invoiced late-payment interest (e.g. 7631).",
    )
    relance_indemnity_account_id = fields.Many2one(
        "account.account",
        "Indemnity income account",
        check_company=True,
        help="Income account of the 40 € fixed indemnity (e.g. 7588).",
    )
    relance_invoice_legal_text = fields.Text(
        "Escompte conditions and extra invoice mentions",
        translate=True,
        help="Printed on customer invoices after the late-payment rate and the fixed "
        "indemnity, which are always printed. Leave empty to print the standard "
        "wording in the customer's language (no discount for early payment). "
        "Translatable: give each language its own text.",
    )
    relance_formal_notice_text = fields.Text(
        "Mise en demeure closing text",
        translate=True,
        help="Closing paragraph of the mise en demeure. Leave empty to print the "
        "standard wording in the customer's language (formal notice, then an "
        "application for an injonction de payer). Translatable: give each language "
        "its own text.",
    )
    # Legal identity printed on the letters (C. com. R123-237, L441-9): Odoo has
    # no legal-form, share-capital or trade-register field.
    relance_legal_form = fields.Char(
        "Legal form",
        help="Legal form printed after the company name on letters and formal "
        "notices, e.g. SAS, SASU, SARL, EURL, SA, SCI, EI.",
    )
    relance_share_capital = fields.Monetary(
        "Share capital",
        currency_field="currency_id",
        help='Capital social printed with the legal form ("SAS au capital de '
        '10 000 €"). Leave empty when the company has none (sole trader).',
    )
    relance_trade_register = fields.Char(
        "Trade register",
        help="Register and city of registration printed before the SIREN, e.g. "
        '"RCS Lyon" (or "RM" for a craftsman).',
    )

    relance_promise_max_days = fields.Integer(
        "Longest promise to pay (days)",
        default=15,
        help="On their statement page, customers may promise to pay an invoice "
        "within this many days; reminders stop until that date.",
    )

    @api.constrains("relance_promise_max_days")
    def _check_relance_promise_max_days(self):
        for company in self:
            if not 0 <= company.relance_promise_max_days <= 365:
                raise ValidationError(
                    self.env._("The longest promise to pay is 0 to 365 days.")
                )

    @api.model_create_multi
    def create(self, vals_list):
        # EXTEND 'base': every new company starts with the French reminder ladder.
        companies = super().create(vals_list)
        Policy = self.env["account.relance.policy"].sudo()
        for company in companies:
            Policy._create_french_policy(company)
        return companies

    def _relance_text_lang(self):
        """Language of the texts the reminders store (reasons, interest
        details): the user's, or the company's for the scheduled actions,
        which run as the superuser."""
        self.ensure_one()
        if self.env.uid == SUPERUSER_ID:
            return self.partner_id.lang or self.env.lang
        return self.env.lang

    # ---------------------------------------------------------- INTEGRITY

    def _relance_check_integrity(self):
        """Findings of the integrity check of this company's reminder chain
        (empty when intact), as Odoo's ``_check_hash_integrity`` does for
        journal entries; see ``account.relance.event._integrity_findings``."""
        self.ensure_one()
        return self.env["account.relance.event"]._integrity_findings(self)

    def _relance_integrity_summary(self):
        """The check's result, ready for reports and exports."""
        self.ensure_one()
        return self.env["account.relance.event"]._integrity_summary(self)
