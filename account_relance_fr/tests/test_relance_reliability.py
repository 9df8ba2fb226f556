# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import RelanceCommon, load_french

RUN_LOGGER = "odoo.addons.account_relance_fr.models.account_relance_policy_run"


@tagged("post_install", "-at_install")
class TestRelanceReliability(RelanceCommon):
    """Bad configuration and bad data: a clear message in the review queue or a
    refusal, never a reminder with a wrong amount."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Event = cls.env["account.relance.event"]
        cls.letter_report = cls.env.ref(
            "account_relance_fr.action_report_relance_letter"
        )

    def _events_of(self, partner):
        return self.Event.search([("partner_id", "in", partner.ids)])

    def _assert_refused(self, event, *fragments):
        """Sending ``event`` is refused with a message in the user's language
        holding ``fragments``; the event and its invoices are left as they were."""
        state = event.state
        with self.assertRaises(UserError) as caught:
            event.action_send()
        message = str(caught.exception)
        self.assertNotIn(" / ", message, "one language per message")
        for fragment in fragments:
            self.assertIn(fragment, message)
        self.assertEqual(event.state, state)
        self.assertFalse(event.mail_message_id, "no email went out")
        self.assertFalse(event.seal_hash)
        return message

    def _assert_refused_in_french(self, event, fragment):
        """A French user reads the refusal in French only."""
        load_french(self.env)
        with self.assertRaises(UserError) as caught:
            event.with_context(lang="fr_FR").action_send()
        message = str(caught.exception)
        self.assertIn(fragment, message)
        self.assertNotIn(" / ", message, "one language per message")
        return message

    def _letter_policy(self, partner, send_mode="auto"):
        """A one-level ladder sending a plain letter at D+1."""
        policy = self.env["account.relance.policy"].create(
            {
                "name": "Letters",
                "company_id": self.company.id,
                "level_ids": [
                    Command.create(
                        {
                            "name": "Letter",
                            "days_after_due": 1,
                            "channel_letter": True,
                            "report_id": self.letter_report.id,
                            "send_mode": send_mode,
                        }
                    )
                ],
            }
        )
        partner.relance_policy_id = policy
        return policy

    # ------------------------------------------------------- configuration

    def test_email_level_without_template(self):
        level = self.levels[0]
        with self.assertRaises(ValidationError) as caught:
            level.mail_template_id = False
        self.assertEqual(
            str(caught.exception),
            'Level "Courteous reminder" sends an email but has no mail template.',
        )
        # Deleting the template empties the field without the constraint: the
        # run must not send a template-less email, it asks a person.
        level.mail_template_id.sudo().unlink()
        self.assertFalse(level.mail_template_id)
        invoice = self._invoice(self.customer)
        event = self._run(1)
        self.assertEqual(event.state, "to_review")
        self.assertIn("has no mail template", event.review_reason)
        self.assertFalse(invoice.relance_level_sent)
        self._assert_refused(event, "no mail template")

    def test_decreasing_delays_are_refused(self):
        with self.assertRaises(ValidationError) as caught:
            self.env["account.relance.policy"].create(
                {
                    "name": "Backwards",
                    "company_id": self.company.id,
                    "level_ids": [
                        Command.create(
                            {
                                "sequence": 1,
                                "name": "Late",
                                "days_after_due": 10,
                                "channel_phone": True,
                            }
                        ),
                        Command.create(
                            {
                                "sequence": 2,
                                "name": "Early",
                                "days_after_due": 5,
                                "channel_phone": True,
                            }
                        ),
                    ],
                }
            )
        message = str(caught.exception)
        self.assertNotIn(" / ", message, "one language per message")
        self.assertIn("Early", message)
        with self.assertRaises(ValidationError):
            self.levels[3].days_after_due = self.levels[2].days_after_due - 1
        with self.assertRaises(ValidationError):
            self.levels[2].days_after_due = self.levels[1].days_after_due

    def test_customer_without_email_or_address(self):
        self.customer.email = False
        self._invoice(self.customer)
        event = self._run(1)
        self.assertEqual(event.state, "to_review")
        self.assertIn("No email address for Durand SARL", event.review_reason)
        self._assert_refused(event, "No email address")
        self.customer.email = "durand@example.fr"
        event.action_send()
        self.assertEqual(event.state, "sending", "in the mail queue")
        self._deliver()
        self.assertEqual(event.state, "sent", "sent once the email has left")

        self._letter_policy(self.other_customer)
        self.other_customer.write({"street": False})
        self._invoice(self.other_customer)
        letter = self._run(2).filtered(lambda e: e.partner_id == self.other_customer)
        self.assertEqual(letter.state, "to_review")
        self.assertIn("Incomplete postal address", letter.review_reason)
        self.assertFalse(letter.attachment_ids, "no letter printed without address")
        self._assert_refused(letter, "Incomplete postal address")
        self.other_customer.street = "4 quai Claude Bernard"
        letter.action_send()
        self.assertEqual(letter.state, "to_print")
        self.assertTrue(letter.attachment_ids)

    def test_missing_rate_half_year(self):
        """No rate row for 2026-S1: the courteous email, which shows no
        penalty, goes out; the second reminder, which shows them, is created
        with its invoice and waits in To process for the ECB rate, naming the
        half-year; no made-up interest anywhere; once the row is back, Send
        computes and sends."""
        self.env["account.relance.rate"].search([("half", "=", "2026-S1")]).unlink()
        invoice = self._invoice(self.customer)
        courteous = self._run(1)
        self.assertEqual(courteous.state, "sent")
        self.assertFalse(courteous.show_penalties)
        self.assertEqual((courteous.interest_total, courteous.indemnity_total), (0, 0))
        result = self.env["account.relance.penalty"]._compute_for_moves(
            invoice, self.DUE + timedelta(days=1), raise_errors=False
        )[invoice.id]
        self.assertEqual((result["interest"], result["indemnity"]), (0, 0))
        self.assertIn("2026-S1", result["detail"], "shown on the invoice")
        event = self._run(10)
        self.assertEqual(event.state, "to_review", "waits, not failed")
        reason = event.review_reason
        self.assertIn("of the first half of 2026", reason, "the half-year in words")
        self.assertNotIn(" / ", reason, "one language per message")
        self.assertEqual(event.line_ids.move_id, invoice)
        self.assertFalse(event.mail_message_id)
        self.assertFalse(event.seal_hash)
        self.assertEqual(invoice.relance_level_id, self.levels[0])
        with self.assertRaises(UserError):
            event.action_send()
        # Penalty invoicing refuses too, naming the half-year.
        income = self.company_data["default_account_revenue"]
        self.company.write(
            {
                "relance_interest_account_id": income.id,
                "relance_indemnity_account_id": income.id,
            }
        )
        with self.assertRaisesRegex(UserError, "2026-S1"):
            self.env["account.relance.penalty"]._create_penalty_invoice(
                self.customer, self.company, invoice, self.DUE + timedelta(days=5)
            )
        self.env["account.relance.rate"]._load_engine_rates()
        self._send(event, 10)
        self._deliver(self.DUE + timedelta(days=10))
        self.assertEqual(event.state, "sent")
        # 1 000 × 12.15 % × 10/365 (2026-S1: ECB 2.15 % + 10)
        self.assertEqual(event.interest_total, 3.33)
        self.assertEqual(event.indemnity_total, 40.0)

    def test_foreign_currency_invoice_goes_to_review(self):
        """Amounts are kept in company currency; a reminder never claims a
        converted amount from a customer invoiced in another currency."""
        other = self.setup_other_currency("CHF", rates=[("2016-01-01", 2.0)])
        own = self.company.currency_id
        self.assertNotEqual(other, own)
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "currency_id": other.id,
                "invoice_date": self.DUE,
                "invoice_date_due": self.DUE,
                "date": self.DUE,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Service",
                            "quantity": 1,
                            "price_unit": 1000.0,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        invoice.action_post()
        self.assertEqual(invoice.amount_residual_signed, 500.0)
        self._invoice(self.customer, 300.0)
        event = self._run(1)
        self.assertEqual(event.state, "to_review")
        self.assertIn(f"is in {other.name}", event.review_reason)
        self.assertIn(f"amounts in {own.name} only", event.review_reason)
        self.assertEqual(
            sorted(event.line_ids.mapped("amount_residual")),
            [300.0, 500.0],
            "the snapshot is consistent in company currency",
        )
        self.assertEqual(event.amount_due, 800.0)
        self._assert_refused(event, f"is in {other.name}")
        self._assert_refused_in_french(event, f"est en {other.name}")
        self.assertFalse(invoice.relance_level_sent)

    def test_cancelled_and_reversed_invoices_are_never_reminded(self):
        cancelled = self._invoice(self.customer)
        cancelled.button_draft()
        cancelled.button_cancel()
        self.assertEqual(cancelled.state, "cancel")
        reversed_invoice = self._invoice(self.other_customer, 700.0)
        refund = reversed_invoice._reverse_moves(cancel=True)
        self.assertEqual(refund.state, "posted")
        self.assertEqual(reversed_invoice.payment_state, "reversed")
        for days in (1, 10, 30, 60):
            self.assertFalse(self._run(days), f"nothing to remind at D+{days}")
        self.assertFalse(self._events_of(self.customer | self.other_customer))
        self.assertFalse(cancelled.relance_next_date)
        self.assertFalse(reversed_invoice.relance_next_date)

    # ------------------------------------------- amounts changed meanwhile

    def test_invoice_paid_after_the_reminder_was_prepared(self):
        self.levels[0].send_mode = "review"
        paid = self._invoice(self.customer)
        partly = self._invoice(self.other_customer, 900.0)
        events = self._run(1)
        event = events.filtered(lambda e: e.partner_id == self.customer)
        other = events - event
        self.assertEqual(set(events.mapped("state")), {"to_review"})
        self._pay(paid, when=self.DUE + timedelta(days=2))
        self._pay(partly, amount=400.0, when=self.DUE + timedelta(days=2))
        self._assert_refused(event, "changed since the reminder was prepared")
        message = self._assert_refused(other, "changed since the reminder was prepared")
        self._assert_refused_in_french(other, "a changé depuis la préparation")
        self.assertIn(
            f"({own_format(other, 900.0)} → {own_format(other, 500.0)})", message
        )
        for reminder in events:
            reminder.action_cancel(reason="Amounts changed")
        fresh = self._run(3)
        self.assertEqual(fresh.partner_id, self.other_customer, "paid: nothing")
        self.assertEqual(fresh.amount_due, 500.0)
        self.assertEqual(fresh._stale_problem(), "")

    def test_invoice_cancelled_after_the_reminder_was_prepared(self):
        self.levels[0].send_mode = "review"
        invoice = self._invoice(self.customer)
        event = self._run(1)
        self.assertEqual(event.state, "to_review")
        invoice.button_draft()
        self._assert_refused(event, "is no longer posted")
        invoice.button_cancel()
        self._assert_refused(event, "is no longer posted")
        self._assert_refused_in_french(event, "n'est plus validée")

    def test_letter_waiting_to_print_detects_a_payment(self):
        """A letter already queued to print whose invoice was paid meanwhile:
        the check names the change (the lead's dispatch refuses to post it)."""
        self._letter_policy(self.customer)
        invoice = self._invoice(self.customer)
        event = self._run(1)
        self.assertEqual(event.state, "to_print")
        self.assertEqual(event._stale_problem(), "")
        self._pay(invoice, when=self.DUE + timedelta(days=2))
        self.assertIn("changed since the reminder was prepared", event._stale_problem())

    def test_totals_that_no_longer_add_up_are_refused(self):
        self.levels[0].send_mode = "review"
        self._invoice(self.customer)
        event = self._run(1)
        event._trusted().amount_due = 1.0  # bad data, as a bug would leave it
        self._assert_refused(event, "no longer matches its invoices")

    def test_payment_dated_before_the_invoice(self):
        """An advance recorded before the invoice date is no error and bears no
        interest: interest runs on what is left, from the due date."""
        invoice = self._invoice(self.customer, 1000.0)
        invoice.button_draft()
        invoice.invoice_date = self.DUE - timedelta(days=30)
        invoice.invoice_date_due = self.DUE
        invoice.action_post()
        self._pay(invoice, amount=400.0, when=self.DUE - timedelta(days=40))
        self.assertEqual(invoice.amount_residual, 600.0)
        event = self._run(10)
        self.assertEqual(event.state, "sent")
        self.assertEqual(event.amount_due, 600.0)
        # 600 × 12.15 % × 10/365 = 1.997…
        self.assertEqual(event.interest_total, 2.0)
        self.assertEqual(event.indemnity_total, 40.0)
        result = self.env["account.relance.penalty"]._compute_for_moves(
            invoice, self.DUE + timedelta(days=10)
        )[invoice.id]
        self.assertEqual(
            result["detail"],
            "03/03/2026 → 03/12/2026 (10 days, first half of 2026): $\u00a0600.00 × 12.15\u00a0% = "
            "$\u00a02.00",
        )


def own_format(event, amount):
    return event.currency_id.format(amount)
