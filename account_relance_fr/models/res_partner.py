# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models

from .res_company import RATE_MODES

DEBTOR_TYPES = [
    ("company", "Professional (B2B)"),
    ("consumer", "Consumer (B2C)"),
    ("public", "Public buyer (B2G)"),
]
PUBLIC_BUYERS = [
    ("state", "State, local authority (30 days)"),
    ("hospital", "Public health institution (50 days)"),
    ("public_company", "Public company (60 days)"),
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    type = fields.Selection(
        selection_add=[("relance", "Reminder Address")],
        ondelete={"relance": "set default"},
    )
    relance_policy_id = fields.Many2one(
        "account.relance.policy",
        "Reminder policy",
        company_dependent=True,
        help="Overrides the company's default reminder policy for this customer.",
    )
    relance_blocked = fields.Boolean(
        "No reminders",
        company_dependent=True,
        help="Never send reminders to this customer in the current company.",
    )
    relance_debtor_type = fields.Selection(
        DEBTOR_TYPES,
        "Debtor type",
        compute="_compute_relance_debtor_type",
        store=True,
        readonly=False,
        precompute=True,
        recursive=True,
        help="Decides which late-payment law applies: Code de commerce (professional), "
        "Code civil (consumer) or Code de la commande publique (public buyer).",
    )
    relance_public_buyer = fields.Selection(
        PUBLIC_BUYERS, "Public buyer kind", default="state"
    )
    relance_rate_mode = fields.Selection(
        [("company", "Company setting"), *RATE_MODES],
        "Penalty rate",
        default="company",
    )
    relance_contractual_rate_pct = fields.Float("Contractual rate (%)", digits=(6, 4))
    relance_open_count = fields.Integer(
        "Open reminders",
        compute="_compute_relance_stats",
        help="Reminders of this customer waiting for a review, a letter to post or "
        "that failed, in the current company.",
    )
    relance_overdue_amount = fields.Monetary(
        "Overdue",
        compute="_compute_relance_stats",
        currency_field="relance_currency_id",
        help="Overdue amount of the customer's posted invoices in the current company.",
    )
    relance_currency_id = fields.Many2one(
        "res.currency", compute="_compute_relance_stats"
    )

    @api.depends("is_company", "parent_id.relance_debtor_type")
    def _compute_relance_debtor_type(self):
        for partner in self:
            if partner.parent_id:
                partner.relance_debtor_type = partner.parent_id.relance_debtor_type
            elif not partner.relance_debtor_type:
                partner.relance_debtor_type = (
                    "company" if partner.is_company else "consumer"
                )

    def _compute_relance_stats(self):
        company = self.env.company
        self.relance_currency_id = company.currency_id
        commercials = self.commercial_partner_id.filtered("id")
        if not commercials or not self.env["account.relance.event"].has_access("read"):
            self.relance_open_count = 0
            self.relance_overdue_amount = 0.0
            return
        counts = dict(
            self.env["account.relance.event"]._read_group(
                [
                    ("partner_id", "in", commercials.ids),
                    ("company_id", "=", company.id),
                    ("state", "in", ("to_review", "to_print", "failed")),
                ],
                ["partner_id"],
                ["__count"],
            )
        )
        amounts = dict(
            self.env["account.relance.analysis"]._read_group(
                [
                    ("partner_id", "in", commercials.ids),
                    ("company_id", "=", company.id),
                ],
                ["partner_id"],
                ["amount_overdue:sum"],
            )
        )
        for partner in self:
            commercial = partner.commercial_partner_id
            partner.relance_open_count = counts.get(commercial, 0)
            partner.relance_overdue_amount = amounts.get(commercial, 0.0)

    def action_relance_open_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_relance_fr.account_relance_event_action"
        )
        action["domain"] = [
            ("partner_id", "=", self.commercial_partner_id.id),
        ]
        action["context"] = {"search_default_to_process": 1}
        return action

    def _relance_policy(self):
        """Policy of this commercial partner in the current company."""
        self.ensure_one()
        partner = self.commercial_partner_id
        return partner.relance_policy_id or self.env[
            "account.relance.policy"
        ]._default_for_company(self.env.company)

    def _relance_contact(self):
        """Who receives reminders: a child contact of type 'Reminder Address',
        else the invoice address."""
        self.ensure_one()
        commercial = self.commercial_partner_id
        dedicated = commercial.child_ids.filtered(lambda child: child.type == "relance")
        if dedicated:
            return dedicated[0]
        return self.browse(commercial.address_get(["invoice"])["invoice"])

    def _relance_contacts(self):
        """``{partner id: contact id}``: :meth:`_relance_contact` of each of
        these partners, read for all at once (the daily run names thousands
        of recipients); only partners with contacts are looked at one by one."""
        self.fetch(["commercial_partner_id"])
        commercial = self.commercial_partner_id
        children = self.search_fetch(
            [("parent_id", "in", commercial.ids)], ["parent_id", "type"]
        )
        dedicated, with_children = {}, set()
        for child in children:
            with_children.add(child.parent_id.id)
            if child.type == "relance":
                dedicated.setdefault(child.parent_id.id, child.id)
        contacts = {}
        for partner in self:
            parent = partner.commercial_partner_id.id
            if parent in dedicated:
                contacts[partner.id] = dedicated[parent]
            elif parent in with_children or parent != partner.id:
                contacts[partner.id] = partner._relance_contact().id
            else:  # no contact at all: the partner receives its reminders
                contacts[partner.id] = partner.id
        return contacts

    def action_relance_preview(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reminder preview"),
            "res_model": "account.relance.preview",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_ids": self.commercial_partner_id.ids},
        }
