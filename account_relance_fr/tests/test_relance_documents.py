# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Printed documents rendered to real PDFs (wkhtmltopdf), text extracted."""

import io
import os
import re
from datetime import date
from unittest import skipIf

from odoo import Command
from odoo.tests import tagged

from odoo.addons.account_relance_fr import engine

from .common import RelanceCommon, load_french

try:
    from PyPDF2 import PdfReader
except ImportError:  # pragma: no cover - PyPDF2 is an Odoo dependency
    PdfReader = None

EVAL_DAY = date(2026, 3, 31)
FORBIDDEN = ("huissier", "commissaire de justice", "sommation", "saisie", "tribunal")


@tagged("post_install", "-at_install")
@skipIf(PdfReader is None, "PyPDF2 is needed to read the PDF text")
class TestRelanceDocuments(RelanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        eur = cls.env.ref("base.EUR")
        eur.active = True
        cls.company.write(
            {
                "currency_id": eur.id,
                "company_registry": "732 829 320 00012",
                "vat": "FR44732829320",
                "phone": "+33 1 23 45 67 89",
                "relance_legal_form": "SAS",
                "relance_share_capital": 10000.0,
                "relance_trade_register": "RCS Paris",
            }
        )
        bank = cls.env["res.bank"].create({"name": "Banque Test", "bic": "BTESFRPPXXX"})
        cls.env["res.partner.bank"].create(
            {
                "acc_number": "FR7630006000011234567890189",
                "partner_id": cls.company.partner_id.id,
                "bank_id": bank.id,
            }
        )
        cls.customer.write(
            {"company_registry": "443 061 841 00034", "vat": "FR64443061841"}
        )
        cls.report_letter = cls.env.ref(
            "account_relance_fr.action_report_relance_letter"
        )
        cls.report_notice = cls.env.ref(
            "account_relance_fr.action_report_relance_formal_notice"
        )

    def setUp(self):
        super().setUp()
        self._print_with_closed_style_server()

    # ------------------------------------------------------------ helpers

    def _pdf_text(self, report, ids, data=None):
        content, kind = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(report, ids, data=data)
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(content.startswith(b"%PDF"))
        keep = os.environ.get("RELANCE_PDF_DIR")
        if keep:  # keep the PDFs for a visual check
            name = f"{self._testMethodName}_{report.report_name.split('.')[-1]}"
            with open(os.path.join(keep, f"{name}_{ids[0]}.pdf"), "wb") as handle:
                handle.write(content)
        reader = PdfReader(io.BytesIO(content))
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
        for space in ("\u202f", "\xa0"):
            text = text.replace(space, " ")
        text = text.replace("\u200b", "")
        # PyPDF2 puts a space between two text runs: "Paris , March 31", and
        # between a minus sign and its number in a styled table: "- 300.00".
        text = " ".join(text.split()).replace(" ,", ",").replace(" .", ".")
        return re.sub(r"(^|(?<=[\s(]))- (?=\d)", "-", text)

    def _event_at(self, partner, level, as_of=EVAL_DAY, **extra):
        """A reminder of ``partner`` at ``level`` built by the run's own code."""
        vals = {**self._unsent_vals(level, as_of, partner), **extra}
        return self.env["account.relance.event"]._trusted().create(vals)

    def _consumer(self):
        return self.env["res.partner"].create(
            {
                "name": "Jeanne Petit",
                "email": "jeanne@example.fr",
                "street": "3 rue Haute",
                "zip": "33000",
                "city": "Bordeaux",
                "country_id": self.env.ref("base.fr").id,
            }
        )

    # -------------------------------------------------------------- tests

    def test_default_ladder_prints_the_right_document(self):
        self.assertEqual(self.levels[4].name, "Mise en demeure")
        self.assertTrue(self.levels[4].is_formal_notice)
        self.assertEqual(self.levels[4].report_id, self.report_notice)
        self.assertEqual(self.levels[3].report_id, self.report_letter)
        self.assertEqual(self.levels[0].report_id, self.report_letter)

    def test_formal_notice_b2b_mentions_and_figures(self):
        invoice = self._invoice(self.customer, 15000.0)
        event = self._event_at(
            self.customer, self.levels[4], registered_number="1A 234 567 8901 2"
        )
        # 15 000 € × 12.15 % × 29/365 (2026-S1: ECB 2.15 % + 10) = 144.80 €
        self.assertAlmostEqual(event.interest_total, 144.80, places=2)
        self.assertAlmostEqual(event.indemnity_total, 40.0, places=2)
        # The per-period detail recomputed for the letter equals the snapshot.
        penalties = self.env[
            "report.account_relance_fr.report_relance_formal_notice"
        ]._penalties(event)
        detail = penalties[invoice.id]
        self.assertTrue(detail["matches"])
        self.assertEqual(len(detail["segments"]), 1)
        self.assertAlmostEqual(
            sum(seg["interest"] for seg in detail["segments"]),
            event.line_ids.interest,
            places=2,
        )
        self.assertEqual(detail["segments"][0]["rate"], "12.15 %")

        text = self._pdf_text(self.report_notice, event.ids)
        for expected in (
            "MISE EN DEMEURE",
            "Lettre recommandée avec accusé de réception",
            "n° 1A 234 567 8901 2",
            # creditor: legal name, legal form and capital, register, SIREN,
            # SIRET, VAT number, address
            self.company.name,
            "SAS with a share capital of 10,000.00 €",
            "RCS Paris 732 829 320",
            "SIRET 732 829 320 00012",
            "VAT number: FR44732829320",
            "1 rue de la Paix",
            # debtor: legal name (with its legal form), SIREN, SIRET, VAT, address
            "Durand SARL",
            "SIREN 443 061 841",
            "SIRET 443 061 841 00034",
            "VAT number: FR64443061841",
            "2 avenue Victor Hugo",
            invoice.name,
            "15,000.00",
            "144.80",
            "40.00",
            "15,184.80",
            "12.15 %",
            "first half of 2026",
            "March 3, 2026",
            "L441-10",
            "D441-5",
            # deadline: 8 days after 03/31/2026, in one natural sentence
            "the sum of 15,184.80 € no later than April 8, 2026.",
            "Paris, March 31, 2026",
            "This letter constitutes a formal notice",
            "injonction de payer",
            "FR76 3000 6000 0112 3456 7890 189",
            "BTESFRPPXXX",
        ):
            self.assertIn(expected, text)
        lowered = text.lower()
        for word in FORBIDDEN:
            self.assertNotIn(word, lowered, "C. pén. 433-13: no court/bailiff look")

    def test_consumer_formal_notice_has_no_indemnity(self):
        consumer = self._consumer()
        self._invoice(consumer, 2000.0)
        event = self._event_at(consumer, self.levels[4])
        self.assertFalse(event.indemnity_total)
        text = self._pdf_text(self.report_notice, event.ids)
        self.assertIn("MISE EN DEMEURE", text)
        self.assertIn("1231-6", text)
        self.assertIn("1344-1", text)
        self.assertIn("2,000.00", text)
        self.assertNotIn("40.00", text)
        self.assertNotIn("40 €", text)
        self.assertNotIn("D441-5", text)
        self.assertNotIn("indemnit", text.lower())
        # Creditor's numbers in the letterhead and the parties table only.
        self.assertEqual(text.count("SIRET"), 2, "the consumer has no SIRET")
        self.assertEqual(text.count("RCS Paris"), 2)

    def test_public_buyer_wording(self):
        public = self._make_customer("Mairie de Lyon", "mairie@example.fr")
        public.relance_debtor_type = "public"
        self._invoice(public, 1000.0)
        event = self._event_at(public, self.levels[4])
        text = self._pdf_text(self.report_notice, event.ids)
        self.assertIn("Code de la commande publique", text)
        self.assertIn("L2192-13", text)
        self.assertIn("D2192-35", text)
        self.assertNotIn("C. com. art. L441-10", text)
        # 2026-S1 for a public buyer: ECB 2.15 % + 8 points
        self.assertIn("10.15 %", text)

    def test_letters_along_the_ladder(self):
        # The reminders sent here store real PDFs, as in production: a sealed
        # reminder prints the letter it stored (Odoo's test mode would have
        # stored its HTML stand-in).
        self.env = self.env(context=dict(self.env.context, force_report_rendering=True))
        invoice = self._invoice(self.customer, 1000.0)
        # Email levels attach their letter only when asked to.
        (self.levels[0] | self.levels[1]).attach_letter = True
        courteous = self._run(1)
        self.assertTrue(
            courteous.attachment_ids, "the courteous email carries the letter"
        )
        self.assertFalse(invoice.invoice_pdf_report_id)
        second = self._run(10)
        self.assertEqual(
            len(second.attachment_ids), 2, "letter and invoice copy attached"
        )
        stored = invoice.invoice_pdf_report_id
        self.assertTrue(
            stored, "the invoice PDF is stored on the invoice, as Odoo does"
        )
        copy = second.attachment_ids - second._letter_attachment()
        self.assertEqual(copy.raw, stored.raw, "the invoice's own PDF is attached")
        self._run(20)
        firm = self._run(30)
        firm.registered_number = "1A 000 111 2223 4"
        first = self._pdf_text(self.report_letter, courteous.ids)
        self.assertIn("Payment reminder", first)
        self.assertNotIn("Lettre recommandée", first)
        self.assertIn("Unless we are mistaken", first)
        self.assertNotIn("earlier reminders", first)
        rest = self._pdf_text(self.report_letter, firm.ids)
        self.assertIn("Formal reminder: unpaid invoices", rest)
        self.assertIn("Lettre recommandée avec accusé de réception", rest)
        self.assertIn("n° 1A 000 111 2223 4", rest)
        self.assertIn("Our earlier reminders", rest)
        self.assertNotRegex(rest, r"\d{2}/\d{2}/\d{4}", "no short date in a letter")
        for previous in (courteous, second):
            self.assertIn(previous.name, rest)
        self.assertIn("Courteous reminder", rest)
        self.assertIn("1,000.00", rest)
        self.assertIn("Days late", rest)
        self.assertIn("732 829 320 00012", rest, "creditor identity in the body")
        self.assertIn("FR76 3000 6000 0112 3456 7890 189", rest)

    def _french(self, partner):
        """``partner`` reads French, with the addon's French translations."""
        load_french(self.env)
        partner.lang = "fr_FR"

    def test_french_rendering(self):
        self._french(self.customer)
        self._invoice(self.customer, 15000.0)
        event = self._event_at(self.customer, self.levels[4])
        text = self._pdf_text(self.report_notice, event.ids)
        for expected in (
            "MISE EN DEMEURE",
            "Mise en demeure de payer",
            "Lettre recommandée avec accusé de réception",
            "Paris, 31 mars 2026",  # the letter's date, written out
            "Madame, Monsieur,",
            # One date style: the periods of interest written out too, with
            # the half-year in words.
            "3 mars 2026 31 mars 2026 29 1er semestre 2026",
            "15 000,00",
            "144,80",
            "12,15 %",
            "8 avril 2026",  # the deadline, written out
            # the standard closing text, in French
            "La présente lettre vaut mise en demeure (C. civ. art. 1344)",
            "requête en injonction de payer",
        ):
            self.assertIn(expected, text)
        self.assertNotRegex(text, r"\d{2}/\d{2}/\d{4}", "no short date in a letter")
        self.assertNotIn("2026-S1", text)
        for english in (
            "This letter constitutes",
            "Dear Sir",
            "Total claimed",
            "par 8 avril",
            "par 08/04/2026",
        ):
            self.assertNotIn(english, text)

    def test_french_deadline_sentence_and_legal_form(self):
        self._french(self.customer)
        self._invoice(self.customer, 15000.0)
        event = self._event_at(self.customer, self.levels[4])
        text = self._pdf_text(self.report_notice, event.ids)
        self.assertIn(
            "la somme de 15 184,80 € au plus tard le 8 avril 2026.",
            text,
        )
        self.assertIn("SAS au capital de 10 000,00 €", text)
        self.assertNotIn("no later than", text)

    def test_french_letter_deadline(self):
        self._french(self.customer)
        self._invoice(self.customer, 1000.0)
        event = self._event_at(self.customer, self.levels[3])
        text = self._pdf_text(self.report_letter, event.ids)
        self.assertEqual(event.deadline_date, date(2026, 4, 15))
        self.assertIn("au plus tard le 15 avril 2026.", text)
        self.assertIn("Relance formelle", text)
        self.assertNotIn("at the latest", text)

    def test_closing_text_follows_the_customer_language(self):
        english = "We shall apply for an injonction de payer without further notice."
        french = "Nous déposerons sans autre avis une requête en injonction de payer."
        self.assertFalse(
            self.company.relance_formal_notice_text,
            "no French default stored for every language",
        )
        self.company.relance_formal_notice_text = english
        self.env["res.lang"]._activate_lang("fr_FR")
        self.company.update_field_translations(
            "relance_formal_notice_text", {"fr_FR": french}
        )
        self._invoice(self.customer, 1000.0)
        event = self._event_at(self.customer, self.levels[4])
        text = self._pdf_text(self.report_notice, event.ids)
        self.assertIn(english, text)
        self.assertNotIn(french, text)
        self.assertNotIn("This letter constitutes", text)
        self.customer.lang = "fr_FR"
        text = self._pdf_text(self.report_notice, event.ids)
        self.assertIn(french, text)
        self.assertNotIn(english, text)

    def test_invoice_pdf_carries_the_late_payment_mentions(self):
        invoices_report = self.env.ref("account.account_invoices")
        invoice = self._invoice(self.customer, 15000.0)
        text = self._pdf_text(invoices_report, invoice.ids)
        self.assertIn("Payment due date: 03/02/2026", text)
        self.assertIn("12.15 %", text)
        self.assertIn("ECB rate + 10", text)
        self.assertIn("40.00", text)
        self.assertIn("D441-5", text)
        # No text of the company's: the standard wording, in English.
        self.assertIn("No discount for early payment.", text)
        self.assertNotIn("Pas d'escompte", text)

        consumer_invoice = self._invoice(self._consumer(), 2000.0)
        text = self._pdf_text(invoices_report, consumer_invoice.ids)
        self.assertIn("Payment due date: 03/02/2026", text)
        self.assertIn("legal rate", text)
        self.assertNotIn("40.00", text)
        self.assertNotIn("D441-5", text)
        self.assertIn("No discount for early payment", text)

    def test_documents_print_the_engines_rates(self):
        """Invoice mentions and letters print the engine's figures: the rate in
        force for each kind of terms, the segments of the computation."""
        Document = self.env["account.relance.document"]
        Penalty = self.env["account.relance.penalty"]
        rates = self.env["account.relance.rate"]._engine_rate_provider()
        half = engine.HalfYear(2026, 1)
        terms = [
            {"relance_rate_mode": "company"},
            {"relance_rate_mode": "fixed", "relance_contractual_rate_pct": 18.0},
            {"relance_rate_mode": "fixed", "relance_contractual_rate_pct": 2.0},
            {"relance_rate_mode": "3x_legal"},
            {"relance_debtor_type": "public"},
        ]
        invoice = self._invoice(self.customer, 1000.0)
        for values in terms:
            self.customer.write({"relance_debtor_type": "company", **values})
            options = Penalty._case_options(self.customer, self.company)
            case = engine.parse_case(
                {**options, "evaluation_date": "2026-03-31", "invoices": []}
            )
            expected = engine.rate_in_force(case, half, rates)
            mentions = Document._invoice_mentions(invoice)
            self.assertEqual(mentions["rate_pct"], expected.rate_pct, values)
            self.assertEqual(mentions["rate_kind"], expected.basis, values)
            html = self._html(self.env.ref("account.account_invoices"), invoice.ids)
            self.assertIn(Document._format_pct(expected.rate_pct, "en_US"), html)
        self.customer.write({"relance_debtor_type": "company", **terms[0]})
        for days in (1, 10, 20):
            self._run(days)
        letter = self._run(30)
        self.assertEqual(letter.level_id, self.levels[3])
        result = Penalty._compute_for_moves(invoice, letter.date)[invoice.id]
        self.assertEqual(letter.interest_total, float(result["interest"]))
        values = self.env[
            "report.account_relance_fr.report_relance_letter"
        ]._get_report_values(letter.ids)["relance"][letter.id]
        html = self._html(self.report_letter, letter.ids)
        self.assertIn(f"{float(result['interest']):,.2f}", html)
        self.assertEqual(values["legal_basis"], "C. com. art. L441-10, D441-5")

    def _html(self, report, ids):
        html, _kind = (
            self.env["ir.actions.report"]
            .with_context(lang="en_US")
            ._render_qweb_html(report, ids)
        )
        return html.decode()

    def test_customer_statement(self):
        self._invoice(self.customer, 1000.0)
        self._invoice(self.customer, 500.0, due=date(2026, 4, 30))
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.customer.id,
                "invoice_date": date(2026, 3, 10),
                "date": date(2026, 3, 10),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Avoir",
                            "quantity": 1,
                            "price_unit": 200.0,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        refund.action_post()
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.customer.id,
                "amount": 100.0,
                "date": date(2026, 3, 20),
            }
        )
        payment.action_post()
        report = self.env.ref("account_relance_fr.action_report_relance_statement")
        data = {"date": "2026-03-31"}
        values = self.env[
            "report.account_relance_fr.report_relance_statement"
        ]._get_report_values(self.customer.ids, data)
        statement = values["statement"][self.customer.id]
        kinds = sorted(row["kind"] for row in statement["rows"])
        self.assertEqual(kinds, ["credit_note", "invoice", "invoice", "payment"])
        self.assertEqual(
            statement["totals"],
            {"overdue": 1000.0, "not_due": 500.0, "credits": -300.0, "balance": 1200.0},
        )
        text = self._pdf_text(report, self.customer.ids, data=data)
        for expected in (
            "Statement of account",
            "Credit note",
            "Payment",
            "29",  # days late of the first invoice
            "1,000.00",
            "-300.00",
            "1,200.00",
            "Durand SARL",
            "732 829 320 00012",
            # One date style: the statement writes every date short.
            "Paris, 03/31/2026",
            "Open items at 03/31/2026",
            "03/02/2026",
        ):
            self.assertIn(expected, text)
        self.assertNotIn("March", text)
