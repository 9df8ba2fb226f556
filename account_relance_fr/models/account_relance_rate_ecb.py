# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Rates that keep themselves current: the ECB rate fetched every day from
the ECB Data Portal, the legal interest rates asked of the accounting
managers, and the activities that say which rate a run waits for."""

import json
import logging
from datetime import timedelta

import requests

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import html_escape

from .. import engine

_logger = logging.getLogger(__name__)

ECB_URL_PARAM = "account_relance_fr.ecb_rates_url"
ECB_TIMEOUT_PARAM = "account_relance_fr.ecb_rates_timeout"
ECB_FAILED_DAYS_PARAM = "account_relance_fr.ecb_failed_days"
ECB_FAILED_ACTIVITY_PARAM = "account_relance_fr.ecb_failed_activity"
LEGAL_URL_PARAM = "account_relance_fr.legal_rates_url"
ECB_DEFAULT_URL = (
    "https://data-api.ecb.europa.eu/service/data/FM/"
    "B.U2.EUR.4F.KR.MRR_FR.LEV?format=csvdata"
)
# The arrêté fixing the legal interest rates is published in the Journal
# officiel each half-year; Service-Public lists the rates in force.
LEGAL_DEFAULT_URL = "https://www.service-public.fr/particuliers/vosdroits/F783"
ECB_TIMEOUT = 20
# An activity once the fetch failed on that many distinct days in a row.
ECB_FAILED_DAYS_ALERT = 3
FIRST_HALF = engine.HalfYear(2015, 1)
ECB_TYPE = "account_relance_fr.mail_activity_type_relance_ecb_rate"
LEGAL_TYPE = "account_relance_fr.mail_activity_type_relance_legal_rate"
CHECK_TYPE = "account_relance_fr.mail_activity_type_relance_rate_check"


class AccountRelanceRate(models.Model):
    _inherit = "account.relance.rate"

    # ------------------------------------------------------------ ECB FETCH

    @api.model
    def _cron_update_ecb_rates(self, today=None):
        """Scheduled action: the ECB rate of every half-year whose anchor day
        is on or before ``today``, from the ECB Data Portal (system parameter
        ``account_relance_fr.ecb_rates_url``). Never raises: a failure changes
        nothing and is logged; after three failing days an activity tells the
        accounting managers. Then asks for the legal rates of the current
        half-year when they are missing.

        :return: the rows created or changed
        """
        today = fields.Date.to_date(today) or fields.Date.context_today(self)
        rates = self.sudo().with_context(lang=self.env.company._relance_text_lang())
        changed = self.browse()
        try:
            observations = rates._fetch_ecb_observations()
            with self.env.cr.savepoint():
                changed = rates._apply_ecb_rates(observations, today)
        except (
            requests.RequestException,
            engine.EngineError,
            ValueError,
            UserError,  # a ValidationError too: a rate out of range changes nothing
        ) as error:
            rates._ecb_fetch_failed(today, error)
            changed = self.browse()
        else:
            rates._ecb_fetch_succeeded()
        rates._ask_legal_rates(engine.HalfYear.from_date(today))
        return changed

    @api.model
    def _fetch_ecb_observations(self):
        """``[(day, rate)]`` of the ECB answer; raises on any failure."""
        params = self.env["ir.config_parameter"].sudo()
        url = params.get_param(ECB_URL_PARAM) or ECB_DEFAULT_URL
        try:
            timeout = float(params.get_param(ECB_TIMEOUT_PARAM) or ECB_TIMEOUT)
        except ValueError:
            timeout = ECB_TIMEOUT
        response = requests.get(url, timeout=timeout, headers={"Accept": "text/csv"})
        response.raise_for_status()
        return engine.parse_ecb_csv(response.text)

    @api.model
    def _ecb_fetch_failed(self, today, error):
        reason = getattr(error, "message_en", None) or str(error) or repr(error)
        _logger.warning("ECB rates not updated (%s): %s", today, reason)
        params = self.env["ir.config_parameter"].sudo()
        try:
            days = set(json.loads(params.get_param(ECB_FAILED_DAYS_PARAM) or "[]"))
        except ValueError:
            days = set()
        days.add(today.isoformat())
        params.set_param(ECB_FAILED_DAYS_PARAM, json.dumps(sorted(days)))
        if len(days) >= ECB_FAILED_DAYS_ALERT:
            row = self.search([], order="year desc, semester desc", limit=1)
            if not row:
                return
            activity = row._schedule_manager_activity(
                CHECK_TYPE,
                self.env._("ECB rate not fetched since %(first)s", first=min(days)),
                self.env._(
                    "The ECB Data Portal could not be read on %(count)s days since "
                    "%(first)s (last error: %(reason)s). Check the server's "
                    "Internet access or the system parameter %(param)s, or enter "
                    "the ECB rate of the new half-years by hand.",
                    count=len(days),
                    first=min(days),
                    reason=reason,
                    param=ECB_URL_PARAM,
                ),
            )
            if activity:
                params.set_param(ECB_FAILED_ACTIVITY_PARAM, str(activity.id))

    @api.model
    def _ecb_fetch_succeeded(self):
        """The fetch works again: the failure count starts over and the
        activity about the failures goes away."""
        params = self.env["ir.config_parameter"].sudo()
        if params.get_param(ECB_FAILED_DAYS_PARAM):
            params.set_param(ECB_FAILED_DAYS_PARAM, False)
        activity_id = params.get_param(ECB_FAILED_ACTIVITY_PARAM)
        if activity_id:
            params.set_param(ECB_FAILED_ACTIVITY_PARAM, False)
            self.env["mail.activity"].sudo().browse(int(activity_id)).exists().unlink()

    @api.model
    def _apply_ecb_rates(self, observations, today):
        """Create or confirm the rows of ``observations``; never touches a row
        a person edited nor a confirmed one: a contradiction there schedules
        an activity instead."""
        existing = {rate.half: rate for rate in self.search([])}
        first = min(
            (engine.HalfYear.parse(label) for label in existing),
            default=FIRST_HALF,
        )
        source = self.env._(
            "ECB Data Portal, series %(series)s, fetched on %(day)s",
            series=engine.ECB_SERIES,
            day=today.isoformat(),
        )
        loader = self.with_context(relance_rate_loading=True)
        changed = self.browse()
        for half, value in sorted(
            engine.anchor_rates(observations, today, first).items()
        ):
            rate = existing.get(half.label)
            vals = {
                "ecb_rate_pct": float(value),
                "ecb_confidence": "C",
                "origin": "ecb",
                "source": source,
            }
            if not rate:
                changed |= loader.create(
                    {
                        **vals,
                        "half": half.label,
                        "year": half.year,
                        "semester": str(half.semester),
                        "anchor_date": half.anchor_date,
                    }
                )
                continue
            same = rate._has_ecb() and self._to_decimal(rate.ecb_rate_pct) == value
            if same and (rate.ecb_confidence == "C" or rate.origin == "manual"):
                continue
            used = rate._sent_reminders_using() if rate._has_ecb() else []
            if (
                rate.origin == "manual"
                or rate.ecb_confidence == "C"
                or (used and not same)
            ):
                rate._ecb_contradiction(value, used)
                continue
            if rate.source and rate.origin != "run":
                vals["source"] = f"{source} | {rate.source}"
            rate.with_context(relance_rate_loading=True).write(vals)
            changed |= rate
        return changed

    def _sent_reminders_using(self):
        """Sent reminders showing penalties whose delay crossed this half-year."""
        self.ensure_one()
        half = engine.HalfYear.parse(self.half)
        lines = (
            self.env["account.relance.event.line"]
            .sudo()
            .search(
                [
                    ("event_id.state", "=", "sent"),
                    ("event_id.show_penalties", "=", True),
                    ("event_id.date", ">=", half.start),
                    ("due_date", "<", half.end),
                    ("interest", "!=", 0),
                ]
            )
        )
        return lines.event_id

    def _ecb_contradiction(self, value, events):
        """The ECB says ``value`` for this row, which keeps its own: the
        accounting managers of each company concerned are told which
        reminders used it."""
        self.ensure_one()
        Document = self.env["account.relance.document"]
        half = Document._format_half(self.half)
        summary = self.env._("ECB rate of the %(half)s to check", half=half)
        by_company = events.grouped("company_id") or {self.env.company: events}
        for company, company_events in by_company.items():
            self._schedule_manager_activity(
                CHECK_TYPE,
                summary,
                self.env._(
                    "The ECB Data Portal gives %(ecb)s for the %(half)s, this row "
                    "says %(row)s; it was left unchanged. Reminders sent with "
                    "it: %(events)s.",
                    ecb=Document._format_pct(value),
                    half=half,
                    row=Document._format_pct(self._to_decimal(self.ecb_rate_pct))
                    if self._has_ecb()
                    else "-",
                    events=", ".join(company_events.mapped("name"))
                    or self.env._("none"),
                ),
                company=company,
            )

    # ------------------------------------------------------- LEGAL RATES

    @api.model
    def _ask_legal_rates(self, half):
        """At the first run of ``half`` without its legal interest rates, one
        activity asks the accounting managers to enter them (no official
        machine-readable source publishes them)."""
        rate = self._row_for(half)
        if rate._has_legal():
            return
        url = (
            self.env["ir.config_parameter"].sudo().get_param(LEGAL_URL_PARAM)
            or LEGAL_DEFAULT_URL
        )
        text = self.env["account.relance.document"]._format_half(half.label)
        rate._schedule_manager_activity(
            LEGAL_TYPE,
            self.env._("Enter the legal interest rates of the %(half)s", half=text),
            self.env._(
                "The legal interest rates of the %(half)s (individual creditor, "
                "other cases) are fixed by an arrêté published in the Journal "
                "officiel: enter them on this row. Official publication: %(url)s",
                half=text,
                url=url,
            ),
        )

    # ------------------------------------------------ RUN WAITING A RATE

    @api.model
    def _notify_missing_rate(self, error, company):
        """A run of ``company`` waits for the rate ``error``
        (``MissingRateError``) names: one activity per half-year and company,
        on that half-year's row (created empty when missing), closed when the
        rate is entered."""
        self = self.sudo()  # a collector's run may ask for a rate too
        rate = self._row_for(error.half)
        kind_text = self._missing_rate_text(error)
        half = self.env["account.relance.document"]._format_half(error.label)
        rate._schedule_manager_activity(
            ECB_TYPE if error.kind == "ecb" else LEGAL_TYPE,
            self.env._(
                "%(company)s: enter the %(rate)s of the %(half)s",
                company=company.name,
                rate=kind_text,
                half=half,
            ),
            self.env._(
                "Reminders of %(company)s wait in To process for the %(rate)s of "
                "the %(half)s. Once it is entered on this row, send them.",
                company=company.name,
                rate=kind_text,
                half=half,
            ),
            company=company,
        )

    @api.model
    def _missing_rate_text(self, error):
        if error.kind == "ecb":
            return self.env._("ECB rate")
        if error.category == "individual":
            return self.env._("legal interest rate (individual creditor)")
        return self.env._("legal interest rate (other cases)")

    @api.model
    def _row_for(self, half):
        """The row of ``half``, created empty (waiting for its rates) when absent."""
        rate = self.search([("half", "=", half.label)], limit=1)
        if rate:
            return rate
        return self.with_context(relance_rate_loading=True).create(
            {
                "half": half.label,
                "year": half.year,
                "semester": str(half.semester),
                "anchor_date": half.anchor_date,
                "origin": "run",
            }
        )

    def _schedule_manager_activity(self, type_xmlid, summary, note, company=None):
        """One open activity with ``summary`` on this row, for an accounting
        manager of ``company`` (default: the current company)."""
        self.ensure_one()
        company = company or self.env.company
        activity_type = self.env.ref(type_xmlid)
        Activity = self.env["mail.activity"].sudo()
        existing = Activity.search(
            [
                ("res_model", "=", self._name),
                ("res_id", "=", self.id),
                ("activity_type_id", "=", activity_type.id),
                ("summary", "=", summary),
            ],
            limit=1,
        )
        if existing:
            return existing
        user = self._accounting_manager(company)
        return self.sudo().activity_schedule(
            type_xmlid,
            date_deadline=fields.Date.context_today(self) + timedelta(days=1),
            summary=summary,
            note=html_escape(note),
            user_id=user.id,
        )

    @api.model
    def _accounting_manager(self, company):
        group = self.env.ref("account.group_account_manager")
        users = (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("groups_id", "in", group.ids),
                    ("company_ids", "in", company.ids),
                    ("share", "=", False),
                ],
                order="id",
            )
            .filtered(lambda user: not user._is_superuser())
        )
        return users[:1] or self.env.ref("base.user_admin")
