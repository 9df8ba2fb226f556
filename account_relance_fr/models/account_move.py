# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_round

from ..engine import dunning

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
        "Next reminder", compute="_compute_relance_next_date"
    )
    relance_days_late = fields.Integer(
        "Days late", compute="_compute_relance_days_late"
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
        for move in self:
            move.relance_next_date = move._relance_next_date()

    def _relance_next_date(self):
        self.ensure_one()
        if not self._relance_is_open_invoice() or self.relance_exclusion:
            return False
        policy = self.commercial_partner_id.with_company(
            self.company_id
        )._relance_policy()
        if not policy or not policy.level_ids:
            return False
        item = self._relance_item(self.invoice_date_due, self.amount_residual, policy)
        last_sent = (
            self.env["account.relance.event"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", self.commercial_partner_id.id),
                    ("company_id", "=", self.company_id.id),
                    ("state", "=", "sent"),
                ],
                order="date desc",
                limit=1,
            )
        )
        return (
            dunning.next_reminder_date(
                item, policy._engine_levels(), last_sent.date or None
            )
            or False
        )

    @api.depends("invoice_date_due", "amount_residual", "amount_total", "payment_state")
    def _compute_relance_penalties(self):
        today = fields.Date.context_today(self)
        for move in self:
            result = (
                move.env["account.relance.penalty"]._compute_for_moves(
                    move, today, raise_errors=False
                )[move.id]
                if move._relance_is_open_invoice()
                else None
            )
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

    def _relance_penalties(self, as_of):
        """Interest and indemnity of this invoice at ``as_of`` through the engine."""
        self.ensure_one()
        return self.env["account.relance.penalty"]._compute_for_moves(self, as_of)[
            self.id
        ]

    def _relance_item(self, due_date, residual, policy):
        self.ensure_one()
        ladder = policy._ordered_levels()
        index = None
        if self.relance_level_id in ladder:
            index = list(ladder).index(self.relance_level_id)
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
        if self.relance_exclusion == "promise":
            promise = self.relance_promise_date
            return "promise" if promise and promise >= as_of else None
        return self.relance_exclusion or None

    @api.model
    def _relance_snapshots(self, company, as_of, partners=None):
        """Gather, for the engine, the open receivables of ``company`` grouped by
        policy and commercial partner. Amounts are in company currency."""
        domain = [
            ("company_id", "=", company.id),
            ("account_id.account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
            ("reconciled", "=", False),
            ("amount_residual", "!=", 0),
            ("partner_id", "!=", False),
        ]
        if partners:
            domain.append(("partner_id.commercial_partner_id", "in", partners.ids))
        lines = (
            self.env["account.move.line"]
            .sudo()
            .search(domain, order="date_maturity, id")
        )
        by_partner = defaultdict(lambda: self.env["account.move.line"])
        for line in lines:
            by_partner[line.partner_id.commercial_partner_id] |= line
        stats = self.env["account.relance.event"]._partner_event_stats(company, as_of)
        snapshots, ladders = defaultdict(list), {}
        for partner, partner_lines in by_partner.items():
            partner = partner.with_company(company)
            policy = partner._relance_policy()
            if not policy:
                continue
            if policy not in ladders:
                ladders[policy] = policy._engine_levels()
            snapshots[policy].append(
                self._relance_snapshot(partner, partner_lines, policy, as_of, stats)
            )
        return snapshots, ladders

    @api.model
    def _relance_snapshot(self, partner, lines, policy, as_of, stats):
        currency = partner.env.company.currency_id
        items, credit = [], Decimal(0)
        for line in lines:
            residual = Decimal(
                str(
                    float_round(
                        line.amount_residual, precision_rounding=currency.rounding
                    )
                )
            )
            if residual < 0:
                credit -= residual
            elif line.move_id.move_type == "out_invoice":
                move = line.move_id
                item = move._relance_item(
                    line.date_maturity or move.invoice_date_due, residual, policy
                )
                exclusion = move._relance_exclusion_on(as_of)
                items.append(
                    dunning.OpenItem(
                        key=line.id,
                        due_date=item.due_date,
                        residual=residual,
                        level_index=item.level_index,
                        level_event_sent=item.level_event_sent,
                        excluded_reason=exclusion,
                    )
                )
        partner_stats = stats.get(partner.id, {})
        return dunning.CustomerSnapshot(
            key=partner.id,
            items=tuple(items),
            unapplied_credit=credit,
            excluded_reason="no_reminders" if partner.relance_blocked else None,
            last_sent_event_date=partner_stats.get("last_sent"),
            has_pending_event=partner_stats.get("pending", False),
            has_event_on_date=partner_stats.get("today", False),
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

    def _relance_check_dispute_reason(self):
        for move in self:
            if move.relance_exclusion == "dispute" and not move.relance_dispute_reason:
                raise UserError(
                    self.env._(
                        "Indiquez le motif du litige de la facture %(move)s. / "
                        "Give the dispute reason of invoice %(move)s.",
                        move=move.display_name,
                    )
                )
