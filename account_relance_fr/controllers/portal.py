# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The customer's statement page: opened from the signed link of a reminder
(no login) or under *My account* by a portal user; pay online through Odoo's
payment flow, dispute an invoice, promise to pay."""

import uuid
from urllib.parse import urlencode

from odoo import fields, http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from odoo.addons.account_payment.controllers.payment import PaymentPortal
from odoo.addons.account_payment.controllers.portal import PortalAccount


class RelanceStatementPortal(PortalAccount, PaymentPortal):
    # ------------------------------------------------------------- ACCESS

    def _relance_access(self, company_id, partner_id, access_token=None):
        """``(partner, company)`` in sudo when the visitor may see this
        statement: the signed token of the customer for that company, or a
        logged-in user whose own customer it is in one of its companies.
        ``None`` otherwise (forged token, another customer or company)."""
        company = request.env["res.company"].sudo().browse(company_id).exists()
        partner = request.env["res.partner"].sudo().browse(partner_id).exists()
        if not company or not partner or partner != partner.commercial_partner_id:
            return None
        if access_token:
            if partner._relance_check_statement_token(company, access_token):
                return partner, company
            return None
        user = request.env.user
        if user._is_public():
            return None
        if (
            user.partner_id.commercial_partner_id == partner
            and company in user.company_ids
        ):
            return partner, company
        return None

    def _relance_use_language(self, partner):
        """A visitor through the signed link reads the customer's language."""
        if request.env.user._is_public() and partner.lang:
            request.update_context(lang=partner.lang)

    def _relance_url(self, partner, company, access_token, suffix="", **query):
        path = f"/relance/statement/{company.id}/{partner.id}{suffix}"
        if access_token:
            query["access_token"] = access_token
        return f"{path}?{urlencode(query)}" if query else path

    def _relance_not_found(self):
        return request.not_found()

    # ------------------------------------------------------ MY ACCOUNT

    def _prepare_home_portal_values(self, counters):
        # EXTEND 'portal': the statement card of My account.
        values = super()._prepare_home_portal_values(counters)
        if "relance_statement_count" in counters:
            partner = request.env.user.partner_id.commercial_partner_id
            Statement = request.env["account.relance.statement"]
            values["relance_statement_count"] = sum(
                len(Statement._open_invoices(partner, company))
                for company in request.env.user.company_ids
            )
        return values

    @http.route("/my/relance", type="http", auth="user", website=True)
    def portal_my_relance_statement(self, company_id=None, **kw):
        """The statement of the logged-in user's customer: the company asked,
        else the first of its companies where it owes something."""
        user = request.env.user
        partner = user.partner_id.commercial_partner_id
        companies = user.company_ids
        Statement = request.env["account.relance.statement"]
        company = companies.filtered(lambda c: str(c.id) == str(company_id))[:1]
        if not company:
            company = (
                companies.filtered(lambda c: Statement._open_invoices(partner, c))[:1]
                or user.company_id
            )
        return self._relance_render(partner.sudo(), company.sudo(), None, **kw)

    # ----------------------------------------------------- THE STATEMENT

    @http.route(
        "/relance/statement/<int:company_id>/<int:partner_id>",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def relance_statement(self, company_id, partner_id, access_token=None, **kw):
        access = self._relance_access(company_id, partner_id, access_token)
        if not access:
            return self._relance_not_found()
        partner, company = access
        return self._relance_render(partner, company, access_token, **kw)

    def _relance_render(self, partner, company, access_token, done=None, **kw):
        self._relance_use_language(partner)
        values = request.env["account.relance.statement"]._values(partner, company)
        values.update(
            {
                "page_name": "relance_statement",
                "res_company": company,
                "access_token": access_token,
                "form_key": str(uuid.uuid4()),
                "done": done,
                "error": request.session.pop("relance_statement_error", None),
                "statement_url": self._relance_url(partner, company, access_token),
                "action_url": lambda suffix: self._relance_url(
                    partner, company, None, suffix
                ),
                "pay_overdue_url": self._relance_url(
                    partner, company, access_token, "/pay"
                ),
            }
        )
        return request.render("account_relance_fr.portal_relance_statement", values)

    # ------------------------------------------------- DISPUTE / PROMISE

    def _relance_declare(self, company_id, partner_id, kind, post):
        access_token = post.get("access_token") or None
        access = self._relance_access(company_id, partner_id, access_token)
        if not access:
            return self._relance_not_found()
        partner, company = access
        move_id = post.get("move_id")
        move = request.env["account.move"].sudo()
        if move_id and str(move_id).isdigit():
            move = move.browse(int(move_id)).exists()
        open_moves = request.env["account.relance.statement"]._open_invoices(
            partner, company
        )
        if not move or move not in open_moves:
            return self._relance_not_found()
        self._relance_use_language(partner)
        user = request.env.user
        values = {"comment": post.get("comment")}
        if kind == "dispute":
            values["dispute_reason"] = post.get("reason")
        else:
            try:
                values["promise_date"] = fields.Date.to_date(post.get("promise_date"))
            except ValueError:
                values["promise_date"] = None
        try:
            request.env["account.relance.declaration"]._declare(
                move,
                kind,
                (post.get("form_key") or "")[:64],
                author=None if user._is_public() else user,
                **values,
            )
        except (UserError, ValidationError) as error:
            # Said on the page once, kept in the session: never text from the URL.
            request.session["relance_statement_error"] = str(error.args[0])
            return request.redirect(
                self._relance_url(partner, company, access_token, refused=kind)
            )
        return request.redirect(
            self._relance_url(partner, company, access_token, done=kind)
            + f"#invoice-{move.id}"
        )

    @http.route(
        "/relance/statement/<int:company_id>/<int:partner_id>/dispute",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
        sitemap=False,
    )
    def relance_statement_dispute(self, company_id, partner_id, **post):
        return self._relance_declare(company_id, partner_id, "dispute", post)

    @http.route(
        "/relance/statement/<int:company_id>/<int:partner_id>/promise",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
        sitemap=False,
    )
    def relance_statement_promise(self, company_id, partner_id, **post):
        return self._relance_declare(company_id, partner_id, "promise", post)

    # ---------------------------------------------------- PAY ALL OVERDUE

    @http.route(
        "/relance/statement/<int:company_id>/<int:partner_id>/pay",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def relance_statement_pay(self, company_id, partner_id, access_token=None, **kw):
        """Odoo's payment form for all the overdue invoices at once."""
        access = self._relance_access(company_id, partner_id, access_token)
        if not access:
            return self._relance_not_found()
        partner, company = access
        self._relance_use_language(partner)
        invoices = request.env["account.relance.statement"]._overdue_invoices(
            partner, company
        )
        statement_url = self._relance_url(partner, company, access_token)
        if not invoices:
            return request.redirect(statement_url)
        residual = sum(invoices.mapped("amount_residual"))
        reference = (
            company.get_next_batch_payment_communication()
            if len(invoices) > 1
            else invoices.name
        )
        values = self._get_common_page_view_values(
            invoices_data={
                "partner": partner,
                "company": company,
                "total_amount": residual,
                "currency": company.currency_id,
                "amount_residual": residual,
                "payment_reference": reference,
                "landing_route": statement_url,
                "transaction_route": self._relance_url(
                    partner, company, None, "/transaction"
                ),
            },
            access_token=access_token,
        )
        values.update(
            {
                "page_name": "relance_statement_pay",
                "res_company": company,
                "amount": residual,
                "invoices": invoices,
                "payment_reference": reference,
                "statement_url": statement_url,
                "company": company,
                "partner": partner,
            }
        )
        return request.render("account_relance_fr.portal_relance_pay", values)

    @http.route(
        "/relance/statement/<int:company_id>/<int:partner_id>/transaction",
        type="json",
        auth="public",
    )
    def relance_statement_transaction(
        self,
        company_id,
        partner_id,
        access_token=None,
        payment_reference=None,
        **kwargs,
    ):
        """A draft transaction for every overdue invoice of the statement; the
        amount is theirs, whatever the browser sends."""
        access = self._relance_access(company_id, partner_id, access_token)
        if not access:
            raise ValidationError(request.env._("The access token is invalid."))
        partner, company = access
        invoices = request.env["account.relance.statement"]._overdue_invoices(
            partner, company
        )
        if not invoices:
            raise ValidationError(request.env._("Nothing is overdue any more."))
        self._validate_transaction_kwargs(kwargs)
        kwargs["amount"] = sum(invoices.mapped("amount_residual"))
        user = request.env.user
        payer = partner if user._is_public() else user.partner_id
        return self._process_transaction(
            payer.id,
            company.currency_id.id,
            invoices.ids,
            payment_reference,
            **kwargs,
        )
