# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Reminders leaving: the dispatcher takes the queued ones in batches,
dates them the day they leave, renders their documents and performs their
channels; *Send* and *Mark as posted* go the same way."""

import logging
from datetime import date, datetime, timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import config

from .. import engine

_logger = logging.getLogger(__name__)

DISPATCH_BATCH_SIZE = 50


class AccountRelanceEvent(models.Model):
    _inherit = "account.relance.event"

    @api.model
    def _cron_dispatch(self):
        """Scheduled action: render and send the queued reminders, in batches."""
        self._dispatch_queued(cron_progress=True)

    @api.model
    def _dispatch_queued(self, now=None, cron_progress=False):
        """Perform every queued reminder, ``DISPATCH_BATCH_SIZE`` at a time: the
        letters of a batch come from one wkhtmltopdf process per report.

        :param now: the moment to decide with (a datetime, naive UTC;
            default: now): only the reminders of companies whose sending hours
            are open then leave, dated that day, the others wait for the next
            opening; a plain day sends that day whatever the hour
        :return: how many reminders were handed over
        """
        self = self._trusted()
        day = self._departure_day(now)
        # Sending hours: only the companies whose window is open (all of
        # them when ``now`` is a plain day), see account_relance_event_window.
        company_ids = self._dispatch_open_company_ids(now)
        self._seal_accepted_emails()
        done, seen = 0, set()
        while True:
            ids = [
                i
                for i in self._queued_batch_ids(
                    DISPATCH_BATCH_SIZE, day, company_ids=company_ids
                )
                if i not in seen
            ]
            if not ids:
                return done
            seen.update(ids)
            self.sudo().browse(ids)._dispatch(day)
            done += len(ids)
            if cron_progress:
                remaining = self.sudo().search_count([("state", "=", "queued")])
                self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
                if not config["test_enable"]:
                    self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _departure_day(self, now=None):
        """The day reminders leaving at ``now`` (a datetime, or a day; default:
        now) are dated."""
        if isinstance(now, date) and not isinstance(now, datetime):
            return now
        return fields.Date.context_today(self, now or fields.Datetime.now())

    @api.model
    def _queued_batch_ids(self, limit, day=None, company_ids=None):
        """Ids of queued reminders due to leave on ``day`` (not postponed past
        it), of ``company_ids`` when given, locked for this transaction: a
        second dispatcher running at the same time skips them instead of
        sending them twice."""
        day = day or self._departure_day()
        self.flush_model(["state", "postponed_until", "company_id"])
        self.env.cr.execute(
            """SELECT id FROM account_relance_event
                WHERE state = 'queued'
                  AND (postponed_until IS NULL OR postponed_until <= %s)
                  AND (%s OR company_id = ANY(%s))
                ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED""",
            [day, company_ids is None, list(company_ids or ()), limit],
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _dispatch(self, day=None, checked=False):
        """Perform these reminders on ``day`` (default: today): amounts checked,
        dated and computed to that day, documents rendered (batched), then each
        reminder's channels; a reminder that fails is marked failed with the
        reason, the others go on."""
        if not self:
            return
        self = self._trusted()
        day = day or self._departure_day()
        for company in self.company_id:
            events = self.filtered(lambda e, c=company: e.company_id == c)
            events = events.with_company(company).with_context(
                mail_notify_force_send=False, lang=company._relance_text_lang()
            )
            # Sending by hand (``checked``) refused stale amounts already.
            ready = (
                events if checked else events._drop_stale(events._invoices_problems())
            )
            ready = ready._refresh_for_departure_safely(day)
            ready._prepare_documents_safely()
            for event in ready:
                event._perform_safely()
            events._post_messages()
        self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger()

    def _drop_stale(self, invoices_problems):
        """These reminders without those whose amounts are no longer the ones
        to claim (marked failed with the reason)."""
        ready = self.browse()
        for event in self:
            stale = event._stale_problem(invoices_problems[event.id])
            if stale:
                event._mark_failed(stale)
            else:
                ready |= event
        return ready

    def _refresh_for_departure(self, day):
        """These reminders leave on ``day``: dated that day, their deadline
        counted from it and their penalties computed to it (the amounts due
        were checked unchanged). A reminder whose penalties the engine refuses
        on that day (e.g. a missing legal rate) fails with the reason.

        :return: the reminders ready to leave
        """
        # A reminder that waited for a rate is computed again, whatever its date.
        late = self.filtered(lambda event: event.date != day or event.rate_wait_half)
        if not late:
            return self
        results, errors = self.env["account.relance.penalty"]._compute_for_run(
            late.line_ids.move_id, day
        )
        ready = self - late
        for event in late:
            moves = event.line_ids.move_id
            error = next((errors[m.id] for m in moves if m.id in errors), None)
            if error and not event.show_penalties:
                # Its level shows no penalty: it leaves, recording none.
                empty = self.env["account.relance.penalty"]._empty_result()
                results.update(dict.fromkeys(moves.ids, empty))
            elif error:
                event._wait_for_rate_on_departure(error)
                continue
            elif event.show_penalties and any(
                results[m.id]["unconfirmed"] for m in moves
            ):
                event._wait_for_rate_on_departure(None, results)
                continue
            event._redate(day, results)
            ready |= event
        return ready

    def _refresh_for_departure_safely(self, day):
        """:meth:`_refresh_for_departure` for the batch; if it fails, reminder
        by reminder, each in its savepoint: one reminder the engine cannot
        compute fails alone, the queue goes on."""
        try:
            with self.env.cr.savepoint():
                return self._refresh_for_departure(day)
        except Exception:  # noqa: BLE001 — retried one by one below
            _logger.warning(
                "Dating %s reminders at once failed; dating them one by one.",
                len(self),
                exc_info=True,
            )
        ready = self.browse()
        for event in self:
            try:
                with self.env.cr.savepoint():
                    ready |= event._refresh_for_departure(day)
            except Exception as error:  # noqa: BLE001 — isolate this reminder
                _logger.exception("Reminder %s could not be dated", event.name)
                event._mark_failed(str(error) or repr(error))
        return ready

    def _wait_for_rate_on_departure(self, error, results=None):
        """This reminder cannot leave with confirmed rates: a missing rate waits
        in To process (not failed), an unconfirmed one too; another engine
        refusal fails it with the reason."""
        self.ensure_one()
        if error is not None and not isinstance(error, engine.MissingRateError):
            self._mark_failed(
                self.env["account.relance.penalty"]._engine_message(error)
            )
            return
        if error is not None:
            reason, half = self._missing_rate_reason(error), error.label
            self.env["account.relance.rate"]._notify_missing_rate(
                error, self.company_id
            )
        else:
            halves = sorted(
                {h for m in self.line_ids.move_id for h in results[m.id]["unconfirmed"]}
            )
            reason, half = self._unconfirmed_rate_reason(halves), halves[0]
        self.write(
            {"state": "to_review", "review_reason": reason, "rate_wait_half": half}
        )

    def _redate(self, day, penalties):
        """Date this unsent reminder ``day``: deadline, days late and
        penalties of its lines as of that day; its letter, rendered for
        another day, is rendered again."""
        self.ensure_one()
        currency = self.currency_id
        totals = {"interest_total": 0.0, "indemnity_total": 0.0}
        charged = set()
        for line in self.line_ids.sorted("id"):
            result = penalties[line.move_id.id]
            # Before the due date: a courteous notice, never a penalty.
            first_of_move = (
                line.move_id.id not in charged and not self.level_id.is_before_due
            )
            charged.add(line.move_id.id)
            vals = {
                "days_late": max((day - line.due_date).days, 0),
                "interest": float(result["interest"]) if first_of_move else 0.0,
                "indemnity": float(result["indemnity"]) if first_of_move else 0.0,
                "penalty_detail": result["detail"] if first_of_move else False,
            }
            line.write(vals)
            totals["interest_total"] += vals["interest"]
            totals["indemnity_total"] += vals["indemnity"]
        totals = {key: currency.round(value) for key, value in totals.items()}
        self.write(
            {
                "date": day,
                "deadline_date": day + timedelta(days=self.level_id.deadline_days),
                **totals,
                "total_claim": currency.round(self.amount_due + sum(totals.values())),
                "rate_wait_half": False,
            }
        )
        self._drop_unsealed_letter()

    def _prepare_documents_safely(self):
        """Render the batch's documents at once; if the batch fails, each
        reminder renders its own when it is performed (in its savepoint)."""
        try:
            with self.env.cr.savepoint():
                self._prepare_documents()
        except Exception:  # noqa: BLE001 — the reminders render one by one
            _logger.warning(
                "Rendering %s reminders at once failed; rendering them one by one.",
                len(self),
                exc_info=True,
            )

    def _perform_safely(self):
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                self._perform_channels()
        except Exception as error:  # noqa: BLE001 — isolate this reminder
            _logger.exception("Reminder %s could not be performed", self.name)
            self._mark_failed(str(error) or repr(error))

    def _perform_channels(self):
        """Phone activity; a letter is kept for printing, and its email copy
        leaves when it is posted (the copy says "sent to you today by
        registered letter"); an email alone is handed to the mail queue. The
        reminder is sent once every channel is done (see :meth:`_channels_done`)."""
        self.ensure_one()
        if self.channel_sms:
            self._send_sms()
        if self.channel_phone:
            self._schedule_call()
        if self.level_id.is_litigation:
            self._schedule_litigation_handover()
        if self._has_letter():
            self._attach_letter()
            self.state = "to_print"
        elif self.channel_email:
            self._send_email()
            self.state = "sending"
        else:
            self._mark_sent()

    def _has_letter(self):
        self.ensure_one()
        return self.channel_letter or self.channel_registered

    def _channels_done(self):
        """Whether every channel of this reminder is done: its email accepted by
        the mail server, its letter posted (a phone call is done once the
        collector has the task)."""
        self.ensure_one()
        email_done = not self.channel_email or bool(self.email_sent_date)
        letter_done = not self._has_letter() or bool(self.letter_posted_date)
        return email_done and letter_done and self._sms_done()

    def _send_email(self):
        template = self.level_id.mail_template_id
        attachments = (
            self._attach_letter()
            if self.level_id.report_id
            else self.env["ir.attachment"]
        )
        if self.level_id.attach_invoices:
            attachments |= self._invoice_attachments()
        message = self.with_context(lang=self.contact_id.lang).message_post_with_source(
            template,
            partner_ids=self.contact_id.ids,
            attachment_ids=attachments.ids,
            subtype_xmlid="mail.mt_comment",
        )
        self.mail_message_id = message[:1].id if message else False
        if (
            not self.env["mail.mail"]
            .sudo()
            .search_count([("mail_message_id", "in", message.ids)])
        ):
            raise UserError(
                self.env._(
                    "No email was produced for %(contact)s.",
                    contact=self.contact_id.display_name,
                )
            )

    def _send_on(self, day):
        """What *Send* does on ``day``: reviewed or failed reminders leave,
        letters to print are recorded as posted."""
        self = self._trusted()
        to_perform = self.browse()
        for event in self:
            if event.state in ("to_review", "failed"):
                problem = event._sending_problem(day)
                if problem:
                    raise UserError(problem)
                to_perform |= event
            elif event.state == "to_print":
                event._record_posting(day)
            else:
                raise UserError(
                    self.env._(
                        "Reminder %(name)s is already sent, being sent or cancelled.",
                        name=event.name,
                    )
                )
        if to_perform:
            to_perform.write({"failure_reason": False, "user_id": self.env.user.id})
            to_perform._dispatch(day, checked=True)

    def _record_posting(self, day):
        """The letter of this reminder was posted on ``day``: its email copy, if
        any, now leaves with the letter attached; the reminder is sent once
        every channel is done."""
        self.ensure_one()
        problem = self._stale_problem()
        if problem:
            raise UserError(problem)
        if self.channel_registered and not (self.registered_number or "").strip():
            raise UserError(
                self.env._(
                    "Enter the registered letter number of %(name)s.",
                    name=self.name,
                )
            )
        self.write({"letter_posted_date": day, "user_id": self.env.user.id})
        if self.channel_email and not self.email_sent_date:
            self.with_context(mail_notify_force_send=False)._send_email()
            self.state = "sending"
            self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger()
        else:
            self._mark_sent()
