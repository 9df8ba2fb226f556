# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What a customer declares on its statement page: an invoice disputed or a
promise to pay. Each declaration puts the invoice under the existing
exclusion, gives the collector a task and is an entry of the company's
sealed chain (the same chain as the reminders, see ``_chain_entries``)."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.seal_payload import canonical, load_payload, sha256
from .account_relance_event_integrity import seal_and_link_findings

DECLARATION_KINDS = [
    ("dispute", "Dispute"),
    ("promise", "Promise to pay"),
]
DISPUTE_REASONS = [
    ("not_received", "Invoice or goods not received"),
    ("defective", "Goods or service not as ordered"),
    ("amount", "Wrong amount or price"),
    ("paid", "Already paid"),
    ("other", "Other reason"),
]
DECLARATION_SEAL_FIELDS = {
    "seal_sequence",
    "seal_previous_hash",
    "seal_hash",
    "seal_payload",
}
DECLARATION_SEAL_VERSION = 1


class AccountRelanceDeclaration(models.Model):
    _name = "account.relance.declaration"
    _description = "Customer's declaration on a reminded invoice"
    _order = "create_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name")
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, readonly=True, index=True
    )
    move_id = fields.Many2one(
        "account.move",
        "Invoice",
        required=True,
        readonly=True,
        index=True,
        check_company=True,
        ondelete="restrict",
    )
    kind = fields.Selection(DECLARATION_KINDS, required=True, readonly=True)
    dispute_reason = fields.Selection(DISPUTE_REASONS, readonly=True)
    comment = fields.Text(readonly=True)
    promise_date = fields.Date("Promised payment date", readonly=True)
    origin = fields.Selection(
        [("portal", "Customer's statement page")],
        default="portal",
        required=True,
        readonly=True,
    )
    author_id = fields.Many2one(
        "res.users",
        "Declared by",
        readonly=True,
        help="The portal user who declared it; empty when it came through the "
        "signed link of a reminder.",
    )
    form_key = fields.Char(
        readonly=True,
        copy=False,
        help="Key of the form the customer posted: posting it twice records once.",
    )
    seal_sequence = fields.Integer(
        "Seal number", readonly=True, copy=False, aggregator=None
    )
    seal_previous_hash = fields.Char(
        "Previous seal (SHA-256)", readonly=True, copy=False
    )
    seal_hash = fields.Char("Seal (SHA-256)", readonly=True, copy=False)
    seal_payload = fields.Text("Sealed content", readonly=True, copy=False)

    _sql_constraints = [
        (
            "form_key_unique",
            "UNIQUE(company_id, form_key)",
            "This form was already recorded.",
        ),
    ]

    @api.depends("kind", "move_id")
    def _compute_name(self):
        labels = dict(self._fields["kind"]._description_selection(self.env))
        for declaration in self:
            declaration.name = f"{labels.get(declaration.kind, '')} {declaration.move_id.name or ''}".strip()

    # --------------------------------------------------------------- CRUD

    def write(self, vals):
        # A declaration is what the customer said: only its seal is written,
        # once, by the sealing code.
        if set(vals) - DECLARATION_SEAL_FIELDS or any(d.seal_hash for d in self):
            raise UserError(
                self.env._(
                    "A customer's declaration can be neither changed nor deleted."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            self.env._("A customer's declaration can be neither changed nor deleted.")
        )

    # ------------------------------------------------------------ DECLARE

    @api.model
    def _declare(self, move, kind, form_key, author=None, **values):
        """Record what the customer declares on ``move`` (sudo, checked by the
        caller's token or login): the exclusion on the invoice, the task of
        the collector, the sealed entry. A form posted twice (same
        ``form_key``) returns the first declaration and changes nothing."""
        move.ensure_one()
        company = move.company_id
        Declaration = self.sudo().with_company(company)
        # The seal lock serialises concurrent posts of one company: the second
        # post of a form waits, then finds the first one.
        self.env["account.relance.event"]._lock_chain(company)
        if form_key:
            done = Declaration.search(
                [("company_id", "=", company.id), ("form_key", "=", form_key)],
                limit=1,
            )
            if done:
                return done
        if not move._relance_is_open_invoice():
            raise UserError(self.env._("This invoice is no longer due."))
        if move.relance_exclusion == "dispute":
            raise UserError(self.env._("This invoice is already in dispute."))
        vals = {
            "company_id": company.id,
            "partner_id": move.commercial_partner_id.id,
            "move_id": move.id,
            "kind": kind,
            "author_id": author.id if author else False,
            "form_key": form_key or False,
        }
        if kind == "dispute":
            reason = values.get("dispute_reason")
            if reason not in dict(DISPUTE_REASONS):
                raise UserError(self.env._("Choose the reason of the dispute."))
            comment = (values.get("comment") or "").strip()
            if reason == "other" and not comment:
                raise UserError(self.env._("Explain the reason of the dispute."))
            vals.update(dispute_reason=reason, comment=comment or False)
        else:
            promise_date = values.get("promise_date")
            today = fields.Date.context_today(self)
            limit = today + timedelta(days=company.relance_promise_max_days)
            if not promise_date or not today <= promise_date <= limit:
                raise UserError(
                    self.env._(
                        "Choose a payment date between today and %(limit)s.",
                        limit=fields.Date.to_string(limit),
                    )
                )
            vals.update(
                promise_date=promise_date,
                comment=(values.get("comment") or "").strip() or False,
            )
        declaration = Declaration.create(vals)
        declaration._apply_to_invoice()
        declaration._seal()
        declaration._schedule_collector_task()
        return declaration

    def _dispute_text(self):
        """The invoice's dispute reason: the reason chosen and the comment,
        in the company's language."""
        self.ensure_one()
        lang = self.company_id.partner_id.lang or self.env.lang
        reasons = dict(
            self.with_context(lang=lang)
            ._fields["dispute_reason"]
            ._description_selection(self.with_context(lang=lang).env)
        )
        reason = reasons[self.dispute_reason]
        return f"{reason}: {self.comment}" if self.comment else reason

    def _apply_to_invoice(self):
        """The existing exclusion of the invoice (see
        ``account.move._check_relance_exclusion``), with a chatter note."""
        self.ensure_one()
        move = self.move_id.sudo()
        if self.kind == "dispute":
            move.write(
                {
                    "relance_exclusion": "dispute",
                    "relance_dispute_reason": self._dispute_text(),
                }
            )
            body = self.env._(
                "The customer disputes this invoice on its statement page: %(reason)s",
                reason=self._dispute_text(),
            )
        else:
            move.write(
                {
                    "relance_exclusion": "promise",
                    "relance_promise_date": self.promise_date,
                }
            )
            body = self.env._(
                "The customer promises on its statement page to pay this invoice by %(date)s.",
                date=fields.Date.to_string(self.promise_date),
            )
        move.message_post(
            body=body, message_type="comment", subtype_xmlid="mail.mt_note"
        )

    def _schedule_collector_task(self):
        """A to-do for the person in charge of the customer (as the litigation
        hand-over), on the invoice."""
        self.ensure_one()
        move = self.move_id.sudo()
        responsible = (
            self.partner_id.user_id
            or move.invoice_user_id
            or self.env.ref("base.user_admin", raise_if_not_found=False)
            or self.env.user
        )
        if self.kind == "dispute":
            summary = self.env._(
                "%(partner)s disputes %(move)s",
                partner=self.partner_id.display_name,
                move=move.name,
            )
        else:
            summary = self.env._(
                "%(partner)s promises to pay %(move)s by %(date)s",
                partner=self.partner_id.display_name,
                move=move.name,
                date=fields.Date.to_string(self.promise_date),
            )
        move.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=summary,
            note=self.comment or "",
            user_id=responsible.id,
            date_deadline=self.promise_date or fields.Date.context_today(self),
        )

    # --------------------------------------------------------------- SEAL

    def _seal(self):
        """Append this declaration to its company's chain (the chain lock is
        held since ``_declare``)."""
        self.ensure_one()
        Event = self.env["account.relance.event"]
        sequence, previous_hash = Event._lock_chain(self.company_id)
        sequence += 1
        text = canonical(
            {
                "version": DECLARATION_SEAL_VERSION,
                "content": self._seal_content(sequence, previous_hash),
                "labels": {
                    "company": self.company_id.name,
                    "partner": self.partner_id.name or "",
                    "invoice": self.move_id.name or "",
                    "author": self.author_id.name or "",
                },
            }
        )
        digest = sha256(text.encode())
        self.sudo().write(
            {
                "seal_sequence": sequence,
                "seal_previous_hash": previous_hash,
                "seal_hash": digest,
                "seal_payload": text,
            }
        )
        Event._chain_set_head(self.company_id, sequence, digest)
        return digest

    def _seal_content(self, sequence, previous_hash):
        self.ensure_one()
        declaration = self.sudo()
        return {
            "kind": "declaration",
            "company_id": declaration.company_id.id,
            "sequence": sequence,
            "previous_hash": previous_hash,
            "declaration_id": declaration.id,
            "declaration": declaration.kind,
            "partner_id": declaration.partner_id.id,
            "move_id": declaration.move_id.id,
            "dispute_reason": declaration.dispute_reason or "",
            "comment": declaration.comment or "",
            "promise_date": declaration.promise_date.isoformat()
            if declaration.promise_date
            else "",
            "origin": declaration.origin,
            "author_id": declaration.author_id.id or 0,
            "form_key": declaration.form_key or "",
            "create_date": fields.Datetime.to_string(declaration.create_date),
        }

    # ---------------------------------------------------------- INTEGRITY

    def _integrity_finding(self, code, message, sequence=None):
        return {
            "code": code,
            "sequence": sequence,
            "event_id": False,
            "event_name": self.name or "",
            "message": message,
        }

    def _integrity_check_entry(self, kind, sequence, digest, previous_hash):
        """Findings of this declaration's entry (same codes as a reminder's)."""
        self.ensure_one()
        text = self.seal_payload or ""
        payload = load_payload(text)
        findings = seal_and_link_findings(
            self,
            sequence,
            text,
            payload,
            digest,
            previous_hash,
            self.seal_previous_hash,
        )
        if not payload:
            return findings
        sealed = payload.get("content") or {}
        current = self._seal_content(sequence, self.seal_previous_hash)
        changes = [
            f"{key}: {sealed.get(key)!r} → {current.get(key)!r}"
            for key in sorted(set(sealed) | set(current))
            if sealed.get(key) != current.get(key)
        ]
        if changes:
            findings.append(
                self._integrity_finding(
                    "altered",
                    self.env._(
                        "Entry %(sequence)s: the customer's declaration %(name)s was altered after it was sealed (%(changes)s).",
                        sequence=sequence,
                        name=self.name,
                        changes="; ".join(changes),
                    ),
                    sequence,
                )
            )
        return findings
