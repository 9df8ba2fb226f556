# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    relance_declaration_ids = fields.One2many(
        "account.relance.declaration",
        "move_id",
        "Customer's declarations",
        readonly=True,
        help="Disputes and promises to pay the customer entered on its statement page.",
    )
