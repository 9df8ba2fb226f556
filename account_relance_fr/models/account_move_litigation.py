# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    # An invoice claimed by a litigation file gets no more reminders.
    relance_exclusion = fields.Selection(
        selection_add=[("litigation", "In litigation")],
        ondelete={"litigation": "set null"},
    )


class AccountRelanceAnalysis(models.Model):
    _inherit = "account.relance.analysis"

    exclusion = fields.Selection(selection_add=[("litigation", "In litigation")])
