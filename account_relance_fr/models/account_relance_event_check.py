# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Why a reminder must wait for a person, or cannot leave now: blocking
problems (channels, contact, invoices) and amounts that changed since it
was prepared."""

from collections import defaultdict

from odoo import fields, models
from odoo.tools import SQL

from .. import engine


class AccountRelanceEvent(models.Model):
    _inherit = "account.relance.event"

    rate_wait_half = fields.Char(
        "Waits for the rates of",
        readonly=True,
        copy=False,
        help="Half-year whose rate this reminder needs and the table lacks, or "
        "holds unconfirmed: it waits in To process until the rate is entered "
        "or confirmed, then Send computes its penalties.",
    )

    def _review_reason(self, invoices_problem=None):
        """Why this event must wait for a person ('' when it may go out alone);
        ``invoices_problem``: its entry of :meth:`_invoices_problems`, if read."""
        self.ensure_one()
        level = self.level_id
        if level.is_litigation:
            return self.env._("Litigation: a person takes over the file.")
        if level.send_mode == "review":
            return self.env._("This level waits for a review.")
        return self._blocking_problem(invoices_problem)

    def _blocking_problem(self, invoices_problem=None):
        self.ensure_one()
        contact = self.contact_id
        problem = self.level_id._channel_problem()
        if problem:
            return problem
        if self.channel_email and not contact.email:
            return self.env._(
                "No email address for %(contact)s.",
                contact=contact.display_name,
            )
        if self.channel_sms and not self._sms_recipient_number():
            return self._sms_missing_number()
        if (self.channel_letter or self.channel_registered) and not (
            contact.street and contact.city
        ):
            return self.env._(
                "Incomplete postal address for %(contact)s.",
                contact=contact.display_name,
            )
        if invoices_problem is None:
            invoices_problem = self._invoices_problems()[self.id]
        return invoices_problem

    def _sending_problem(self, day=None):
        """Why this reminder cannot go out now ('' when it can): a blocking
        problem, amounts that changed since it was prepared, or a rate its
        penalties need on ``day`` (default: today) missing or unconfirmed."""
        invoices_problem = self._invoices_problems()[self.id]
        return (
            self._blocking_problem(invoices_problem)
            or self._stale_problem(invoices_problem)
            or self._rates_problem(day or self._departure_day())
        )

    def _rates_problem(self, day):
        """Why the penalties of this reminder cannot be computed on ``day``
        with confirmed rates ('' when they can, or when its level shows none)."""
        self.ensure_one()
        if not self.show_penalties:
            return ""
        results, errors = self.env["account.relance.penalty"]._compute_for_run(
            self.line_ids.move_id, day
        )
        error = next(iter(errors.values()), None)
        if isinstance(error, engine.MissingRateError):
            return self._missing_rate_reason(error)
        if error:
            return self.env["account.relance.penalty"]._engine_message(error)
        halves = sorted(
            {half for result in results.values() for half in result["unconfirmed"]}
        )
        return self._unconfirmed_rate_reason(halves) if halves else ""

    def _missing_rate_reason(self, error):
        """The reason of a reminder waiting for the rate ``error`` names."""
        return self.env._(
            "Waiting for the %(rate)s of the %(half)s: enter it in Configuration > "
            "Legal rates, then send this reminder.",
            rate=self.env["account.relance.rate"]._missing_rate_text(error),
            half=self.env["account.relance.document"]._format_half(error.label),
        )

    def _unconfirmed_rate_reason(self, halves):
        Document = self.env["account.relance.document"]
        return self.env._(
            "Uses an unconfirmed rate of the %(halves)s: confirm it in "
            "Configuration > Legal rates, then send this reminder.",
            halves=", ".join(Document._format_half(half) for half in halves),
        )

    def _invoices_problems(self):
        """{event id: :meth:`_invoices_problem` of its invoices}, in one query."""
        self.env["account.relance.event.line"].flush_model(
            ["event_id", "move_id", "move_line_id"]
        )
        self.env["account.move"].flush_model(
            ["currency_id", "company_id", "commercial_partner_id", "move_type"]
        )
        self.flush_recordset(["company_id", "partner_id"])
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        rows = self.env.execute_query_dict(
            SQL(
                """SELECT line.event_id, line.id, line.move_id, move.currency_id,
                          move.company_id = event.company_id
                          AND move.move_type = 'out_invoice'
                          AND move.commercial_partner_id
                              = customer.commercial_partner_id
                          AND (line.move_line_id IS NULL
                               OR item.move_id = line.move_id) AS consistent
                     FROM account_relance_event_line AS line
                     JOIN account_relance_event AS event ON event.id = line.event_id
                     JOIN res_partner AS customer ON customer.id = event.partner_id
                     JOIN account_move AS move ON move.id = line.move_id
                LEFT JOIN account_move_line AS item ON item.id = line.move_line_id
                    WHERE line.event_id IN %s
                 ORDER BY line.id""",
                tuple(self.ids) or (None,),
            )
        )
        facts = defaultdict(list)
        for row in rows:
            facts[row["event_id"]].append(row)
        return {event.id: event._invoices_problem(facts[event.id]) for event in self}

    def _invoices_problem(self, facts):
        """Why the invoices of this reminder stop it ('' when they do not): no
        invoice at all, or one in another currency than the reminder's (its
        amounts would be converted, so a person handles this customer).
        ``facts``: its lines' ``move_id`` and invoice ``currency_id``."""
        self.ensure_one()
        if not facts:
            return self.env._("No invoice in this reminder.")
        # Checked before anything is read, rendered or sent as superuser; the
        # refusal names nothing of the foreign invoice.
        if any(not fact.get("consistent", True) for fact in facts):
            return self.env._(
                "Reminder %(name)s lists an invoice that is not a customer invoice of %(company)s for %(customer)s: it is not sent.",
                name=self.name,
                company=self.company_id.name,
                customer=self.partner_id.display_name,
            )
        currency_id = self.currency_id.id
        foreign = next(
            (fact["move_id"] for fact in facts if fact["currency_id"] != currency_id),
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
            "Invoice %(move)s is in %(currency)s: a reminder claims amounts in %(own)s only, handle this customer by hand.",
            move=foreign.display_name,
            currency=foreign.currency_id.name,
            own=self.currency_id.name,
        )

    def _stale_problem(self, invoices_problem=None):
        """Why the amounts of this unsent reminder are not the ones to claim
        ('' when they are): an invoice cancelled, reset to draft, paid or partly
        paid since the reminder was prepared, an invoice in another currency than
        the reminder's, or totals that no longer add up to the lines."""
        self.ensure_one()
        currency = self.currency_id
        if invoices_problem is None:
            invoices_problem = self._invoices_problems()[self.id]
        if invoices_problem:
            return invoices_problem
        for line in self.line_ids:
            move = line.move_id
            if move.state != "posted":
                return self.env._(
                    "Invoice %(move)s is no longer posted (cancelled or reset to draft) since the reminder was prepared: cancel this reminder.",
                    move=move.display_name,
                )
            now = (
                line.move_line_id.amount_residual
                if line.move_line_id
                else move.amount_residual_signed
            )
            if currency.compare_amounts(now, line.amount_residual):
                return self.env._(
                    "The amount due on invoice %(move)s changed since the reminder was prepared (%(then)s → %(now)s): cancel this reminder, the next run prepares an up-to-date one.",
                    move=move.display_name,
                    then=currency.format(line.amount_residual),
                    now=currency.format(now),
                )
        if currency.compare_amounts(
            self.amount_due, sum(self.line_ids.mapped("amount_residual"))
        ):
            return self.env._(
                "The overdue amount of reminder %(name)s no longer matches its invoices: cancel it.",
                name=self.name,
            )
        return ""
