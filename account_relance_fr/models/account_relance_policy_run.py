# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The daily run: for every company, the engine decides on the open
receivables, chunk by chunk, and the reminders are created batch by batch."""

import logging
import zlib
from contextlib import contextmanager

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import config

from ..engine import dunning

_logger = logging.getLogger(__name__)

RUN_BATCH_SIZE = 500
# Customers whose open receivables the engine reads and decides at once.
PREVIEW_CHUNK = 2000
RUN_LOCK_KEY = zlib.crc32(b"account_relance_fr.run")


class AccountRelancePolicy(models.Model):
    _inherit = "account.relance.policy"

    @api.model
    def _cron_run_relances(self):
        """Scheduled action: today's run for every company, in batches."""
        self._run_relances(cron_progress=True)

    @api.model
    def _run_relances(self, as_of=None, partners=None, cron_progress=False):
        """Run the reminder process for the date ``as_of`` (default: today).

        :param partners: optional commercial partners to restrict the run to
        :return: the ``account.relance.event`` records created
        """
        as_of = fields.Date.to_date(as_of) or fields.Date.context_today(self)
        events = self.env["account.relance.event"]
        with self._run_lock() as acquired:
            if not acquired:
                _logger.info("Reminder run skipped: another run is in progress.")
                return events
            for company in self._run_companies():
                run = self.with_context(lang=company._relance_text_lang())
                events |= run._run_for_company(company, as_of, partners, cron_progress)
        return events

    @contextmanager
    def _run_lock(self):
        """Session-level advisory lock: two runs can never overlap."""
        cr = self.env.cr
        cr.execute("SELECT pg_try_advisory_lock(%s)", [RUN_LOCK_KEY])
        acquired = cr.fetchone()[0]
        try:
            yield acquired
        finally:
            if acquired:
                cr.execute("SELECT pg_advisory_unlock(%s)", [RUN_LOCK_KEY])

    @api.model
    def _run_companies(self):
        if self.env.su:
            return self.env["res.company"].search([("active", "=", True)])
        return self.env.companies

    @api.model
    def _run_for_company(self, company, as_of, partners=None, cron_progress=False):
        """The engine decides for ``PREVIEW_CHUNK`` customers at a time, whose
        reminders are created ``RUN_BATCH_SIZE`` at a time: memory is bounded
        by these sizes, not by the number of open invoices of the company."""
        customer_ids = self.env["account.relance.snapshot"]._open_customer_ids(
            company, partners
        )
        events = self.env["account.relance.event"]
        done = 0
        for start in range(0, len(customer_ids), PREVIEW_CHUNK):
            chunk = customer_ids[start : start + PREVIEW_CHUNK]
            facts = {}  # the chunk's lines and invoices, as the engine saw them
            decisions = self.with_company(company)._preview(
                company, as_of, self.env["res.partner"].browse(chunk), facts
            )
            to_create = [d for d in decisions if d.action == "create"]
            for batch_start in range(0, len(to_create), RUN_BATCH_SIZE):
                batch = to_create[batch_start : batch_start + RUN_BATCH_SIZE]
                events |= self._run_batch(company, batch, as_of, facts)
                done += len(batch)
                # Remaining: this chunk's reminders, then the customers after it.
                remaining = len(to_create) - batch_start - len(batch)
                remaining += len(customer_ids) - start - len(chunk)
                self._end_batch(cron_progress, done, remaining)
        return events

    @api.model
    def _run_batch(self, company, decisions, as_of, facts=None):
        """Create the reminders of one batch of customers.

        The batch's penalties are computed at once, and its reminders created
        with one insert. If that fails, the batch is created again customer by
        customer so that one customer's failure is recorded (state ``failed``)
        without stopping the others.

        :param facts: the lines and invoices read with the decisions (see
            ``account.relance.snapshot._snapshots``); read here when not given
        """
        Event = self.env["account.relance.event"].with_company(company)
        keys = [key for decision in decisions for key in decision.covered_items]
        if facts:
            line_facts = {key: facts["lines"][key] for key in keys}
        else:
            line_facts = Event._line_facts(keys)
        penalties = self._batch_penalties(
            company, line_facts, as_of, facts and facts["moves"]
        )
        ready = [
            decision
            for decision in decisions
            if {line_facts[key]["move_id"] for key in decision.covered_items}
            <= penalties.keys()
        ]
        try:
            with self.env.cr.savepoint():
                events = Event._create_batch(
                    company, ready, as_of, penalties, line_facts=line_facts
                )
        except Exception:  # noqa: BLE001 — retried one by one below
            _logger.warning(
                "Batch of %s reminders failed; creating them one by one.",
                len(ready),
                exc_info=True,
            )
            events, ready = Event.browse(), []
        created = {id(decision) for decision in ready}
        for decision in decisions:
            if id(decision) not in created:
                events |= self._create_event_safely(company, decision, as_of, penalties)
        return events

    @api.model
    def _batch_penalties(self, company, line_facts, as_of, move_facts=None):
        """{move id: penalties} for the invoices of the batch's covered lines
        (``line_facts``, see ``_line_facts``); the customers whose case the
        engine refuses are left out. ``move_facts``: the invoices as read with
        the decisions, when they were."""
        move_ids = list(dict.fromkeys(fact["move_id"] for fact in line_facts.values()))
        invoice_facts = (
            {move_id: move_facts[move_id] for move_id in move_ids}
            if move_facts
            else None
        )
        return (
            self.env["account.relance.penalty"]
            .with_company(company)
            ._compute_for_batch(
                self.env["account.move"].browse(move_ids), as_of, invoice_facts
            )
        )

    @api.model
    def _end_batch(self, cron_progress, done, remaining):
        if cron_progress:
            self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
            if not config["test_enable"]:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        # Forget the batch's records: memory stays bounded by the batch size.
        self.env.invalidate_all()

    @api.model
    def _create_event_safely(self, company, decision, as_of, penalties=None):
        """One customer's failure never stops the others."""
        Event = self.env["account.relance.event"].with_company(company)
        try:
            with self.env.cr.savepoint():
                return Event._create_from_decision(company, decision, as_of, penalties)
        except Exception as error:  # noqa: BLE001 — isolate this customer
            _logger.exception("Reminder for partner %s failed", decision.customer_key)
            with self.env.cr.savepoint():
                return Event._create_failed(company, decision, as_of, error)

    @api.model
    def _preview(self, company, as_of, partners=None, facts=None):
        """Decisions of the engine for every customer of ``company`` at ``as_of``
        (``facts``: see ``account.relance.snapshot._snapshots``)."""
        snapshots, ladders = self.env["account.relance.snapshot"]._snapshots(
            company, as_of, partners, facts
        )
        decisions = []
        for policy, customers in snapshots.items():
            ladder = ladders[policy]
            if not ladder:
                continue
            decisions += dunning.decide_all(customers, ladder, as_of)
        return decisions

    @api.model
    def _demo_run(self, as_of):
        """Demo data only: a past day's run, its reminders dispatched that day
        and the reminders' emails recorded as delivered (a demo database has
        no mail server)."""
        as_of = fields.Date.to_date(as_of)
        self._demo_deliver()
        events = self._run_relances(as_of=as_of)
        self.env["account.relance.event"]._dispatch_queued(now=as_of)
        self._demo_deliver()
        return events

    @api.model
    def _demo_deliver(self):
        """Demo data only: what the mail queue does once the mail server has
        accepted the reminders' emails waiting in it."""
        mails = (
            self.env["mail.mail"]
            .sudo()
            .search(
                [
                    ("model", "=", "account.relance.event"),
                    ("state", "=", "outgoing"),
                ]
            )
        )
        if mails:
            mails.write({"state": "sent"})
            mails._postprocess_sent_message(success_pids=mails.recipient_ids.ids)

    def action_run_now(self):
        # The policy form's button is shown to managers; RPC reaches it too.
        if not self.env.user.has_group("account_relance_fr.group_relance_manager"):
            raise AccessError(
                self.env._("Only a Reminders manager runs the reminders by hand.")
            )
        events = self._run_relances()
        if not events:
            raise UserError(self.env._("No reminder to create today."))
        return events._get_records_action(name=self.env._("Reminders created"))
