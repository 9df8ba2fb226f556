# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models
from odoo.exceptions import UserError

from .account_relance_audit import SEALED_STATES
from .account_relance_event import CANCEL_SEAL_FIELDS, SEAL_FIELDS


class AccountRelanceEvent(models.Model):
    """A reminder is created unsent and unsealed: only sending it makes it sent
    and seals it. Nobody (sudo and the administrator included) creates or copies
    a sent or cancelled reminder, or one carrying seal values, which would look
    like a reminder that was never sent."""

    _inherit = "account.relance.event"

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            forged = set(vals) & (SEAL_FIELDS | CANCEL_SEAL_FIELDS)
            if vals.get("state") in SEALED_STATES or forged:
                raise UserError(
                    self.env._(
                        "Une relance est créée non envoyée : seul son envoi la marque "
                        "envoyée et la scelle. / A reminder is created unsent: only "
                        "sending it marks it sent and seals it."
                    )
                )
        return super().create(vals_list)
