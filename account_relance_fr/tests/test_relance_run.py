# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from unittest.mock import patch

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import RelanceCommon


@tagged("post_install", "-at_install")
class TestRelanceRun(RelanceCommon):
    def test_level_progression_one_step_at_a_time(self):
        invoice = self._invoice(self.customer)
        self.assertFalse(self._run(0), "nothing on the due date itself")
        first = self._run(1)
        self.assertEqual(first.level_id, self.levels[0])
        self.assertEqual(first.state, "sent", "courteous email goes out automatically")
        self.assertEqual(invoice.relance_level_id, self.levels[0])
        self.assertTrue(invoice.relance_level_sent)
        self.assertFalse(self._run(5), "level 2 is due at D+10 only")
        second = self._run(10)
        self.assertEqual(second.level_id, self.levels[1])
        call = self._run(20)
        self.assertEqual(call.level_id, self.levels[2])
        self.assertTrue(call.activity_ids, "a call activity for the collector")
        letter = self._run(30)
        self.assertEqual(letter.level_id, self.levels[3])
        self.assertEqual(
            letter.state, "to_review", "registered letters wait for review"
        )
        self.assertEqual(
            invoice.relance_level_id, self.levels[2], "a level is reached once sent"
        )
        self.assertFalse(self._run(31), "nothing advances while the letter is not sent")
        self._send(letter, 31)
        self.assertEqual(letter.state, "to_print")
        with self.assertRaises(UserError):
            self._send(letter, 31)  # no registered-letter number yet
        letter.registered_number = "1A 123 456 7890 1"
        self._send(letter, 31)
        self.assertEqual(letter.state, "sent")
        self.assertEqual(invoice.relance_level_id, self.levels[3])
        self.assertTrue(invoice.relance_level_sent)
        notice = self._run(46)
        self.assertEqual(notice.level_id, self.levels[4])
        self.assertTrue(notice.level_id.is_formal_notice)

    def test_first_contact_is_never_a_formal_notice(self):
        self._invoice(self.customer)
        event = self._run(90)
        self.assertEqual(event.level_id, self.levels[0])

    def test_run_is_idempotent(self):
        self._invoice(self.customer)
        self.assertTrue(self._run(1))
        self.assertFalse(self._run(1), "second run of the same date creates nothing")

    def test_one_event_per_customer_at_highest_level(self):
        old = self._invoice(self.customer)
        self._run(1)
        self._run(10)
        new = self._invoice(self.customer, 500.0, due=self.DUE.replace(day=10))
        event = self._run(20)
        self.assertEqual(len(event), 1)
        self.assertEqual(event.level_id, self.levels[2])
        self.assertEqual(event.line_ids.move_id, old | new)
        self.assertEqual(event.amount_due, 1500.0)
        self.assertEqual(
            new.relance_level_id, self.levels[0], "each invoice climbs alone"
        )
        self.assertEqual(old.relance_level_id, self.levels[2])

    def test_credit_note_netting(self):
        self._invoice(self.customer, 300.0)
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.customer.id,
                "invoice_date": self.DUE,
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Avoir",
                            "quantity": 1,
                            "price_unit": 400.0,
                            "tax_ids": [(5, 0, 0)],
                        },
                    )
                ],
            }
        )
        refund.action_post()
        self.assertFalse(self._run(1), "net balance is not positive")

    def test_exclusions(self):
        disputed = self._invoice(self.customer)
        disputed.write(
            {"relance_exclusion": "dispute", "relance_dispute_reason": "Broken goods"}
        )
        promised = self._invoice(self.other_customer)
        promised.write(
            {
                "relance_exclusion": "promise",
                "relance_promise_date": self.DUE.replace(day=10),
            }
        )
        self.assertFalse(self._run(1))
        self.assertFalse(self._run(8), "promise still running on its date (D+8)")
        event = self._run(9)
        self.assertEqual(
            event.partner_id, self.other_customer, "promise over after D+8"
        )
        self.customer.relance_blocked = True
        disputed.relance_exclusion = False
        self.assertFalse(
            self._run(11).filtered(lambda e: e.partner_id == self.customer)
        )
        self.customer.relance_blocked = False
        self.assertEqual(self._run(12).partner_id, self.customer)

    def test_stops_once_paid(self):
        invoice = self._invoice(self.customer)
        self._run(1)
        self._pay(invoice, when=self.DUE.replace(day=5))
        self.assertFalse(self._run(10))
        self.assertFalse(invoice.relance_next_date)

    def test_missing_email_goes_to_review(self):
        self.customer.email = False
        self._invoice(self.customer)
        self._invoice(self.other_customer)
        events = self._run(1)
        blocked = events.filtered(lambda e: e.partner_id == self.customer)
        self.assertEqual(blocked.state, "to_review")
        self.assertIn("email", blocked.review_reason)
        self.assertEqual(
            events.filtered(lambda e: e.partner_id == self.other_customer).state, "sent"
        )

    def test_failure_isolation(self):
        self._invoice(self.customer)
        self._invoice(self.other_customer)
        Event = type(self.env["account.relance.event"])
        original = Event._prepare_event_vals
        customer_id = self.customer.id

        def flaky(self_, company, partner, level, decision, as_of, **kwargs):
            if decision.customer_key == customer_id and kwargs.get("with_lines", True):
                raise RuntimeError("printer on fire")
            return original(self_, company, partner, level, decision, as_of, **kwargs)

        logger = "odoo.addons.account_relance_fr.models.account_relance_policy_run"
        with (
            patch.object(Event, "_prepare_event_vals", flaky),
            self.assertLogs(logger, level="ERROR"),
        ):
            events = self._run(1)
        failed = events.filtered(lambda e: e.partner_id == self.customer)
        self.assertEqual(failed.state, "failed")
        self.assertIn("printer on fire", failed.failure_reason)
        self.assertEqual(
            events.filtered(lambda e: e.partner_id == self.other_customer).state, "sent"
        )

    def test_sent_event_is_immutable(self):
        self._invoice(self.customer)
        event = self._run(1)
        with self.assertRaises(UserError):
            event.write({"amount_due": 1.0})
        with self.assertRaises(UserError):
            event.unlink()
        event.action_cancel(reason="Wrong address")
        self.assertEqual(event.state, "cancelled")
        self.assertEqual(event.cancel_reason, "Wrong address")
        with self.assertRaises(UserError):
            event.write({"cancel_reason": "changed"})

    def test_cancel_restores_invoice_level(self):
        invoice = self._invoice(self.customer)
        event = self._run(1)
        event.action_cancel(reason="Sent by mistake")
        self.assertFalse(invoice.relance_level_id)
        self.assertEqual(
            self._run(2).level_id, self.levels[0], "the same level can go again"
        )

    def test_ladder_constraints(self):
        with self.assertRaises(ValidationError):
            self.levels[1].days_after_due = 0
        with self.assertRaises(ValidationError):
            self.levels[0].mail_template_id = False

    def test_penalty_computation_and_invoicing(self):
        invoice = self._invoice(self.customer, 15000.0)
        event = self._run(1)
        self.assertEqual(event.indemnity_total, 40.0)
        income = self.company_data["default_account_revenue"]
        self.company.write(
            {
                "relance_interest_account_id": income.id,
                "relance_indemnity_account_id": income.id,
            }
        )
        with patch(
            "odoo.fields.Date.context_today", return_value=self.DUE.replace(day=31)
        ):
            action = invoice.action_relance_invoice_penalties()
        penalty = (
            self.env["account.move"].browse(action.get("res_id"))
            or invoice.relance_penalty_move_id
        )
        self.assertEqual(invoice.relance_penalty_move_id, penalty)
        self.assertFalse(penalty.invoice_line_ids.tax_ids)
        # 15 000 € × 12.15 % × 29/365 (2026-S1: ECB 2.15 % + 10) = 144.80 €
        self.assertAlmostEqual(penalty.amount_total, 144.80 + 40.0, places=2)
        with self.assertRaises(UserError):
            invoice.action_relance_invoice_penalties()

    def test_preview_then_send_now(self):
        self._invoice(self.customer)
        wizard = self.env["account.relance.preview"].create(
            {
                "date": self.DUE.replace(day=20),
                "partner_ids": [(6, 0, self.customer.ids)],
            }
        )
        wizard._onchange_compute_lines()
        line = wizard.line_ids
        self.assertEqual(line.action, "create")
        self.assertEqual(line.level_id, self.levels[0])
        self.assertEqual(line.amount_due, 1000.0)
        self.assertFalse(
            self.env["account.relance.event"].search(
                [("partner_id", "=", self.customer.id)]
            ),
            "a preview sends nothing",
        )
        wizard.action_send_now()
        event = self.env["account.relance.event"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(event.level_id, self.levels[0])
        wizard._onchange_compute_lines()
        self.assertEqual(wizard.line_ids.action, "skip")

    def test_log_call_with_promise(self):
        invoice = self._invoice(self.customer)
        wizard = (
            self.env["account.relance.call"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(
                {
                    "result": "promise",
                    "promise_date": self.DUE.replace(day=15),
                    "note": "Paiement vendredi",
                }
            )
        )
        self.assertEqual(wizard.partner_id, self.customer)
        wizard.action_log()
        self.assertEqual(invoice.relance_exclusion, "promise")
        self.assertFalse(self._run(10), "the promise holds until its date")
        self.assertTrue(self._run(16), "reminders resume after a broken promise")
        no_date = self.env["account.relance.call"].create(
            {
                "partner_id": self.customer.id,
                "move_ids": [(6, 0, invoice.ids)],
                "result": "promise",
            }
        )
        with self.assertRaises(UserError):
            no_date.action_log()

    def test_customer_policy_overrides_company_default(self):
        quick = self.env["account.relance.policy"].create(
            {
                "name": "Quick",
                "company_id": self.company.id,
                "level_ids": [
                    (
                        0,
                        0,
                        {
                            "sequence": 1,
                            "name": "Call at once",
                            "days_after_due": 1,
                            "channel_phone": True,
                            "send_mode": "auto",
                        },
                    )
                ],
            }
        )
        self.other_customer.relance_policy_id = quick
        self._invoice(self.customer)
        self._invoice(self.other_customer)
        events = self._run(1)
        self.assertEqual(
            events.filtered(lambda e: e.partner_id == self.other_customer).level_id,
            quick.level_ids,
        )
        self.assertEqual(
            events.filtered(lambda e: e.partner_id == self.customer).policy_id,
            self.policy,
        )

    def test_reminders_go_to_the_dedicated_contact(self):
        accountant = self.env["res.partner"].create(
            {
                "name": "Service comptable",
                "type": "relance",
                "parent_id": self.customer.id,
                "email": "compta@durand.fr",
            }
        )
        self._invoice(self.customer)
        event = self._run(1)
        self.assertEqual(event.contact_id, accountant)
        self.assertIn(accountant, event.message_ids.partner_ids)

    def test_consumer_gets_no_indemnity(self):
        consumer = self.env["res.partner"].create(
            {
                "name": "Jeanne Petit",
                "email": "jeanne@example.fr",
                "street": "3 rue Haute",
                "zip": "33000",
                "city": "Bordeaux",
            }
        )
        self.assertEqual(consumer.relance_debtor_type, "consumer")
        self._invoice(consumer, 2000.0)
        event = self._run(1)
        self.assertEqual(event.indemnity_total, 0.0, "no 40 € for a consumer")
        self.assertEqual(
            event.interest_total, 0.0, "no interest before a mise en demeure"
        )
        public = self._make_customer("Mairie de Lyon", "mairie@example.fr")
        public.relance_debtor_type = "public"
        self._invoice(public, 1000.0)
        self.assertEqual(
            self._run(2).filtered(lambda e: e.partner_id == public).indemnity_total,
            40.0,
        )
