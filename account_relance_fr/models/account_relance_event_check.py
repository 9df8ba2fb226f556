# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Why a reminder must wait for a person, or cannot leave now: blocking
problems (channels, contact, invoices) and amounts that changed since it
was prepared."""

from collections import defaultdict

from odoo import models
from odoo.tools import SQL


class AccountRelanceEvent(models.Model):
    _inherit = "account.relance.event"

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

    def _sending_problem(self):
        """Why this reminder cannot go out now ('' when it can): a blocking
        problem, or amounts that changed since it was prepared."""
        invoices_problem = self._invoices_problems()[self.id]
        return self._blocking_problem(invoices_problem) or self._stale_problem(
            invoices_problem
        )

    def _invoices_problems(self):
        """{event id: :meth:`_invoices_problem` of its invoices}, in one query."""
        self.env["account.relance.event.line"].flush_model(["event_id", "move_id"])
        self.env["account.move"].flush_model(["currency_id"])
        rows = self.env.execute_query_dict(
            SQL(
                """SELECT line.event_id, line.move_id, move.currency_id
                     FROM account_relance_event_line AS line
                     JOIN account_move AS move ON move.id = line.move_id
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
        foreign = next(
            (
                fact["move_id"]
                for fact in facts
                if fact["currency_id"] != self.currency_id.id
            ),
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
