# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The litigation step: sending a reminder of the litigation level builds
the customer's litigation file (one ZIP on the customer), seals its SHA-256
in the chain and marks the invoices in litigation. Proofs (e.g. the signed
acknowledgement of receipt) are attached to sent reminders."""

from odoo import api, fields, models

from ..tools.seal_payload import load_payload, sha256

# Fields a sent reminder still accepts: proofs received after it left are
# not part of its seal (the litigation file seals them with its own hash).
WRITABLE_PROOF_FIELDS = {"proof_attachment_ids"}


class AccountRelanceEvent(models.Model):
    _inherit = "account.relance.event"

    proof_attachment_ids = fields.Many2many(
        "ir.attachment",
        "account_relance_event_proof_rel",
        "event_id",
        "attachment_id",
        string="Proofs",
        copy=False,
        help="Proofs received for this reminder, e.g. the signed acknowledgement "
        "of receipt of the registered letter: they go into the litigation file.",
    )
    litigation_attachment_id = fields.Many2one(
        "ir.attachment",
        "Litigation file",
        readonly=True,
        copy=False,
        ondelete="restrict",
        index="btree_not_null",
        help="The litigation file this reminder handed over; its SHA-256 is "
        "recorded in the seal.",
    )
    litigation_sha256 = fields.Char(
        "Litigation file (SHA-256)",
        compute="_compute_litigation_sha256",
        help="SHA-256 of the litigation file as recorded in the seal.",
    )

    @api.depends("seal_payload")
    def _compute_litigation_sha256(self):
        for event in self:
            payload = load_payload(event.seal_payload) or {}
            entry = payload.get("content", {}).get("litigation_file") or {}
            event.litigation_sha256 = entry.get("sha256") or False

    def _user_writable_fields(self):
        # EXTEND: a person attaches the proofs received.
        return super()._user_writable_fields() | WRITABLE_PROOF_FIELDS

    def _write_breaks_seal(self, changed, vals):
        # EXTEND: proofs may be attached to a sent reminder (they arrive after
        # it left); everything else stays as the base decides.
        rest = changed - WRITABLE_PROOF_FIELDS
        return bool(rest) and super()._write_breaks_seal(rest, vals)

    def _blocking_problem(self, invoices_problem=None):
        # EXTEND: a litigation reminder leaves only when a file can be made.
        self.ensure_one()
        if self.level_id.is_litigation:
            refusal = self.partner_id.with_company(
                self.company_id
            )._relance_litigation_refusal(self._departure_day())
            if refusal:
                return refusal
        return super()._blocking_problem(invoices_problem)

    def _schedule_litigation_handover(self):
        # EXTEND: the person in charge takes over a prepared file.
        self.ensure_one()
        attachment = self._relance_make_litigation_file()
        result = super()._schedule_litigation_handover()
        self._message_log(
            body=self.env._(
                "Litigation file %(file)s prepared and attached to %(partner)s.",
                file=attachment.name,
                partner=self.partner_id.display_name,
            )
        )
        return result

    def _relance_make_litigation_file(self):
        """Build the file of this litigation reminder on its date, attach it
        to the customer, mark the customer and the claimed invoices in
        litigation and put aside their other pending reminders."""
        self.ensure_one()
        partner = self.partner_id.with_company(self.company_id)
        File = self.env["account.relance.litigation.file"].with_company(self.company_id)
        attachment, claim = File._build(self)
        self.litigation_attachment_id = attachment
        claim["invoices"].sudo().write({"relance_exclusion": "litigation"})
        partner.sudo().relance_litigation_date = self.date
        pending = self.search(
            [
                ("company_id", "=", self.company_id.id),
                ("partner_id", "=", partner.id),
                ("id", "!=", self.id),
                ("state", "in", ("to_review", "queued", "to_print", "failed")),
                ("line_ids.move_id", "in", claim["invoices"].ids),
            ]
        )
        if pending:
            pending.action_cancel(
                reason=self.env._(
                    "Replaced by the litigation file %(file)s.",
                    file=attachment.name,
                )
            )
        return attachment

    def _relance_litigation_download(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.litigation_attachment_id.id}?download=true",
            "target": "download",
        }

    def _seal_content(self, kind, sequence, previous_hash):
        # EXTEND: the litigation file handed over is part of the seal; the
        # integrity check compares it with the stored bytes like any field.
        content = super()._seal_content(kind, sequence, previous_hash)
        attachment = self.sudo().litigation_attachment_id
        if kind == "sent" and attachment:
            raw = attachment.raw or b""
            content["litigation_file"] = {
                "id": attachment.id,
                "res_model": attachment.res_model or "",
                "res_id": attachment.res_id or 0,
                "sha256": sha256(raw),
                "size": len(raw),
            }
        return content

    def _seal_labels(self, cancellation=False):
        labels = super()._seal_labels(cancellation)
        attachment = self.sudo().litigation_attachment_id
        if not cancellation and attachment:
            labels["litigation_file"] = attachment.name
        return labels

    def _history_documents(self):
        # EXTEND: the history lists the sealed litigation file with the
        # documents sent.
        documents = super()._history_documents()
        payload = load_payload(self.seal_payload) or {}
        entry = payload.get("content", {}).get("litigation_file")
        if entry:
            name = payload.get("labels", {}).get("litigation_file") or str(entry["id"])
            documents.append((name, entry["sha256"], entry["size"]))
        return documents
