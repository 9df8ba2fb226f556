# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The tamper-evident chain: each sent reminder (and each cancellation of a
sent one) is sealed with a SHA-256 over its content and the previous seal,
in one chain per company."""

from odoo import api, fields, models
from odoo.tools import SQL, float_repr, float_round

from ..tools.seal_payload import canonical, load_payload, sha256
from .account_relance_event import (
    _SEAL_TOKEN,
    CANCEL_SEAL_FIELDS,
    SEAL_CONTEXT_KEY,
    SEAL_FIELDS,
    SEAL_GENESIS,
    SEAL_HEAD_PARAM,
    SEAL_LOCK_NAMESPACE,
    SEAL_VERSION,
)


class AccountRelanceEvent(models.Model):
    _inherit = "account.relance.event"

    def _sealing(self):
        """This recordset allowed to write its seal (see ``_write_breaks_seal``)."""
        return self.with_context(**{SEAL_CONTEXT_KEY: _SEAL_TOKEN})

    @api.model
    def _lock_chain(self, company):
        """Lock the company's chain and return its head ``(sequence, hash)``.

        The transaction-level advisory lock makes concurrent sealers of one
        company wait for each other. Odoo runs REPEATABLE READ, so a waiter whose
        snapshot predates the other sealer's commit would still read a stale head:
        both sealers also update the company's head row (a system parameter),
        which makes the later one fail with a serialization error that Odoo
        retries with a fresh snapshot, instead of forking the chain."""
        cr = self.env.cr
        cr.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", [SEAL_LOCK_NAMESPACE, company.id]
        )
        key = SEAL_HEAD_PARAM % company.id
        cr.execute(
            """INSERT INTO ir_config_parameter
                   (key, value, create_uid, write_uid, create_date, write_date)
               VALUES (%s, '0:' || %s, %s, %s, now() at time zone 'UTC',
                       now() at time zone 'UTC')
               ON CONFLICT (key) DO NOTHING""",
            [key, SEAL_GENESIS, self.env.uid, self.env.uid],
        )
        cr.execute("UPDATE ir_config_parameter SET value = value WHERE key = %s", [key])
        self.flush_model(
            ["company_id", *sorted(SEAL_FIELDS), *sorted(CANCEL_SEAL_FIELDS)]
        )
        self.env["account.relance.declaration"].flush_model()
        head = self._chain_entries(company, head_only=True)
        return head[0][:2] if head else (0, SEAL_GENESIS)

    @api.model
    def _chain_entries(self, company, head_only=False):
        """Every chain entry of the company, ``(sequence, hash, record id, kind)``
        in chain order, or only the last one with ``head_only``. Kinds:
        ``sent`` and ``cancel`` (reminders), ``declaration`` (a customer's
        declaration, ``account.relance.declaration``)."""
        order = (
            SQL("seq DESC, id DESC, kind ASC LIMIT 1")
            if head_only
            else SQL("seq, id, kind DESC")
        )
        self.env.cr.execute(
            SQL(
                """SELECT seq, hash, id, kind FROM (
                       SELECT seal_sequence AS seq, seal_hash AS hash, id,
                              'sent' AS kind
                         FROM account_relance_event
                        WHERE company_id = %s AND seal_sequence IS NOT NULL
                       UNION ALL
                       SELECT cancel_seal_sequence, cancel_seal_hash, id, 'cancel'
                         FROM account_relance_event
                        WHERE company_id = %s AND cancel_seal_sequence IS NOT NULL
                       UNION ALL
                       SELECT seal_sequence, seal_hash, id, 'declaration'
                         FROM account_relance_declaration
                        WHERE company_id = %s AND seal_sequence IS NOT NULL
                   ) entries ORDER BY %s""",
                company.id,
                company.id,
                company.id,
                order,
            )
        )
        return self.env.cr.fetchall()

    def _seal(self, cancellation=False):
        """Append this event (or its cancellation) to its company's chain."""
        self.ensure_one()
        sequence, previous_hash = self._lock_chain(self.company_id)
        sequence += 1
        payload = {
            "version": SEAL_VERSION,
            "content": self._seal_content(
                "cancel" if cancellation else "sent", sequence, previous_hash
            ),
            "labels": self._seal_labels(cancellation),
        }
        text = canonical(payload)
        digest = sha256(text.encode())
        prefix = "cancel_seal" if cancellation else "seal"
        vals = {
            f"{prefix}_sequence": sequence,
            f"{prefix}_previous_hash": previous_hash,
            f"{prefix}_hash": digest,
            f"{prefix}_payload": text,
        }
        if not cancellation:
            vals["seal_date"] = fields.Datetime.now()
        self._sealing().write(vals)
        self._chain_set_head(self.company_id, sequence, digest)
        self._message_log(
            body=self.env._(
                "Sealed as entry %(sequence)s of the reminder chain, SHA-256 %(hash)s.",
                sequence=sequence,
                hash=digest,
            )
        )
        return digest

    @api.model
    def _chain_set_head(self, company, sequence, digest):
        """Record the new head of the company's chain (lock held)."""
        self.env.cr.execute(
            "UPDATE ir_config_parameter SET value = %s WHERE key = %s",
            [f"{sequence}:{digest}", SEAL_HEAD_PARAM % company.id],
        )

    def _seal_amount(self, value):
        digits = self.company_id.currency_id.decimal_places or 0
        return float_repr(float_round(value or 0.0, precision_digits=digits), digits)

    def _seal_documents(self):
        """``[{id, sha256, size}]`` of the documents sent, from their bytes
        (``ir.attachment.checksum`` is SHA-1)."""
        documents = []
        for attachment in self.sudo().attachment_ids.sorted("id"):
            raw = attachment.raw or b""
            documents.append(
                {"id": attachment.id, "sha256": sha256(raw), "size": len(raw)}
            )
        return documents

    def _seal_content(self, kind, sequence, previous_hash):
        """What the seal guarantees, read from the event as stored: ids, dates,
        amounts as strings, every line, the SHA-256 of every document. The
        integrity check rebuilds it from the database and compares."""
        self.ensure_one()
        event = self.sudo()
        content = {
            "kind": kind,
            "company_id": event.company_id.id,
            "sequence": sequence,
            "previous_hash": previous_hash,
            "event_id": event.id,
            "name": event.name,
        }
        if kind == "cancel":
            content.update(
                state="cancelled",
                sealed_hash=event.seal_hash or "",
                cancel_reason=event.cancel_reason or "",
                cancel_date=fields.Datetime.to_string(event.cancel_date) or "",
                cancel_user_id=event.cancel_user_id.id or 0,
            )
            return content
        content.update(
            state="sent",
            partner_id=event.partner_id.id,
            contact_id=event.contact_id.id or 0,
            policy_id=event.policy_id.id or 0,
            level_id=event.level_id.id,
            date=event.date.isoformat(),
            deadline_date=event.deadline_date.isoformat()
            if event.deadline_date
            else "",
            channels=[
                channel
                for channel in ("email", "letter", "registered", "phone", "sms")
                if event[f"channel_{channel}"]
            ],
            show_penalties=event.show_penalties,
            user_id=event.user_id.id or 0,
            registered_number=event.registered_number or "",
            mail_message_id=event.mail_message_id.id or 0,
            amount_due=event._seal_amount(event.amount_due),
            interest_total=event._seal_amount(event.interest_total),
            indemnity_total=event._seal_amount(event.indemnity_total),
            total_claim=event._seal_amount(event.total_claim),
            lines=[
                {
                    "id": line.id,
                    "move_id": line.move_id.id,
                    "move_line_id": line.move_line_id.id or 0,
                    "invoice_date": line.invoice_date.isoformat()
                    if line.invoice_date
                    else "",
                    "due_date": line.due_date.isoformat(),
                    "days_late": line.days_late,
                    "amount_total": event._seal_amount(line.amount_total),
                    "amount_paid": event._seal_amount(line.amount_paid),
                    "amount_residual": event._seal_amount(line.amount_residual),
                    "interest": event._seal_amount(line.interest),
                    "indemnity": event._seal_amount(line.indemnity),
                    "penalty_detail": line.penalty_detail or "",
                    "new_level_id": line.new_level_id.id or 0,
                }
                for line in event.line_ids.sorted("id")
            ],
            documents=event._seal_documents(),
        )
        return content

    def _seal_labels(self, cancellation=False):
        """Names as they stood when sealed (a customer may be renamed later):
        hashed with the content, shown in the history, not compared again."""
        event = self.sudo()
        labels = {
            "company": event.company_id.name,
            "company_vat": event.company_id.vat or "",
            "currency": event.company_id.currency_id.name,
            "partner": event.partner_id.name or "",
            "partner_vat": event.partner_id.vat or "",
        }
        if cancellation:
            labels["cancel_user"] = event.cancel_user_id.name or ""
            return labels
        labels.update(
            contact=event.contact_id.name or "",
            contact_email=event.contact_id.email or "",
            level=event.level_id.name or "",
            user=event.user_id.name or "",
            invoices={str(line.id): line.move_id.name or "" for line in event.line_ids},
            documents={str(att.id): att.name for att in event.attachment_ids},
        )
        return labels

    @api.depends("seal_payload")
    def _compute_document_fingerprints(self):
        for event in self:
            payload = load_payload(event.seal_payload) or {}
            labels = payload.get("labels", {}).get("documents", {})
            event.document_fingerprints = "\n".join(
                f"{doc['sha256']}  {labels.get(str(doc['id']), doc['id'])}"
                for doc in payload.get("content", {}).get("documents", [])
            )
