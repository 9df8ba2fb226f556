# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class AccountRelanceAnalysis(models.Model):
    _inherit = "account.relance.analysis"

    exclusion = fields.Selection(selection_add=[("litigation", "In litigation")])
