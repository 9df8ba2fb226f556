# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import base64

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools.seal_payload import sha256

EVENT_MODEL = "account.relance.event"
# What may still change on a sealed document: its sharing token only.
UNSEALED_ATTACHMENT_FIELDS = {"access_token"}


class IrAttachment(models.Model):
    """The documents a sealed reminder sent (its letter, its invoice copies)
    are part of its seal: nobody, sudo and the administrator included, changes
    or deletes them. The uninstallation removes the reminders first (see
    ``hooks.uninstall_hook``), after which their documents are plain files."""

    _inherit = "ir.attachment"

    def _relance_sealed(self):
        """Those of these attachments that belong to a sealed reminder (by
        ``res_model``/``res_id`` or as one of its documents)."""
        if not self.ids:
            return self.browse()
        field = self.env[EVENT_MODEL]._fields["attachment_ids"]
        self.flush_recordset(["res_model", "res_id"])
        self.env[EVENT_MODEL].flush_model(["seal_hash", "attachment_ids"])
        rows = self.env.execute_query(
            SQL(
                """SELECT att.id FROM ir_attachment AS att
                    WHERE att.id IN %(ids)s
                      AND (EXISTS (SELECT 1 FROM account_relance_event AS event
                                    WHERE att.res_model = %(model)s
                                      AND event.id = att.res_id
                                      AND event.seal_hash IS NOT NULL)
                           OR EXISTS (SELECT 1 FROM %(rel)s AS rel
                                        JOIN account_relance_event AS event
                                          ON event.id = rel.%(event_col)s
                                       WHERE rel.%(att_col)s = att.id
                                         AND event.seal_hash IS NOT NULL))""",
                ids=tuple(self.ids),
                model=EVENT_MODEL,
                rel=SQL.identifier(field.relation),
                event_col=SQL.identifier(field.column1),
                att_col=SQL.identifier(field.column2),
            )
        )
        return self.browse([row[0] for row in rows])

    def _relance_sealed_message(self, sealed):
        return self.env._(
            "A document of a sent reminder is part of its seal: it can be neither changed nor deleted (%(names)s).",
            names=", ".join(sealed.sudo().mapped("name")),
        )

    def _relance_same_content(self, vals):
        """Whether ``vals`` rewrites these attachments with their own bytes
        (Odoo's storage migration does so)."""
        content = vals.get("raw")
        if content is None and vals.get("datas") is not None:
            content = base64.b64decode(vals["datas"])
        if isinstance(content, str):
            content = content.encode()
        return content is not None and all(
            sha256(att.raw or b"") == sha256(content or b"") for att in self.sudo()
        )

    def write(self, vals):
        changed = set(vals) - UNSEALED_ATTACHMENT_FIELDS
        if changed:
            sealed = self._relance_sealed()
            if sealed:
                rewrites = changed <= {"raw", "datas", "mimetype"} and (
                    "mimetype" not in vals
                    or all(att.mimetype == vals["mimetype"] for att in sealed.sudo())
                )
                if not (rewrites and sealed._relance_same_content(vals)):
                    raise UserError(self._relance_sealed_message(sealed))
        return super().write(vals)

    @api.ondelete(at_uninstall=True)
    def _unlink_except_sealed_reminder_document(self):
        sealed = self._relance_sealed()
        if sealed:
            raise UserError(self._relance_sealed_message(sealed))
