# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import re
from datetime import timedelta
from decimal import Decimal

from odoo import api, models

# Legal bases printed in the letters, per debtor type (fixed legal references).
LEGAL_BASIS = {
    "company": "C. com. art. L441-10, D441-5",
    "consumer": "C. civ. art. 1231-6, 1344-1",
    "public": "Code de la commande publique, art. L2192-13, R2192-31, D2192-35",
}


class AccountRelanceDocument(models.AbstractModel):
    """Helpers shared by the printed documents of the addon: identities of the
    creditor and the debtor, payment details, late-payment mentions of invoices.

    Everything is computed from existing fields; nothing is stored."""

    _name = "account.relance.document"
    _description = "Reminder documents: shared helpers"

    @api.model
    def _identity(self, partner, company=None):
        """Legal identity of the creditor (``company`` given) or of a debtor.

        Odoo has no legal-form field on partners: a debtor's legal form is the
        one written in its name (e.g. "Durand SARL"). The SIREN is read from the
        company ID (9 digits, or the first 9 of a 14-digit SIRET); the SIRET from
        l10n_fr's ``siret`` field when installed, else from a 14-digit company ID.
        A company ID of another shape is printed as it is."""
        partner = partner.commercial_partner_id
        registry = (partner.company_registry or "").strip()
        digits = re.sub(r"\D", "", registry)
        siret = partner.siret if "siret" in partner._fields and partner.siret else ""
        siret = re.sub(r"\D", "", siret) or (digits if len(digits) == 14 else "")
        siren = digits[:9] if len(digits) in (9, 14) else siret[:9]
        identity = {
            "partner": partner,
            "name": partner.name,
            "is_company": partner.is_company,
            "legal_form": False,
            "capital": False,
            "currency": False,
            "register": False,
            "siren": self._group_digits(siren) if len(siren) == 9 else False,
            "siret": self._group_digits(siret) if len(siret) == 14 else False,
            "registry": registry if registry and len(digits) not in (9, 14) else False,
            "vat": partner.vat or False,
        }
        if company:
            identity.update(
                legal_form=company.relance_legal_form or False,
                capital=company.relance_share_capital or False,
                currency=company.currency_id,
                register=company.relance_trade_register or False,
            )
        return identity

    @api.model
    def _group_digits(self, digits):
        """SIREN / SIRET as usually printed: 552 100 554 / 552 100 554 00012."""
        groups = [digits[i : i + 3] for i in range(0, 9, 3)]
        if len(digits) > 9:
            groups.append(digits[9:])
        return " ".join(groups)

    @api.model
    def _bank_details(self, company, moves=None):
        """The account to pay to: the one the invoices designate (their
        "Recipient Bank"), else the company's first bank account."""
        bank = (moves.partner_bank_id[:1] if moves else False) or (
            company.partner_id.bank_ids[:1]
        )
        if not bank:
            return False
        return {
            "holder": bank.acc_holder_name or company.name,
            "iban": bank.acc_number,
            "bic": bank.bank_bic or False,
            "bank": bank.bank_id.name or False,
        }

    @api.model
    def _debtor_type(self, partner):
        return partner.commercial_partner_id.relance_debtor_type or "company"

    # ------------------------------------------------------ INVOICE MENTIONS

    @api.model
    def _rate_row(self, day):
        """Legal-rate row of the half-year of ``day``, else the latest known one."""
        Rate = self.env["account.relance.rate"].sudo()
        half = f"{day.year}-S{1 if day.month <= 6 else 2}"
        return Rate.search([("half", "=", half)], limit=1) or Rate.search(
            [("anchor_date", "<=", day)], order="anchor_date desc", limit=1
        )

    @api.model
    def _invoice_mentions(self, move):
        """Late-payment mentions of a customer invoice (C. com. L441-9), or
        ``False`` when none are printed: only customer invoices of companies
        located in France."""
        company = move.company_id
        if move.move_type != "out_invoice" or company.country_id.code != "FR":
            return False
        partner = move.commercial_partner_id
        debtor = self._debtor_type(partner)
        due = move.invoice_date_due or move.invoice_date or move.date
        first_day = due + timedelta(days=1) if due else move.date
        row = self._rate_row(first_day) if first_day else False
        mentions = {
            "debtor_type": debtor,
            "due_date": due,
            "rate_pct": False,
            "rate_kind": False,
            "half": row.half if row else False,
            "indemnity": company.relance_indemnity_amount
            if debtor != "consumer"
            else False,
            "legal_text": company.relance_invoice_legal_text
            if debtor != "consumer"
            else False,
        }
        if debtor == "consumer":
            mentions["rate_kind"] = "legal"
            mentions["rate_pct"] = row and self._pct(
                row.legal_rate_individual_pct
                if company.relance_creditor_kind == "individual"
                else row.legal_rate_other_pct
            )
        elif debtor == "public":
            mentions["rate_kind"] = "public"
            mentions["rate_pct"] = row and self._pct(row.ecb_rate_pct, 8)
        else:
            mentions.update(self._b2b_rate(partner, company, row))
        return mentions

    @api.model
    def _b2b_rate(self, partner, company, row):
        mode = (
            partner.relance_rate_mode
            if partner.relance_rate_mode not in (False, "company")
            else company.relance_rate_mode
        )
        statutory = row and self._pct(row.ecb_rate_pct, 10)
        floor = row and self._pct(row.legal_rate_other_pct, factor=3)
        if mode == "3x_legal":
            return {"rate_kind": "3x_legal", "rate_pct": floor}
        if mode == "fixed":
            source = partner if partner.relance_rate_mode == "fixed" else company
            contractual = Decimal(f"{source.relance_contractual_rate_pct:.4f}")
            if floor and contractual < floor:
                if company.relance_below_floor_policy == "raise_to_floor":
                    return {"rate_kind": "3x_legal", "rate_pct": floor}
                return {"rate_kind": "statutory", "rate_pct": statutory}
            return {"rate_kind": "fixed", "rate_pct": contractual}
        return {"rate_kind": "statutory", "rate_pct": statutory}

    @api.model
    def _pct(self, value, add=0, factor=1):
        rate = Decimal(f"{value:.4f}") * factor + add
        return rate.quantize(Decimal("0.01"))

    @api.model
    def _format_pct(self, value, lang_code=None):
        """A rate as the language writes it: 12.15 % / 12,15 %."""
        if value is False or value is None:
            return ""
        lang = self.env["res.lang"]._get_data(code=lang_code or self.env.lang)
        text = f"{Decimal(value):.2f}"
        if lang and lang.decimal_point:
            text = text.replace(".", lang.decimal_point)
        return f"{text} %"
