# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import operator as py_operator
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL, float_round

from ..engine import dunning
from .account_relance_event import PENDING_STATES

# Written by the reminders on posted invoices; no accounting value among them.
RELANCE_BOOKKEEPING_FIELDS = {
    "relance_level_id",
    "relance_level_sent",
    "relance_last_date",
    "relance_penalty_move_id",
}

# Comparison operators of the searchable computed fields, and their mirror
# (days late >= N  <=>  due date <= today - N).
DATE_OPERATORS = {
    "<": py_operator.lt,
    "<=": py_operator.le,
    ">": py_operator.gt,
    ">=": py_operator.ge,
    "=": py_operator.eq,
}
MIRRORED_OPERATORS = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="}

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
        return dunning.next_reminder_date(item, policy._engine_levels(), last) or False

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

    # ------------------------------------------------------------- SEARCH

    @api.model
    def _search_relance_days_late(self, operator, value):
        """Days late of an open invoice is today - due date (0 when not late or
        not open), so a comparison with N days is a comparison of the due date
        with today - N, plus every other record when 0 itself matches."""
        if operator not in DATE_OPERATORS or not isinstance(value, int):
            raise UserError(self._relance_unsupported_search(operator, value))
        today = fields.Date.context_today(self)
        late = [
            *self._relance_open_invoice_domain(),
            ("invoice_date_due", "<", today),
        ]
        mirrored = MIRRORED_OPERATORS[operator]
        matching_late = expression.AND(
            [late, [("invoice_date_due", mirrored, today - timedelta(days=value))]]
        )
        if not DATE_OPERATORS[operator](0, value):
            return matching_late
        return expression.OR([matching_late, ["!", *expression.normalize_domain(late)]])

    @api.model
    def _search_relance_next_date(self, operator, value):
        """Exact translation of :meth:`_compute_relance_next_date` into a
        domain on stored fields.

        The next date of an invoice is ``max(due + reach, last_sent + gap)``
        where ``reach`` and ``gap`` depend on its policy and current level and
        ``last_sent`` on its customer. Both terms are compared with ``value``
        separately; the few policies, levels and customers with open invoices
        are read beforehand (three grouped queries)."""
        if operator in ("=", "!=") and not value:
            has_date = self._relance_next_date_domain(None, None)
            return has_date if operator == "!=" else ["!", *has_date]
        value = fields.Date.to_date(value) if value else None
        if operator not in DATE_OPERATORS or not isinstance(value, date):
            raise UserError(self._relance_unsupported_search(operator, value))
        return self._relance_next_date_domain(operator, value)

    def _relance_unsupported_search(self, operator, value):
        return self.env._(
            "Recherche non prise en charge : %(operator)s %(value)s. / "
            "Unsupported search: %(operator)s %(value)s.",
            operator=operator,
            value=value,
        )

    @api.model
    def _relance_open_invoice_domain(self):
        """Stored-field version of :meth:`_relance_is_open_invoice`."""
        return [
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("amount_residual", ">", 0),
        ]

    @api.model
    def _relance_not_excluded_domain(self):
        """Invoices the compute may give a next date: like
        :meth:`_relance_next_date`, any recorded exclusion (even a promise whose
        date has passed) means no next date; nor does an invoice that a pending
        reminder covers."""
        # Read as superuser, as the compute does: invoicing users without
        # access to the reminders see the next dates too.
        pending = (
            self.env["account.relance.event.line"]
            .sudo()
            ._search([("event_id.state", "in", PENDING_STATES)])
        )
        return [
            ("relance_exclusion", "=", False),
            ("id", "not in", pending.subselect("move_id")),
        ]

    @api.model
    def _relance_next_date_domain(self, operator, value):
        """Invoices whose next reminder date compares with ``value`` (any date
        when ``operator`` is None)."""
        base = [
            *self._relance_open_invoice_domain(),
            *self._relance_not_excluded_domain(),
        ]
        groups = self._read_group(
            [*base, ("company_id", "in", self.env.companies.ids)],
            ["company_id", "commercial_partner_id"],
        )
        partners_by_company = defaultdict(lambda: self.env["res.partner"])
        for company, partner in groups:
            partners_by_company[company] |= partner
        branches = []
        for company, partners in partners_by_company.items():
            last_sent = self.sudo()._relance_last_sent_dates_of(partners, company)
            policies = self._relance_policies_of(
                partners.with_company(company), company
            )
            for policy in set(policies.values()):
                policy_partners = [p for p, pol in policies.items() if pol == policy]
                branches += self._relance_policy_next_date_branches(
                    policy, policy_partners, last_sent, operator, value
                )
        if not branches:
            return expression.FALSE_DOMAIN
        return expression.AND([base, expression.OR(branches)])

    @api.model
    def _relance_last_sent_dates_of(self, partners, company):
        """{commercial partner id: date of its last sent reminder in ``company``}."""
        groups = self.env["account.relance.event"]._read_group(
            [
                ("partner_id", "in", partners.ids),
                ("company_id", "=", company.id),
                ("state", "=", "sent"),
            ],
            ["partner_id"],
            ["date:max"],
        )
        return {partner.id: last for partner, last in groups}

    @api.model
    def _relance_policy_next_date_branches(
        self, policy, partner_ids, last_sent, operator, value
    ):
        """One domain per current level of the ladder of ``policy``."""
        if not policy or not policy.level_ids:
            return []
        levels = policy._engine_levels()
        level_states = [(False, [("relance_level_id", "=", False)])] + [
            (
                index,
                [
                    ("relance_level_id", "=", level.id),
                    ("relance_level_sent", "=", True),
                ],
            )
            for index, level in enumerate(policy._ordered_levels())
        ]
        branches = []
        for index, level_domain in level_states:
            offsets = self._relance_next_offsets(levels, index)
            if offsets is None:
                continue
            scope = [
                ("company_id", "=", policy.company_id.id),
                ("commercial_partner_id", "in", partner_ids),
                *level_domain,
            ]
            branches.append(
                expression.AND(
                    [
                        scope,
                        self._relance_next_date_condition(
                            offsets, partner_ids, last_sent, operator, value
                        ),
                    ]
                )
            )
        return branches

    @api.model
    def _relance_next_offsets(self, levels, index):
        """(reach, gap) of the next level of an item at level ``index`` (False:
        never reminded), measured on the engine itself; None when the item has
        no next level."""
        origin = date(2000, 1, 1)
        item = dunning.OpenItem(
            key=0,
            due_date=origin,
            residual=Decimal(1),
            level_index=None if index is False else index,
            level_event_sent=True,
        )
        reached = dunning.next_reminder_date(item, levels, None)
        if not reached:
            return None
        paced = dunning.next_reminder_date(item, levels, origin + timedelta(days=9999))
        return reached - origin, paced - (origin + timedelta(days=9999))

    @api.model
    def _relance_next_date_condition(self, offsets, partner_ids, last_sent, op, value):
        """Domain for ``max(due + reach, last_sent + gap) <op> value``."""
        if op is None:
            return expression.TRUE_DOMAIN
        reach, gap = offsets
        compare = DATE_OPERATORS[op]
        due_matches = [("invoice_date_due", op, value - reach)]

        def paced(partner_id, negated):
            last = last_sent.get(partner_id)
            if last is None:
                return negated
            return compare(last + gap, value)

        if op in ("<", "<="):
            # Both terms must be below: no sent reminder counts as below.
            ok = [p for p in partner_ids if paced(p, True)]
            return expression.AND([due_matches, [("commercial_partner_id", "in", ok)]])
        if op in (">", ">="):
            ok = [p for p in partner_ids if paced(p, False)]
            return expression.OR([due_matches, [("commercial_partner_id", "in", ok)]])
        # '=': the maximum equals value: both terms <= value, one of them ==.
        below = self._relance_next_date_condition(
            offsets, partner_ids, last_sent, "<=", value
        )
        above = self._relance_next_date_condition(
            offsets, partner_ids, last_sent, ">=", value
        )
        return expression.AND([below, above])

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
        index = self._relance_level_indexes(policy).get(self.relance_level_id.id)
        exclusion = self._relance_exclusion_on(fields.Date.context_today(self))
        return dunning.OpenItem(
            key=self.id,
            due_date=due_date,
            residual=Decimal(str(residual)),
            level_index=index,
            level_event_sent=self.relance_level_sent or index is None,
            excluded_reason=exclusion,
        )

    @api.model
    def _relance_level_indexes(self, policy):
        """{level id: index in the policy's ladder}."""
        return {level.id: index for index, level in enumerate(policy._ordered_levels())}

    def _relance_exclusion_on(self, as_of):
        """Exclusion code in force at ``as_of``: a promise ends after its date."""
        self.ensure_one()
        return self._relance_exclusion_code(
            self.relance_exclusion, self.relance_promise_date, as_of
        )

    @api.model
    def _relance_exclusion_code(self, exclusion, promise_date, as_of):
        if exclusion == "promise":
            return "promise" if promise_date and promise_date >= as_of else None
        return exclusion or None

    # ------------------------------------------------------ DAILY RUN DATA

    @api.model
    def _relance_snapshots(self, company, as_of, partners=None):
        """Gather, for the engine, the open receivables of ``company`` grouped by
        policy and commercial partner. Amounts are in company currency.

        Set-based: one query for the open lines, one read per partner field and
        per policy, whatever the number of invoices."""
        rows_by_partner = defaultdict(list)
        for row in self._relance_open_rows(company, partners):
            rows_by_partner[row["partner_id"]].append(row)
        customers = (
            self.env["res.partner"].sudo().with_company(company).browse(rows_by_partner)
        )
        policies = self._relance_policies_of(customers, company)
        blocked = set(customers.filtered("relance_blocked").ids)
        stats = self.env["account.relance.event"]._partner_event_stats(
            company, as_of, partners
        )
        currency = company.currency_id
        snapshots, ladders, indexes = defaultdict(list), {}, {}
        for partner_id, rows in rows_by_partner.items():
            policy = policies.get(partner_id)
            if not policy:
                continue
            if policy not in ladders:
                ladders[policy] = policy._engine_levels()
                indexes[policy] = self._relance_level_indexes(policy)
            snapshots[policy].append(
                self._relance_snapshot_from_rows(
                    partner_id,
                    rows,
                    indexes[policy],
                    as_of,
                    currency,
                    excluded=partner_id in blocked,
                    stats=stats.get(partner_id, {}),
                )
            )
        return snapshots, ladders

    @api.model
    def _relance_open_rows(self, company, partners=None):
        """Open receivable lines of ``company`` (one query), oldest due first."""
        return self.env.execute_query_dict(
            SQL(
                """SELECT line.id,
                          line.amount_residual,
                          line.date_maturity,
                          partner.commercial_partner_id AS partner_id,
                          move.move_type,
                          move.invoice_date_due,
                          move.relance_level_id,
                          move.relance_level_sent,
                          move.relance_exclusion,
                          move.relance_promise_date
                     %s
                 ORDER BY line.date_maturity, line.id""",
                self._relance_open_lines_from(company, partners),
            )
        )

    @api.model
    def _relance_open_customer_ids(self, company, partners=None):
        """Ids of the commercial partners with open receivables in ``company``."""
        rows = self.env.execute_query(
            SQL(
                """SELECT DISTINCT partner.commercial_partner_id %s
                    ORDER BY partner.commercial_partner_id""",
                self._relance_open_lines_from(company, partners),
            )
        )
        return [partner_id for (partner_id,) in rows]

    @api.model
    def _relance_open_lines_from(self, company, partners=None):
        """FROM and WHERE clauses of the open receivable lines of ``company``
        (of ``partners``' commercial partners when given)."""
        self.env.flush_all()
        if partners is None:
            partner_filter = SQL()
        elif partners:
            partner_filter = SQL(
                "AND partner.commercial_partner_id IN %s", tuple(partners.ids)
            )
        else:  # an empty recordset: no customer at all
            partner_filter = SQL("AND FALSE")
        return SQL(
            """FROM account_move_line line
              JOIN account_account account ON account.id = line.account_id
              JOIN account_move move ON move.id = line.move_id
              JOIN res_partner partner ON partner.id = line.partner_id
             WHERE line.company_id = %(company)s
               AND account.account_type = 'asset_receivable'
               AND line.parent_state = 'posted'
               AND line.reconciled IS NOT TRUE
               AND line.amount_residual != 0
               %(partner_filter)s""",
            company=company.id,
            partner_filter=partner_filter,
        )

    @api.model
    def _relance_policies_of(self, partners, company):
        """{commercial partner id: policy} in ``company`` (own policy or default)."""
        default = self.env["account.relance.policy"]._default_for_company(company)
        return {
            partner.id: partner.relance_policy_id or default for partner in partners
        }

    @api.model
    def _relance_snapshot_from_rows(
        self, partner_id, rows, level_indexes, as_of, currency, excluded, stats
    ):
        items, credit = [], Decimal(0)
        for row in rows:
            residual = Decimal(
                str(
                    float_round(
                        row["amount_residual"], precision_rounding=currency.rounding
                    )
                )
            )
            if residual < 0:
                credit -= residual
            elif row["move_type"] == "out_invoice":
                items.append(
                    self._relance_item_from_row(row, residual, level_indexes, as_of)
                )
        return dunning.CustomerSnapshot(
            key=partner_id,
            items=tuple(items),
            unapplied_credit=credit,
            excluded_reason="no_reminders" if excluded else None,
            last_sent_event_date=stats.get("last_sent"),
            has_pending_event=stats.get("pending", False),
            has_event_on_date=stats.get("today", False),
        )

    @api.model
    def _relance_item_from_row(self, row, residual, level_indexes, as_of):
        index = level_indexes.get(row["relance_level_id"])
        return dunning.OpenItem(
            key=row["id"],
            due_date=row["date_maturity"] or row["invoice_date_due"],
            residual=residual,
            level_index=index,
            level_event_sent=bool(row["relance_level_sent"]) or index is None,
            excluded_reason=self._relance_exclusion_code(
                row["relance_exclusion"], row["relance_promise_date"], as_of
            ),
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
