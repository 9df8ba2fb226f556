# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The customer's litigation file: what can be claimed after the mise en
demeure, the refusals, and the button that prepares the file."""

from datetime import timedelta

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date

from ..engine import dunning

# Exclusions that keep an invoice out of the file (a litigation exclusion does
# not: a new file may claim again the invoices of an earlier one).
_NOT_CLAIMED = ("dispute", "payment_plan")


class ResPartner(models.Model):
    _inherit = "res.partner"

    relance_litigation_date = fields.Date(
        "In litigation since",
        company_dependent=True,
        copy=False,
        readonly=True,
        help="Day the last litigation file of this customer was prepared in the "
        "current company: its invoices get no more reminders.",
    )

    def action_relance_litigation_file(self):
        """*Prepare the litigation file*: the litigation reminder of this
        customer (the pending one, else a new one covering the invoices the
        mise en demeure claimed) is sent: the file is built, attached to the
        customer and sealed in the chain; returns its download."""
        self.ensure_one()
        partner = self.commercial_partner_id
        Event = self.env["account.relance.event"]
        Event.check_access("create")  # a Reminders user; the addon creates it
        day = fields.Date.context_today(self)
        refusal = partner._relance_litigation_refusal(day)
        if refusal:
            raise UserError(refusal)
        event = partner._relance_litigation_event(day)._trusted()
        event._send_on(day)
        if event.state != "sent":
            raise UserError(
                event.failure_reason
                or self.env._(
                    "The litigation file of %(partner)s could not be prepared.",
                    partner=partner.display_name,
                )
            )
        return event._relance_litigation_download()

    # ------------------------------------------------------------------ claim

    def _relance_formal_notices(self):
        """The sent mises en demeure of this commercial partner in the current
        company, oldest first."""
        self.ensure_one()
        return (
            self.env["account.relance.event"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", self.id),
                    ("company_id", "=", self.env.company.id),
                    ("state", "=", "sent"),
                    ("level_id.is_formal_notice", "=", True),
                ],
                order="date, id",
            )
        )

    def _relance_litigation_claim(self, day):
        """What the file of ``day`` claims, or why there is no file.

        :return: ``{"refusal": message}`` or ``{"notices", "invoices",
            "credits", "open_total", "credit_total", "net_total"}``: the mises
            en demeure whose deadline passed, the invoices they claimed that
            are still open and neither disputed nor under a payment plan or a
            running promise, the open credit notes and unreconciled payments
            (receivable lines) netted from them."""
        self.ensure_one()
        partner = self.commercial_partner_id
        notices = partner._relance_formal_notices()
        if not notices:
            return {
                "refusal": self.env._(
                    "No mise en demeure was sent to %(partner)s: the litigation file needs one, sent and its deadline passed.",
                    partner=partner.display_name,
                )
            }
        passed = notices.filtered(lambda e: (e.deadline_date or e.date) < day)
        if not passed:
            last = notices[-1]
            deadline = last.deadline_date or last.date
            return {
                "refusal": self.env._(
                    "The deadline of the mise en demeure %(name)s (%(deadline)s) has not passed yet: the litigation file can be prepared from %(next)s.",
                    name=last.name,
                    deadline=format_date(self.env, deadline),
                    next=format_date(self.env, deadline + timedelta(days=1)),
                )
            }
        currency = self.env.company.currency_id
        invoices = passed.line_ids.move_id.filtered(
            lambda move: move.state == "posted" and move.move_type == "out_invoice"
        )
        claimed = invoices.filtered(
            lambda move: (
                currency.compare_amounts(move.amount_residual_signed, 0) > 0
                and move.relance_exclusion not in _NOT_CLAIMED
                and not (
                    move.relance_exclusion == "promise"
                    and move.relance_promise_date
                    and move.relance_promise_date >= day
                )
            )
        ).sorted(lambda move: (move.invoice_date_due or move.date, move.id))
        if not claimed:
            return {
                "refusal": self.env._(
                    "Every invoice the mise en demeure claimed is paid, disputed or excluded from reminders (payment plan, promise to pay): there is nothing to claim from %(partner)s.",
                    partner=partner.display_name,
                )
            }
        credits = partner._relance_open_credits()
        open_total = sum(claimed.mapped("amount_residual_signed"))
        credit_total = -sum(credits.mapped("amount_residual"))
        net_total = currency.round(open_total - credit_total)
        if currency.compare_amounts(net_total, 0) <= 0:
            return {
                "refusal": self.env._(
                    "Nothing is left due by %(partner)s: the open credit notes and payments cover the invoices claimed.",
                    partner=partner.display_name,
                )
            }
        return {
            "notices": passed,
            "invoices": claimed,
            "credits": credits,
            "open_total": currency.round(open_total),
            "credit_total": currency.round(credit_total),
            "net_total": net_total,
        }

    def _relance_litigation_refusal(self, day):
        """Why no litigation file can be prepared on ``day`` ('' when it can)."""
        return self._relance_litigation_claim(day).get("refusal", "")

    def _relance_open_credits(self):
        """Open credit notes and unreconciled payments of this commercial
        partner in the current company (receivable lines with a credit left)."""
        self.ensure_one()
        company = self.env.company
        rows = self.env.execute_query(
            SQL(
                """SELECT line.id %s AND line.amount_residual < 0
                    ORDER BY line.date, line.id""",
                self.env["account.relance.snapshot"]._open_lines_from(company, self),
            )
        )
        return self.env["account.move.line"].browse([row[0] for row in rows])

    # ------------------------------------------------------------- the event

    def _relance_litigation_event(self, day):
        """The litigation reminder to send: the pending one of this customer,
        else a new one over the receivable lines of the invoices claimed."""
        self.ensure_one()
        Event = self.env["account.relance.event"]
        pending = Event.search(
            [
                ("partner_id", "=", self.id),
                ("company_id", "=", self.env.company.id),
                ("state", "in", ("to_review", "failed")),
                ("level_id.is_litigation", "=", True),
            ],
            order="id desc",
            limit=1,
        )
        if pending and not pending._stale_problem():
            return pending
        if pending:
            # Prepared before a payment or a change: replaced, never sent stale.
            pending.action_cancel(
                reason=self.env._(
                    "Replaced by an up-to-date litigation reminder: the amounts changed since it was prepared."
                )
            )
        policy = self._relance_policy()
        levels = policy._ordered_levels()
        index = next((i for i, level in enumerate(levels) if level.is_litigation), None)
        if index is None:
            raise UserError(
                self.env._(
                    "The reminder policy %(policy)s has no litigation level.",
                    policy=policy.display_name,
                )
            )
        level = levels[index]
        claim = self._relance_litigation_claim(day)
        lines = claim["invoices"].line_ids.filtered(
            lambda line: (
                line.account_id.account_type == "asset_receivable"
                and not line.reconciled
                and line.amount_residual > 0
            )
        )
        decision = dunning.Decision(
            customer_key=self.id,
            action=dunning.ACTION_CREATE,
            level=dunning.LevelSpec(
                key=level.id,
                sequence=level.sequence,
                days_after_due=level.days_after_due,
                stops_automation=True,
            ),
            level_index=index,
            item_levels=dict.fromkeys(lines.ids, index),
            covered_items=tuple(lines.ids),
        )
        return Event._trusted()._create_batch(self.env.company, [decision], day)
