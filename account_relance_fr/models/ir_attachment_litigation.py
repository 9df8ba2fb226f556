# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models
from odoo.exceptions import AccessError


class IrAttachment(models.Model):
    """A litigation file is attached to the customer, whom salespeople and
    billing users may read; the file (invoices, reminders, the claim) is for
    those who may read reminders only: hidden from the others' searches and
    refused to their reads."""

    _inherit = "ir.attachment"

    @api.model
    def _relance_forbidden_litigation_files(self, ids=None):
        """Ids of the litigation files (among ``ids``) whose reminder the
        current user may not read (another company's, or no Reminders group)."""
        if self.env.su:
            return set()
        Event = self.env["account.relance.event"]
        domain = [("litigation_attachment_id", "!=", False)]
        if ids is not None:
            domain.append(("litigation_attachment_id", "in", list(ids)))
        files = set(Event.sudo().search(domain).litigation_attachment_id.ids)
        if not files or not Event.has_access("read"):
            return files
        return files - set(Event.search(domain).litigation_attachment_id.ids)

    def _check_access(self, operation):
        # EXTEND 'base': litigation files for the users of their reminders only.
        result = super()._check_access(operation)
        if result or not self._ids:
            return result
        forbidden = self.browse(self._relance_forbidden_litigation_files(self._ids))
        if not forbidden:
            return None
        return forbidden, lambda: AccessError(
            self.env._("Only the users of the reminders may open a litigation file.")
        )

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        # EXTEND 'base': see _check_access.
        hidden = self._relance_forbidden_litigation_files()
        if hidden:
            domain = [*domain, ("id", "not in", sorted(hidden))]
        return super()._search(domain, offset=offset, limit=limit, order=order)
