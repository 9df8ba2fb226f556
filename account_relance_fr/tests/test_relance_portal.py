# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The customer's statement page, through HTTP as a customer uses it: the
signed link of a real reminder email, the token rules, the forms (CSRF,
posted twice), paying the overdue invoices online, and the tour in
Chromium."""

import email
import json
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import RelanceCommon, load_french

STATEMENT_LINK = re.compile(
    r'href="[^"]*?(/relance/statement/\d+/\d+\?access_token=\w+)"'
)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM_KEY = re.compile(r'name="form_key" value="([^"]+)"')


@tagged("post_install", "-at_install")
class TestRelancePortal(RelanceCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Declaration = cls.env["account.relance.declaration"]

    # ------------------------------------------------------------ HELPERS

    def _email_link(self):
        """The statement link of the reminder email the SMTP server got."""
        links = set()
        for sent in self.emails:
            message = email.message_from_string(sent["message"])
            for part in message.walk():
                if part.get_content_type() == "text/html":
                    html = part.get_payload(decode=True).decode()
                    links.update(STATEMENT_LINK.findall(html.replace("&amp;", "&")))
        self.assertEqual(len(links), 1, "one statement link in the reminder email")
        return links.pop()

    def _statement_path(self, partner, company=None):
        return partner._relance_statement_path(company or self.company)

    def _get(self, path):
        response = self.url_open(path, allow_redirects=False)
        return response.status_code, response.text

    def _form(self, path):
        status, html = self._get(path)
        self.assertEqual(status, 200, html[:500])
        return html, CSRF.search(html).group(1), FORM_KEY.search(html).group(1)

    def _post(self, path, kind, move, token, csrf, form_key, **values):
        partner, company = move.commercial_partner_id, move.company_id
        data = {
            "csrf_token": csrf,
            "access_token": token,
            "form_key": form_key,
            "move_id": move.id,
            **values,
        }
        return self.url_open(
            f"/relance/statement/{company.id}/{partner.id}/{kind}",
            data=data,
            allow_redirects=False,
        )

    @staticmethod
    def _token(path):
        return parse_qs(urlsplit(path).query)["access_token"][0]

    # -------------------------------------------------------------- TOUR

    def test_tour_dispute_then_promise_from_the_reminder_email(self):
        first = self._invoice(self.customer, 1200.0)
        second = self._invoice(self.customer, 800.0)
        third = self._invoice(self.customer, 500.0)
        reminder = self._run(1)
        self.assertEqual(reminder.state, "sent")
        link = self._email_link()
        # The link opens without a login: the customer disputes the first one…
        self.start_tour(link, "account_relance_fr_statement_dispute")
        # … comes back through the same link and promises to pay the second.
        self.start_tour(link, "account_relance_fr_statement_promise")
        (first | second | third).invalidate_recordset()
        # The back office shows both, with a task for the collector each.
        self.assertEqual(first.relance_exclusion, "dispute")
        self.assertIn("The doors delivered", first.relance_dispute_reason)
        self.assertEqual(second.relance_exclusion, "promise")
        today = fields.Date.context_today(second)
        self.assertEqual(second.relance_promise_date, today + timedelta(days=7))
        self.assertFalse(third.relance_exclusion)
        dispute, promise = first.relance_declaration_ids, second.relance_declaration_ids
        self.assertEqual(
            (dispute.kind, dispute.dispute_reason), ("dispute", "defective")
        )
        self.assertEqual(promise.kind, "promise")
        self.assertTrue(dispute.seal_hash and promise.seal_hash)
        self.assertEqual(promise.seal_previous_hash, dispute.seal_hash)
        for move in (first, second):
            self.assertEqual(len(move.activity_ids), 1)
            self.assertEqual(
                move.activity_ids.activity_type_id,
                self.env.ref("mail.mail_activity_data_todo"),
            )
        self.assertFalse(self.company._relance_check_integrity())
        # The next run skips both: the second reminder covers the third only.
        second_reminder = self._run(10)
        self.assertEqual(second_reminder.line_ids.move_id, third)

    # ------------------------------------------------------- TOKEN RULES

    def test_token_rules(self):
        mine = self._invoice(self.customer, 1000.0)
        theirs = self._invoice(self.other_customer, 700.0)
        other_company = self.setup_other_company(name="Other Co")["company"]
        elsewhere = self._invoice(self.customer, 333.0, company=other_company)
        path = self._statement_path(self.customer)
        status, html = self._get(path)
        self.assertEqual(status, 200)
        self.assertIn(mine.name, html)
        self.assertNotIn(theirs.name, html)
        self.assertIn(f'id="invoice-{mine.id}"', html)
        self.assertNotIn(
            f'id="invoice-{elsewhere.id}"', html, "nothing of another company"
        )
        self.assertNotIn("333.00", html)
        token = self._token(path)
        forged = token[:-4] + ("0000" if token[-4:] != "0000" else "1111")
        for bad_path in (
            # forged token
            f"/relance/statement/{self.company.id}/{self.customer.id}?access_token={forged}",
            # no token, not logged in
            f"/relance/statement/{self.company.id}/{self.customer.id}",
            # the customer's token on another customer's statement
            f"/relance/statement/{self.company.id}/{self.other_customer.id}?access_token={token}",
            # the customer's token on its statement in another company
            f"/relance/statement/{other_company.id}/{self.customer.id}?access_token={token}",
            # the pay page and a made-up company
            f"/relance/statement/{self.company.id}/{self.customer.id}/pay?access_token={forged}",
            f"/relance/statement/999999/{self.customer.id}?access_token={token}",
        ):
            status, html = self._get(bad_path)
            self.assertEqual(status, 404, bad_path)
            for move in (mine, theirs, elsewhere):
                self.assertNotIn(f'id="invoice-{move.id}"', html, bad_path)
            self.assertNotIn("Durand", html, bad_path)
        # Revoking the customer's secret kills every link sent.
        self.customer.sudo().relance_access_token = False
        self.assertEqual(self._get(path)[0], 404)

    def test_portal_user_under_my_account(self):
        mine = self._invoice(self.customer, 1000.0)
        theirs = self._invoice(self.other_customer, 700.0)
        contact = self.env["res.partner"].create(
            {"name": "Paul Durand", "parent_id": self.customer.id, "email": "p@x.fr"}
        )
        user = new_test_user(
            self.env,
            login="durand_portal",
            groups="base.group_portal",
            partner_id=contact.id,
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        self.authenticate(user.login, user.login)
        status, html = self._get("/my/relance")
        self.assertEqual(status, 200)
        self.assertIn(mine.name, html)
        self.assertNotIn(theirs.name, html)
        status, html = self._get("/my")
        self.assertIn("/my/relance", html)
        # Logged in, its own statement needs no token; another's is refused.
        own = f"/relance/statement/{self.company.id}/{self.customer.id}"
        self.assertEqual(self._get(own)[0], 200)
        other = f"/relance/statement/{self.company.id}/{self.other_customer.id}"
        self.assertEqual(self._get(other)[0], 404)
        # Its dispute is recorded under its name.
        html, csrf, form_key = self._form(own)
        response = self._post(
            own, "dispute", mine, "", csrf, form_key, reason="amount", comment="x"
        )
        self.assertEqual(response.status_code, 303)
        self.assertEqual(mine.relance_declaration_ids.author_id, user)

    # ------------------------------------------------------------ FORMS

    def test_forms_need_csrf_and_record_once(self):
        move = self._invoice(self.customer, 1000.0)
        path = self._statement_path(self.customer)
        token = self._token(path)
        html, csrf, form_key = self._form(path)
        # Without the CSRF token: refused, nothing recorded.
        response = self._post(
            path, "dispute", move, token, "", form_key, reason="paid", comment=""
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(move.relance_declaration_ids)
        # Posted twice (double click, back and resend): recorded once.
        for _attempt in range(2):
            response = self._post(
                path, "dispute", move, token, csrf, form_key, reason="paid"
            )
            self.assertEqual(response.status_code, 303)
        move.invalidate_recordset()
        self.assertEqual(len(move.relance_declaration_ids), 1)
        self.assertEqual(len(move.activity_ids), 1)
        self.assertEqual(move.relance_exclusion, "dispute")
        self.assertEqual(
            len(self.Declaration.search([("company_id", "=", self.company.id)])), 1
        )
        self.assertFalse(self.company._relance_check_integrity())

    def test_forms_refuse_what_is_not_the_customers(self):
        mine = self._invoice(self.customer, 1000.0)
        theirs = self._invoice(self.other_customer, 700.0)
        path = self._statement_path(self.customer)
        token = self._token(path)
        html, csrf, form_key = self._form(path)
        # Another customer's invoice through my token: nothing happens.
        response = self._post(
            path, "dispute", theirs, token, csrf, form_key, reason="paid"
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(theirs.relance_exclusion)
        # A forged token: nothing happens.
        response = self._post(
            path, "dispute", mine, token[:-1] + "x", csrf, form_key, reason="paid"
        )
        self.assertEqual(response.status_code, 404)
        # A promise beyond the company's limit (15 days) is refused, said on
        # the page, and changes nothing.
        late = fields.Date.context_today(mine) + timedelta(days=16)
        response = self._post(
            path, "promise", mine, token, csrf, form_key, promise_date=str(late)
        )
        self.assertEqual(response.status_code, 303)
        self.assertIn("refused=promise", response.headers["Location"])
        status, html = self._get(response.headers["Location"])
        self.assertIn("Choose a payment date between today and", html)
        self.assertFalse(mine.relance_exclusion)
        self.assertFalse(mine.relance_declaration_ids)
        # A reason outside the list is refused too.
        response = self._post(
            path, "dispute", mine, token, csrf, form_key, reason="because"
        )
        self.assertIn("refused=dispute", response.headers["Location"])
        self.assertFalse(mine.relance_declaration_ids)
        # Within the limit it is the existing promise exclusion.
        self.company.relance_promise_max_days = 20
        response = self._post(
            path, "promise", mine, token, csrf, form_key, promise_date=str(late)
        )
        self.assertNotIn("refused=", response.headers["Location"])
        self.assertEqual(mine.relance_exclusion, "promise")
        self.assertEqual(mine.relance_promise_date, late)

    def test_declarations_are_sealed_entries(self):
        move = self._invoice(self.customer, 1000.0)
        reminder = self._run(1)
        declaration = self.Declaration._declare(
            move, "dispute", "k1", dispute_reason="amount", comment="Price"
        )
        self.assertEqual(declaration.seal_sequence, reminder.seal_sequence + 1)
        self.assertEqual(declaration.seal_previous_hash, reminder.seal_hash)
        self.assertFalse(self.company._relance_check_integrity())
        # The auditors' history of the customer and of the invoice lists it.
        for report, record in (
            ("account_relance_fr.report_relance_audit_partner", self.customer),
            ("account_relance_fr.report_relance_audit_move", move),
        ):
            html = (
                self.env["ir.actions.report"]
                ._render_qweb_html(report, record.ids)[0]
                .decode()
            )
            self.assertIn("o_relance_audit_declarations", html)
            self.assertIn("Wrong amount or price", html)
            self.assertIn(declaration.seal_hash, html)
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "account_relance_fr.report_relance_audit_partner",
                self.other_customer.ids,
            )[0]
            .decode()
        )
        self.assertNotIn("o_relance_audit_declarations", html)
        self.env.cr.execute(
            "UPDATE account_relance_declaration SET comment = 'changed' WHERE id = %s",
            [declaration.id],
        )
        codes = {f["code"] for f in self.company._relance_check_integrity()}
        self.assertIn("altered", codes)

    def test_french_and_english_pages(self):
        load_french(self.env)
        self._invoice(self.customer, 1000.0)
        self._invoice(self.other_customer, 700.0)
        self.customer.lang = "fr_FR"
        self.other_customer.lang = "en_US"
        html = self._get(self._statement_path(self.customer))[1]
        self.assertIn("Relevé de compte", html)
        self.assertNotIn("Statement of account", html)
        html = self._get(self._statement_path(self.other_customer))[1]
        self.assertIn("Statement of account", html)
        self.assertNotIn("Relevé de compte", html)

    # --------------------------------------------------------- PAY ONLINE

    def test_pay_all_overdue_online(self):
        first = self._invoice(self.customer, 1000.0)
        second = self._invoice(self.customer, 250.0)
        provider = self.env.ref("payment.payment_provider_demo").sudo()
        provider.write({"state": "test", "company_id": self.company.id})
        provider.payment_method_ids.active = True
        path = self._statement_path(self.customer)
        token = self._token(path)
        status, html = self._get(
            f"/relance/statement/{self.company.id}/{self.customer.id}/pay?access_token={token}"
        )
        self.assertEqual(status, 200)
        self.assertIn("o_payment_form", html)
        self.assertIn("1,250.00", html)
        csrf = re.search(r'csrf_token: "([^"]+)"', html).group(1)
        route = f"/relance/statement/{self.company.id}/{self.customer.id}/transaction"
        params = {
            "provider_id": provider.id,
            "payment_method_id": provider.payment_method_ids[:1].id,
            "token_id": None,
            "amount": 1.0,  # the browser lies: the invoices' amount is used
            "flow": "direct",
            "tokenization_requested": False,
            "landing_route": path,
            "is_validation": False,
            "access_token": token,
            "csrf_token": csrf,
            "payment_reference": first.name,
        }
        response = self.url_open(
            route,
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}),
            headers={"Content-Type": "application/json"},
        )
        result = response.json()
        self.assertNotIn("error", result, result)
        tx = self.env["payment.transaction"].search(
            [("reference", "=", result["result"]["reference"])]
        )
        self.assertEqual(tx.invoice_ids, first | second)
        self.assertEqual(tx.amount, 1250.0)
        # A forged token creates nothing.
        params["access_token"] = token[:-1] + "x"
        response = self.url_open(
            route,
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}),
            headers={"Content-Type": "application/json"},
        )
        self.assertIn("error", response.json())
        self.assertEqual(
            self.env["payment.transaction"].search_count(
                [("invoice_ids", "in", first.ids)]
            ),
            1,
        )
        # The demo provider confirms it: a payment reconciles as usual.
        tx._set_done()
        tx._post_process()
        (first | second).invalidate_recordset()
        self.assertIn(first.payment_state, ("paid", "in_payment"))
        self.assertIn(second.payment_state, ("paid", "in_payment"))
        self.assertFalse(self._run(1))
