# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
from datetime import timedelta
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.account_relance_fr.models import account_relance_policy_run

from .common import RelanceCommon

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestRelancePerformance(RelanceCommon):
    """The daily run reads invoices set-based: its query count per batch does not
    grow with the number of invoices of the customers."""

    CUSTOMERS = 5

    def _customers_with_invoices(self, count):
        customers = self.env["res.partner"]
        for index in range(self.CUSTOMERS):
            customer = self._make_customer(
                f"Client {count}-{index}", f"c{count}-{index}@example.fr"
            )
            for day in range(count):
                self._invoice(customer, 100.0 + day, due=self.DUE - timedelta(days=day))
            customers |= customer
        return customers

    def _queries(self, func, warm_up=True):
        """Queries of ``func`` on an empty record cache, after two warm-up calls
        that fill the registry caches (when ``func`` may run more than once)."""
        for _warm_up in range(2 if warm_up else 0):
            func()
            self.env.flush_all()
            self.env.invalidate_all()
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        func()
        self.env.flush_all()
        return self.cr.sql_log_count - before

    def _preview_queries(self, customers, as_of):
        Policy = self.env["account.relance.policy"]
        return self._queries(lambda: Policy._preview(self.company, as_of, customers))

    def _penalty_queries(self, customers, as_of):
        Policy = self.env["account.relance.policy"]
        decisions = Policy._preview(self.company, as_of, customers)
        self.assertEqual(len(decisions), self.CUSTOMERS)
        return self._queries(lambda: self._batch_penalties(decisions, as_of))

    def _batch_penalties(self, decisions, as_of):
        """What a batch of the run computes: its lines read, then penalties."""
        facts = self.env["account.relance.event"]._line_facts(
            [key for decision in decisions for key in decision.covered_items]
        )
        return self.env["account.relance.policy"]._batch_penalties(
            self.company, facts, as_of
        )

    def test_preview_queries_do_not_grow_with_invoices(self):
        as_of = self.DUE + timedelta(days=12)
        few = self._customers_with_invoices(2)
        many = self._customers_with_invoices(8)
        self.assertEqual(
            self._preview_queries(few, as_of), self._preview_queries(many, as_of)
        )
        self.assertEqual(
            self._penalty_queries(few, as_of), self._penalty_queries(many, as_of)
        )

    def test_preview_query_count(self):
        customers = self._customers_with_invoices(4)
        as_of = self.DUE + timedelta(days=12)
        Policy = self.env["account.relance.policy"]
        Policy._preview(self.company, as_of, customers)
        self.env.flush_all()
        self.env.invalidate_all()
        with self.assertQueryCount(PREVIEW_QUERIES):
            decisions = Policy._preview(self.company, as_of, customers)
        self.assertEqual(
            {decision.action for decision in decisions}, {"create"}, decisions
        )

    def test_batch_penalties_match_one_by_one(self):
        """The per-batch penalty cache gives what each reminder computed alone."""
        customers = self._customers_with_invoices(3)
        as_of = self.DUE + timedelta(days=40)
        Policy = self.env["account.relance.policy"]
        decisions = Policy._preview(self.company, as_of, customers)
        cache = self._batch_penalties(decisions, as_of)
        Penalty = self.env["account.relance.penalty"]
        moves = self.env["account.move"].browse(list(cache))
        self.assertEqual(len(moves), 3 * self.CUSTOMERS)
        for move in moves:
            alone = Penalty._compute_for_moves(move, as_of)[move.id]
            self.assertEqual(cache[move.id]["interest"], alone["interest"])
            self.assertEqual(cache[move.id]["indemnity"], alone["indemnity"])
            self.assertGreater(alone["interest"], 0)

    def test_run_by_chunks_decides_like_one_preview(self):
        """Customers are decided a chunk at a time and created a batch at a
        time: the reminders are those of one preview of all customers."""
        customers = self._customers_with_invoices(2)
        as_of = self.DUE + timedelta(days=12)
        Policy = self.env["account.relance.policy"]
        expected = {
            (decision.customer_key, decision.level.key)
            for decision in Policy._preview(self.company, as_of, customers)
            if decision.action == "create"
        }
        self.assertEqual(len(expected), self.CUSTOMERS)
        with (
            patch.object(account_relance_policy_run, "PREVIEW_CHUNK", 2),
            patch.object(account_relance_policy_run, "RUN_BATCH_SIZE", 2),
        ):
            events = Policy._run_relances(as_of=as_of, partners=customers)
        self.assertEqual(
            {(event.partner_id.id, event.level_id.id) for event in events}, expected
        )

    def test_lines_written_in_bulk_keep_their_values(self):
        """The run writes reminder lines with COPY: text with tabs, newlines and
        backslashes, empty values and dates come back as written."""
        invoice = self._invoice(self.customer, 1234.56)
        event = self.env["account.relance.policy"]._run_relances(
            as_of=self.DUE + timedelta(days=140), partners=self.customer
        )
        line = event.line_ids
        self.assertEqual(line.move_id, invoice)
        self.assertEqual(line.due_date, self.DUE)
        self.assertEqual(line.days_late, 140)
        self.assertEqual(line.amount_residual, 1234.56)
        self.assertEqual(line.new_level_id, self.levels[0])
        self.assertFalse(line.previous_level_id)
        self.assertIn("\n", line.penalty_detail, "one line per half-year")
        self.assertEqual(line.create_uid, self.env.user)
        detail = "tab\there\\back\nslash\r\\N é →"
        event._insert_lines(
            [
                [
                    Command.create(
                        {
                            "move_id": invoice.id,
                            "due_date": self.DUE,
                            "penalty_detail": detail,
                            "new_level_id": False,
                            "advances_level": False,
                            "interest": 1.5,
                        }
                    )
                ]
            ]
        )
        written = event.line_ids - line
        self.assertEqual(written.penalty_detail, detail)
        self.assertFalse(written.new_level_id)
        self.assertFalse(written.advances_level)
        self.assertEqual(written.interest, 1.5)
        self.assertEqual(written.company_id, self.company)

    def test_bulk_insert_creates_reminders_as_create_does(self):
        """The run inserts its reminders with COPY: the same values, defaults,
        name and checks as the ORM's create of the same values."""
        self._invoice(self.customer, 1234.56)
        as_of = self.DUE + timedelta(days=40)
        Event = self.env["account.relance.event"]
        decision = self.env["account.relance.policy"]._preview(
            self.company, as_of, self.customer
        )[0]

        def vals():
            return {
                **Event._prepare_event_vals(
                    self.company,
                    self.customer,
                    self.env["account.relance.level"].browse(decision.level.key),
                    decision,
                    as_of,
                    with_lines=False,
                ),
                "state": "queued",
            }

        created = Event._trusted().create([vals()])
        inserted = Event._trusted()._insert_created([vals()])
        skip = {"id", "name", "create_date", "write_date", "display_name"}
        stored = [
            name
            for name, field in Event._fields.items()
            if field.store and field.column_type and name not in skip
        ]
        self.env.invalidate_all()
        [inserted_values], [created_values] = (
            inserted.read(stored),
            created.read(stored),
        )
        self.assertNotEqual(inserted_values.pop("id"), created_values.pop("id"))
        self.assertEqual(inserted_values, created_values)
        self.assertRegex(inserted.name, r"\d$")
        self.assertNotEqual(inserted.name, created.name)
        self.assertEqual(inserted.create_uid, self.env.user)
        with self.assertRaises(UserError):
            Event._insert_created([vals()])  # only the run inserts reminders
        with self.assertRaises(UserError):
            Event._trusted()._insert_created([{**vals(), "state": "sent"}])
        other = self.env["res.company"].create({"name": "Autre société"})
        with self.assertRaises(UserError):  # a customer level of another company
            Event._trusted()._insert_created([{**vals(), "company_id": other.id}])
        foreign = self.env["account.relance.policy"].create(
            {"name": "Politique d'une autre société", "company_id": other.id}
        )
        with self.assertRaises(UserError):  # a policy of another company
            Event._trusted()._insert_created([{**vals(), "policy_id": foreign.id}])

    def test_run_queries_per_customer_do_not_grow_with_invoices(self):
        """A whole run makes as many queries for 8 invoices per customer as for
        3: reminders, their lines and the penalties are written and read per
        batch, never per invoice."""
        as_of = self.DUE + timedelta(days=2)
        Policy = self.env["account.relance.policy"]
        warm, few = self._customers_with_invoices(2), self._customers_with_invoices(3)
        many = self._customers_with_invoices(8)

        def run(partners):
            return self._queries(
                lambda: Policy._run_relances(as_of=as_of, partners=partners),
                warm_up=False,
            )

        run(warm)
        few_queries, many_queries = run(few), run(many)
        _logger.info("Run queries: %s (3 invoices), %s (8)", few_queries, many_queries)
        self.assertEqual(many_queries, few_queries)


# Queries of ``_preview`` for one company, whatever the number of invoices.
PREVIEW_QUERIES = 12
