# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""With queue_job, the dispatcher's scheduled action enqueues its batches as
jobs on the relance channel; the jobs send the reminders once."""

from datetime import datetime, time
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.account_relance_fr.tests.common import RelanceCommon
from odoo.addons.queue_job.tests.common import trap_jobs

from ..models import account_relance_event as glue


@tagged("post_install", "-at_install")
class TestQueueDispatch(RelanceCommon):
    FIRST_RUN = RelanceCommon.DUE.replace(day=3)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Event = cls.env["account.relance.event"]
        cls.customers = cls.customer | cls.other_customer
        for index in range(3):
            cls.customers |= cls._make_customer(
                f"Client {index}", f"client{index}@example.fr"
            )
        cls.cron = cls.env.ref("account_relance_fr.ir_cron_relance_dispatch")

    def _queued(self):
        for customer in self.customers:
            self._invoice(customer)
        events = self.env["account.relance.policy"]._run_relances(
            as_of=self.FIRST_RUN, partners=self.customers
        )
        self.assertEqual(set(events.mapped("state")), {"queued"})
        self.assertEqual(len(events), 5)
        return events

    def test_cron_enqueues_batches_on_the_relance_channel(self):
        events = self._queued()
        with (
            patch.object(glue, "DISPATCH_BATCH_SIZE", 2),
            trap_jobs() as trap,
            # Within the company's sending hours (9:00-18:00, Paris) whatever
            # the hour the tests run at.
            freeze_time(datetime.combine(self.FIRST_RUN, time(10, 0))),
        ):
            self.cron.method_direct_trigger()
            trap.assert_jobs_count(3, only=self.Event._dispatch_batch_job)
            self.assertEqual(
                {job.channel for job in trap.enqueued_jobs}, {"root.relance"}
            )
            self.assertEqual(
                sorted(i for job in trap.enqueued_jobs for i in job.args[0]),
                sorted(events.ids),
            )
            self.assertEqual(set(events.mapped("state")), {"queued"}, "not sent yet")
            trap.perform_enqueued_jobs()
        self.assertEqual(set(events.mapped("state")), {"sending"})
        self.assertEqual(self.Event._queued_count(), 0)

    def test_batch_waiting_in_a_job_is_not_enqueued_twice(self):
        events = self._queued()
        self.Event._enqueue_dispatch(now=self.FIRST_RUN)
        self.Event._enqueue_dispatch(now=self.FIRST_RUN)
        jobs = (
            self.env["queue.job"]
            .sudo()
            .search([("method_name", "=", "_dispatch_batch_job")])
        )
        self.assertEqual(len(jobs), 1, "identity key: one job for one batch")
        self.assertEqual(jobs.channel, "root.relance")
        self.assertEqual(sorted(jobs.args[0]), sorted(events.ids))

    def test_a_reminder_in_two_jobs_leaves_once(self):
        events = self._queued()
        day = str(self.FIRST_RUN)
        self.assertIn("5 of 5", self.Event._dispatch_batch_job(events.ids, day))
        self.assertEqual(set(events.mapped("state")), {"sending"})
        self.assertIn("0 of 5", self.Event._dispatch_batch_job(events.ids, day))
        mails = (
            self.env["mail.mail"]
            .sudo()
            .search([("mail_message_id", "in", events.mail_message_id.ids)])
        )
        self.assertEqual(len(mails), 5, "one email per reminder")
