# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import base64
import hashlib
import io
import json
import logging
import zlib
from collections import defaultdict
from datetime import date, datetime, timedelta

import psycopg2

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, config, float_repr, float_round

_logger = logging.getLogger(__name__)

STATES = [
    ("to_review", "To review"),
    ("queued", "To send"),
    ("sending", "Email in the mail queue"),
    ("to_print", "To print"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("cancelled", "Cancelled"),
]
# States that hold back the customer's next reminder; a failed one does not.
PENDING_STATES = ("to_review", "queued", "sending", "to_print")
# States a person may still skip or postpone (nothing has left yet).
SKIPPABLE_STATES = ("to_review", "queued", "to_print", "failed")
DISPATCH_BATCH_SIZE = 50
# Seal of the sending (one chain entry) and seal of the cancellation (another entry).
SEAL_FIELDS = {
    "seal_sequence",
    "seal_previous_hash",
    "seal_hash",
    "seal_payload",
    "seal_date",
}
CANCEL_SEAL_FIELDS = {
    "cancel_seal_sequence",
    "cancel_seal_previous_hash",
    "cancel_seal_hash",
    "cancel_seal_payload",
}
# Fields a sent event may still change, through its sealed cancellation only.
WRITABLE_AFTER_SENT = {
    "state",
    "cancel_reason",
    "cancel_date",
    "cancel_user_id",
    *CANCEL_SEAL_FIELDS,
}
SEAL_VERSION = 1
SEAL_GENESIS = "0" * 64
# pg_advisory_xact_lock(int4, int4) namespace of the per-company chain lock.
SEAL_LOCK_NAMESPACE = zlib.crc32(b"account_relance_fr.seal") & 0x7FFFFFFF
SEAL_HEAD_PARAM = "account_relance_fr.seal_head.%s"
# Only the sealing code holds this object: no RPC context (JSON) can carry it.
SEAL_CONTEXT_KEY = "account_relance_seal_token"
_SEAL_TOKEN = object()


def _sha256(data):
    return hashlib.sha256(data or b"").hexdigest()


def _canonical(payload):
    """Canonical JSON: sorted keys, no spaces, UTF-8; what the seal hashes."""
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def _load_payload(text):
    try:
        payload = json.loads(text) if text else None
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def _copy_text(value):
    """``value`` in PostgreSQL's COPY text format (False and None are NULL)."""
    if value is False or value is None:
        return "\\N"
    if isinstance(value, str):
        return (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return str(value)


def _copy_into(cr, table, columns, data):
    """COPY ``data`` (rows in text format) into ``columns`` of ``table``; as in
    the ORM's own COPY of xml ids (``__ensure_xml_id``), without the wait
    callback of asynchronous workers, which COPY does not support."""
    query = SQL(
        "COPY %s (%s) FROM STDIN",
        SQL.identifier(table),
        SQL(", ").join(SQL.identifier(column) for column in columns),
    )
    callback = psycopg2.extensions.get_wait_callback()
    psycopg2.extensions.set_wait_callback(None)
    try:
        cr.copy_expert(query.code, io.StringIO(data))
    finally:
        psycopg2.extensions.set_wait_callback(callback)


class AccountRelanceEvent(models.Model):
    """One communication to one customer at one level, covering all its overdue
    invoices, with the amounts as they stood that day."""

    _name = "account.relance.event"
    _description = "Reminder sent to a customer"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(readonly=True, copy=False, default="/")
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id", store=True)
    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, readonly=True, index=True
    )
    contact_id = fields.Many2one(
        "res.partner", "Sent to", readonly=True, help="Reminder contact at that date."
    )
    policy_id = fields.Many2one(
        "account.relance.policy", readonly=True, check_company=True
    )
    level_id = fields.Many2one(
        "account.relance.level", required=True, readonly=True, check_company=True
    )
    date = fields.Date(
        required=True,
        readonly=True,
        index=True,
        help="Date of the reminder: the day it was prepared, then the day it "
        "left (its deadline and penalties are counted from that day).",
    )
    prepared_date = fields.Date(
        "Prepared on",
        readonly=True,
        copy=False,
        help="Day of the run (or of the person) that prepared the reminder.",
    )
    deadline_date = fields.Date("Payment deadline", readonly=True)
    channel_email = fields.Boolean("Email", readonly=True)
    channel_letter = fields.Boolean("Letter", readonly=True)
    channel_registered = fields.Boolean("Registered letter", readonly=True)
    channel_phone = fields.Boolean("Phone call", readonly=True)
    show_penalties = fields.Boolean(readonly=True)
    line_ids = fields.One2many(
        "account.relance.event.line", "event_id", "Invoices", readonly=True
    )
    move_ids = fields.Many2many(
        "account.move", compute="_compute_move_ids", string="Invoices covered"
    )
    amount_due = fields.Monetary("Overdue amount", readonly=True)
    interest_total = fields.Monetary("Late interest", readonly=True)
    indemnity_total = fields.Monetary("Recovery indemnities", readonly=True)
    total_claim = fields.Monetary("Total claimed", readonly=True)
    attachment_ids = fields.Many2many(
        "ir.attachment", string="Documents sent", readonly=True
    )
    mail_message_id = fields.Many2one("mail.message", "Email message", readonly=True)
    email_sent_date = fields.Datetime(
        "Email accepted on",
        readonly=True,
        copy=False,
        help="When the outgoing mail server accepted the reminder's email.",
    )
    email_message_ref = fields.Char(
        "Email Message-ID",
        readonly=True,
        copy=False,
        help="Message-ID header of the email as it left.",
    )
    email_failure_reason = fields.Text(
        "Email failure",
        readonly=True,
        copy=False,
        help="Why the email copy of a posted letter could not leave.",
    )
    letter_posted_date = fields.Date(
        "Letter posted on",
        readonly=True,
        copy=False,
        help="Day the letter was recorded as posted.",
    )
    registered_number = fields.Char("Registered letter number", copy=False)
    user_id = fields.Many2one("res.users", "Done by", readonly=True)
    state = fields.Selection(
        STATES, default="to_review", required=True, readonly=True, tracking=True
    )
    review_reason = fields.Text("Why it needs a person", readonly=True)
    failure_reason = fields.Text(readonly=True)
    cancel_reason = fields.Text(readonly=True)
    cancel_date = fields.Datetime(readonly=True)
    cancel_user_id = fields.Many2one("res.users", readonly=True)
    body = fields.Html("Message", help="Optional text added to the email or letter.")
    # ----- tamper-evident chain (one chain per company, see _audit_check_chain)
    seal_sequence = fields.Integer(
        "Seal number", readonly=True, copy=False, index=True, aggregator=None
    )
    seal_previous_hash = fields.Char(
        "Previous seal (SHA-256)", readonly=True, copy=False
    )
    seal_hash = fields.Char("Seal (SHA-256)", readonly=True, copy=False, index=True)
    seal_payload = fields.Text("Sealed content", readonly=True, copy=False)
    seal_date = fields.Datetime("Sealed on", readonly=True, copy=False)
    cancel_seal_sequence = fields.Integer(
        "Cancellation seal number", readonly=True, copy=False, aggregator=None
    )
    cancel_seal_previous_hash = fields.Char(
        "Previous seal of the cancellation", readonly=True, copy=False
    )
    cancel_seal_hash = fields.Char(
        "Cancellation seal (SHA-256)", readonly=True, copy=False
    )
    cancel_seal_payload = fields.Text("Sealed cancellation", readonly=True, copy=False)
    document_fingerprints = fields.Text(
        "Document fingerprints (SHA-256)",
        compute="_compute_document_fingerprints",
        help="SHA-256 of every document sent, recorded in the seal.",
    )
    sealed_letter_sha256 = fields.Char(
        "Sealed letter (SHA-256)",
        compute="_compute_sealed_letter_sha256",
        help="SHA-256 recorded in the seal for the letter sent: printing the "
        "letter of a sealed reminder returns this document, byte for byte.",
    )
    postponed_until = fields.Date(
        readonly=True,
        copy=False,
        tracking=True,
        help="The reminder leaves the queue to process until this date.",
    )
    skipped = fields.Boolean(
        readonly=True,
        copy=False,
        help="Cancelled from the queue without being sent: the daily run does not "
        "create another reminder for this customer on the same date.",
    )

    _sql_constraints = [
        (
            "seal_sequence_unique",
            "UNIQUE(company_id, seal_sequence)",
            "Two reminders cannot share a seal number. / "
            "Deux relances ne peuvent partager un numéro de scellé.",
        ),
        (
            "cancel_seal_sequence_unique",
            "UNIQUE(company_id, cancel_seal_sequence)",
            "Two cancellations cannot share a seal number. / "
            "Deux annulations ne peuvent partager un numéro de scellé.",
        ),
    ]

    @api.depends("line_ids.move_id")
    def _compute_move_ids(self):
        for event in self:
            event.move_ids = event.line_ids.move_id

    @api.depends("seal_payload")
    def _compute_document_fingerprints(self):
        for event in self:
            payload = _load_payload(event.seal_payload) or {}
            labels = payload.get("labels", {}).get("documents", {})
            event.document_fingerprints = "\n".join(
                f"{doc['sha256']}  {labels.get(str(doc['id']), doc['id'])}"
                for doc in payload.get("content", {}).get("documents", [])
            )

    @api.depends("seal_payload", "attachment_ids")
    def _compute_sealed_letter_sha256(self):
        for event in self:
            letter = event.sudo()._letter_attachment()[:1]
            event.sealed_letter_sha256 = (
                event.seal_hash and letter and event._sealed_documents().get(letter.id)
            ) or False

    # --------------------------------------------------------------- CRUD

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # Created unsent and unsealed: only sending marks it sent and seals
            # it; nobody (sudo included) creates what looks like a sent reminder.
            forged = set(vals) & (SEAL_FIELDS | CANCEL_SEAL_FIELDS)
            if vals.get("state") in ("sent", "cancelled") or forged:
                raise UserError(
                    self.env._(
                        "Une relance est créée non envoyée : seul son envoi la marque "
                        "envoyée et la scelle. / A reminder is created unsent: only "
                        "sending it marks it sent and seals it."
                    )
                )
        for vals in vals_list:
            vals.setdefault("prepared_date", vals.get("date"))
        unnamed = [vals for vals in vals_list if vals.get("name", "/") == "/"]
        for vals, name in zip(unnamed, self._next_names(len(unnamed)), strict=True):
            vals["name"] = name
        return super().create(vals_list)

    @api.model
    def _next_names(self, count):
        """``count`` reminder numbers; a plain sequence gives them in one query
        (the daily run names thousands of reminders)."""
        if not count:
            return []
        sequence = self.env["ir.sequence"].search(
            [
                ("code", "=", "account.relance.event"),
                ("company_id", "in", [self.env.company.id, False]),
            ],
            order="company_id",
            limit=1,
        )
        if not sequence:
            return ["/"] * count
        if sequence.implementation != "standard" or sequence.use_date_range:
            return [sequence._next() for _index in range(count)]
        self.env.cr.execute(
            "SELECT nextval(%s) FROM generate_series(1, %s)",
            [f"ir_sequence_{sequence.id:03d}", count],
        )
        numbers = sorted(number for (number,) in self.env.cr.fetchall())
        return [sequence.get_next_char(number) for number in numbers]

    def write(self, vals):
        # EXTEND 'mail': sent events are immutable, only cancellation is allowed.
        changed = {key for key in vals if not key.startswith(("message_", "activity_"))}
        if changed and self._write_breaks_seal(changed, vals):
            raise UserError(self._immutable_message())
        return super().write(vals)

    def _write_breaks_seal(self, changed, vals):
        """A sent event only accepts its sealed cancellation; a cancelled one
        nothing. Only the sealing code (``_audit_sealing``) may make an event
        sent or cancel a sent one, and it writes each seal exactly once; nobody,
        sudo and the administrator included, writes seal fields otherwise."""
        if self.env.context.get(SEAL_CONTEXT_KEY) is _SEAL_TOKEN:
            if changed & SEAL_FIELDS and any(event.seal_hash for event in self):
                return True
            if changed & CANCEL_SEAL_FIELDS and any(
                event.cancel_seal_hash for event in self
            ):
                return True
            if any(event.state == "cancelled" for event in self):
                return bool(changed - CANCEL_SEAL_FIELDS)
            sent = any(event.state == "sent" for event in self)
            return sent and bool(changed - WRITABLE_AFTER_SENT - SEAL_FIELDS)
        if changed & (SEAL_FIELDS | CANCEL_SEAL_FIELDS) or vals.get("state") == "sent":
            return True
        if any(event.state == "cancelled" for event in self):
            return True
        return any(event.state == "sent" for event in self)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sent(self):
        if any(event.state in ("sent", "cancelled") for event in self):
            raise UserError(self._immutable_message())

    def _immutable_message(self):
        return self.env._(
            "Une relance envoyée ne peut être ni modifiée ni supprimée : annulez-la avec un "
            "motif puis créez-en une nouvelle. / A sent reminder can be neither changed nor "
            "deleted: cancel it with a reason, then create a new one."
        )

    # ----------------------------------------------------- RUN INTERFACE

    @api.model
    def _partner_event_stats(self, company, as_of, partners=None):
        """Per commercial partner (of ``partners`` when given): last sent date,
        pending event, event on ``as_of``.

        A failed reminder is not pending: the next run retries it."""
        stats = {}
        scope = [("company_id", "=", company.id)]
        if partners is not None:
            scope.append(("partner_id", "in", partners.ids))
        groups = self.sudo()._read_group(
            [*scope, ("state", "!=", "cancelled")],
            ["partner_id", "state"],
            ["date:max"],
        )
        for partner, state, last_date in groups:
            entry = stats.setdefault(partner.id, {"last_sent": None, "pending": False})
            if state == "sent":
                entry["last_sent"] = last_date
            if state in PENDING_STATES:
                entry["pending"] = True
        for partner in (
            self.sudo()
            .search(
                [
                    *scope,
                    "|",
                    ("state", "!=", "cancelled"),
                    ("skipped", "=", True),
                    ("date", "=", as_of),
                ]
            )
            .partner_id
        ):
            stats.setdefault(partner.id, {"last_sent": None, "pending": False})[
                "today"
            ] = True
        return stats

    @api.model
    def _create_batch(self, company, decisions, as_of, penalties=None, line_facts=None):
        """Create the reminders of ``decisions`` at once, lines included.

        Nothing is rendered, emailed or logged here: reminders that may go out
        alone wait in the ``queued`` state for :meth:`_dispatch_queued`, which
        renders their letters in batches after the run; the others wait for a
        person in ``to_review``.

        :param penalties: ``{move id: engine result}`` computed for the batch;
            computed here for the moves it lacks
        :param line_facts: the covered lines as read by :meth:`_line_facts`;
            read here when not given
        """
        if not decisions:
            return self.browse()
        Level = self.env["account.relance.level"]
        partners = (
            self.env["res.partner"]
            .browse([decision.customer_key for decision in decisions])
            .with_company(company)
        )
        if line_facts is None:
            line_facts = self._line_facts(
                [key for decision in decisions for key in decision.covered_items]
            )
        penalties = self._penalties_for(
            company,
            {
                line_facts[key]["move_id"]
                for decision in decisions
                for key in decision.covered_items
            },
            as_of,
            penalties or {},
        )
        vals_list = [
            {
                **self._prepare_event_vals(
                    company,
                    partner,
                    Level.browse(decision.level.key),
                    decision,
                    as_of,
                    penalties=penalties,
                    line_facts=line_facts,
                ),
                # Those a person must see go to review in _route().
                "state": "queued",
            }
            for partner, decision in zip(partners, decisions, strict=True)
        ]
        lines_per_event = [vals.pop("line_ids", []) for vals in vals_list]
        events = self.with_context(
            tracking_disable=True,
            mail_create_nolog=True,
            mail_create_nosubscribe=True,
            mail_notrack=True,
        ).create(vals_list)
        events = self.browse(events.ids)
        events._insert_lines(lines_per_event)
        events._supersede_failed()
        events._route(
            {
                event.id: event._lines_problem(
                    [line_facts[key] for key in decision.covered_items]
                )
                for event, decision in zip(events, decisions, strict=True)
            }
        )
        return events

    @api.model
    def _create_from_decision(self, company, decision, as_of, penalties=None):
        return self._create_batch(company, [decision], as_of, penalties)

    @api.model
    def _penalties_for(self, company, move_ids, as_of, penalties):
        """``penalties`` completed with the invoices of ``move_ids`` it lacks;
        an engine refusal (e.g. a missing legal rate) raises a clear error."""
        missing = move_ids - penalties.keys()
        if not missing:
            return penalties
        return {
            **penalties,
            **self.env["account.relance.penalty"]
            .with_company(company)
            ._compute_for_moves(
                self.env["account.move"].browse(sorted(missing)), as_of
            ),
        }

    def _supersede_failed(self):
        """Earlier failed reminders of these customers are replaced by these:
        they stay in the history, cancelled with the reason (never sealed, as
        they were never sent)."""
        failed = self.search(
            [
                ("company_id", "in", self.company_id.ids),
                ("partner_id", "in", self.partner_id.ids),
                ("state", "=", "failed"),
                ("id", "not in", self.ids),
            ]
        )
        replacement = {(event.company_id, event.partner_id): event for event in self}
        for event in failed:
            new = replacement[(event.company_id, event.partner_id)]
            event._audit_sealing().write(
                {
                    "state": "cancelled",
                    "cancel_reason": self.env._(
                        "Échec remplacé par la relance %(name)s. / Failure replaced by "
                        "reminder %(name)s.",
                        name=new.name,
                    ),
                    "cancel_date": fields.Datetime.now(),
                    "cancel_user_id": self.env.user.id,
                }
            )

    @api.model
    def _create_failed(self, company, decision, as_of, error):
        """Record a customer's failure in the review queue instead of losing it."""
        partner = self.env["res.partner"].browse(decision.customer_key)
        level = self.env["account.relance.level"].browse(decision.level.key)
        vals = self._prepare_event_vals(
            company, partner, level, decision, as_of, with_lines=False
        )
        vals.update(state="failed", failure_reason=str(error) or repr(error))
        return self.create(vals)

    @api.model
    def _prepare_event_vals(
        self,
        company,
        partner,
        level,
        decision,
        as_of,
        with_lines=True,
        penalties=None,
        line_facts=None,
    ):
        """Values of the reminder of ``decision``; ``line_facts`` (from
        :meth:`_line_facts`) may hold its lines already read with others."""
        vals = {
            "company_id": company.id,
            "currency_id": company.currency_id.id,
            "partner_id": partner.id,
            "contact_id": partner._relance_contact().id,
            "policy_id": level.policy_id.id,
            "level_id": level.id,
            "date": as_of,
            "deadline_date": as_of + timedelta(days=level.deadline_days),
            "channel_email": level.channel_email,
            "channel_letter": level.channel_letter,
            "channel_registered": level.channel_registered,
            "channel_phone": level.channel_phone,
            "show_penalties": level.show_penalties,
            "user_id": self.env.user.id,
        }
        if with_lines:
            keys = list(decision.covered_items)
            if line_facts is None:
                line_facts = self._line_facts(keys)
            facts = [line_facts[key] for key in keys]
            if penalties is None:
                penalties = self.env["account.relance.penalty"]._compute_for_moves(
                    self.env["account.move"].browse(
                        dict.fromkeys(fact["move_id"] for fact in facts)
                    ),
                    as_of,
                )
            vals.update(
                self._prepare_line_vals(facts, decision, level, as_of, penalties)
            )
        return vals

    @api.model
    def _line_facts(self, line_ids):
        """{receivable line id: what a reminder line records of it and of its
        invoice}, read in one query for a whole batch."""
        if not line_ids:
            return {}
        self.env["account.move.line"].flush_model(
            ["move_id", "date_maturity", "balance", "amount_residual"]
        )
        self.env["account.move"].flush_model(
            [
                "invoice_date",
                "invoice_date_due",
                "relance_level_id",
                "relance_level_sent",
                "currency_id",
            ]
        )
        rows = self.env.execute_query_dict(
            SQL(
                """SELECT line.id, line.move_id, line.date_maturity, line.balance,
                          line.amount_residual, move.invoice_date,
                          move.invoice_date_due, move.relance_level_id,
                          move.relance_level_sent, move.currency_id
                     FROM account_move_line AS line
                     JOIN account_move AS move ON move.id = line.move_id
                    WHERE line.id IN %s""",
                tuple(line_ids),
            )
        )
        return {row["id"]: row for row in rows}

    @api.model
    def _prepare_line_vals(self, facts, decision, level, as_of, penalties):
        ordered_levels = level.policy_id._ordered_levels()
        advancing = {
            key: ordered_levels[index] for key, index in decision.item_levels.items()
        }
        currency = level.company_id.currency_id
        line_cmds = []
        totals = dict.fromkeys(("amount_due", "interest_total", "indemnity_total"), 0.0)
        charged = set()
        for fact in facts:
            move_id = fact["move_id"]
            result = penalties[move_id]
            first_of_move = move_id not in charged
            charged.add(move_id)
            new_level = advancing.get(fact["id"])
            due_date = fact["date_maturity"] or fact["invoice_date_due"]
            total = abs(fact["balance"])
            line_vals = {
                "move_id": move_id,
                "move_line_id": fact["id"],
                "invoice_date": fact["invoice_date"] or False,
                "due_date": due_date,
                "days_late": max((as_of - due_date).days, 0),
                "amount_total": total,
                "amount_paid": currency.round(total - fact["amount_residual"]),
                "amount_residual": fact["amount_residual"],
                "interest": float(result["interest"]) if first_of_move else 0.0,
                "indemnity": float(result["indemnity"]) if first_of_move else 0.0,
                "penalty_detail": result["detail"] if first_of_move else False,
                "advances_level": bool(new_level),
                "new_level_id": new_level.id if new_level else False,
                "previous_level_id": fact["relance_level_id"] or False,
                "previous_level_sent": bool(fact["relance_level_sent"]),
            }
            totals["amount_due"] += line_vals["amount_residual"]
            totals["interest_total"] += line_vals["interest"]
            totals["indemnity_total"] += line_vals["indemnity"]
            line_cmds.append(Command.create(line_vals))
        totals = {key: currency.round(value) for key, value in totals.items()}
        totals["total_claim"] = currency.round(sum(totals.values()))
        return {"line_ids": line_cmds, **totals}

    def _insert_lines(self, lines_per_event):
        """Insert the invoice lines of these new reminders with one COPY per
        batch: the ORM's per-record work (defaults, currency rounding of each
        amount, checks of a sealed reminder) is not needed for rows computed
        and rounded here, and would cost most of the daily run's time."""
        Line = self.env["account.relance.event.line"]
        rows = [
            {**vals, "event_id": event.id, "company_id": event.company_id.id}
            for event, commands in zip(self, lines_per_event, strict=True)
            for _command, _id, vals in commands
        ]
        if not rows:
            return
        columns = sorted(rows[0])
        booleans = {name for name in columns if Line._fields[name].type == "boolean"}
        now = self.env.cr.now()
        log_access = "\t".join(map(_copy_text, (self.env.uid, self.env.uid, now, now)))
        data = "".join(
            "\t".join(
                ("t" if row[name] else "f")
                if name in booleans
                else _copy_text(row[name])
                for name in columns
            )
            + f"\t{log_access}\n"
            for row in rows
        )
        _copy_into(
            self.env.cr,
            Line._table,
            [*columns, "create_uid", "write_uid", "create_date", "write_date"],
            data,
        )
        self.invalidate_recordset(["line_ids"])

    def _write_invoice_levels(self):
        """The invoices of these sent reminders reach their new level, and all
        of them get the reminder's date as last reminder, in SQL (bookkeeping
        fields of this addon only; no stored field depends on them). A level is
        applied when its reminder leaves, never at the run: the run stays cheap
        on the wide invoice table, and a reminder that is cancelled or fails
        before it leaves has nothing to undo."""
        if not self.ids:
            return
        fields_written = ["relance_level_id", "relance_level_sent", "relance_last_date"]
        self.env["account.relance.event.line"].flush_model()
        self.env["account.move"].flush_model(fields_written)
        # One row per invoice: several receivable lines (instalments) of one
        # invoice may advance; the invoice takes the furthest level.
        self.env.cr.execute(
            SQL(
                """UPDATE account_move AS move
                      SET relance_level_id = COALESCE(sent.level_id,
                                                      move.relance_level_id),
                          relance_level_sent = sent.level_id IS NOT NULL
                                               OR move.relance_level_sent,
                          relance_last_date = sent.date
                     FROM (SELECT line.move_id,
                                  MAX(event.date) AS date,
                                  (ARRAY_AGG(line.new_level_id
                                             ORDER BY level.sequence DESC,
                                                      level.days_after_due DESC,
                                                      level.id DESC)
                                   FILTER (WHERE line.advances_level))[1] AS level_id
                             FROM account_relance_event_line AS line
                             JOIN account_relance_event AS event
                               ON event.id = line.event_id
                        LEFT JOIN account_relance_level AS level
                               ON level.id = line.new_level_id
                            WHERE line.event_id IN %s
                         GROUP BY line.move_id) AS sent
                    WHERE sent.move_id = move.id""",
                tuple(self.ids),
            )
        )
        self.env["account.move"].invalidate_model(fields_written)

    def _route(self, lines_problems=None):
        """New reminders (created queued) that a person must look at go to
        review; if others stay queued, the dispatcher is woken up.
        ``lines_problems``: :meth:`_lines_problems`, when already known."""
        if lines_problems is None:
            lines_problems = self._lines_problems()
        queued = False
        for event in self:
            reason = event._review_reason(lines_problems[event.id])
            if reason:
                event.write({"state": "to_review", "review_reason": reason})
            else:
                queued = True
        if queued:
            self.env.ref("account_relance_fr.ir_cron_relance_dispatch")._trigger()

    # ----------------------------------------------------------- DISPATCH

    @api.model
    def _cron_dispatch(self):
        """Scheduled action: render and send the queued reminders, in batches."""
        self._dispatch_queued(cron_progress=True)

    @api.model
    def _dispatch_queued(self, now=None, cron_progress=False):
        """Perform every queued reminder, ``DISPATCH_BATCH_SIZE`` at a time: the
        letters of a batch come from one wkhtmltopdf process per report.

        :param now: the moment to decide with (default: now); the reminders
            leave dated that day
        :return: how many reminders were handed over
        """
        day = self._departure_day(now)
        self._seal_accepted_emails()
        done, seen = 0, set()
        while True:
            ids = [
                i
                for i in self._queued_batch_ids(DISPATCH_BATCH_SIZE, day)
                if i not in seen
            ]
            if not ids:
                return done
            seen.update(ids)
            self.sudo().browse(ids)._dispatch(day)
            done += len(ids)
            if cron_progress:
                remaining = self.sudo().search_count([("state", "=", "queued")])
                self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
                if not config["test_enable"]:
                    self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _departure_day(self, now=None):
        """The day reminders leaving at ``now`` (a datetime, or a day; default:
        now) are dated."""
        if isinstance(now, date) and not isinstance(now, datetime):
            return now
        return fields.Date.context_today(self, now or fields.Datetime.now())

    @api.model
    def _queued_batch_ids(self, limit, day=None):
        """Ids of queued reminders due to leave on ``day`` (not postponed past
        it), locked for this transaction: a second dispatcher running at the
        same time skips them instead of sending them twice."""
        day = day or self._departure_day()
        self.flush_model(["state", "postponed_until"])
        self.env.cr.execute(
            """SELECT id FROM account_relance_event
                WHERE state = 'queued'
                  AND (postponed_until IS NULL OR postponed_until <= %s)
                ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED""",
            [day, limit],
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _dispatch(self, day=None, checked=False):
        """Perform these reminders on ``day`` (default: today): amounts checked,
        dated and computed to that day, documents rendered (batched), then each
        reminder's channels; a reminder that fails is marked failed with the
        reason, the others go on."""
        if not self:
            return
        day = day or self._departure_day()
        for company in self.company_id:
            events = self.filtered(lambda e, c=company: e.company_id == c)
            events = events.with_company(company).with_context(
                mail_notify_force_send=False
            )
            # Sending by hand (``checked``) refused stale amounts already.
            ready = events if checked else events._drop_stale(events._lines_problems())
            ready = ready._refresh_for_departure(day)
            ready._prepare_documents_safely()
            for event in ready:
                event._perform_safely()
            events._post_messages()
        self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger()

    def _drop_stale(self, lines_problems):
        """These reminders without those whose amounts are no longer the ones
        to claim (marked failed with the reason)."""
        ready = self.browse()
        for event in self:
            stale = event._stale_problem(lines_problems[event.id])
            if stale:
                event._mark_failed(stale)
            else:
                ready |= event
        return ready

    def _refresh_for_departure(self, day):
        """These reminders leave on ``day``: dated that day, their deadline
        counted from it and their penalties computed to it (the amounts due
        were checked unchanged). A reminder whose penalties the engine refuses
        on that day (e.g. a missing legal rate) fails with the reason.

        :return: the reminders ready to leave
        """
        late = self.filtered(lambda event: event.date != day)
        if not late:
            return self
        results, errors = self.env[
            "account.relance.penalty"
        ]._compute_for_moves_with_errors(late.line_ids.move_id, day)
        ready = self - late
        for event in late:
            error = next(
                (
                    errors[move.id]
                    for move in event.line_ids.move_id
                    if move.id in errors
                ),
                None,
            )
            if error:
                event._mark_failed(error)
                continue
            event._redate(day, results)
            ready |= event
        return ready

    def _redate(self, day, penalties):
        """Date this unsent reminder ``day``: deadline, days late and
        penalties of its lines as of that day; its letter, rendered for
        another day, is rendered again."""
        self.ensure_one()
        currency = self.currency_id
        totals = {"interest_total": 0.0, "indemnity_total": 0.0}
        charged = set()
        for line in self.line_ids.sorted("id"):
            result = penalties[line.move_id.id]
            first_of_move = line.move_id.id not in charged
            charged.add(line.move_id.id)
            vals = {
                "days_late": max((day - line.due_date).days, 0),
                "interest": float(result["interest"]) if first_of_move else 0.0,
                "indemnity": float(result["indemnity"]) if first_of_move else 0.0,
                "penalty_detail": result["detail"] if first_of_move else False,
            }
            line.write(vals)
            totals["interest_total"] += vals["interest"]
            totals["indemnity_total"] += vals["indemnity"]
        totals = {key: currency.round(value) for key, value in totals.items()}
        self.write(
            {
                "date": day,
                "deadline_date": day + timedelta(days=self.level_id.deadline_days),
                **totals,
                "total_claim": currency.round(self.amount_due + sum(totals.values())),
            }
        )
        self._drop_unsealed_letter()

    def _drop_unsealed_letter(self):
        """Remove the letter rendered for this unsent reminder (it is rendered
        again for the day it leaves)."""
        self.ensure_one()
        letter = self._letter_attachment()
        if letter and not self.seal_hash:
            self.attachment_ids = [Command.unlink(letter.id)]
            letter.sudo().unlink()

    def _prepare_documents_safely(self):
        """Render the batch's documents at once; if the batch fails, each
        reminder renders its own when it is performed (in its savepoint)."""
        try:
            with self.env.cr.savepoint():
                self._prepare_documents()
        except Exception:  # noqa: BLE001 — the reminders render one by one
            _logger.warning(
                "Rendering %s reminders at once failed; rendering them one by one.",
                len(self),
                exc_info=True,
            )

    def _perform_safely(self):
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                self._perform_channels()
        except Exception as error:  # noqa: BLE001 — isolate this reminder
            _logger.exception("Reminder %s could not be performed", self.name)
            self._mark_failed(str(error) or repr(error))

    def _review_reason(self, lines_problem=None):
        """Why this event must wait for a person ('' when it may go out alone);
        ``lines_problem``: its entry of :meth:`_lines_problems`, if read."""
        self.ensure_one()
        level = self.level_id
        if level.is_litigation:
            return self.env._(
                "Contentieux : dossier à reprendre par une personne. / "
                "Litigation: a person takes over the file."
            )
        if level.send_mode == "review":
            return self.env._(
                "Ce niveau attend une relecture. / This level waits for a review."
            )
        return self._blocking_problem(lines_problem)

    def _blocking_problem(self, lines_problem=None):
        self.ensure_one()
        contact = self.contact_id
        problem = self.level_id._channel_problem()
        if problem:
            return problem
        if self.channel_email and not contact.email:
            return self.env._(
                "Pas d'adresse email pour %(contact)s. / No email address for %(contact)s.",
                contact=contact.display_name,
            )
        if (self.channel_letter or self.channel_registered) and not (
            contact.street and contact.city
        ):
            return self.env._(
                "Adresse postale incomplète pour %(contact)s. / Incomplete postal address for "
                "%(contact)s.",
                contact=contact.display_name,
            )
        if lines_problem is None:
            lines_problem = self._lines_problems()[self.id]
        return lines_problem

    def _sending_problem(self):
        """Why this reminder cannot go out now ('' when it can): a blocking
        problem, or amounts that changed since it was prepared."""
        lines_problem = self._lines_problems()[self.id]
        return self._blocking_problem(lines_problem) or self._stale_problem(
            lines_problem
        )

    def _lines_problems(self):
        """{event id: :meth:`_lines_problem` of its invoices}, in one query."""
        self.env["account.relance.event.line"].flush_model(["event_id", "move_id"])
        self.env["account.move"].flush_model(["currency_id"])
        rows = self.env.execute_query_dict(
            SQL(
                """SELECT line.event_id, line.move_id, move.currency_id
                     FROM account_relance_event_line AS line
                     JOIN account_move AS move ON move.id = line.move_id
                    WHERE line.event_id IN %s
                 ORDER BY line.id""",
                tuple(self.ids) or (None,),
            )
        )
        facts = defaultdict(list)
        for row in rows:
            facts[row["event_id"]].append(row)
        return {event.id: event._lines_problem(facts[event.id]) for event in self}

    def _lines_problem(self, facts):
        """Why the invoices of this reminder stop it ('' when they do not): no
        invoice at all, or one in another currency than the reminder's (its
        amounts would be converted, so a person handles this customer).
        ``facts``: its lines' ``move_id`` and invoice ``currency_id``."""
        self.ensure_one()
        if not facts:
            return self.env._(
                "Aucune facture dans cette relance. / No invoice in this reminder."
            )
        foreign = next(
            (
                fact["move_id"]
                for fact in facts
                if fact["currency_id"] != self.currency_id.id
            ),
            None,
        )
        if not foreign:
            return ""
        return self._currency_problem(self.env["account.move"].browse(foreign))

    def _currency_problem(self, foreign):
        """The refusal of ``foreign``, an invoice in another currency than this
        reminder's."""
        self.ensure_one()
        return self.env._(
            "La facture %(move)s est en %(currency)s : une relance ne réclame "
            "que des montants en %(own)s, traitez ce client à la main. / "
            "Invoice %(move)s is in %(currency)s: a reminder claims amounts in "
            "%(own)s only, handle this customer by hand.",
            move=foreign.display_name,
            currency=foreign.currency_id.name,
            own=self.currency_id.name,
        )

    def _stale_problem(self, lines_problem=None):
        """Why the amounts of this unsent reminder are not the ones to claim
        ('' when they are): an invoice cancelled, reset to draft, paid or partly
        paid since the reminder was prepared, an invoice in another currency than
        the reminder's, or totals that no longer add up to the lines."""
        self.ensure_one()
        currency = self.currency_id
        if lines_problem is None:
            lines_problem = self._lines_problems()[self.id]
        if lines_problem:
            return lines_problem
        for line in self.line_ids:
            move = line.move_id
            if move.state != "posted":
                return self.env._(
                    "La facture %(move)s n'est plus validée (annulée ou remise en "
                    "brouillon) depuis la préparation de la relance : annulez cette "
                    "relance. / Invoice %(move)s is no longer posted (cancelled or reset "
                    "to draft) since the reminder was prepared: cancel this reminder.",
                    move=move.display_name,
                )
            now = (
                line.move_line_id.amount_residual
                if line.move_line_id
                else move.amount_residual_signed
            )
            if currency.compare_amounts(now, line.amount_residual):
                return self.env._(
                    "Le reste dû de la facture %(move)s a changé depuis la préparation "
                    "de la relance (%(then)s → %(now)s) : annulez cette relance, le "
                    "prochain passage en prépare une à jour. / The amount due on "
                    "invoice %(move)s changed since the reminder was prepared "
                    "(%(then)s → %(now)s): cancel this reminder, the next run prepares "
                    "an up-to-date one.",
                    move=move.display_name,
                    then=currency.format(line.amount_residual),
                    now=currency.format(now),
                )
        if currency.compare_amounts(
            self.amount_due, sum(self.line_ids.mapped("amount_residual"))
        ):
            return self.env._(
                "Le montant dû de la relance %(name)s ne correspond plus à ses "
                "factures : annulez-la. / The overdue amount of reminder %(name)s no "
                "longer matches its invoices: cancel it.",
                name=self.name,
            )
        return ""

    def _perform_channels(self):
        """Phone activity; a letter is kept for printing, and its email copy
        leaves when it is posted (the copy says "sent to you today by
        registered letter"); an email alone is handed to the mail queue. The
        reminder is sent once every channel is done (see :meth:`_channels_done`)."""
        self.ensure_one()
        if self.channel_phone:
            self._schedule_call()
        if self.level_id.is_litigation:
            self._schedule_litigation_handover()
        if self._has_letter():
            self._attach_letter()
            self.state = "to_print"
        elif self.channel_email:
            self._send_email()
            self.state = "sending"
        else:
            self._mark_sent()

    def _has_letter(self):
        self.ensure_one()
        return self.channel_letter or self.channel_registered

    def _channels_done(self):
        """Whether every channel of this reminder is done: its email accepted by
        the mail server, its letter posted (a phone call is done once the
        collector has the task)."""
        self.ensure_one()
        email_done = not self.channel_email or bool(self.email_sent_date)
        letter_done = not self._has_letter() or bool(self.letter_posted_date)
        return email_done and letter_done

    def _send_email(self):
        template = self.level_id.mail_template_id
        attachments = (
            self._attach_letter()
            if self.level_id.report_id
            else self.env["ir.attachment"]
        )
        if self.level_id.attach_invoices:
            attachments |= self._invoice_attachments()
        message = self.with_context(lang=self.contact_id.lang).message_post_with_source(
            template,
            partner_ids=self.contact_id.ids,
            attachment_ids=attachments.ids,
            subtype_xmlid="mail.mt_comment",
        )
        self.mail_message_id = message[:1].id if message else False
        if (
            not self.env["mail.mail"]
            .sudo()
            .search_count([("mail_message_id", "in", message.ids)])
        ):
            raise UserError(
                self.env._(
                    "Aucun email n'a été produit pour %(contact)s. / No email was "
                    "produced for %(contact)s.",
                    contact=self.contact_id.display_name,
                )
            )

    # -------------------------------------------------------- DOCUMENTS

    def _prepare_documents(self):
        """Render the letters and invoice copies these reminders need, one
        wkhtmltopdf process per batch of documents instead of one per document."""
        needs_letter = self.filtered(
            lambda e: (
                e.level_id.report_id
                and (e.channel_letter or e.channel_registered or e.channel_email)
                and not e._letter_attachment()
            )
        )
        for report in needs_letter.level_id.report_id:
            events = needs_letter.filtered(
                lambda e, r=report: e.level_id.report_id == r
            )
            pdfs = self.env["ir.actions.report"]._relance_render_batch(
                report, events, marker=lambda e: f"({e.name})"
            )
            events._store_letters(pdfs)
        with_invoices = self.filtered(
            lambda e: e.channel_email and e.level_id.attach_invoices
        )
        if with_invoices:
            with_invoices._store_invoice_copies(with_invoices.line_ids.move_id)

    def _letter_attachment(self):
        self.ensure_one()
        return self.attachment_ids.filtered(
            lambda att: (
                att.res_model == self._name and att.name == self._letter_filename()
            )
        )

    def _letter_filename(self):
        return f"{self.name.replace('/', '-')}.pdf"

    def _store_letters(self, pdfs):
        """Attach ``pdfs`` ({event id: bytes}) to their reminders."""
        events = self.filtered(lambda e: e.id in pdfs)
        attachments = self.env["ir.attachment"].create(
            [
                {
                    "name": event._letter_filename(),
                    "raw": pdfs[event.id],
                    "res_model": self._name,
                    "res_id": event.id,
                    "mimetype": "application/pdf",
                }
                for event in events
            ]
        )
        for event, attachment in zip(events, attachments, strict=True):
            event.attachment_ids = [Command.link(attachment.id)]

    def _store_invoice_copies(self, moves):
        """Attach to each reminder a copy of its invoices, rendered once each."""
        report = self.env.ref("account.account_invoices")
        pdfs = self.env["ir.actions.report"]._relance_render_batch(
            report, moves, marker=lambda move: move.name
        )
        vals_list, owners = [], []
        for event in self:
            for move in event.line_ids.move_id:
                if move.id not in pdfs:
                    continue
                vals_list.append(
                    {
                        "name": f"{move._get_report_base_filename()}.pdf",
                        "raw": pdfs[move.id],
                        "res_model": self._name,
                        "res_id": event.id,
                        "mimetype": "application/pdf",
                    }
                )
                owners.append(event)
        attachments = self.env["ir.attachment"].create(vals_list)
        for event, attachment in zip(owners, attachments, strict=True):
            event.attachment_ids = [Command.link(attachment.id)]

    def _attach_letter(self):
        """The reminder's letter, rendered now if the batch did not render it."""
        self.ensure_one()
        report = self.level_id.report_id
        existing = self._letter_attachment()
        if existing or not report:
            return existing
        content, _kind = self.env["ir.actions.report"]._render_qweb_pdf(
            report, self.ids
        )
        self._store_letters({self.id: content})
        return self._letter_attachment()

    def _invoice_attachments(self):
        """The invoice copies attached to this reminder, rendered now if missing."""
        self.ensure_one()
        copies = self.attachment_ids.filtered(
            lambda att: (
                att.res_model == self._name and att.name != self._letter_filename()
            )
        )
        if copies:
            return copies
        self._store_invoice_copies(self.line_ids.move_id)
        return self.attachment_ids.filtered(
            lambda att: att.name != self._letter_filename()
        )

    def _sealed_documents(self):
        """``{attachment id: SHA-256}`` of the documents the seal records."""
        self.ensure_one()
        payload = _load_payload(self.sudo().seal_payload) or {}
        return {
            doc["id"]: doc["sha256"]
            for doc in payload.get("content", {}).get("documents", [])
        }

    def _relance_sealed_letter(self):
        """The letter this reminder sent, as its seal records it; an empty
        recordset while the reminder is not sealed.

        A sealed reminder without that letter (none was sent, or it was removed
        or changed since) is an error: printing another document in its place
        would misrepresent what the customer received."""
        self.ensure_one()
        event = self.sudo()
        if not event.seal_hash:
            return self.env["ir.attachment"]
        sealed = event._sealed_documents()
        letter = event._letter_attachment().filtered(lambda att: att.id in sealed)[:1]
        if not letter:
            raise UserError(
                self.env._(
                    "Reminder %(name)s has no sealed letter (none was sent with it, "
                    "or it was removed): there is no document to reprint.",
                    name=event.name,
                )
            )
        if sealed[letter.id] != _sha256(letter.raw):
            raise UserError(
                self.env._(
                    "The stored letter of reminder %(name)s is not the one its seal "
                    "records: it is not printed. Run Check integrity.",
                    name=event.name,
                )
            )
        return letter

    def _relance_sealed_document_name(self):
        """The ``attachment`` expression of the letter reports (with
        ``attachment_use``): the file name of the letter a sealed reminder
        sent, so that Odoo returns it byte for byte instead of rendering a new
        one; ``False`` for a reminder not sealed yet, printed as a fresh
        preview and never stored by the report (see
        ``ir.actions.report._prepare_pdf_report_attachment_vals_list``)."""
        return self._relance_sealed_letter().name or False

    # ---------------------------------------------------------- OUTCOMES

    def _schedule_call(self):
        level = self.level_id
        responsible = self.partner_id.user_id or self.env.user
        self.activity_schedule(
            activity_type_id=level.activity_type_id.id,
            summary=self.env._(
                "Appeler %(partner)s / Call %(partner)s",
                partner=self.partner_id.display_name,
            ),
            user_id=responsible.id,
            date_deadline=self.date,
        )

    def _schedule_litigation_handover(self):
        """The litigation step writes to nobody: the person in charge of the
        customer gets the file to take over."""
        self.ensure_one()
        responsible = self.partner_id.user_id or self.env.user
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._(
                "Take over the litigation file of %(partner)s",
                partner=self.partner_id.display_name,
            ),
            user_id=responsible.id,
            date_deadline=self.date,
        )

    def _mark_sent(self):
        """Sent: sealed in the company's chain, invoices at their level. Does
        nothing on an empty recordset."""
        if not self:
            return
        for event in self:
            event._audit_sealing().write({"state": "sent"})
            event._audit_seal()
        self._write_invoice_levels()

    def _mark_failed(self, reason):
        """Not sent: the reason is kept, the invoices stay at their level (a
        level is applied once its reminder is sent; the restore only concerns
        reminders created before that rule), and the next daily run tries again
        (a failed reminder is not pending)."""
        for event in self:
            event._restore_invoice_levels()
            event.write({"state": "failed", "failure_reason": reason})
            event._message_log(
                body=self.env._("Sending failed: %(reason)s", reason=reason)
            )

    @api.model
    def _on_mail_result(
        self, mails, success_pids=None, failure_type=None, failure_reason=False
    ):
        """Called by the mail queue for the mails it processed: the acceptance
        of the email to the reminder's contact (date, Message-ID) or its failure
        is recorded on the reminder, which is sent once all its channels are
        done. Copies to followers neither send nor fail the reminder. Whatever
        happens here, Odoo's mail queue goes on: a reminder that cannot be
        sealed now is sealed by the next dispatcher run."""
        events = self.sudo().search(
            [
                ("mail_message_id", "in", mails.mail_message_id.ids),
                ("state", "in", ("sending", "to_print")),
                ("email_sent_date", "=", False),
            ]
        )
        if not events:
            return
        accepted = set(success_pids or ())
        now = fields.Datetime.now()
        for event in events:
            mail = next(m for m in mails if m.mail_message_id == event.mail_message_id)
            contact = event.contact_id
            for_contact = contact in mail.recipient_ids or not mail.recipient_ids
            if contact.id in accepted or (for_contact and not failure_type):
                event.write(
                    {"email_sent_date": now, "email_message_ref": mail.message_id}
                )
                event._seal_if_done()
            elif failure_type and for_contact:
                event._email_failed(
                    failure_reason or mail.failure_reason or failure_type
                )

    def _email_failed(self, reason):
        """The email could not leave: the reminder fails, unless its letter
        was already posted (the letter is what counts; the failed copy is
        recorded and the reminder is sent without it)."""
        self.ensure_one()
        if not self.letter_posted_date:
            self._mark_failed(reason)
            return
        self.write({"email_failure_reason": reason})
        self._message_log(
            body=self.env._(
                "The email copy of the posted letter could not leave: %(reason)s",
                reason=reason,
            )
        )
        self._seal_if_done(email_failed=True)

    def _seal_if_done(self, email_failed=False):
        """Mark sent those of these reminders whose channels are all done, each
        in its own savepoint: a reminder that cannot be sealed now stays as it
        is and is sealed by :meth:`_seal_accepted_emails`."""
        for event in self:
            if not (event._channels_done() or email_failed):
                continue
            try:
                with self.env.cr.savepoint():
                    event._mark_sent()
            except Exception:  # noqa: BLE001 — never break the mail queue
                _logger.exception("Reminder %s could not be sealed yet", event.name)

    @api.model
    def _seal_accepted_emails(self):
        """Seal the reminders whose email left but which are not sealed yet
        (their sealing failed while the mail queue ran)."""
        events = self.sudo().search(
            [("state", "=", "sending"), ("email_sent_date", "!=", False)]
        )
        events._seal_if_done()

    def _post_messages(self):
        """One line in the chatter of the customer and of each invoice."""
        bodies = defaultdict(dict)
        for event in self:
            body = self.env._(
                "Relance %(name)s (%(level)s, %(state)s) du %(date)s. / Reminder %(name)s "
                "(%(level)s, %(state)s) of %(date)s.",
                name=event.name,
                level=event.level_id.name,
                state=dict(STATES)[event.state],
                date=event.date,
            )
            for record in [*event.line_ids.move_id, event.partner_id]:
                bodies[record._name][record.id] = body
        for model, by_id in bodies.items():
            self.env[model].sudo().browse(list(by_id))._message_log_batch(bodies=by_id)

    # ------------------------------------------------------------ ACTIONS

    def action_send(self):
        """The review screen's button: performs reviewed (or failed) reminders
        now, or records printed letters as posted today."""
        self._send_on(self._departure_day())
        return True

    def _send_on(self, day):
        """What *Send* does on ``day``: reviewed or failed reminders leave,
        letters to print are recorded as posted."""
        to_perform = self.browse()
        for event in self:
            if event.state in ("to_review", "failed"):
                problem = event._sending_problem()
                if problem:
                    raise UserError(problem)
                to_perform |= event
            elif event.state == "to_print":
                event._record_posting(day)
            else:
                raise UserError(
                    self.env._(
                        "Reminder %(name)s is already sent, being sent or cancelled.",
                        name=event.name,
                    )
                )
        if to_perform:
            to_perform.write({"failure_reason": False, "user_id": self.env.user.id})
            to_perform._dispatch(day, checked=True)

    def _record_posting(self, day):
        """The letter of this reminder was posted on ``day``: its email copy, if
        any, now leaves with the letter attached; the reminder is sent once
        every channel is done."""
        self.ensure_one()
        problem = self._stale_problem()
        if problem:
            raise UserError(problem)
        if self.channel_registered and not (self.registered_number or "").strip():
            raise UserError(
                self.env._(
                    "Enter the registered letter number of %(name)s.",
                    name=self.name,
                )
            )
        self.write({"letter_posted_date": day, "user_id": self.env.user.id})
        if self.channel_email and not self.email_sent_date:
            self.with_context(mail_notify_force_send=False)._send_email()
            self.state = "sending"
            self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger()
        else:
            self._mark_sent()

    def action_cancel(self, reason=None):
        if reason is None:
            reason = self.env.context.get("relance_cancel_reason")
        if reason is None:
            return {
                "type": "ir.actions.act_window",
                "res_model": "account.relance.event.cancel",
                "view_mode": "form",
                "target": "new",
                "context": {"default_event_ids": self.ids},
            }
        reason = self._required_reason(reason)
        for event in self:
            if event.state == "cancelled":
                continue
            event._restore_invoice_levels()
            event._audit_sealing().write(
                {
                    "state": "cancelled",
                    "cancel_reason": reason,
                    "cancel_date": fields.Datetime.now(),
                    "cancel_user_id": self.env.user.id,
                }
            )
            if event.seal_hash:
                event._audit_seal(cancellation=True)
        return True

    @api.model
    def _required_reason(self, reason):
        """``reason`` without its surrounding blanks; a blank reason is refused."""
        text = reason.strip() if isinstance(reason, str) else ""
        if not text:
            raise UserError(self.env._("Give a reason: it is kept in the history."))
        return text

    def _restore_invoice_levels(self):
        self.ensure_one()
        for line in self.line_ids.filtered("advances_level"):
            if line.move_id.relance_level_id == line.new_level_id:
                line.move_id.sudo().write(
                    {
                        "relance_level_id": line.previous_level_id.id,
                        "relance_level_sent": line.previous_level_sent,
                    }
                )

    def action_print_letter(self):
        """Print the letters of the selected reminders in one PDF. Every level
        names its letter report; a selection mixing reports (e.g. registered
        letters and mises en demeure) is refused: print it level by level."""
        if not self:
            return False
        without = self.filtered(lambda event: not event.level_id.report_id)
        if without:
            raise UserError(
                self.env._(
                    "Le niveau de ces relances n'a pas de lettre : %(names)s. / "
                    "The level of these reminders has no letter: %(names)s.",
                    names=", ".join(without.mapped("name")),
                )
            )
        reports = self.level_id.report_id
        if len(reports) > 1:
            raise UserError(
                self.env._(
                    "Ces relances utilisent des lettres différentes (%(reports)s) : "
                    "regroupez la liste par niveau et imprimez chaque groupe. / These "
                    "reminders use different letters (%(reports)s): group the list by "
                    "level and print each group.",
                    reports=", ".join(reports.mapped("name")),
                )
            )
        self._prepare_letters_for_posting(self._departure_day())
        return reports.report_action(self)

    def _prepare_letters_for_posting(self, day):
        """Letters printed to be posted carry the day they are printed: those
        of these reminders waiting to be posted that were rendered for an
        earlier day are dated ``day`` (penalties and deadline with it) and
        rendered again, once for all of them."""
        to_print = self.filtered(
            lambda event: event.state == "to_print" and event.date != day
        )
        if not to_print:
            return
        for event in to_print:
            problem = event._stale_problem()
            if problem:
                raise UserError(problem)
        ready = to_print._refresh_for_departure(day)
        failed = to_print - ready
        if failed:
            raise UserError("\n".join(failed.mapped("failure_reason")))
        ready._prepare_documents()

    def action_skip(self):
        """Do not send these pending reminders: cancelled (never sent, so not
        sealed) with the reason "Skipped by <user>", the invoices back to their
        previous level. The daily run does not recreate them the same day."""
        self._check_pending()
        reason = self.env._("Skipped by %(user)s", user=self.env.user.name)
        self.write({"skipped": True})
        return self.action_cancel(reason=reason)

    def action_postpone(self):
        """Ask until when the selected pending reminders wait."""
        self._check_pending()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Postpone reminders"),
            "res_model": "account.relance.event.postpone",
            "view_mode": "form",
            "target": "new",
            "context": {"default_event_ids": self.ids},
        }

    def _postpone(self, until):
        """Leave the queue until ``until``; the invoices keep their level and the
        run creates no other reminder for these customers meanwhile."""
        self._check_pending()
        if until <= fields.Date.context_today(self):
            raise UserError(
                self.env._(
                    "Choisissez une date après aujourd'hui. / Choose a date after today."
                )
            )
        self.write({"postponed_until": until})

    def _check_pending(self):
        done = self.filtered(lambda event: event.state not in SKIPPABLE_STATES)
        if done:
            raise UserError(
                self.env._(
                    "Seules les relances en attente (à relire, à envoyer, à imprimer, en "
                    "échec) peuvent être reportées ou ignorées : %(names)s. / Only "
                    "pending reminders (to review, to send, to print, failed) can be "
                    "postponed or skipped: %(names)s.",
                    names=", ".join(done.mapped("name")),
                )
            )

    # ----------------------------------------------------- AUDIT: THE CHAIN

    def _audit_sealing(self):
        """This recordset allowed to write its seal (see ``_write_breaks_seal``)."""
        return self.with_context(**{SEAL_CONTEXT_KEY: _SEAL_TOKEN})

    @api.model
    def _audit_lock_chain(self, company):
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
        head = self._audit_entries_sql(company, head_only=True)
        return head[0][:2] if head else (0, SEAL_GENESIS)

    @api.model
    def _audit_entries_sql(self, company, head_only=False):
        """Every chain entry of the company, ``(sequence, hash, event id, kind)``
        in chain order, or only the last one with ``head_only``."""
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
                   ) entries ORDER BY %s""",
                company.id,
                company.id,
                order,
            )
        )
        return self.env.cr.fetchall()

    def _audit_seal(self, cancellation=False):
        """Append this event (or its cancellation) to its company's chain."""
        self.ensure_one()
        sequence, previous_hash = self._audit_lock_chain(self.company_id)
        sequence += 1
        payload = {
            "version": SEAL_VERSION,
            "content": self._audit_content(
                "cancel" if cancellation else "sent", sequence, previous_hash
            ),
            "labels": self._audit_labels(cancellation),
        }
        text = _canonical(payload)
        digest = _sha256(text.encode())
        prefix = "cancel_seal" if cancellation else "seal"
        vals = {
            f"{prefix}_sequence": sequence,
            f"{prefix}_previous_hash": previous_hash,
            f"{prefix}_hash": digest,
            f"{prefix}_payload": text,
        }
        if not cancellation:
            vals["seal_date"] = fields.Datetime.now()
        self._audit_sealing().write(vals)
        self.env.cr.execute(
            "UPDATE ir_config_parameter SET value = %s WHERE key = %s",
            [f"{sequence}:{digest}", SEAL_HEAD_PARAM % self.company_id.id],
        )
        self._message_log(
            body=self.env._(
                "Scellé n° %(sequence)s de la chaîne des relances, SHA-256 %(hash)s. / "
                "Sealed as entry %(sequence)s of the reminder chain, SHA-256 %(hash)s.",
                sequence=sequence,
                hash=digest,
            )
        )
        return digest

    def _audit_amount(self, value):
        digits = self.company_id.currency_id.decimal_places or 0
        return float_repr(float_round(value or 0.0, precision_digits=digits), digits)

    def _audit_documents(self):
        """``[{id, sha256, size}]`` of the documents sent, from their bytes
        (``ir.attachment.checksum`` is SHA-1)."""
        documents = []
        for attachment in self.sudo().attachment_ids.sorted("id"):
            raw = attachment.raw or b""
            documents.append(
                {"id": attachment.id, "sha256": _sha256(raw), "size": len(raw)}
            )
        return documents

    def _audit_content(self, kind, sequence, previous_hash):
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
                for channel in ("email", "letter", "registered", "phone")
                if event[f"channel_{channel}"]
            ],
            show_penalties=event.show_penalties,
            user_id=event.user_id.id or 0,
            registered_number=event.registered_number or "",
            mail_message_id=event.mail_message_id.id or 0,
            amount_due=event._audit_amount(event.amount_due),
            interest_total=event._audit_amount(event.interest_total),
            indemnity_total=event._audit_amount(event.indemnity_total),
            total_claim=event._audit_amount(event.total_claim),
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
                    "amount_total": event._audit_amount(line.amount_total),
                    "amount_paid": event._audit_amount(line.amount_paid),
                    "amount_residual": event._audit_amount(line.amount_residual),
                    "interest": event._audit_amount(line.interest),
                    "indemnity": event._audit_amount(line.indemnity),
                    "penalty_detail": line.penalty_detail or "",
                    "new_level_id": line.new_level_id.id or 0,
                }
                for line in event.line_ids.sorted("id")
            ],
            documents=event._audit_documents(),
        )
        return content

    def _audit_labels(self, cancellation=False):
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

    # ---------------------------------------------- AUDIT: INTEGRITY CHECK

    def _audit_finding(self, code, message, sequence=None):
        return {
            "code": code,
            "sequence": sequence,
            "event_id": self.id or False,
            "event_name": self.name or "",
            "message": message,
        }

    @api.model
    def _audit_check_chain(self, company):
        """Recompute the whole chain of ``company``; return the findings (empty
        when intact). Each finding is a dict ``code, sequence, event_id,
        event_name, message`` (message in French / English). Codes: ``altered``
        (stored content differs from its seal), ``document`` (a document's bytes
        or presence changed), ``seal`` (hash not the SHA-256 of its payload),
        ``link`` (previous hash not the one of the entry before), ``gap``
        (entries missing: deleted events), ``duplicate`` (two entries with one
        number), ``unsealed`` (sent or cancelled-after-sending without its
        seal), ``state`` (sealed event no longer in a sealed state), ``head``
        (the recorded chain head is not the last entry: tail deleted)."""
        company.ensure_one()
        self.env.flush_all()
        self.env.invalidate_all()
        Event = self.sudo().with_context(active_test=False)
        findings = []
        events = Event.search([("company_id", "=", company.id)], order="id")
        for event in events:
            findings += event._audit_check_state()
        entries = self._audit_entries_sql(company)
        expected, previous_hash = 1, SEAL_GENESIS
        seen = {}
        for sequence, digest, event_id, kind in entries:
            event = Event.browse(event_id)
            if sequence in seen:
                findings.append(
                    event._audit_finding(
                        "duplicate",
                        self.env._(
                            "Le numéro %(sequence)s est utilisé par %(other)s et "
                            "%(name)s : la chaîne a bifurqué. / Entry number "
                            "%(sequence)s is used by %(other)s and %(name)s: the "
                            "chain forked.",
                            sequence=sequence,
                            other=seen[sequence],
                            name=event.name,
                        ),
                        sequence,
                    )
                )
                continue
            seen[sequence] = event.name
            if sequence > expected:
                findings.append(
                    event._audit_finding(
                        "gap",
                        self.env._(
                            "Entrées %(first)s à %(last)s absentes de la chaîne : "
                            "relance(s) supprimée(s). / Entries %(first)s to "
                            "%(last)s are missing from the chain: deleted "
                            "reminder(s).",
                            first=expected,
                            last=sequence - 1,
                        ),
                        expected,
                    )
                )
            elif sequence < expected:
                findings.append(
                    event._audit_finding(
                        "gap",
                        self.env._(
                            "Numéro d'entrée invalide %(sequence)s pour %(name)s. / "
                            "Invalid entry number %(sequence)s for %(name)s.",
                            sequence=sequence,
                            name=event.name,
                        ),
                        sequence,
                    )
                )
            findings += event._audit_check_entry(
                kind, sequence, digest, previous_hash if sequence == expected else None
            )
            expected, previous_hash = sequence + 1, digest
        findings += self._audit_check_head(company, entries)
        return findings

    def _audit_check_state(self):
        self.ensure_one()
        if self.state == "sent" and not self.seal_hash:
            message = self.env._(
                "La relance %(name)s est envoyée mais n'est pas scellée. / Reminder "
                "%(name)s is sent but has no seal.",
                name=self.name,
            )
        elif self.state == "cancelled" and self.seal_hash and not self.cancel_seal_hash:
            message = self.env._(
                "La relance envoyée %(name)s est annulée sans scellé d'annulation. / "
                "Sent reminder %(name)s is cancelled without a cancellation seal.",
                name=self.name,
            )
        elif (self.seal_hash and self.state not in ("sent", "cancelled")) or (
            self.cancel_seal_hash and self.state != "cancelled"
        ):
            message = self.env._(
                "La relance scellée %(name)s est passée à l'état « %(state)s ». / "
                "Sealed reminder %(name)s was moved to state '%(state)s'.",
                name=self.name,
                state=self.state,
            )
        else:
            return []
        code = "state" if self.seal_hash or self.cancel_seal_hash else "unsealed"
        return [self._audit_finding(code, message, self.seal_sequence or None)]

    def _audit_check_entry(self, kind, sequence, digest, previous_hash):
        """Findings of one entry; ``previous_hash`` None after a gap."""
        self.ensure_one()
        prefix = "cancel_seal" if kind == "cancel" else "seal"
        text = self[f"{prefix}_payload"] or ""
        stored_previous = self[f"{prefix}_previous_hash"]
        findings = []
        payload = _load_payload(text)
        if _sha256(text.encode()) != digest or not payload:
            findings.append(
                self._audit_finding(
                    "seal",
                    self.env._(
                        "Entrée %(sequence)s (%(name)s) : l'empreinte enregistrée "
                        "n'est pas le SHA-256 du contenu scellé (scellé modifié). / "
                        "Entry %(sequence)s (%(name)s): the stored hash is not the "
                        "SHA-256 of the sealed content (seal altered).",
                        sequence=sequence,
                        name=self.name,
                    ),
                    sequence,
                )
            )
        if previous_hash is not None and stored_previous != previous_hash:
            findings.append(
                self._audit_finding(
                    "link",
                    self.env._(
                        "Entrée %(sequence)s (%(name)s) : le lien vers l'entrée "
                        "précédente est rompu. / Entry %(sequence)s (%(name)s): the "
                        "link to the previous entry is broken.",
                        sequence=sequence,
                        name=self.name,
                    ),
                    sequence,
                )
            )
        if not payload:
            return findings
        sealed = payload.get("content") or {}
        current = self._audit_content(kind, sequence, stored_previous)
        labels = payload.get("labels") or {}
        findings += self._audit_compare(sequence, sealed, current, labels)
        return findings

    @api.model
    def _audit_diff_by_id(self, sealed, current, labels, describe, shown):
        """Differences between two lists of dicts keyed by ``id``: added and
        removed entries (``shown`` gives what to print) and changed ones
        (``describe(label, old, new)`` gives the lines)."""
        sealed_by_id = {entry["id"]: entry for entry in sealed}
        current_by_id = {entry["id"]: entry for entry in current}
        changes = []
        for entry_id in sorted(set(sealed_by_id) | set(current_by_id)):
            label = labels.get(str(entry_id)) or f"#{entry_id}"
            old, new = sealed_by_id.get(entry_id), current_by_id.get(entry_id)
            if old is None:
                changes.append(f"{label}: + {shown(new)}")
            elif new is None:
                changes.append(f"{label}: - {shown(old)}")
            else:
                changes += describe(label, old, new)
        return changes

    def _audit_compare(self, sequence, sealed, current, labels):
        """Name what differs between the sealed content and the stored event."""
        changes, documents = [], []
        for key in sorted((set(sealed) | set(current)) - {"lines", "documents"}):
            if sealed.get(key) != current.get(key):
                changes.append(f"{key}: {sealed.get(key)!r} → {current.get(key)!r}")
        changes += self._audit_diff_by_id(
            sealed.get("lines", []),
            current.get("lines", []),
            labels.get("invoices", {}),
            lambda label, old, new: [
                f"{label} {key}: {old.get(key)!r} → {new.get(key)!r}"
                for key in sorted(set(old) | set(new))
                if old.get(key) != new.get(key)
            ],
            lambda entry: entry,
        )
        documents += self._audit_diff_by_id(
            sealed.get("documents", []),
            current.get("documents", []),
            labels.get("documents", {}),
            lambda label, old, new: (
                [f"{label}: {old['sha256']} → {new['sha256']}"]
                if old["sha256"] != new["sha256"]
                else []
            ),
            lambda entry: entry["sha256"],
        )
        findings = []
        if changes:
            findings.append(
                self._audit_finding(
                    "altered",
                    self.env._(
                        "Entrée %(sequence)s : la relance %(name)s a été modifiée "
                        "après son scellement (%(changes)s). / Entry %(sequence)s: "
                        "reminder %(name)s was altered after it was sealed "
                        "(%(changes)s).",
                        sequence=sequence,
                        name=self.name,
                        changes="; ".join(changes),
                    ),
                    sequence,
                )
            )
        if documents:
            findings.append(
                self._audit_finding(
                    "document",
                    self.env._(
                        "Entrée %(sequence)s : les documents envoyés avec %(name)s "
                        "ne correspondent plus à leur empreinte SHA-256 "
                        "(%(changes)s). / Entry %(sequence)s: the documents sent "
                        "with %(name)s no longer match their SHA-256 "
                        "(%(changes)s).",
                        sequence=sequence,
                        name=self.name,
                        changes="; ".join(documents),
                    ),
                    sequence,
                )
            )
        return findings

    @api.model
    def _audit_check_head(self, company, entries):
        """The head recorded outside the events (system parameter updated at
        every seal) catches the deletion of the last entries."""
        self.env.cr.execute(
            "SELECT value FROM ir_config_parameter WHERE key = %s",
            [SEAL_HEAD_PARAM % company.id],
        )
        row = self.env.cr.fetchone()
        if not row and not entries:
            return []
        head_sequence, _sep, head_hash = (row[0] if row else "").partition(":")
        last_sequence, last_hash = entries[-1][:2] if entries else (0, SEAL_GENESIS)
        if row and head_sequence == str(last_sequence) and head_hash == last_hash:
            return []
        return [
            self.browse()._audit_finding(
                "head",
                self.env._(
                    "La tête de chaîne enregistrée (%(head)s) n'est pas la dernière "
                    "entrée (%(last)s) : des entrées finales ont été supprimées ou "
                    "modifiées. / The recorded chain head (%(head)s) is not the last "
                    "entry (%(last)s): final entries were deleted or altered.",
                    head=head_sequence or "-",
                    last=last_sequence,
                ),
                int(head_sequence) if head_sequence.isdigit() else None,
            )
        ]

    @api.model
    def _audit_chain_summary(self, company):
        """The check's result, ready for reports and exports."""
        findings = self._audit_check_chain(company)
        entries = self._audit_entries_sql(company)
        return {
            "company": company,
            "ok": not findings,
            "findings": findings,
            "entries": len(entries),
            "head_sequence": entries[-1][0] if entries else 0,
            "head_hash": entries[-1][1] if entries else SEAL_GENESIS,
            "checked_at": fields.Datetime.now(),
            "flagged": {f["event_id"] for f in findings if f["event_id"]},
        }

    # -------------------------------------------- AUDIT: HISTORY AND EXPORTS

    @api.model
    def _audit_sections(self, docs):
        """The history to print or export for customers, invoices, events or
        companies: one section per subject and company."""
        Event = self.env["account.relance.event"]
        subjects = []
        if docs._name == "res.partner":
            for partner in docs:
                commercial = partner.commercial_partner_id
                events = Event.search([("partner_id", "child_of", commercial.id)])
                subjects.append(
                    (
                        self.env._("Client / Customer"),
                        commercial.display_name,
                        commercial.vat,
                        events,
                        None,
                    )
                )
        elif docs._name == "account.move":
            for move in docs:
                events = Event.search([("line_ids.move_id", "=", move.id)])
                subjects.append(
                    (
                        self.env._("Facture / Invoice"),
                        move.name,
                        move.partner_id.commercial_partner_id.display_name,
                        events,
                        move,
                    )
                )
        elif docs._name == "res.company":
            for company in docs:
                subjects.append(
                    (
                        self.env._("Société / Company"),
                        company.name,
                        company.vat,
                        Event.browse(),
                        company,
                    )
                )
        else:
            subjects.append(
                (
                    self.env._("Sélection / Selection"),
                    ", ".join(docs.sorted("id").mapped("name")),
                    "",
                    docs,
                    None,
                )
            )
        sections, summaries = [], {}
        for kind, title, subtitle, events, restrict in subjects:
            companies = (
                restrict if restrict and restrict._name == "res.company" else None
            ) or events.company_id
            for company in companies or self.env.company:
                if company.id not in summaries:
                    summaries[company.id] = self._audit_chain_summary(company)
                company_events = events.filtered(
                    lambda e, c=company: e.company_id == c
                ).sorted(lambda e: (e.date, e.id))
                sections.append(
                    {
                        "kind": kind,
                        "title": title,
                        "subtitle": subtitle or "",
                        "company": company,
                        "events": company_events,
                        "move": restrict
                        if restrict and restrict._name == "account.move"
                        else None,
                        "check": summaries[company.id],
                        "integrity_only": docs._name == "res.company",
                    }
                )
        return sections

    def _audit_lines(self, move=None):
        self.ensure_one()
        lines = self.line_ids.sorted("id")
        return lines.filtered(lambda line: line.move_id == move) if move else lines

    def _audit_documents_table(self):
        """``[(name, sha256 sealed, size)]`` for the report and the export."""
        self.ensure_one()
        payload = _load_payload(self.seal_payload) or {}
        names = payload.get("labels", {}).get("documents", {})
        if payload:
            return [
                (names.get(str(doc["id"]), str(doc["id"])), doc["sha256"], doc["size"])
                for doc in payload.get("content", {}).get("documents", [])
            ]
        return [
            (doc_att.name, "", doc_att.file_size)
            for doc_att in self.sudo().attachment_ids.sorted("id")
        ]

    def _audit_channels_label(self):
        self.ensure_one()
        return ", ".join(
            self._fields[name]._description_string(self.env)
            for name in (
                "channel_email",
                "channel_letter",
                "channel_registered",
                "channel_phone",
            )
            if self[name]
        )

    @api.model
    def _audit_xlsx(self, sections):
        """The history as an .xlsx: one sheet of events, one of invoice lines,
        one of document fingerprints, one of integrity findings."""
        from openpyxl import Workbook
        from openpyxl.styles import Font

        workbook = Workbook()
        sheets = {
            "events": workbook.active,
            "lines": workbook.create_sheet(),
            "documents": workbook.create_sheet(),
            "integrity": workbook.create_sheet(),
        }
        sheets["events"].title = "Relances - Reminders"
        sheets["lines"].title = "Factures - Invoices"
        sheets["documents"].title = "Documents"
        sheets["integrity"].title = "Intégrité - Integrity"
        headers = {
            "events": [
                "Sujet / Subject",
                "Société / Company",
                "Relance / Reminder",
                "Date",
                "Niveau / Level",
                "Canaux / Channels",
                "Client / Customer",
                "Destinataire / Sent to",
                "Utilisateur / User",
                "État / State",
                "Échéance de paiement / Payment deadline",
                "N° recommandé / Registered number",
                "Montant dû / Overdue",
                "Intérêts / Interest",
                "Indemnités / Indemnities",
                "Total réclamé / Total claimed",
                "Devise / Currency",
                "N° scellé / Seal number",
                "Scellé / Seal SHA-256",
                "Scellé précédent / Previous seal",
                "Scellé le / Sealed on",
                "Motif d'annulation / Cancel reason",
                "Annulée le / Cancelled on",
                "N° scellé annulation / Cancel seal number",
                "Scellé annulation / Cancel seal SHA-256",
                "Anomalie / Finding",
            ],
            "lines": [
                "Relance / Reminder",
                "Date",
                "Facture / Invoice",
                "Date facture / Invoice date",
                "Échéance / Due date",
                "Jours de retard / Days late",
                "Montant TTC / Amount incl. VAT",
                "Payé / Paid",
                "Reste dû / Remaining",
                "Intérêts / Interest",
                "Indemnité / Indemnity",
            ],
            "documents": [
                "Relance / Reminder",
                "Document",
                "SHA-256",
                "Octets / Bytes",
            ],
            "integrity": [
                "Société / Company",
                "Vérifié le / Checked on",
                "Entrées / Entries",
                "Tête / Head",
                "Code",
                "N°",
                "Relance / Reminder",
                "Message",
            ],
        }
        for key, sheet in sheets.items():
            sheet.append(headers[key])
            for cell in sheet[1]:
                cell.font = Font(bold=True)
            sheet.freeze_panes = "A2"
        done, checked = set(), set()
        for section in sections:
            check = section["check"]
            flagged = {}
            for finding in check["findings"]:
                if finding["event_id"]:
                    flagged.setdefault(finding["event_id"], []).append(finding["code"])
            for event in section["events"]:
                sheets["events"].append(
                    event._audit_xlsx_event_row(section, flagged.get(event.id, []))
                )
                if event.id in done:
                    continue
                done.add(event.id)
                for line in event._audit_lines(section["move"]):
                    sheets["lines"].append(
                        [
                            event.name,
                            event.date,
                            line.move_id.name,
                            line.invoice_date or None,
                            line.due_date,
                            line.days_late,
                            line.amount_total,
                            line.amount_paid,
                            line.amount_residual,
                            line.interest,
                            line.indemnity,
                        ]
                    )
                for name, digest, size in event._audit_documents_table():
                    sheets["documents"].append([event.name, name, digest, size])
            company = section["company"]
            if company.id in checked:
                continue
            checked.add(company.id)
            head = f"{check['head_sequence']}:{check['head_hash']}"
            common = [
                company.name,
                check["checked_at"],
                check["entries"],
                head,
            ]
            if not check["findings"]:
                sheets["integrity"].append(
                    [
                        *common,
                        "ok",
                        None,
                        None,
                        self.env._("Chaîne intègre. / Chain intact."),
                    ]
                )
            for finding in check["findings"]:
                sheets["integrity"].append(
                    [
                        *common,
                        finding["code"],
                        finding["sequence"],
                        finding["event_name"],
                        finding["message"],
                    ]
                )
        for sheet in sheets.values():
            for column in sheet.columns:
                width = max(len(str(cell.value or "")) for cell in column[:50])
                sheet.column_dimensions[column[0].column_letter].width = min(
                    max(width + 2, 10), 70
                )
        stream = io.BytesIO()
        workbook.save(stream)
        return stream.getvalue()

    def _audit_xlsx_event_row(self, section, codes):
        self.ensure_one()
        return [
            f"{section['kind']}: {section['title']}",
            self.company_id.name,
            self.name,
            self.date,
            self.level_id.name,
            self._audit_channels_label(),
            self.partner_id.display_name,
            self.contact_id.display_name or "",
            self.user_id.name or "",
            dict(self._fields["state"]._description_selection(self.env))[self.state],
            self.deadline_date or None,
            self.registered_number or "",
            self.amount_due,
            self.interest_total,
            self.indemnity_total,
            self.total_claim,
            self.currency_id.name,
            self.seal_sequence or None,
            self.seal_hash or "",
            self.seal_previous_hash or "",
            self.seal_date or None,
            self.cancel_reason or "",
            self.cancel_date or None,
            self.cancel_seal_sequence or None,
            self.cancel_seal_hash or "",
            ", ".join(codes),
        ]

    @api.model
    def _audit_action_export(self, docs):
        """Build the spreadsheet of ``docs`` (customers, invoices, events) and
        download it."""
        if not docs:
            raise UserError(self.env._("Rien à exporter. / Nothing to export."))
        sections = self._audit_sections(docs)
        content = self._audit_xlsx(sections)
        stamp = fields.Datetime.context_timestamp(self, fields.Datetime.now())
        subject = sections[0]["title"] if len(docs) == 1 else docs._description
        name = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in subject)
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"relances_audit_{name[:40]}_{stamp:%Y%m%d_%H%M%S}.xlsx",
                "datas": base64.b64encode(content),
                "mimetype": (
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                ),
                "description": "Reminder audit export",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "download",
        }

    def action_audit_export_xlsx(self):
        return self._audit_action_export(self)

    def action_audit_print(self):
        return self.env.ref(
            "account_relance_fr.action_report_relance_audit_event"
        ).report_action(self, config=False)

    def action_audit_check_integrity(self):
        """Check the chain of the events' companies and show the result."""
        companies = self.company_id or self.env.companies
        return self.env.ref(
            "account_relance_fr.action_report_relance_audit_integrity"
        ).report_action(companies, config=False)
