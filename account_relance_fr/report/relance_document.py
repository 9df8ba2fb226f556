# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import re
from datetime import timedelta
from decimal import Decimal

from odoo import api, models

from .. import engine

# Legal bases printed in the letters, per debtor type (fixed legal references).
CENT = Decimal("0.01")
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
            "iban": self._group_iban(bank.acc_number),
            "bic": bank.bank_bic or False,
            "bank": bank.bank_id.name or False,
        }

    @api.model
    def _group_iban(self, number):
        """An IBAN as banks print it, by groups of four (any other account
        number as it is)."""
        compact = re.sub(r"\s", "", number or "")
        if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", compact):
            return number
        return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))

    @api.model
    def _debtor_type(self, partner):
        return partner.commercial_partner_id.relance_debtor_type or "company"

    # ------------------------------------------------------ INVOICE MENTIONS

    @api.model
    def _invoice_mentions(self, move):
        """Late-payment mentions of a customer invoice (C. com. L441-9), or
        ``False`` when none are printed: only customer invoices of companies
        located in France. The rate is the engine's rate in force for this
        customer in the half-year following the due date."""
        company = move.company_id
        if move.move_type != "out_invoice" or company.country_id.code != "FR":
            return False
        partner = move.commercial_partner_id
        debtor = self._debtor_type(partner)
        due = move.invoice_date_due or move.invoice_date or move.date
        first_day = due + timedelta(days=1) if due else move.date
        rate = self._rate_in_force(partner, company, first_day) if first_day else None
        consumer = debtor == "consumer"
        return {
            "debtor_type": debtor,
            "due_date": due,
            "rate_pct": rate.rate_pct.quantize(CENT) if rate else False,
            "rate_kind": rate.basis if rate else False,
            "half": self._format_half(rate.half.label) if rate else False,
            "indemnity": False if consumer else company.relance_indemnity_amount,
            "legal_text": False if consumer else company.relance_invoice_legal_text,
        }

    @api.model
    def _rate_in_force(self, partner, company, day):
        """The engine's :class:`RateInForce` for ``partner`` (a debtor of
        ``company``) in the half-year of ``day``; when its rates are not known
        yet, the latest half-year known within two years before it (an invoice
        printed before the rates of its due date are published); else None."""
        options = self.env["account.relance.penalty"]._case_options(partner, company)
        case = engine.parse_case(
            {**options, "evaluation_date": day.isoformat(), "invoices": []}
        )
        rates = self.env["account.relance.rate"]._engine_rate_provider()
        half = engine.HalfYear.from_date(day)
        for _attempt in range(4):
            try:
                return engine.rate_in_force(case, half, rates)
            except engine.MissingRateError:
                half = half.previous()
        return None

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

    @api.model
    def _format_half(self, label, lang_code=None):
        """A half-year key ("2026-S2", as the rate table and the engine write
        it) as a reader of ``lang_code`` (default: the context's language)
        reads it in a sentence: "2e semestre 2026", "second half of 2026".
        Anything that is not such a key is returned as it is."""
        try:
            half = engine.HalfYear.parse(label)
        except engine.EngineError:
            return label
        env = self.with_context(lang=lang_code).env if lang_code else self.env
        if half.semester == 1:
            return env._("first half of %(year)s", year=half.year)
        return env._("second half of %(year)s", year=half.year)
