# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .. import engine
from ..tools.french import elide

DEBTOR_TO_CASE = {"company": "B2B", "consumer": "B2C", "public": "B2G"}
# What a case reads of its debtor (see _case_options and _engine_case).
CASE_FIELDS = [
    "relance_debtor_type",
    "relance_rate_mode",
    "relance_contractual_rate_pct",
    "relance_public_buyer",
]
ZERO = Decimal("0.00")
CENT = Decimal("0.01")


class AccountRelancePenalty(models.AbstractModel):
    """Bridge between invoices and the legal engine: builds the engine's case
    from Odoo records and turns its answer into amounts and an explanation."""

    _name = "account.relance.penalty"
    _description = "Late-payment penalties (engine bridge)"

    @api.model
    def _compute_for_moves(self, moves, as_of, raise_errors=True):
        """{move id: {interest, indemnity, detail, segments, warnings}} at ``as_of``.

        Amounts are ``Decimal`` in company currency. With ``raise_errors`` off an
        engine error (e.g. a missing rate half-year) gives zero amounts and the
        error as detail, for display only."""
        return self._compute_uncached(moves, as_of, raise_errors)

    @api.model
    def _compute_uncached(self, moves, as_of, raise_errors=True):
        results = {}
        for group, error in self._compute_by_customer(moves, as_of):
            if error is None:
                results.update(group)
            elif raise_errors:
                raise UserError(self._engine_message(error)) from error
            else:
                results.update(
                    {
                        move_id: self._empty_result(self._engine_message(error))
                        for move_id in group
                    }
                )
        return results

    @api.model
    def _engine_message(self, error):
        """An engine error in the user's language (the engine writes each of
        its messages in French and in English)."""
        french = (self.env.lang or "").startswith("fr")
        return error.message_fr if french else error.message_en

    @api.model
    def _compute_for_moves_with_errors(self, moves, as_of):
        """``({move id: result}, {move id: error message})``: the moves of a
        customer whose case the engine refuses get its message, the others
        their result."""
        results, errors = self._compute_for_run(moves, as_of)
        return results, {
            move_id: self._engine_message(error) for move_id, error in errors.items()
        }

    @api.model
    def _compute_for_batch(self, moves, as_of, facts=None):
        """Results of ``moves`` for the daily run's cache, with one rate table and
        one query for the formal notices; a customer whose case the engine
        refuses is left out, so that its own reminder reports the error.
        ``facts``: the invoices as :meth:`_invoice_facts` reads them, when the
        run read them already."""
        results = {}
        for group, error in self._compute_by_customer(moves, as_of, facts):
            if error is None:
                results.update(group)
        return results

    @api.model
    def _compute_for_run(self, moves, as_of):
        """``({move id: result}, {move id: engine error})``: like
        :meth:`_compute_for_moves_with_errors`, the errors kept as the engine's
        exceptions (a ``MissingRateError`` names the half-year and the rate)."""
        results, errors = {}, {}
        if not moves:
            return results, errors
        for group, error in self._compute_by_customer(moves, as_of):
            if error is None:
                results.update(group)
            else:
                errors.update(dict.fromkeys(group, error))
        return results, errors

    @api.model
    def _compute_by_customer(self, moves, as_of, facts=None):
        """Yield ({move id: result}, None) per customer and company, or
        ({move id: None}, error) when the engine refuses the customer's case
        (``facts``: see :meth:`_compute_for_batch`)."""
        rates = self.env["account.relance.rate"]._engine_rate_provider()
        if facts is None:
            facts = self._invoice_facts(moves)
        payments = self._invoice_payments(moves)
        by_customer = defaultdict(list)
        for fact in facts.values():
            by_customer[(fact["partner_id"], fact["company_id"])].append(fact)
        partners = self._records_by_id("res.partner", by_customer, 0, CASE_FIELDS)
        companies = self._records_by_id("res.company", by_customer, 1)
        notices = self._formal_notice_dates(list(partners), list(companies))
        writers = {
            company.id: self._segment_writer(company.currency_id)
            for company in companies.values()
        }
        rounders = {
            company.id: self._money_rounder(company.currency_id)
            for company in companies.values()
        }
        cases = {}  # the options of a case, parsed once per distinct set
        for (partner_id, company_id), customer_facts in by_customer.items():
            partner, company = partners[partner_id], companies[company_id]
            move_ids = [fact["id"] for fact in customer_facts]
            rounder = rounders[company_id]
            notice = notices.get((partner_id, company_id))
            try:
                invoices = tuple(
                    self._engine_invoice(fact, payments.get(fact["id"], ()), rounder)
                    for fact in customer_facts
                )
                case = self._engine_case(cases, partner, company, as_of, notice)
                answer = engine.compute_case(replace(case, invoices=invoices), rates)
            except engine.EngineError as error:
                yield dict.fromkeys(move_ids), error
                continue
            yield self._results_by_move(move_ids, answer, writers[company_id]), None

    @api.model
    def _records_by_id(self, model, keys, position, field_names=None):
        """{id: record} of the ids at ``position`` in ``keys``, read together
        (only ``field_names`` when given: a partner has a hundred columns)."""
        records = self.env[model].browse(dict.fromkeys(key[position] for key in keys))
        if field_names:
            records.fetch(field_names)
        return {record.id: record for record in records}

    @api.model
    def _invoice_facts(self, moves):
        """{move id: the invoice's dates, amount and customer}, in one query (the
        daily run reads tens of thousands of invoices)."""
        if not moves:
            return {}
        self.env["account.move"].flush_model(
            [
                "commercial_partner_id",
                "company_id",
                "invoice_date",
                "date",
                "invoice_date_due",
                "amount_total_signed",
            ]
        )
        rows = self.env.execute_query_dict(
            SQL(
                """SELECT id, commercial_partner_id AS partner_id, company_id,
                          invoice_date, date, invoice_date_due,
                          amount_total_signed::text AS amount_total_signed
                     FROM account_move WHERE id IN %s ORDER BY id""",
                tuple(moves.ids),
            )
        )
        order = {move_id: index for index, move_id in enumerate(moves.ids)}
        rows.sort(key=lambda row: order[row["id"]])
        for row in rows:  # read as text: exact amounts, never through a float
            row["amount_total_signed"] = Decimal(row["amount_total_signed"])
        return {row["id"]: row for row in rows}

    @api.model
    def _invoice_payments(self, moves):
        """{move id: [(date, amount, is credit note)]}: what was matched with the
        receivable lines of ``moves``, in company currency (one query)."""
        if not moves:
            return {}
        self.env["account.move.line"].flush_model(["move_id", "account_id", "date"])
        self.env["account.partial.reconcile"].flush_model(
            ["debit_move_id", "credit_move_id", "amount"]
        )
        self.env["account.move"].flush_model(["move_type"])
        rows = self.env.execute_query(
            SQL(
                """SELECT line.move_id, counterpart.date, partial.amount::text,
                          counterpart_move.move_type = 'out_refund'
                     FROM account_move_line AS line
                     JOIN account_account AS account ON account.id = line.account_id
                     JOIN account_partial_reconcile AS partial
                       ON partial.debit_move_id = line.id
                     JOIN account_move_line AS counterpart
                       ON counterpart.id = partial.credit_move_id
                     JOIN account_move AS counterpart_move
                       ON counterpart_move.id = counterpart.move_id
                    WHERE line.move_id IN %s
                      AND account.account_type = 'asset_receivable'
                 ORDER BY line.id, partial.id""",
                tuple(moves.ids),
            )
        )
        by_move = defaultdict(list)
        for move_id, day, amount, is_refund in rows:
            by_move[move_id].append((day, Decimal(amount), is_refund))
        return by_move

    @api.model
    def _formal_notice_dates(self, partner_ids, company_ids):
        """{(partner id, company id): ISO date of the first sent mise en demeure},
        for these commercial partners (one query)."""
        if not partner_ids:
            return {}
        groups = (
            self.env["account.relance.event"]
            .sudo()
            ._read_group(
                [
                    ("partner_id", "in", partner_ids),
                    ("company_id", "in", company_ids),
                    ("state", "=", "sent"),
                    ("level_id.is_formal_notice", "=", True),
                ],
                ["partner_id", "company_id"],
                ["date:min"],
            )
        )
        return {
            (partner.id, company.id): first.isoformat()
            for partner, company, first in groups
        }

    @api.model
    def _empty_result(self, detail=False):
        return {
            "interest": ZERO,
            "indemnity": ZERO,
            "detail": detail,
            "segments": [],
            "warnings": [],
            "unconfirmed": [],
        }

    @api.model
    def _results_by_move(self, move_ids, answer, write_segment):
        """``{move id: result}`` from the engine's ``answer`` (a ``CaseResult``);
        each segment explained by ``write_segment`` (see
        :meth:`_segment_writer`)."""
        results = {}
        per_invoice = {item.ref: item for item in answer.invoices}
        for move_id in move_ids:
            item = per_invoice.get(str(move_id))
            if not item:
                results[move_id] = self._empty_result()
                continue
            results[move_id] = {
                "interest": item.interest_total.quantize(CENT, ROUND_HALF_UP),
                "indemnity": item.indemnity.quantize(CENT, ROUND_HALF_UP),
                "detail": "\n".join(map(write_segment, item.segments)) or False,
                "segments": item.segments,
                "warnings": list(item.warnings),
                "unconfirmed": list(item.unconfirmed_halves),
            }
        return results

    @api.model
    def _segment_writer(self, currency):
        """A function writing an engine segment as one line, with the dates,
        amounts and rate of the user's language (prepared once per call: the
        daily run explains tens of thousands of invoices)."""
        lang = self.env["res.lang"]._get_data(code=self.env.lang or "en_US")
        date_format = (lang and lang.date_format) or "%m/%d/%Y"
        point = (lang and lang.decimal_point) or "."
        thousands = (lang and lang.thousands_sep) or ""
        symbol, before = currency.symbol or "", currency.position == "before"
        halves = {}
        one_day = self.env._(
            "%(start)s → %(end)s (1 day, %(half)s): %(base)s × %(rate)s = %(interest)s"
        )
        days = self.env._(
            "%(start)s → %(end)s (%(days)s days, %(half)s): %(base)s × %(rate)s = "
            "%(interest)s"
        )

        dates = {}

        def day(value):
            if value not in dates:
                dates[value] = value.strftime(date_format)
            return dates[value]

        def number(value):
            grouped = f"{value:,.2f}"
            return (
                grouped.replace(",", "\x00")
                .replace(".", point)
                .replace("\x00", thousands)
            )

        def money(value):
            return (
                f"{symbol}\u00a0{number(value)}"
                if before
                else f"{number(value)}\u00a0{symbol}"
            )

        def half(label):
            if label not in halves:
                halves[label] = self.env["account.relance.document"]._format_half(label)
            return halves[label]

        def write(seg):
            return (one_day if seg.days == 1 else days) % {
                "start": day(seg.date_from),
                "end": day(seg.date_to),
                "days": seg.days,
                "half": half(seg.half.label),
                "base": money(seg.principal),
                "rate": f"{number(seg.rate_pct)}\u00a0%",
                "interest": money(seg.interest_rounded),
            }

        return write

    @api.model
    def _case_options(self, partner, company):
        """The engine's options for ``partner`` (a commercial partner) as a
        debtor of ``company``: who the debtor is, the rate terms agreed with
        it, the creditor's conventions."""
        debtor = partner.relance_debtor_type or "company"
        return {
            "customer_type": DEBTOR_TO_CASE[debtor],
            "creditor": company.relance_creditor_kind,
            **engine.resolve_rate_terms(
                partner.relance_rate_mode,
                Decimal(f"{partner.relance_contractual_rate_pct:.4f}"),
                company.relance_rate_mode,
                Decimal(f"{company.relance_contractual_rate_pct:.4f}"),
            ),
            "below_floor_policy": company.relance_below_floor_policy,
            "fixed_indemnity": f"{company.relance_indemnity_amount:.2f}",
        }

    @api.model
    def _engine_case(self, cases, partner, company, as_of, formal_notice_date):
        """The engine's case of ``partner`` without invoices; ``cases`` keeps
        the cases already built, as most customers share their options (a case
        depends on the company, the date, the notice and the debtor's fields
        in ``CASE_FIELDS``)."""
        key = (
            company.id,
            as_of,
            formal_notice_date,
            *(partner[name] for name in CASE_FIELDS),
        )
        if key in cases:
            return cases[key]
        options = {
            **self._case_options(partner, company),
            "payment_imputation": company.relance_payment_imputation,
            "day_count": company.relance_day_count,
            "evaluation_date": as_of.isoformat(),
            "mise_en_demeure_received": formal_notice_date,
            "judgment_enforceable_date": None,
            "buyer": partner.relance_public_buyer or "state",
            "justified_recovery_costs_ht": None,
        }
        cases[key] = engine.parse_case({**options, "invoices": []})
        return cases[key]

    @api.model
    def _engine_invoice(self, fact, payments, rounder):
        """The engine's invoice from :meth:`_invoice_facts` and
        :meth:`_invoice_payments` rows (amounts as ``Decimal``)."""
        invoice_date = fact["invoice_date"] or fact["date"]
        paid, credit_notes = [], []
        for day, amount, is_refund in payments:
            # An advance received before the invoice reduces the debt from its
            # first day: dated on the invoice date, it bears no interest (the
            # engine refuses a payment dated before its invoice).
            entry_date = max(day, invoice_date)
            if is_refund:
                credit_notes.append(engine.CreditNote(entry_date, rounder(amount)))
            else:
                paid.append(engine.Payment(entry_date, rounder(amount)))
        return engine.Invoice(
            ref=str(fact["id"]),
            invoice_date=invoice_date,
            # A due date typed before the invoice date: due on the invoice date.
            due_date=max(fact["invoice_date_due"] or invoice_date, invoice_date),
            amount_ttc=rounder(abs(fact["amount_total_signed"])),
            payments=tuple(paid),
            credit_notes=tuple(credit_notes),
        )

    @api.model
    def _money_rounder(self, currency):
        """A function rounding a ``Decimal`` amount as ``currency`` does, kept
        in ``Decimal`` (with two decimals, as the engine counts cents)."""
        quantum = Decimal(str(currency.rounding))
        if quantum == CENT:
            return lambda value: value.quantize(CENT, ROUND_HALF_UP)
        if quantum.as_tuple().digits == (1,):  # 1, 0.001...: quantize
            return lambda value: value.quantize(quantum, ROUND_HALF_UP).quantize(CENT)
        return lambda value: Decimal(str(currency.round(float(value)))).quantize(CENT)

    # ---------------------------------------------------- PENALTY INVOICE

    @api.model
    def _invoice_penalties(self, moves):
        """Create one customer invoice per customer charging the interest and the
        indemnity of ``moves`` at today's date, outside the scope of VAT."""
        moves = moves.filtered(
            lambda move: move.move_type == "out_invoice" and move.state == "posted"
        )
        if not moves:
            raise UserError(self.env._("Select posted customer invoices."))
        already = moves.filtered("relance_penalty_move_id")
        if already:
            raise UserError(
                self.env._(
                    "Penalties already invoiced for %(moves)s.",
                    moves=", ".join(already.mapped("name")),
                )
            )
        today = fields.Date.context_today(self)
        created = self.env["account.move"]
        for (partner, company), group in moves.grouped(
            lambda m: (m.commercial_partner_id, m.company_id)
        ).items():
            created |= self._create_penalty_invoice(partner, company, group, today)
        return created._get_records_action(name=self.env._("Penalty invoices"))

    @api.model
    def _create_penalty_invoice(self, partner, company, moves, today):
        self._check_penalty_accounts(company)
        results = self._compute_for_moves(moves, today)
        lines = []
        for move in moves:
            result = results[move.id]
            if result["interest"] > 0:
                lines.append(
                    self._penalty_line(
                        company.relance_interest_account_id,
                        self.env._(
                            "Late-payment interest, invoice %(move)s",
                            move=move.name,
                        ),
                        result["interest"],
                    )
                )
            if result["indemnity"] > 0:
                lines.append(
                    self._penalty_line(
                        company.relance_indemnity_account_id,
                        self.env._(
                            "Fixed recovery indemnity, invoice %(move)s",
                            move=move.name,
                        ),
                        result["indemnity"],
                    )
                )
        if not lines:
            raise UserError(self.env._("No penalty is due for these invoices."))
        invoice = (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": today,
                    "company_id": company.id,
                    "invoice_line_ids": lines,
                    "narration": self.env._(
                        "Penalties and indemnities outside the scope of VAT."
                    ),
                }
            )
        )
        moves.sudo().write({"relance_penalty_move_id": invoice.id})
        return invoice

    @api.model
    def _penalty_line(self, account, label, amount):
        return Command.create(
            {
                "name": label,
                "account_id": account.id,
                "quantity": 1,
                "price_unit": float(amount),
                "tax_ids": [Command.clear()],
            }
        )

    @api.model
    def _check_penalty_accounts(self, company):
        if not (
            company.relance_interest_account_id and company.relance_indemnity_account_id
        ):
            raise UserError(
                elide(
                    self.env._(
                        "Configure the penalty and indemnity income accounts of %(company)s (Invoicing settings).",
                        company=company.name,
                    ),
                    self.env.lang,
                )
            )
