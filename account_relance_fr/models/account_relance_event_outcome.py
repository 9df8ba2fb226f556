# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What comes back: the mail queue's answer, a reminder sent (sealed, its
invoices at their level) or failed, the chatter lines and the tasks."""

import logging
from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL, format_date

from ..tools.french import elide

_logger = logging.getLogger(__name__)


class AccountRelanceEvent(models.Model):
    _inherit = "account.relance.event"

    def _schedule_call(self):
        level = self.level_id
        responsible = self.partner_id.user_id or self.env.user
        self.activity_schedule(
            activity_type_id=level.activity_type_id.id,
            summary=self.env._(
                "Call %(partner)s",
                partner=self.partner_id.display_name,
            ),
            user_id=responsible.id,
            date_deadline=self.date,
        )

    def _schedule_litigation_handover(self):
        """The litigation step writes to nobody: the person in charge of the
        customer gets the file to take over."""
        self.ensure_one()
        responsible = self.partner_id.user_id or self.env.user
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=elide(
                self.env._(
                    "Take over the litigation file of %(partner)s",
                    partner=self.partner_id.display_name,
                ),
                self.env.lang,
            ),
            user_id=responsible.id,
            date_deadline=self.date,
        )

    def _mark_sent(self):
        """Sent: sealed in the company's chain, invoices at their level. Does
        nothing on an empty recordset."""
        if not self:
            return
        for event in self:
            event._sealing().write({"state": "sent"})
            event._seal()
        self._write_invoice_levels()

    def _mark_failed(self, reason):
        """Not sent: the reason is kept, the invoices stay at their level (a
        level is applied once its reminder is sent; the restore only concerns
        reminders created before that rule), and the next daily run tries again
        (a failed reminder is not pending)."""
        for event in self:
            event._restore_invoice_levels()
            event.write({"state": "failed", "failure_reason": reason})
            event._message_log(
                body=self.env._("Sending failed: %(reason)s", reason=reason)
            )

    @api.model
    def _on_mail_result(
        self, mails, success_pids=None, failure_type=None, failure_reason=False
    ):
        """Called by the mail queue for the mails it processed: the acceptance
        of the email to the reminder's contact (date, Message-ID) or its failure
        is recorded on the reminder, which is sent once all its channels are
        done. Copies to followers neither send nor fail the reminder. Whatever
        happens here, Odoo's mail queue goes on: a reminder that cannot be
        sealed now is sealed by the next dispatcher run."""
        self = self._trusted()
        events = self.sudo().search(
            [
                ("mail_message_id", "in", mails.mail_message_id.ids),
                # A failed one too: its email, retried from the mail queue,
                # left after all (an email that left is always sealed).
                ("state", "in", ("sending", "to_print", "failed")),
                ("email_sent_date", "=", False),
            ]
        )
        if not events:
            return
        accepted = set(success_pids or ())
        now = fields.Datetime.now()
        for event in events:
            mail = next(m for m in mails if m.mail_message_id == event.mail_message_id)
            contact = event.contact_id
            for_contact = contact in mail.recipient_ids or not mail.recipient_ids
            if contact.id in accepted or (for_contact and not failure_type):
                event.write(
                    {"email_sent_date": now, "email_message_ref": mail.message_id}
                )
                event._seal_if_done()
            elif failure_type and for_contact:
                event._email_failed(
                    event._mail_failure_text(
                        failure_type, failure_reason or mail.failure_reason
                    )
                )

    def _mail_failure_text(self, failure_type, reason):
        """The mail queue's failure as its reader needs it: what went wrong
        and where to fix it, then the server's own words ("111 Connection
        refused")."""
        explanations = {
            "mail_smtp": self.env._(
                "The outgoing mail server could not be reached or refused the "
                "email: check Settings > Technical > Outgoing Mail Servers."
            ),
            "mail_email_invalid": self.env._(
                "The customer's email address is not valid: correct it on the contact."
            ),
            "mail_email_missing": self.env._(
                "The customer's contact has no email address."
            ),
            "mail_from_invalid": self.env._(
                "The sender's email address is not valid: check the company's "
                "email address."
            ),
            "mail_from_missing": self.env._(
                "The sender has no email address: set the company's email address."
            ),
            "mail_bl": self.env._(
                "The customer's address is on the blacklist of the database."
            ),
        }
        explanation = explanations.get(failure_type) or self.env._(
            "The email could not leave."
        )
        reason = (reason or "").strip()
        if not reason or reason == failure_type:
            return explanation
        return self.env._(
            "%(explanation)s (Server message: %(reason)s)",
            explanation=explanation,
            reason=reason,
        )

    def _email_failed(self, reason):
        """The email could not leave: the reminder fails, unless its letter
        was already posted (the letter is what counts; the failed copy is
        recorded and the reminder is sent without it)."""
        self.ensure_one()
        if not self.letter_posted_date:
            self._mark_failed(reason)
            return
        self.write({"email_failure_reason": reason})
        self._message_log(
            body=self.env._(
                "The email copy of the posted letter could not leave: %(reason)s",
                reason=reason,
            )
        )
        self._seal_if_done(email_failed=True)

    def _seal_if_done(self, email_failed=False):
        """Mark sent those of these reminders whose channels are all done, each
        in its own savepoint: a reminder that cannot be sealed now stays as it
        is and is sealed by :meth:`_seal_accepted_emails`."""
        for event in self:
            if not (event._channels_done() or email_failed):
                continue
            try:
                with self.env.cr.savepoint():
                    event._mark_sent()
            except Exception:  # noqa: BLE001 — never break the mail queue
                _logger.exception("Reminder %s could not be sealed yet", event.name)

    @api.model
    def _seal_accepted_emails(self):
        """Seal the reminders whose email left but which are not sealed yet
        (their sealing failed while the mail queue ran)."""
        events = self.sudo().search(
            [("state", "=", "sending"), ("email_sent_date", "!=", False)]
        )
        events._seal_if_done()

    def _post_messages(self):
        """One line in the chatter of the customer and of each invoice."""
        bodies = defaultdict(dict)
        # The state's label and the date in the language of the message.
        states = dict(self._fields["state"]._description_selection(self.env))
        for event in self:
            body = self.env._(
                "Reminder %(name)s (%(level)s, %(state)s) of %(date)s.",
                name=event.name,
                level=event.level_id.name,
                state=states[event.state],
                date=format_date(self.env, event.date),
            )
            # Never on another company's invoice (a reminder refused for
            # listing one is logged on its own customer only).
            moves = event.line_ids.move_id.filtered(
                lambda move, e=event: move.company_id == e.company_id
            )
            for record in [*moves, event.partner_id]:
                bodies[record._name][record.id] = body
        for model, by_id in bodies.items():
            self.env[model].sudo().browse(list(by_id))._message_log_batch(bodies=by_id)

    def _write_invoice_levels(self):
        """The invoices of these sent reminders reach their new level, and all
        of them get the reminder's date as last reminder, in SQL (bookkeeping
        fields of this addon only; no stored field depends on them). A level is
        applied when its reminder leaves, never at the run: the run stays cheap
        on the wide invoice table, and a reminder that is cancelled or fails
        before it leaves has nothing to undo."""
        if not self.ids:
            return
        fields_written = ["relance_level_id", "relance_level_sent", "relance_last_date"]
        self.env["account.relance.event.line"].flush_model()
        self.env["account.move"].flush_model(fields_written)
        # One row per invoice: several receivable lines (instalments) of one
        # invoice may advance; the invoice takes the furthest level.
        self.env.cr.execute(
            SQL(
                """UPDATE account_move AS move
                      SET relance_level_id = COALESCE(sent.level_id,
                                                      move.relance_level_id),
                          relance_level_sent = sent.level_id IS NOT NULL
                                               OR move.relance_level_sent,
                          relance_last_date = sent.date
                     FROM (SELECT line.move_id,
                                  MAX(event.date) AS date,
                                  (ARRAY_AGG(line.new_level_id
                                             ORDER BY level.sequence DESC,
                                                      level.days_after_due DESC,
                                                      level.id DESC)
                                   FILTER (WHERE line.advances_level))[1] AS level_id
                             FROM account_relance_event_line AS line
                             JOIN account_relance_event AS event
                               ON event.id = line.event_id
                             -- never another company's invoice
                             JOIN account_move AS own
                               ON own.id = line.move_id
                              AND own.company_id = event.company_id
                        LEFT JOIN account_relance_level AS level
                               ON level.id = line.new_level_id
                            WHERE line.event_id IN %s
                         GROUP BY line.move_id) AS sent
                    WHERE sent.move_id = move.id""",
                tuple(self.ids),
            )
        )
        self.env["account.move"].invalidate_model(fields_written)

    def _restore_invoice_levels(self):
        self.ensure_one()
        for line in self.line_ids.filtered("advances_level"):
            if line.move_id.relance_level_id == line.new_level_id:
                line.move_id.sudo().write(
                    {
                        "relance_level_id": line.previous_level_id.id,
                        "relance_level_sent": line.previous_level_sent,
                    }
                )
