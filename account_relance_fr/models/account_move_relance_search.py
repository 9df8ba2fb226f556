# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The invoice's computed reminder columns (days late, next reminder) made
searchable: exact domains on stored fields, mirroring the computes."""

import operator as py_operator
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression

from ..engine import dunning
from .account_relance_event import PENDING_STATES

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


class AccountMove(models.Model):
    _inherit = "account.move"

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
            policies = self.env["account.relance.snapshot"]._policies_of(
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
