# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The dispatcher's batches as background jobs: the scheduled action enqueues
one job per batch of queued reminders on the ``root.relance`` channel; the
queue_job runner hands them to as many workers (or servers) as the channel
allows. A batch already waiting in a job is not enqueued twice, and a reminder
in two jobs leaves once (``_dispatch_batch`` locks and skips it)."""

from odoo import api, fields, models

from odoo.addons.account_relance_fr.models.account_relance_event_dispatch import (
    DISPATCH_BATCH_SIZE,
)
from odoo.addons.queue_job.job import identity_exact

CHANNEL = "root.relance"


class AccountRelanceEvent(models.Model):
    _inherit = "account.relance.event"

    @api.model
    def _cron_dispatch(self):
        # OVERRIDE account_relance_fr: enqueue the batches instead of
        # performing them in the scheduled action.
        self._enqueue_dispatch()

    @api.model
    def _enqueue_dispatch(self, now=None):
        """One job per ``DISPATCH_BATCH_SIZE`` queued reminders due to leave.

        :return: the number of batches handed to the queue
        """
        day = self._departure_day(now)
        # Sending hours: only the companies whose window is open.
        company_ids = self._dispatch_open_company_ids(now)
        self._seal_accepted_emails()
        ids = self._queued_due_ids(day, company_ids)
        batches = [
            ids[start : start + DISPATCH_BATCH_SIZE]
            for start in range(0, len(ids), DISPATCH_BATCH_SIZE)
        ]
        for batch in batches:
            self.with_delay(
                channel=CHANNEL,
                identity_key=identity_exact,
                description=self.env._(
                    "Send %(count)s reminders (from %(first)s)",
                    count=len(batch),
                    first=batch[0],
                ),
            )._dispatch_batch_job(batch, fields.Date.to_string(day))
        return len(batches)

    @api.model
    def _queued_due_ids(self, day, company_ids=None):
        self.flush_model(["state", "postponed_until", "company_id"])
        self.env.cr.execute(
            """SELECT id FROM account_relance_event
                WHERE state = 'queued'
                  AND (postponed_until IS NULL OR postponed_until <= %s)
                  AND (%s OR company_id = ANY(%s))
                ORDER BY id""",
            [day, company_ids is None, list(company_ids or ())],
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _dispatch_batch_job(self, ids, day):
        """The job: perform the reminders ``ids`` still queued, dated ``day``."""
        done = self._dispatch_batch(ids, fields.Date.to_date(day))
        return f"{done} of {len(ids)} reminders performed"
