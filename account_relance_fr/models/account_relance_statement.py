# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What the customer's statement page shows: one customer, one company, its
open invoices with the engine's interest and indemnity to date, the
reminders it received and what it declared."""

from datetime import timedelta
from decimal import Decimal

from odoo import api, fields, models


class AccountRelanceStatement(models.AbstractModel):
    _name = "account.relance.statement"
    _description = "Customer's statement page"

    @api.model
    def _open_invoices(self, partner, company):
        """The customer's open invoices in ``company`` (sudo: the caller has
        checked the token or the login), oldest due first."""
        moves = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("commercial_partner_id", "=", partner.commercial_partner_id.id),
                    ("company_id", "=", company.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "not in", ("paid", "in_payment", "reversed")),
                ],
                order="invoice_date_due, id",
            )
        )
        return moves.filtered(lambda move: move._relance_is_open_invoice())

    @api.model
    def _overdue_invoices(self, partner, company):
        """Open invoices past due, in company currency (what *Pay all
        overdue* pays in one transaction)."""
        today = fields.Date.context_today(self)
        return self._open_invoices(partner, company).filtered(
            lambda move: (
                move.invoice_date_due
                and move.invoice_date_due < today
                and move.currency_id == company.currency_id
            )
        )

    @api.model
    def _values(self, partner, company):
        partner = partner.commercial_partner_id.sudo()
        company = company.sudo()
        today = fields.Date.context_today(self)
        moves = self._open_invoices(partner, company)
        penalties = (
            self.env["account.relance.penalty"]
            .sudo()
            ._compute_for_moves(moves, today, raise_errors=False)
        )
        Declaration = self.env["account.relance.declaration"].sudo()
        declarations = Declaration.search(
            [("partner_id", "=", partner.id), ("company_id", "=", company.id)]
        )
        rows = []
        zero = Decimal(0)
        totals = {
            "residual": zero,
            "overdue": zero,
            "interest": zero,
            "indemnity": zero,
        }
        for move in moves:
            result = penalties.get(move.id) or {}
            residual = Decimal(str(move.amount_residual))
            interest = result.get("interest") or zero
            indemnity = result.get("indemnity") or zero
            late = move.relance_days_late
            rows.append(
                {
                    "move": move,
                    "days_late": late,
                    "residual": residual,
                    "interest": interest,
                    "indemnity": indemnity,
                    "pdf_url": move.get_portal_url(report_type="pdf", download=True),
                    "pay_url": move.get_portal_url(),
                    "declarations": declarations.filtered(
                        lambda d, m=move: d.move_id == m
                    ),
                    "disputed": move.relance_exclusion == "dispute",
                    "promised": move.relance_exclusion == "promise"
                    and move.relance_promise_date
                    and move.relance_promise_date >= today,
                }
            )
            totals["residual"] += residual
            totals["interest"] += interest
            totals["indemnity"] += indemnity
            if late > 0:
                totals["overdue"] += residual
        reminders = (
            self.env["account.relance.event"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", partner.id),
                    ("company_id", "=", company.id),
                    ("state", "=", "sent"),
                ],
                order="date desc, id desc",
            )
        )
        promise_max_date = today + timedelta(days=company.relance_promise_max_days)
        return {
            "partner": partner,
            "company": company,
            "currency": company.currency_id,
            "rows": rows,
            "totals": {key: float(value) for key, value in totals.items()},
            "reminders": reminders,
            "declarations": declarations,
            "today": today,
            "promise_max_date": promise_max_date,
            "promise_default_date": min(today + timedelta(days=7), promise_max_date),
            "dispute_reasons": [
                (code, label)
                for code, label in Declaration._fields[
                    "dispute_reason"
                ]._description_selection(self.env)
            ],
            "can_pay_overdue": bool(self._overdue_invoices(partner, company)),
        }
