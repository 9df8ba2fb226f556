# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine import dunning
from .account_relance_event import PENDING_STATES

# Written by the reminders on posted invoices; no accounting value among them.
RELANCE_BOOKKEEPING_FIELDS = {
    "relance_level_id",
    "relance_level_sent",
    "relance_last_date",
    "relance_penalty_move_id",
}

EXCLUSIONS = [
    ("dispute", "Dispute"),
    ("promise", "Promise to pay"),
    ("payment_plan", "Payment plan"),
]


class AccountMove(models.Model):
    _inherit = "account.move"

    relance_level_id = fields.Many2one(
        "account.relance.level",
        "Reminder level",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="Last reminder level this invoice reached.",
    )
    relance_level_sent = fields.Boolean(
        "Reminder sent",
        copy=False,
        readonly=True,
        help="The reminder of the current level was actually sent.",
    )
    relance_last_date = fields.Date("Last reminder", copy=False, readonly=True)
    relance_next_date = fields.Date(
        "Next reminder",
        compute="_compute_relance_next_date",
        search="_search_relance_next_date",
    )
    relance_days_late = fields.Integer(
        "Days late",
        aggregator=None,
        compute="_compute_relance_days_late",
        search="_search_relance_days_late",
    )
    relance_exclusion = fields.Selection(
        EXCLUSIONS, "Excluded from reminders", copy=False, tracking=True
    )
    relance_dispute_reason = fields.Text("Dispute reason", copy=False)
    relance_promise_date = fields.Date(
        "Promised payment date", copy=False, tracking=True
    )
    relance_payment_plan = fields.Text("Payment plan", copy=False)
    relance_event_line_ids = fields.One2many(
        "account.relance.event.line", "move_id", "Reminder history", readonly=True
    )
    relance_interest_today = fields.Monetary(
        "Late interest to date",
        compute="_compute_relance_penalties",
        currency_field="company_currency_id",
    )
    relance_indemnity_today = fields.Monetary(
        "Recovery indemnity",
        compute="_compute_relance_penalties",
        currency_field="company_currency_id",
    )
    relance_penalty_detail = fields.Text(
        "Interest detail", compute="_compute_relance_penalties"
    )
    relance_penalty_move_id = fields.Many2one(
        "account.move", "Penalty invoice", copy=False, readonly=True
    )
    relance_source_move_ids = fields.One2many(
        "account.move", "relance_penalty_move_id", "Invoices charged", readonly=True
    )

    # --------------------------------------------------------- CONSTRAINTS

    @api.constrains(
        "relance_exclusion",
        "relance_dispute_reason",
        "relance_promise_date",
        "relance_payment_plan",
    )
    def _check_relance_exclusion(self):
        """An exclusion from reminders says why: a dispute its reason, a
        promise its date, a payment plan its terms (blanks are no reason)."""
        for move in self:
            exclusion = move.relance_exclusion
            if (
                exclusion == "dispute"
                and not (move.relance_dispute_reason or "").strip()
            ):
                raise ValidationError(
                    self.env._(
                        "Give the dispute reason of invoice %(move)s.",
                        move=move.display_name,
                    )
                )
            if exclusion == "promise" and not move.relance_promise_date:
                raise ValidationError(
                    self.env._(
                        "Give the promised payment date of invoice %(move)s.",
                        move=move.display_name,
                    )
                )
            if (
                exclusion == "payment_plan"
                and not (move.relance_payment_plan or "").strip()
            ):
                raise ValidationError(
                    self.env._(
                        "Describe the payment plan of invoice %(move)s.",
                        move=move.display_name,
                    )
                )

    # --------------------------------------------------------------- CRUD

    def write(self, vals):
        # EXTEND 'account': the reminder bookkeeping (level reached, sent, last
        # date) changes no accounting value, so the invoice lines need no
        # synchronisation nor balance check, and the invoice is not "manually
        # modified". This keeps the daily run from paying a full invoice write
        # per reminded invoice.
        moves = self
        if vals and set(vals) <= RELANCE_BOOKKEEPING_FIELDS:
            moves = self.with_context(
                skip_invoice_sync=True,
                check_move_validity=False,
                skip_is_manually_modified=True,
            )
        return super(AccountMove, moves).write(vals)

    # ------------------------------------------------------------ COMPUTE

    @api.depends("invoice_date_due", "payment_state", "amount_residual")
    def _compute_relance_days_late(self):
        today = fields.Date.context_today(self)
        for move in self:
            late = move._relance_is_open_invoice() and move.invoice_date_due
            move.relance_days_late = (
                (today - move.invoice_date_due).days
                if late and (move.invoice_date_due < today)
                else 0
            )

    @api.depends(
        "invoice_date_due", "relance_level_id", "relance_last_date", "amount_residual"
    )
    def _compute_relance_next_date(self):
        last_sent = self._relance_last_sent_dates()
        pending = self._relance_pending_move_ids()
        for move in self:
            move.relance_next_date = move.id not in pending and move._relance_next_date(
                last_sent
            )

    def _relance_pending_move_ids(self):
        """Ids of these invoices that a pending reminder covers: their next step
        is that reminder (its level is applied once it is sent)."""
        lines = (
            self.env["account.relance.event.line"]
            .sudo()
            .search_fetch(
                [("move_id", "in", self.ids), ("event_id.state", "in", PENDING_STATES)],
                ["move_id"],
            )
        )
        return set(lines.move_id.ids)

    def _relance_last_sent_dates(self):
        """{(commercial partner id, company id): date of its last sent reminder},
        read once for the whole recordset."""
        groups = (
            self.env["account.relance.event"]
            .sudo()
            ._read_group(
                [
                    ("partner_id", "in", self.commercial_partner_id.ids),
                    ("company_id", "in", self.company_id.ids),
                    ("state", "=", "sent"),
                ],
                ["partner_id", "company_id"],
                ["date:max"],
            )
        )
        return {(partner.id, company.id): last for partner, company, last in groups}

    def _relance_next_date(self, last_sent):
        self.ensure_one()
        if not self._relance_is_open_invoice() or self.relance_exclusion:
            return False
        partner = self.commercial_partner_id
        policy = partner.with_company(self.company_id)._relance_policy()
        if not policy or not policy.level_ids:
            return False
        item = self._relance_item(self.invoice_date_due, self.amount_residual, policy)
        last = last_sent.get((partner.id, self.company_id.id))
        return (
            dunning.next_reminder_date(
                item,
                policy._engine_levels(),
                last,
                as_of=fields.Date.context_today(self),
            )
            or False
        )

    @api.depends("invoice_date_due", "amount_residual", "amount_total", "payment_state")
    def _compute_relance_penalties(self):
        today = fields.Date.context_today(self)
        open_moves = self.filtered(lambda move: move._relance_is_open_invoice())
        results = {}
        if open_moves:
            results = self.env["account.relance.penalty"]._compute_for_moves(
                open_moves, today, raise_errors=False
            )
        for move in self:
            result = results.get(move.id)
            move.relance_interest_today = float(result["interest"]) if result else 0.0
            move.relance_indemnity_today = float(result["indemnity"]) if result else 0.0
            move.relance_penalty_detail = result["detail"] if result else False

    # ----------------------------------------------------------- HELPERS

    def _relance_is_open_invoice(self):
        self.ensure_one()
        return (
            self.move_type == "out_invoice"
            and self.state == "posted"
            and self.company_currency_id.compare_amounts(self.amount_residual, 0) > 0
        )

    def _relance_item(self, due_date, residual, policy):
        self.ensure_one()
        Snapshot = self.env["account.relance.snapshot"]
        index = Snapshot._level_indexes(policy).get(self.relance_level_id.id)
        exclusion = self._relance_exclusion_on(fields.Date.context_today(self))
        return dunning.OpenItem(
            key=self.id,
            due_date=due_date,
            residual=Decimal(str(residual)),
            level_index=index,
            level_event_sent=self.relance_level_sent or index is None,
            excluded_reason=exclusion,
        )

    def _relance_exclusion_on(self, as_of):
        """Exclusion code in force at ``as_of``: a promise ends after its date."""
        self.ensure_one()
        return self.env["account.relance.snapshot"]._exclusion_code(
            self.relance_exclusion, self.relance_promise_date, as_of
        )

    # ------------------------------------------------------------ ACTIONS

    def action_relance_preview(self):
        partners = self.commercial_partner_id
        return partners.action_relance_preview()

    def action_relance_invoice_penalties(self):
        """Invoice the interest and indemnity of the selected invoices."""
        return self.env["account.relance.penalty"]._invoice_penalties(self)

    def action_relance_clear_exclusion(self):
        self.write({"relance_exclusion": False, "relance_promise_date": False})
