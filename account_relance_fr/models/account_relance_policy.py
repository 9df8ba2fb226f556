# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
import zlib
from contextlib import contextmanager

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import config
from odoo.tools.translate import LazyTranslate

from ..engine import dunning

_logger = logging.getLogger(__name__)

_lt = LazyTranslate(__name__)
POLICY_NAME = _lt("French standard reminders")
LEVEL_COURTEOUS = _lt("Courteous reminder")
LEVEL_SECOND = _lt("Second reminder with invoice copy")
LEVEL_CALL = _lt("Phone call")
LEVEL_FORMAL = _lt("Formal reminder by registered letter")
LEVEL_NOTICE = _lt("Mise en demeure")
LEVEL_LITIGATION = _lt("Litigation")

RUN_BATCH_SIZE = 200
# Customers whose open receivables the engine reads and decides at once.
PREVIEW_CHUNK = 2000
RUN_LOCK_KEY = zlib.crc32(b"account_relance_fr.run")


class AccountRelancePolicy(models.Model):
    """A company's ordered ladder of reminder levels, and the daily run."""

    _name = "account.relance.policy"
    _description = "Reminder policy"
    _order = "company_id, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    is_default = fields.Boolean(
        "Default policy of the company",
        help="Used for every customer who has no policy of their own.",
    )
    level_ids = fields.One2many(
        "account.relance.level", "policy_id", "Levels", copy=True
    )
    level_count = fields.Integer(compute="_compute_level_count")
    note = fields.Text()

    @api.depends("level_ids")
    def _compute_level_count(self):
        for policy in self:
            policy.level_count = len(policy.level_ids)

    @api.constrains("is_default", "company_id", "active")
    def _check_one_default_per_company(self):
        for company in self.filtered("is_default").company_id:
            defaults = self.search_count(
                [("company_id", "=", company.id), ("is_default", "=", True)]
            )
            if defaults > 1:
                raise ValidationError(
                    self.env._(
                        "La société %(company)s a déjà une politique de relance par défaut. / "
                        "Company %(company)s already has a default reminder policy.",
                        company=company.name,
                    )
                )

    def _engine_levels(self):
        self.ensure_one()
        return [
            level._to_engine_level()
            for level in self.level_ids.sorted(
                lambda lvl: (lvl.sequence, lvl.days_after_due, lvl.id)
            )
        ]

    def _ordered_levels(self):
        self.ensure_one()
        return self.level_ids.sorted(
            lambda lvl: (lvl.sequence, lvl.days_after_due, lvl.id)
        )

    @api.model
    def _default_for_company(self, company):
        return self.search(
            [("company_id", "=", company.id), ("is_default", "=", True)], limit=1
        )

    @api.model
    def _create_default_policies(self):
        """Give every company without one the usual French reminder ladder."""
        for company in self.env["res.company"].search([("active", "=", True)]):
            if not self.with_context(active_test=False).search_count(
                [("company_id", "=", company.id)]
            ):
                self._create_french_policy(company)

    @api.model
    def _create_french_policy(self, company):
        """Courteous email at D+1, second email with the invoices, phone call,
        registered letter, mise en demeure (8 days), then litigation."""
        ref = self.env.ref
        call = ref("mail.mail_activity_data_call")
        letter = ref("account_relance_fr.action_report_relance_letter")
        notice = ref("account_relance_fr.action_report_relance_formal_notice")
        levels = [
            (
                LEVEL_COURTEOUS,
                1,
                0,
                {
                    "channel_email": True,
                    "send_mode": "auto",
                    "report_id": letter.id,
                    "mail_template_id": ref(
                        "account_relance_fr.mail_template_relance_courteous"
                    ).id,
                },
            ),
            (
                LEVEL_SECOND,
                10,
                7,
                {
                    "channel_email": True,
                    "send_mode": "auto",
                    "attach_invoices": True,
                    "show_penalties": True,
                    "report_id": letter.id,
                    "mail_template_id": ref(
                        "account_relance_fr.mail_template_relance_second"
                    ).id,
                },
            ),
            (
                LEVEL_CALL,
                20,
                7,
                {
                    "channel_phone": True,
                    "send_mode": "auto",
                    "activity_type_id": call.id,
                },
            ),
            (
                LEVEL_FORMAL,
                30,
                7,
                {
                    "channel_registered": True,
                    "show_penalties": True,
                    "attach_invoices": True,
                    "report_id": letter.id,
                    "deadline_days": 15,
                },
            ),
            (
                LEVEL_NOTICE,
                45,
                10,
                {
                    "channel_registered": True,
                    "channel_email": True,
                    "show_penalties": True,
                    "is_formal_notice": True,
                    "report_id": notice.id,
                    "deadline_days": 8,
                    "mail_template_id": ref(
                        "account_relance_fr.mail_template_relance_formal"
                    ).id,
                },
            ),
            (LEVEL_LITIGATION, 60, 0, {"is_litigation": True}),
        ]
        level_cmds = [
            Command.create(
                {
                    "sequence": 10 * (index + 1),
                    "name": name._source,
                    "days_after_due": days,
                    "min_days_since_previous": interval,
                    **{"send_mode": "review", **extra},
                }
            )
            for index, (name, days, interval, extra) in enumerate(levels)
        ]
        policy = self.create(
            {
                "name": POLICY_NAME._source,
                "company_id": company.id,
                "is_default": True,
                "level_ids": level_cmds,
            }
        )
        policy._translate_default_names(
            [POLICY_NAME], [level for level, *_rest in levels]
        )
        return policy

    def _translate_default_names(self, policy_names, level_names):
        """Store the names of the shipped ladder in every active language."""
        self.ensure_one()
        for lang in self.env["res.lang"].get_installed():
            code = lang[0]
            if code == "en_US":
                continue
            env = self.with_context(lang=code).env
            self.with_context(lang=code).name = env._(policy_names[0])
            for level, name in zip(self._ordered_levels(), level_names, strict=True):
                level.with_context(lang=code).name = env._(name)

    # ------------------------------------------------------------------ RUN

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
                events |= self._run_for_company(company, as_of, partners, cron_progress)
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
        customer_ids = self.env["account.move"]._relance_open_customer_ids(
            company, partners
        )
        events = self.env["account.relance.event"]
        done = 0
        for start in range(0, len(customer_ids), PREVIEW_CHUNK):
            chunk = customer_ids[start : start + PREVIEW_CHUNK]
            decisions = self.with_company(company)._preview(
                company, as_of, self.env["res.partner"].browse(chunk)
            )
            to_create = [d for d in decisions if d.action == "create"]
            for batch_start in range(0, len(to_create), RUN_BATCH_SIZE):
                batch = to_create[batch_start : batch_start + RUN_BATCH_SIZE]
                events |= self._run_batch(company, batch, as_of)
                done += len(batch)
                # Remaining: this chunk's reminders, then the customers after it.
                remaining = len(to_create) - batch_start - len(batch)
                remaining += len(customer_ids) - start - len(chunk)
                self._end_batch(cron_progress, done, remaining)
        return events

    @api.model
    def _run_batch(self, company, decisions, as_of):
        """Create the reminders of one batch of customers.

        The batch's invoices are read and their penalties computed at once, and
        its reminders created with one ``create``. If that fails, the batch is
        created again customer by customer so that one customer's failure is
        recorded (state ``failed``) without stopping the others."""
        Event = self.env["account.relance.event"].with_company(company)
        line_facts = Event._line_facts(
            [key for decision in decisions for key in decision.covered_items]
        )
        penalties = self._batch_penalties(company, line_facts, as_of)
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
    def _batch_penalties(self, company, line_facts, as_of):
        """{move id: penalties} for the invoices of the batch's covered lines
        (``line_facts``, see ``_line_facts``); the customers whose case the
        engine refuses are left out."""
        moves = self.env["account.move"].browse(
            dict.fromkeys(fact["move_id"] for fact in line_facts.values())
        )
        return (
            self.env["account.relance.penalty"]
            .with_company(company)
            ._compute_for_batch(moves, as_of)
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
    def _preview(self, company, as_of, partners=None):
        """Decisions of the engine for every customer of ``company`` at ``as_of``."""
        snapshots, ladders = self.env["account.move"]._relance_snapshots(
            company, as_of, partners
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
        events = self._run_relances()
        if not events:
            raise UserError(
                self.env._(
                    "Aucune relance à créer aujourd'hui. / No reminder to create today."
                )
            )
        return events._get_records_action(name=self.env._("Reminders created"))
