# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The reminders the daily run creates: decided by the engine, created in
batches (lines copied in bulk), then routed to the dispatcher or to review."""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .. import engine
from ..tools.pg_copy import copy_rows, next_ids
from .account_relance_event import (
    PENDING_STATES,
)

ZERO = Decimal("0.00")


class AccountRelanceEvent(models.Model):
    _inherit = "account.relance.event"

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
        # As ir.sequence's get_next_char, the prefix and suffix interpolated once.
        prefix, suffix = sequence._get_prefix_suffix()
        return [f"{prefix}{number:0{sequence.padding}d}{suffix}" for number in numbers]

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
        self = self._trusted()
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
        decisions_moves = [
            {line_facts[key]["move_id"] for key in decision.covered_items}
            for decision in decisions
        ]
        missing = {}
        penalties = self._penalties_for(
            company,
            set().union(*decisions_moves),
            as_of,
            penalties or {},
            missing,
        )
        contacts = partners._relance_contacts()
        levels = {}  # what a level gives its reminders, read once per batch
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
                    contact=contacts[partner.id],
                    levels=levels,
                ),
                # Those a person must see go to review in _route().
                "state": "queued",
            }
            for partner, decision in zip(partners, decisions, strict=True)
        ]
        lines_per_event = [vals.pop("line_ids", []) for vals in vals_list]
        events = self._insert_created(vals_list)
        events._insert_lines(lines_per_event)
        events._supersede_failed()
        events._route(
            {
                event.id: event._invoices_problem(
                    [line_facts[key] for key in decision.covered_items]
                )
                for event, decision in zip(events, decisions, strict=True)
            },
            events._wait_for_rates(decisions_moves, penalties, missing),
        )
        return events._untrusted()

    @api.model
    def _create_from_decision(self, company, decision, as_of, penalties=None):
        return self._create_batch(company, [decision], as_of, penalties)

    @api.model
    def _penalties_for(self, company, move_ids, as_of, penalties, missing=None):
        """``penalties`` completed with the invoices of ``move_ids`` it lacks.
        A rate the engine lacks gives empty penalties, the error kept in
        ``missing`` (``{move id: MissingRateError}``): the reminder is created
        and waits for the rate if its level shows penalties. Any other engine
        refusal raises a clear error."""
        todo = move_ids - penalties.keys()
        if not todo:
            return penalties
        results, errors = (
            self.env["account.relance.penalty"]
            .with_company(company)
            ._compute_for_run(self.env["account.move"].browse(sorted(todo)), as_of)
        )
        Penalty = self.env["account.relance.penalty"]
        for move_id, error in errors.items():
            if not isinstance(error, engine.MissingRateError) or missing is None:
                raise UserError(Penalty._engine_message(error)) from error
            missing[move_id] = error
            results[move_id] = Penalty._empty_result()
        return {**penalties, **results}

    def _wait_for_rates(self, decisions_moves, penalties, missing):
        """``{event id: reason}`` of the new reminders showing penalties that
        need a rate the table lacks, or would use an unconfirmed one; they
        are marked waiting for that half-year, and the accounting managers
        told once per half-year and company."""
        reasons = {}
        for event, move_ids in zip(self, decisions_moves, strict=True):
            if not event.show_penalties:
                continue
            error = next((missing[m] for m in sorted(move_ids) if m in missing), None)
            if error:
                reasons[event.id] = event._missing_rate_reason(error)
                event.rate_wait_half = error.label
                self.env["account.relance.rate"]._notify_missing_rate(
                    error, event.company_id
                )
                continue
            halves = sorted(
                {
                    half
                    for move_id in move_ids
                    for half in penalties[move_id].get("unconfirmed", ())
                }
            )
            if halves:
                reasons[event.id] = event._unconfirmed_rate_reason(halves)
                event.rate_wait_half = halves[0]
        return reasons

    def _supersede_failed(self):
        """Earlier failed reminders of these customers are replaced by these:
        they stay in the history, cancelled with the reason (never sealed, as
        they were never sent)."""
        self.fetch(["company_id", "partner_id"])
        failed = self.search(
            [
                ("company_id", "in", self.company_id.ids),
                ("partner_id", "in", self.partner_id.ids),
                ("state", "=", "failed"),
                ("id", "not in", self.ids),
            ]
        )
        if not failed:
            return
        replacement = {(event.company_id, event.partner_id): event for event in self}
        for event in failed:
            new = replacement[(event.company_id, event.partner_id)]
            event._sealing().write(
                {
                    "state": "cancelled",
                    "cancel_reason": self.env._(
                        "Failure replaced by reminder %(name)s.",
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
        return self._trusted().create(vals)._untrusted()

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
        contact=None,
        levels=None,
    ):
        """Values of the reminder of ``decision``; ``line_facts`` (from
        :meth:`_line_facts`) may hold its lines already read with others,
        ``contact`` its recipient (see ``res.partner._relance_contacts``) and
        ``levels`` the values of the levels already read for the batch."""
        levels = {} if levels is None else levels
        if level.id not in levels:
            levels[level.id] = self._level_values(level, as_of)
        level_values = levels[level.id]
        if contact is None:
            contact = partner._relance_contact().id
        vals = {
            **level_values["event"],
            "company_id": company.id,
            "currency_id": company.currency_id.id,
            "partner_id": partner.id,
            "contact_id": contact,
            "date": as_of,
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
                self._prepare_line_vals(facts, decision, level_values, as_of, penalties)
            )
        return vals

    @api.model
    def _level_values(self, level, as_of):
        """What ``level`` gives a reminder dated ``as_of``: its fields, and what
        its lines need (the policy's ladder, the currency's rounding)."""
        return {
            "event": {
                "policy_id": level.policy_id.id,
                "level_id": level.id,
                "deadline_date": as_of + timedelta(days=level.deadline_days),
                "channel_email": level.channel_email,
                "channel_letter": level.channel_letter,
                "channel_registered": level.channel_registered,
                "channel_phone": level.channel_phone,
                "channel_sms": level.channel_sms,
                "show_penalties": level.show_penalties,
            },
            "ladder": level.policy_id._ordered_levels().ids,
            # Before the due date: a courteous notice, never a penalty.
            "no_penalty": level.is_before_due,
            "round": self.env["account.relance.penalty"]._money_rounder(
                level.company_id.currency_id
            ),
        }

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
                """SELECT line.id, line.move_id, line.date_maturity,
                          line.balance::text AS balance,
                          line.amount_residual::text AS amount_residual,
                          move.invoice_date,
                          move.invoice_date_due, move.relance_level_id,
                          move.relance_level_sent, move.currency_id
                     FROM account_move_line AS line
                     JOIN account_move AS move ON move.id = line.move_id
                    WHERE line.id IN %s""",
                tuple(line_ids),
            )
        )
        for row in rows:  # read as text: exact amounts, never through a float
            row["balance"] = Decimal(row["balance"])
            row["amount_residual"] = Decimal(row["amount_residual"])
        return {row["id"]: row for row in rows}

    @api.model
    def _prepare_line_vals(self, facts, decision, level_values, as_of, penalties):
        """The reminder's lines (one per covered receivable line, penalties on
        the first line of each invoice) and totals, in ``Decimal``."""
        ladder = level_values["ladder"]
        advancing = {key: ladder[index] for key, index in decision.item_levels.items()}
        no_penalty, round_money = level_values["no_penalty"], level_values["round"]
        line_cmds = []
        totals = dict.fromkeys(("amount_due", "interest_total", "indemnity_total"), 0)
        charged = set()
        for fact in facts:
            move_id = fact["move_id"]
            result = penalties[move_id]
            first_of_move = move_id not in charged and not no_penalty
            charged.add(move_id)
            new_level = advancing.get(fact["id"], False)
            due_date = fact["date_maturity"] or fact["invoice_date_due"]
            total = abs(fact["balance"])
            line_vals = {
                "move_id": move_id,
                "move_line_id": fact["id"],
                "invoice_date": fact["invoice_date"] or False,
                "due_date": due_date,
                "days_late": max((as_of - due_date).days, 0),
                "amount_total": total,
                "amount_paid": round_money(total - fact["amount_residual"]),
                "amount_residual": fact["amount_residual"],
                "interest": result["interest"] if first_of_move else ZERO,
                "indemnity": result["indemnity"] if first_of_move else ZERO,
                "penalty_detail": result["detail"] if first_of_move else False,
                "advances_level": bool(new_level),
                "new_level_id": new_level,
                "previous_level_id": fact["relance_level_id"] or False,
                "previous_level_sent": bool(fact["relance_level_sent"]),
            }
            totals["amount_due"] += line_vals["amount_residual"]
            totals["interest_total"] += line_vals["interest"]
            totals["indemnity_total"] += line_vals["indemnity"]
            line_cmds.append(Command.create(line_vals))
        totals = {key: round_money(Decimal(value)) for key, value in totals.items()}
        totals["total_claim"] = round_money(sum(totals.values()))
        return {"line_ids": line_cmds, **totals}

    def _insert_lines(self, lines_per_event):
        """Insert the invoice lines of these new reminders with one COPY per
        batch: the ORM's per-record work (defaults, currency rounding of each
        amount, checks of a sealed reminder) is not needed for rows computed
        and rounded here, and would cost most of the daily run's time."""
        Line = self.env["account.relance.event.line"]
        rows = [
            {**vals, "event_id": event.id, "company_id": company_id}
            for event, company_id, commands in zip(
                self, self._ids_of("company_id"), lines_per_event, strict=True
            )
            for _command, _id, vals in commands
        ]
        copy_rows(Line, rows)
        self.invalidate_recordset(["line_ids"])

    def _ids_of(self, field_name):
        """The id held by the many2one ``field_name`` of each of these records
        (that field alone read, not the whole records)."""
        self.fetch([field_name])
        return [record[field_name].id for record in self]

    @api.model
    def _insert_created(self, vals_list):
        """The new reminders of ``vals_list`` inserted with one COPY, as
        :meth:`create` would create them (same checks, names, defaults, access
        and company checks): the daily run creates thousands, and the ORM's
        per-record work would cost a third of its time. Values are the run's
        own (ids, dates, Decimal amounts, booleans, text)."""
        self.check_access("create")
        vals_list = self._checked_create_vals(vals_list)
        given = set().union(*vals_list)
        defaults = self.default_get(
            [
                name
                for name, field in self._fields.items()
                if field.store and field.column_type and name not in given
            ]
        )
        columns = dict.fromkeys(given | defaults.keys(), False)
        ids = next_ids(self.env.cr, self._table, len(vals_list))
        copy_rows(
            self,
            [
                {**columns, **defaults, **vals, "id": new_id}
                for vals, new_id in zip(vals_list, ids, strict=True)
            ],
        )
        events = self.browse(ids)
        if not self._companies_consistent(vals_list):
            events._check_company()  # raises the ORM's own error
        events._validate_fields(columns)
        return events

    @api.model
    def _companies_consistent(self, vals_list):
        """What the ORM's ``_check_company`` checks, one query per field and
        company instead of one check per record: the records the values link
        belong to the reminder's company, or to none."""
        fields_to_check = [
            field
            for field in self._fields.values()
            if field.relational and field.check_company
        ]
        if any(field.company_dependent for field in fields_to_check):
            return False  # not the run's case: let the ORM check them
        by_company = defaultdict(list)
        for vals in vals_list:
            by_company[vals.get("company_id")].append(vals)
        for company_id, group in by_company.items():
            company = self.env["res.company"].browse(company_id)
            for field in fields_to_check:
                ids = list({vals[field.name] for vals in group if vals.get(field.name)})
                if not ids:
                    continue
                comodel = (
                    self.env[field.comodel_name].sudo().with_context(active_test=False)
                )
                domain = comodel._check_company_domain(company)
                if domain and comodel.search_count([("id", "in", ids), *domain]) < len(
                    ids
                ):
                    return False
        return True

    def _route(self, invoices_problems=None, rate_problems=None):
        """New reminders (created queued) that a person must look at go to
        review; if others stay queued, the dispatcher is woken up.
        ``invoices_problems``: :meth:`_invoices_problems`, when already known;
        ``rate_problems``: ``{event id: reason}`` of those waiting for a rate."""
        if invoices_problems is None:
            invoices_problems = self._invoices_problems()
        rate_problems = rate_problems or {}
        to_review = defaultdict(list)  # {reason: event ids}: one write per reason
        queued = False
        for event in self:
            reason = rate_problems.get(event.id) or event._review_reason(
                invoices_problems[event.id]
            )
            if reason:
                to_review[reason].append(event.id)
            else:
                queued = True
        for reason, ids in to_review.items():
            self.browse(ids).write({"state": "to_review", "review_reason": reason})
        if queued:
            self.env.ref("account_relance_fr.ir_cron_relance_dispatch")._trigger()
