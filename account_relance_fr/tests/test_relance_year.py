# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A year in the life of the addon, driven as its users drive it.

A French company (the ``l10n_fr`` chart of accounts) with the ladder as
shipped, customers of every kind, from March 2025 to March 2026 (two
half-year changes whose rates ship). Every simulated day, Odoo's own
scheduled actions run as Odoo runs them (the daily run at 05:00, the
dispatcher it wakes up, the mail queue), then the collector does what the
screens let her do (review and send, print, enter the registered number and
mark as posted, log calls, promises and disputes), through the methods the
buttons call. Emails go through Odoo's real sending code to a real SMTP server
on 127.0.0.1, which tells at the end who received what.

Days: every day around each step of a story, every Monday, and the days
around each half-year change; a run on a day where nothing is due does
nothing, so the skipped days change no outcome."""

import logging
from collections import Counter
from datetime import date, datetime, time, timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .smtp_server import SmtpTestServer, odoo_sending_to

START, END = date(2025, 3, 1), date(2026, 3, 31)
LADDER_DAYS = (1, 10, 20, 30, 45, 60)
SUBJECT_COURTEOUS = "payment reminder (REL/"
SUBJECT_SECOND = "second payment reminder (REL/"
SUBJECT_NOTICE = "MISE EN DEMEURE (REL/"


@tagged("post_install", "-at_install")
class TestRelanceYear(AccountTestInvoicingCommon):
    @classmethod
    def get_default_groups(cls):
        groups = super().get_default_groups()
        return groups | cls.env.ref("account_relance_fr.group_relance_manager")

    @classmethod
    @AccountTestInvoicingCommon.setup_country("fr")
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.company.write(
            {
                "name": "Menuiserie Le Gall SAS",
                "street": "12 rue de la Monnaie",
                "zip": "35000",
                "city": "Rennes",
                "email": "compta@menuiserie-legall.example",
                "relance_legal_form": "SAS",
                "relance_trade_register": "RCS Rennes",
                # The year's days are chosen by the ladder, not the calendar:
                # reminders leave the day they are prepared, whatever the day
                # (sending hours: test_relance_channels.py).
                "relance_send_sat": True,
                "relance_send_sun": True,
                "relance_send_hour_from": 0.0,
                "relance_send_hour_to": 24.0,
                "relance_send_skip_holidays": False,
            }
        )
        cls.Event = cls.env["account.relance.event"]
        cls.crons = {
            name: cls.env.ref(xmlid)
            for name, xmlid in (
                ("run", "account_relance_fr.ir_cron_relance_run"),
                ("dispatch", "account_relance_fr.ir_cron_relance_dispatch"),
                ("mail", "mail.ir_cron_mail_scheduler_action"),
            )
        }
        cls.tax = cls.company_data["default_tax_sale"]
        cls.stories = {}
        cls._customers()

    # ---------------------------------------------------------------- DATA

    @classmethod
    def _partner(cls, name, email, **values):
        return cls.env["res.partner"].create(
            {
                "name": name,
                "email": email,
                "street": "3 place du Marché",
                "zip": "44000",
                "city": "Nantes",
                "country_id": cls.env.ref("base.fr").id,
                "is_company": True,
                **values,
            }
        )

    @classmethod
    def _customers(cls):
        cls.durand = cls._partner("Durand SARL", "durand@example.fr")
        cls.petit = cls._partner(
            "Claire Petit", "claire.petit@example.fr", is_company=False
        )
        cls.mairie = cls._partner(
            "Mairie de Saint-Malo",
            "finances@saint-malo.example",
            relance_debtor_type="public",
            relance_public_buyer="state",
        )
        cls.bernard = cls._partner("Atelier Bernard SAS", "contact@bernard.example")
        cls.bernard_contact = cls.env["res.partner"].create(
            {
                "name": "Service comptable Bernard",
                "type": "relance",
                "parent_id": cls.bernard.id,
                "email": "compta@bernard.example",
                "street": "8 rue des Forges",
                "zip": "29000",
                "city": "Quimper",
            }
        )
        cls.leroy = cls._partner("Leroy et Fils", "leroy@example.fr")
        cls.followers = cls.env["res.partner"].create(
            [
                {"name": "Cabinet d'expertise comptable", "email": "expert@example.fr"},
                {"name": "Avocat du créancier", "email": "avocat@example.fr"},
            ]
        )
        cls.garnier = cls._partner("Garnier Services", "garnier@example.fr")
        cls.moreau = cls._partner("Moreau SARL", "moreau@example.fr")
        self = cls
        cls.invoices = {
            "durand": self._invoice(cls.durand, 2500.0, date(2025, 3, 31)),
            "petit": self._invoice(cls.petit, 800.0, date(2025, 6, 15)),
            "mairie": self._invoice(cls.mairie, 5000.0, date(2025, 11, 20)),
            "bernard": self._invoice(
                cls.bernard, 2000.0, date(2025, 9, 30), instalments=True
            ),
            "leroy": self._invoice(cls.leroy, 1000.0, date(2025, 4, 30)),
            "garnier": self._invoice(cls.garnier, 750.0, date(2025, 8, 31)),
            "moreau": self._invoice(cls.moreau, 1250.0, date(2026, 1, 31)),
        }

    @classmethod
    def _invoice(cls, partner, price, due, instalments=False):
        invoice_date = due - timedelta(days=30)
        vals = {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": invoice_date,
            "date": invoice_date,
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": "Prestation de service",
                        "quantity": 1,
                        "price_unit": price,
                        "tax_ids": [Command.set(cls.tax.ids)],
                    }
                )
            ],
        }
        if instalments:
            # Half 30 days after the invoice, half 31 days later.
            vals["invoice_payment_term_id"] = (
                cls.env["account.payment.term"]
                .create(
                    {
                        "name": "50 % at 30 days, 50 % at 61 days",
                        "line_ids": [
                            Command.create(
                                {"value": "percent", "value_amount": 50, "nb_days": 30}
                            ),
                            Command.create(
                                {"value": "percent", "value_amount": 50, "nb_days": 61}
                            ),
                        ],
                    }
                )
                .id
            )
        else:
            vals["invoice_date_due"] = due
        with freeze_time(invoice_date):
            move = cls.env["account.move"].with_company(cls.company).create(vals)
            move.action_post()
        return move

    # ------------------------------------------------ WHAT PEOPLE DO, AS THEY DO IT

    def _crons(self, *names):
        for name in names:
            self.crons[name].sudo().method_direct_trigger()

    def _pay(self, key, amount=None):
        move = self.invoices[key]
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create(
                {
                    "payment_date": fields.Date.today(),
                    "amount": amount or move.amount_residual,
                }
            )
        )
        wizard.action_create_payments()

    def _credit_note(self, key, price):
        """A credit note for part of the invoice, then applied to it from the
        invoice's outstanding credits (the invoice form's *Add* link)."""
        move = self.invoices[key]
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": move.partner_id.id,
                "invoice_date": fields.Date.today(),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Avoir : geste commercial",
                            "quantity": 1,
                            "price_unit": price,
                            "tax_ids": [Command.set(self.tax.ids)],
                        }
                    )
                ],
            }
        )
        refund.action_post()
        credit = refund.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )
        move.js_assign_outstanding_line(credit.id)

    def _log_call(self, key, result, **values):
        move = self.invoices[key]
        self.env["account.relance.call"].with_context(
            active_model="account.move", active_ids=move.ids
        ).create({"result": result, **values}).action_log()

    def _collector(self, day):
        """The collector's round, once the night's crons have run: calls to
        make, reminders to review, letters to print and post."""
        for event in self.Event.search(
            [("company_id", "=", self.company.id), ("activity_ids", "!=", False)]
        ):
            if event.channel_phone and event.activity_ids:
                key = self._key_of(event.partner_id)
                if not self._story_call(key, day):
                    self._log_call(key, "no_answer", note="Messagerie")
        for event in self.Event.search(
            [("company_id", "=", self.company.id), ("state", "=", "to_review")]
        ):
            if event.partner_id == self.leroy and event.channel_email:
                # The collector copies the customer's accountant and lawyer.
                event.message_subscribe(partner_ids=self.followers.ids)
            event.action_send()
        for event in self.Event.search(
            [("company_id", "=", self.company.id), ("state", "=", "to_print")]
        ):
            event.action_print_letter()
            event.registered_number = f"1A {event.id:03d} 000 {day:%m%d} 1"
            event.action_send()

    def _key_of(self, partner):
        return next(
            key
            for key, move in self.invoices.items()
            if move.commercial_partner_id == partner.commercial_partner_id
        )

    def _story_call(self, key, day):
        """Calls whose answer changes the story; ``False`` for the others."""
        if key == "moreau":
            self._log_call(key, "promise", promise_date=date(2026, 3, 5))
            return True
        return False

    def _story(self, day):
        """What customers do on ``day`` (payments, a credit note, a dispute
        and its end)."""
        events = {
            date(2025, 5, 20): lambda: self._credit_note("leroy", 200.0),
            date(2025, 6, 25): lambda: self._pay("leroy"),
            date(2025, 8, 10): lambda: self._pay("petit"),
            date(2025, 9, 5): lambda: self._log_call(
                "garnier", "dispute", dispute_reason="Prestation non conforme"
            ),
            date(2025, 10, 15): lambda: (
                self._pay("bernard", 1200.0),
                self.invoices["garnier"].action_relance_clear_exclusion(),
            ),
            date(2025, 10, 20): lambda: self._pay("garnier"),
            date(2025, 11, 25): lambda: self._pay("bernard"),
            date(2025, 12, 5): lambda: self._pay("mairie", 2000.0),
            date(2026, 1, 15): lambda: self._pay("mairie"),
        }
        action = events.get(day)
        if action:
            action()

    def _days(self):
        """Every day around each step, every Monday, the half-year changes."""
        days = {START, END}
        for move in self.invoices.values():
            for line in move.line_ids.filtered(
                lambda line: line.account_type == "asset_receivable"
            ):
                for offset in LADDER_DAYS:
                    step = line.date_maturity + timedelta(days=offset)
                    days |= {step - timedelta(days=1), step, step + timedelta(days=1)}
        for story_day in (
            date(2025, 5, 20),
            date(2025, 6, 25),
            date(2025, 8, 10),
            date(2025, 9, 5),
            date(2025, 10, 15),
            date(2025, 10, 20),
            date(2025, 11, 25),
            date(2025, 12, 5),
            date(2026, 1, 15),
            date(2026, 3, 5),
            date(2026, 3, 6),
            date(2026, 3, 17),
        ):
            days.add(story_day)
        for anchor in (date(2025, 7, 1), date(2026, 1, 1)):
            days |= {anchor - timedelta(days=1), anchor, anchor + timedelta(days=1)}
        day = START
        while day <= END:
            if day.weekday() == 0:
                days.add(day)
            day += timedelta(days=1)
        return sorted(d for d in days if START <= d <= END)

    def _live(self, server):
        for day in self._days():
            with freeze_time(datetime.combine(day, time(5, 0))):
                self._crons("run", "dispatch", "mail")
            with freeze_time(datetime.combine(day, time(10, 0))):
                self._story(day)
                self._collector(day)
                self._crons("dispatch", "mail")

    # ------------------------------------------------------------- THE YEAR

    def test_a_year_in_the_life(self):
        with (
            SmtpTestServer() as server,
            odoo_sending_to(self.env, server),
            self.assertNoLogs(level=logging.ERROR),
        ):
            self._live(server)
        self._assert_emails(server)
        self._assert_reminders()
        self._assert_invoices()
        self.assertFalse(
            self.company._relance_check_integrity(), "integrity check clean"
        )

    def _received(self, server, address):
        return sorted(
            (message["Subject"] for message in server.to(address)),
            key=lambda subject: subject.split("(REL/")[1],
        )

    def _assert_emails(self, server):
        company = self.company.name
        ladder = [SUBJECT_COURTEOUS, SUBJECT_SECOND, SUBJECT_NOTICE]
        expected = {
            "durand@example.fr": ladder,
            "claire.petit@example.fr": ladder,
            "finances@saint-malo.example": ladder,
            "compta@bernard.example": [SUBJECT_COURTEOUS, SUBJECT_SECOND],
            "contact@bernard.example": [],
            "leroy@example.fr": ladder,
            "expert@example.fr": [SUBJECT_NOTICE],
            "avocat@example.fr": [SUBJECT_NOTICE],
            "garnier@example.fr": [SUBJECT_COURTEOUS, SUBJECT_SECOND],
            "moreau@example.fr": ladder,
        }
        for address, subjects in expected.items():
            received = self._received(server, address)
            self.assertEqual(len(received), len(subjects), (address, received))
            for got, want in zip(received, subjects, strict=True):
                self.assertTrue(got.startswith(f"{company}: "), (address, got))
                self.assertIn(want, got, address)
                if want == SUBJECT_COURTEOUS:
                    self.assertNotIn("second", got)
        ours = [m for m in server.messages if m["From"] and company in m["From"]]
        per_copy = Counter((tuple(m.envelope_to), m["Subject"]) for m in ours)
        self.assertEqual(
            [copy for copy, count in per_copy.items() if count > 1],
            [],
            "no email twice",
        )
        # The copies of one message to several recipients share its Message-ID.
        ids = [(tuple(m.envelope_to), m["Message-ID"]) for m in ours]
        self.assertEqual(len(ids), len(set(ids)))

    def _assert_reminders(self):
        events = self.Event.search([("company_id", "=", self.company.id)])
        self.assertFalse(events.filtered(lambda e: e.state == "failed"))
        self.assertFalse(
            events.filtered(lambda e: e.state not in ("sent", "cancelled")),
            "nothing left waiting",
        )
        for event in events.filtered(lambda e: e.state == "sent"):
            self.assertTrue(event.seal_hash, event.name)
            self.assertEqual(event.date, event.prepared_date, "left the day prepared")
            if event.channel_email:
                self.assertTrue(event.email_sent_date and event.email_message_ref)
            if event.channel_registered:
                self.assertTrue(event.letter_posted_date and event.registered_number)
        names = {
            key: events.filtered(
                lambda e, p=move.commercial_partner_id: e.partner_id == p
            )
            .sorted("date")
            .level_id.mapped("sequence")
            for key, move in self.invoices.items()
        }
        full = [10, 20, 30, 40, 50]
        self.assertEqual(names["durand"], [*full, 60])
        self.assertEqual(names["petit"], full)
        self.assertEqual(names["mairie"], full)
        self.assertEqual(names["leroy"], full)
        self.assertEqual(names["bernard"], [10, 20, 30])
        self.assertEqual(names["garnier"], [10, 20])
        self.assertEqual(names["moreau"], full)

    def _assert_invoices(self):
        levels = (
            self.env["account.relance.policy"]
            ._default_for_company(self.company)
            ._ordered_levels()
        )
        durand = self.invoices["durand"]
        self.assertEqual(durand.relance_level_id, levels[5], "litigation")
        self.assertEqual(durand.relance_last_date, date(2025, 5, 30))
        for key in ("petit", "mairie", "leroy", "bernard", "garnier"):
            self.assertEqual(self.invoices[key].payment_state, "paid", key)
        self.assertEqual(self.invoices["moreau"].relance_level_id, levels[4])
        # Durand's interest to the end runs over three half-years, each at its
        # own ECB rate + 10 points.
        with freeze_time(END):
            durand.invalidate_recordset()
            detail = durand.relance_penalty_detail
        self.assertEqual(len(detail.splitlines()), 3, detail)
        for half in (
            "first half of 2025",
            "second half of 2025",
            "first half of 2026",
        ):
            self.assertIn(half, detail)
