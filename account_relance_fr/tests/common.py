# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date, timedelta
from types import SimpleNamespace

from odoo import Command

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.base.tests.common import MockSmtplibCase


def wkhtmltopdf_ok():
    """Whether Odoo found a wkhtmltopdf it can print with."""
    from odoo.addons.base.models.ir_actions_report import wkhtmltopdf_state

    return wkhtmltopdf_state in ("ok", "upgrade")


def load_french(env):
    """French active, with the addon's French translations loaded."""
    env["res.lang"]._activate_lang("fr_FR")
    env["ir.module.module"]._load_module_terms(
        ["account_relance_fr"], ["fr_FR"], overwrite=True
    )


class RelanceCommon(AccountTestInvoicingCommon, MockSmtplibCase):
    """A French company with the default policy and customers able to receive
    every channel. Emails go through Odoo's real sending code to a fake SMTP
    server (``self.emails``), whichever runner runs the tests."""

    DUE = date(2026, 3, 2)

    @classmethod
    def get_default_groups(cls):
        groups = super().get_default_groups()
        return groups | cls.env.ref("account_relance_fr.group_relance_manager")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.company.write(
            {
                "country_id": cls.env.ref("base.fr").id,
                "street": "1 rue de la Paix",
                "zip": "75002",
                "city": "Paris",
                "email": "compta@example.fr",
            }
        )
        # What the daily ECB fetch does in production: the shipped, unconfirmed
        # ECB rate of 2026-S2 is confirmed (tests/test_relance_rates.py tests
        # the fetch itself from the shipped rows); sending "today" crosses it.
        cls.env["account.relance.rate"].search([("half", "=", "2026-S2")]).with_context(
            relance_rate_loading=True
        ).write({"ecb_confidence": "C"})
        Policy = cls.env["account.relance.policy"]
        cls.policy = Policy._default_for_company(cls.company)
        cls.levels = cls.policy._ordered_levels()
        cls.customer = cls._make_customer("Durand SARL", "durand@example.fr")
        cls.other_customer = cls._make_customer("Martin SAS", "martin@example.fr")

    @classmethod
    def _make_customer(cls, name, email):
        return cls.env["res.partner"].create(
            {
                "name": name,
                "is_company": True,
                "email": email,
                "street": "2 avenue Victor Hugo",
                "zip": "69002",
                "city": "Lyon",
                "country_id": cls.env.ref("base.fr").id,
            }
        )

    @classmethod
    def _invoice(
        cls,
        partner,
        amount=1000.0,
        due=None,
        post=True,
        company=None,
        invoice_date=None,
    ):
        due = due or cls.DUE
        move = (
            cls.env["account.move"]
            .with_company(company or cls.company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": invoice_date or due,
                    "invoice_date_due": due,
                    "date": invoice_date or due,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Service",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        if post:
            move.action_post()
        return move

    def _run(self, days_after_due, partners=None):
        as_of = self.DUE + timedelta(days=days_after_due)
        events = self.env["account.relance.policy"]._run_relances(
            as_of=as_of, partners=partners
        )
        self._deliver(as_of)
        return events

    def _send(self, events, days_after_due):
        """*Send* on these reminders, pressed ``days_after_due`` days after the
        due date (the day they leave or their letter is posted)."""
        events._send_on(self.DUE + timedelta(days=days_after_due))

    def _deliver(self, day=None):
        """What the dispatcher cron and the mail queue do after a run (on
        ``day``, the day the reminders leave; default: today)."""
        self.env["account.relance.event"]._dispatch_queued(now=day)
        with self.mock_smtplib_connection():
            self.env["mail.mail"].sudo().process_email_queue()

    def _pay(self, move, amount=None, when=None):
        register = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create(
                {
                    "payment_date": when or self.DUE,
                    "amount": amount or move.amount_residual,
                }
            )
        )
        return register._create_payments()

    @classmethod
    def _unsent_vals(cls, level, as_of, partner=None):
        """The values of an unsent reminder of ``partner`` (default: the
        customer) at ``level`` covering its open receivables, prepared by the
        run's own code."""
        partner = partner or cls.customer
        lines = cls.env["account.move.line"].search(
            [
                ("partner_id", "=", partner.id),
                ("company_id", "=", cls.company.id),
                ("account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
            ]
        )
        decision = SimpleNamespace(covered_items=lines.ids, item_levels={})
        return cls.env["account.relance.event"]._prepare_event_vals(
            cls.company, partner, level, decision, as_of
        )

    def _print_with_closed_style_server(self):
        """Skip without wkhtmltopdf; else point it to a closed port for the
        style sheets: while a test holds the cursor the test server cannot
        answer wkhtmltopdf, which would wait forever. The PDFs' text does not
        depend on the style sheets."""
        if not wkhtmltopdf_ok():
            self.skipTest("wkhtmltopdf is not available")
        self.env["ir.config_parameter"].sudo().set_param(
            "report.url", "http://127.0.0.1:9"
        )
