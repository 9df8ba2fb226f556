# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict
from decimal import Decimal

from odoo import api, models
from odoo.tools import SQL

from ..engine import dunning


class AccountRelanceSnapshot(models.AbstractModel):
    """Bridge between the open receivables and the engine's dunning decisions:
    reads, set-based, what the daily run decides on (open lines, levels,
    exclusions, policies, last reminders) and builds the engine's snapshots."""

    _name = "account.relance.snapshot"
    _description = "Reminder run data (engine bridge)"

    @api.model
    def _snapshots(self, company, as_of, partners=None, facts=None):
        """Gather, for the engine, the open receivables of ``company`` grouped by
        policy and commercial partner. Amounts are in company currency.

        Set-based: one query for the open lines, one read per partner field and
        per policy, whatever the number of invoices.

        :param facts: a dict filled, when given, with what the reminders of
            these decisions record of the lines and invoices read here:
            ``{"lines": {line id: see _line_facts}, "moves": {move id: see
            account.relance.penalty._invoice_facts}}``"""
        rows_by_partner = defaultdict(list)
        for row in self._open_rows(company, partners):
            rows_by_partner[row["partner_id"]].append(row)
        if facts is not None:
            self._keep_facts(rows_by_partner, company, facts)
        customers = (
            self.env["res.partner"].sudo().with_company(company).browse(rows_by_partner)
        )
        policies = self._policies_of(customers, company)
        blocked = set(customers.filtered("relance_blocked").ids)
        stats = self.env["account.relance.event"]._partner_event_stats(
            company, as_of, partners
        )
        round_money = self.env["account.relance.penalty"]._money_rounder(
            company.currency_id
        )
        snapshots, ladders, indexes = defaultdict(list), {}, {}
        for partner_id, rows in rows_by_partner.items():
            policy = policies.get(partner_id)
            if not policy:
                continue
            if policy not in ladders:
                ladders[policy] = policy._engine_levels()
                indexes[policy] = self._level_indexes(policy)
            snapshots[policy].append(
                self._snapshot_from_rows(
                    partner_id,
                    rows,
                    indexes[policy],
                    as_of,
                    round_money,
                    excluded=partner_id in blocked,
                    stats=stats.get(partner_id, {}),
                )
            )
        return snapshots, ladders

    @api.model
    def _open_rows(self, company, partners=None):
        """Open receivable lines of ``company`` (one query), oldest due first;
        amounts read as text into ``Decimal`` (exact, never through a float)."""
        rows = self.env.execute_query_dict(
            SQL(
                """SELECT line.id,
                          line.move_id,
                          line.amount_residual::text AS amount_residual,
                          line.balance::text AS balance,
                          line.date_maturity,
                          partner.commercial_partner_id AS partner_id,
                          move.move_type,
                          move.invoice_date,
                          move.date,
                          move.invoice_date_due,
                          move.amount_total_signed::text AS amount_total_signed,
                          move.commercial_partner_id AS move_partner_id,
                          move.currency_id,
                          move.relance_level_id,
                          move.relance_level_sent,
                          move.relance_exclusion,
                          move.relance_promise_date
                     %s
                 ORDER BY line.date_maturity, line.id""",
                self._open_lines_from(company, partners),
            )
        )
        for row in rows:
            for name in ("amount_residual", "balance", "amount_total_signed"):
                row[name] = Decimal(row[name])
        return rows

    @api.model
    def _keep_facts(self, rows_by_partner, company, facts):
        """Fill ``facts`` (see :meth:`_snapshots`) from the open rows: the run
        then creates the reminders of these decisions without reading their
        lines and invoices again, exactly as the decisions saw them."""
        lines, moves = facts.setdefault("lines", {}), facts.setdefault("moves", {})
        for rows in rows_by_partner.values():
            for row in rows:
                lines[row["id"]] = {
                    "id": row["id"],
                    "move_id": row["move_id"],
                    "date_maturity": row["date_maturity"],
                    "balance": row["balance"],
                    "amount_residual": row["amount_residual"],
                    "invoice_date": row["invoice_date"],
                    "invoice_date_due": row["invoice_date_due"],
                    "relance_level_id": row["relance_level_id"],
                    "relance_level_sent": row["relance_level_sent"],
                    "currency_id": row["currency_id"],
                }
                moves[row["move_id"]] = {
                    "id": row["move_id"],
                    "partner_id": row["move_partner_id"],
                    "company_id": company.id,
                    "invoice_date": row["invoice_date"],
                    "date": row["date"],
                    "invoice_date_due": row["invoice_date_due"],
                    "amount_total_signed": row["amount_total_signed"],
                }

    @api.model
    def _open_customer_ids(self, company, partners=None):
        """Ids of the commercial partners with open receivables in ``company``."""
        rows = self.env.execute_query(
            SQL(
                """SELECT DISTINCT partner.commercial_partner_id %s
                    ORDER BY partner.commercial_partner_id""",
                self._open_lines_from(company, partners),
            )
        )
        return [partner_id for (partner_id,) in rows]

    @api.model
    def _open_lines_from(self, company, partners=None):
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
    def _policies_of(self, partners, company):
        """{commercial partner id: policy} in ``company`` (own policy or default)."""
        default = self.env["account.relance.policy"]._default_for_company(company)
        partners.fetch(["relance_policy_id", "relance_blocked"])
        return {
            partner.id: partner.relance_policy_id or default for partner in partners
        }

    @api.model
    def _snapshot_from_rows(
        self, partner_id, rows, level_indexes, as_of, round_money, excluded, stats
    ):
        """The engine's snapshot of a customer from its :meth:`_open_rows`;
        ``round_money`` rounds an amount read as text to the currency."""
        items, credit = [], Decimal(0)
        for row in rows:
            residual = round_money(row["amount_residual"])
            if residual < 0:
                credit -= residual
            elif row["move_type"] == "out_invoice":
                items.append(self._item_from_row(row, residual, level_indexes, as_of))
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
    def _item_from_row(self, row, residual, level_indexes, as_of):
        index = level_indexes.get(row["relance_level_id"])
        return dunning.OpenItem(
            key=row["id"],
            due_date=row["date_maturity"] or row["invoice_date_due"],
            residual=residual,
            level_index=index,
            level_event_sent=bool(row["relance_level_sent"]) or index is None,
            excluded_reason=self._exclusion_code(
                row["relance_exclusion"], row["relance_promise_date"], as_of
            ),
        )

    @api.model
    def _level_indexes(self, policy):
        """{level id: index in the policy's ladder}."""
        return {level.id: index for index, level in enumerate(policy._ordered_levels())}

    @api.model
    def _exclusion_code(self, exclusion, promise_date, as_of):
        if exclusion == "promise":
            return "promise" if promise_date and promise_date >= as_of else None
        return exclusion or None
