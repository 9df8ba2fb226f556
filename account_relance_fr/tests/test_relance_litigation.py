# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The litigation file: refusals, the contents of the ZIP (PDF text read with
pdftotext, hashes, the paid invoice absent), its entry in the sealed chain,
the litigation level producing it, French and English documents."""

import base64
import email
import io
import shutil
import subprocess
import zipfile
from datetime import timedelta
from unittest import skipIf

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..tools.seal_payload import load_payload, sha256
from .common import RelanceCommon, load_french

REGISTERED = "1A 000 000 0045 9"


@tagged("post_install", "-at_install")
@skipIf(not shutil.which("pdftotext"), "pdftotext (poppler-utils) reads the PDF text")
class TestRelanceLitigation(RelanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "company_registry": "732 829 320 00012",
                "vat": "FR44732829320",
                "relance_legal_form": "SAS",
                "relance_share_capital": 10000.0,
                "relance_trade_register": "RCS Paris",
            }
        )
        cls.customer.write(
            {"company_registry": "443 061 841 00034", "vat": "FR64443061841"}
        )
        cls.Event = cls.env["account.relance.event"]

    def setUp(self):
        super().setUp()
        self._print_with_closed_style_server()
        self.env = self.env(context=dict(self.env.context, force_report_rendering=True))
        self.customer = self.customer.with_env(self.env)

    # ------------------------------------------------------------ helpers

    def _day(self, days):
        return self.DUE + timedelta(days=days)

    def _to_sent_formal_notice(self, partner=None):
        """The shipped ladder up to a sent mise en demeure (D+45, deadline 8
        days: D+53), posted by registered letter and emailed."""
        partner = partner or self.customer
        for days in (1, 10, 20):
            self._run(days, partner)
        letter = self._run(30, partner)
        self._send(letter, 30)
        letter.registered_number = "1A 000 000 0030 1"
        self._send(letter, 30)
        notice = self._run(45, partner)
        self.assertTrue(notice.level_id.is_formal_notice)
        self._send(notice, 45)
        notice.registered_number = REGISTERED
        self._send(notice, 45)
        self._deliver(self._day(45))
        self.assertEqual(notice.state, "sent")
        return notice

    def _prepare_file(self, partner, days):
        partner = partner.with_context(force_report_rendering=True)
        with freeze_time(self._day(days)):
            action = partner.action_relance_litigation_file()
        attachment_id = int(action["url"].split("/web/content/")[1].split("?")[0])
        return self.env["ir.attachment"].browse(attachment_id)

    def _zip(self, attachment):
        archive = zipfile.ZipFile(io.BytesIO(attachment.raw))
        return {name: archive.read(name) for name in archive.namelist()}

    def _pdf_text(self, content):
        return subprocess.run(
            ["pdftotext", "-layout", "-", "-"],
            input=content,
            capture_output=True,
            check=True,
        ).stdout.decode()

    def _flat(self, text):
        return " ".join(text.split())

    # ----------------------------------------------------------- refusals

    def test_refusals(self):
        invoice = self._invoice(self.customer, 1200.0)
        with self.assertRaisesRegex(UserError, "No mise en demeure was sent"):
            self._prepare_file(self.customer, 40)
        notice = self._to_sent_formal_notice()
        self.assertEqual(notice.deadline_date, self._day(53))
        with self.assertRaisesRegex(UserError, "has not passed yet"):
            self._prepare_file(self.customer, 53)
        invoice.write(
            {"relance_exclusion": "dispute", "relance_dispute_reason": "Not delivered"}
        )
        with self.assertRaisesRegex(UserError, "Every invoice the mise en demeure"):
            self._prepare_file(self.customer, 54)
        invoice.write({"relance_exclusion": False})
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.customer.id,
                "invoice_date": self._day(50),
                "date": self._day(50),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Goodwill",
                            "quantity": 1,
                            "price_unit": 1500.0,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        refund.action_post()
        with self.assertRaisesRegex(UserError, "Nothing is left due"):
            self._prepare_file(self.customer, 54)
        refund.button_draft()
        refund.button_cancel()
        self._pay(invoice, when=self._day(50))
        with self.assertRaisesRegex(UserError, "Every invoice the mise en demeure"):
            self._prepare_file(self.customer, 54)
        self.assertFalse(
            self.env["ir.attachment"].search(
                [("res_model", "=", "res.partner"), ("res_id", "=", self.customer.id)]
            ),
            "a refusal leaves no file",
        )
        self.assertFalse(self.customer.relance_litigation_date)

    # ------------------------------------------------------ the ZIP itself

    def test_zip_contents_hashes_and_chain_entry(self):
        claimed = self._invoice(self.customer, 3000.0)
        paid = self._invoice(self.customer, 500.0)
        notice = self._to_sent_formal_notice()
        self.assertEqual(notice.line_ids.move_id, claimed | paid)
        # After the mise en demeure: one invoice paid, the other partly.
        self._pay(paid, when=self._day(47))
        self._pay(claimed, amount=1000.0, when=self._day(48))
        # The signed acknowledgement of receipt, attached to the sent reminder.
        proof = self.env["ir.attachment"].create(
            {
                "name": "AR signé.pdf",
                "raw": b"%PDF-1.4 scanned acknowledgement of receipt",
                "res_model": notice._name,
                "res_id": notice.id,
            }
        )
        notice.write({"proof_attachment_ids": [Command.link(proof.id)]})
        self.assertEqual(notice.proof_attachment_ids, proof)
        with self.assertRaises(UserError):
            notice.write({"registered_number": "forged"})

        attachment = self._prepare_file(self.customer, 60)
        self.assertEqual(
            attachment.name,
            f"dossier-contentieux-durand-sarl-{self._day(60).isoformat()}.zip",
        )
        self.assertEqual(
            (attachment.res_model, attachment.res_id), ("res.partner", self.customer.id)
        )
        files = self._zip(attachment)
        names = list(files)
        self.assertEqual(names[:2], ["00-bordereau.pdf", "01-requete.pdf"])
        self.assertEqual(names[-2:], ["creances.xlsx", "SHA256SUMS"])
        # Every hash in SHA256SUMS matches, in the sha256sum format.
        sums = files["SHA256SUMS"].decode().splitlines()
        self.assertEqual(len(sums), len(files) - 1)
        for line in sums:
            digest, name = line.split("  ", 1)
            self.assertEqual(sha256(files[name]), digest, name)
        # Invoices: the claimed one only (the paid one is absent).
        claimed_slug = claimed.name.replace("/", "-").lower()
        paid_slug = paid.name.replace("/", "-").lower()
        self.assertTrue(any(f"facture-{claimed_slug}" in name for name in names))
        self.assertFalse(any(f"facture-{paid_slug}" in name for name in names))
        # Every reminder sent: letters and emails, the mise en demeure with
        # its number, the proof.
        sent = self.Event.search(
            [("partner_id", "=", self.customer.id), ("state", "=", "sent")]
        )
        for event in sent.filtered(lambda e: e.level_id.report_id):
            stem = f"relance-{event.name.replace('/', '-').lower()}"
            self.assertTrue(
                any(
                    name.startswith(tuple("0123456789")) and stem in name
                    for name in names
                ),
                event.name,
            )
        letter_name = next(
            n
            for n in names
            if notice.name.replace("/", "-").lower() in n and n.endswith("-lettre.pdf")
        )
        self.assertEqual(files[letter_name], notice._letter_attachment().raw)
        eml_name = next(
            n
            for n in names
            if notice.name.replace("/", "-").lower() in n and n.endswith(".eml")
        )
        message = email.message_from_bytes(files[eml_name])
        self.assertEqual(message["Message-ID"], notice.email_message_ref)
        self.assertIn("MISE EN DEMEURE", message["Subject"])
        self.assertTrue(message["Date"])
        proof_name = next(n for n in names if "-preuve-" in n)
        self.assertEqual(files[proof_name], proof.raw)
        self.assertTrue(proof_name.endswith(".pdf"))
        self.assertTrue(any("historique-relances" in name for name in names))

        request = self._flat(self._pdf_text(files["01-requete.pdf"]))
        self.assertIn("Cerfa no. 12946", request)
        self.assertIn("tribunal de commerce", request)
        self.assertIn("Durand SARL", request)
        self.assertIn("443 061 841", request)
        self.assertIn("RCS Paris", request)
        self.assertIn(claimed.name, request)
        self.assertNotIn(paid.name, request)
        self.assertIn("Prepared draft, not an official form", request)
        self.assertIn(REGISTERED, request)
        self.assertIn("C. com. art. L441-10", request)
        self.assertIn("small claims", request.lower())
        penalties = self.env["account.relance.penalty"]._compute_for_moves(
            claimed, self._day(60)
        )[claimed.id]
        interest = penalties["interest"]
        self.assertGreater(interest, 0)
        self.assertIn(f"{interest:,.2f}", request)
        self.assertIn("40.00", request)
        total = 2000 + interest + 40
        self.assertIn(f"{total:,.2f}", request)
        self.assertIn("Interest from March 3, 2026 to", request)
        self.assertRegex(request, r"\(\d+ days, first half of 2026\): ")
        # One date style in the request and the list of pieces: written out.
        self.assertNotRegex(request, r"\d{1,2}/\d{1,2}/\d{4}")
        self.assertNotIn("2026-S1", request)
        listing = self._flat(self._pdf_text(files["00-bordereau.pdf"]))
        self.assertIn("List of pieces", listing)
        self.assertNotRegex(listing, r"\d{1,2}/\d{1,2}/\d{4}")
        compact = listing.replace(" ", "")
        for name in names[1:-1]:
            self.assertIn(name.replace(" ", ""), compact)
        history = self._flat(
            self._pdf_text(files[next(n for n in names if "historique" in n)])
        )
        self.assertIn(notice.name, history)

        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(files["creances.xlsx"]))
        self.assertEqual(workbook.sheetnames, ["Claims", "Interest", "Credits"])
        rows = list(workbook.worksheets[0].iter_rows(values_only=True))
        self.assertEqual(rows[1][0], claimed.name)
        self.assertEqual(rows[1][6], 2000.0)
        self.assertAlmostEqual(rows[1][7], float(interest), places=2)
        self.assertEqual(rows[1][8], 40.0)
        self.assertIn(notice.name, rows[1][10])
        self.assertIn(f"{notice.name} (04/16/2026, Mise en demeure)", rows[1][10])
        self.assertNotIn(paid.name, [row[0] for row in rows])
        # Typed cells: dates, amounts with the currency, rates in percent.
        claim = workbook["Claims"][2]
        self.assertEqual(claim[1].value.date(), claimed.invoice_date)
        self.assertEqual(claim[1].number_format, "mm/dd/yyyy")
        self.assertEqual(claim[2].number_format, "mm/dd/yyyy")
        self.assertEqual(claim[3].data_type, "n")
        self.assertEqual(claim[6].data_type, "n")
        money = '"$"#,##0.00'
        self.assertEqual({cell.number_format for cell in claim[4:10]}, {money})
        total = next(
            row
            for row in workbook["Claims"].iter_rows()
            if row[0].value == "Total claimed"
        )
        self.assertEqual(total[6].number_format, money)
        periods = list(workbook["Interest"].iter_rows(min_row=2))
        self.assertEqual(
            len(periods), 2, "a payment splits the interest in two periods"
        )
        first = periods[0]
        self.assertEqual(first[1].value.date(), self._day(1))
        self.assertEqual(first[1].number_format, "mm/dd/yyyy")
        self.assertEqual(first[4].value, "first half of 2026")
        self.assertEqual(first[5].value, 3000.0)
        self.assertEqual(first[5].number_format, money)
        self.assertAlmostEqual(first[6].value, 0.1215)
        self.assertEqual(first[6].number_format, "0.00%")
        self.assertEqual(first[7].number_format, money)
        self.assertAlmostEqual(
            sum(period[7].value for period in periods), float(interest), places=2
        )

        # The chain entry: the litigation reminder is sealed with the file's
        # SHA-256; the integrity check verifies it.
        litigation = self.Event.search(
            [
                ("partner_id", "=", self.customer.id),
                ("level_id.is_litigation", "=", True),
            ]
        )
        self.assertEqual(litigation.state, "sent")
        self.assertEqual(litigation.litigation_attachment_id, attachment)
        entry = load_payload(litigation.seal_payload)["content"]["litigation_file"]
        self.assertEqual(entry["sha256"], sha256(attachment.raw))
        self.assertEqual(litigation.litigation_sha256, sha256(attachment.raw))
        self.assertFalse(self.company._relance_check_integrity())
        # Marked in litigation: no more reminders for those invoices.
        self.assertEqual(claimed.relance_exclusion, "litigation")
        self.assertEqual(self.customer.relance_litigation_date, self._day(60))
        self.assertFalse(self._run(75, self.customer))
        self.assertIn(
            "Take over the litigation file", litigation.activity_ids.summary or ""
        )
        # The file cannot be removed, and a changed file is reported.
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.env.cr.savepoint(),
        ):
            attachment.unlink()
        attachment.sudo().write({"datas": base64.b64encode(b"forged zip")})
        findings = self.company._relance_check_integrity()
        self.assertEqual([f["event_id"] for f in findings], litigation.ids)
        self.assertIn("litigation_file", findings[0]["message"])

    # ------------------------------------------------ the litigation level

    def test_litigation_level_produces_the_file(self):
        invoice = self._invoice(self.customer, 800.0)
        self._to_sent_formal_notice()
        litigation = self._run(60)
        self.assertTrue(litigation.level_id.is_litigation)
        self.assertEqual(litigation.state, "to_review")
        with freeze_time(self._day(61)):
            litigation.action_send()
        self.assertEqual(litigation.state, "sent")
        attachment = litigation.litigation_attachment_id
        self.assertTrue(attachment.name.startswith("dossier-contentieux-durand-sarl-"))
        self.assertEqual(attachment.res_id, self.customer.id)
        self.assertIn("01-requete.pdf", self._zip(attachment))
        self.assertFalse(litigation.mail_message_id, "it writes to nobody")
        self.assertEqual(invoice.relance_exclusion, "litigation")
        self.assertIn(
            "Take over the litigation file", litigation.activity_ids.summary or ""
        )
        self.assertFalse(self.company._relance_check_integrity())
        # A billing user without a Reminders group reads the customer, not
        # its litigation file, and cannot prepare one.
        billing = new_test_user(
            self.env,
            "lit_billing",
            groups="base.group_user,account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        self.customer.with_user(billing).read(["name"])
        with self.assertRaises(AccessError):
            attachment.with_user(billing).read(["datas"])
        self.assertFalse(
            self.env["ir.attachment"]
            .with_user(billing)
            .search(
                [("res_model", "=", "res.partner"), ("res_id", "=", self.customer.id)]
            )
        )
        self.assertEqual(
            self.env["ir.attachment"].search(
                [("res_model", "=", "res.partner"), ("res_id", "=", self.customer.id)]
            ),
            attachment,
        )
        with self.assertRaises(AccessError):
            self.customer.with_user(billing).action_relance_litigation_file()

    def test_litigation_level_refuses_before_the_deadline(self):
        """A litigation reminder whose mise en demeure deadline has not passed
        is refused at *Send* with the reason, and stays to review."""
        self._invoice(self.customer, 800.0)
        self._to_sent_formal_notice()
        litigation = self._run(60)
        self.env.cr.execute(
            "UPDATE account_relance_event SET deadline_date = %s "
            "WHERE partner_id = %s AND level_id IN %s",
            [
                self._day(70),
                self.customer.id,
                tuple(self.levels.filtered("is_formal_notice").ids),
            ],
        )
        self.env.invalidate_all()
        with (
            freeze_time(self._day(60)),
            self.assertRaisesRegex(UserError, "has not passed yet"),
        ):
            self._send(litigation, 60)
        self.assertEqual(litigation.state, "to_review")

    # ------------------------------------------------ French and English

    def test_french_documents_for_a_consumer(self):
        """In French, for a consumer debtor: Cerfa 12948, tribunal judiciaire,
        no indemnity; the spreadsheet's headers in French."""
        load_french(self.env)
        consumer = self._make_customer("Claire Petit", "claire@example.fr")
        consumer.write({"is_company": False, "relance_debtor_type": "consumer"})
        self._invoice(consumer, 900.0)
        self._to_sent_formal_notice(consumer)
        self.env.user.lang = "fr_FR"
        french = consumer.with_context(lang="fr_FR")
        attachment = self._prepare_file(french, 60)
        files = self._zip(attachment)
        request = self._flat(self._pdf_text(files["01-requete.pdf"]))
        self.assertIn("Cerfa n° 12948", request)
        self.assertIn("tribunal judiciaire", request)
        # The periods of interest in French words and typography.
        self.assertRegex(
            request,
            r"Intérêts du \d+ avril 2026 au 1 mai 2026 \(\d+ jours, 1er semestre 2026\) : ",
        )
        self.assertNotRegex(request, r"\d{1,2}/\d{1,2}/\d{4}")
        self.assertRegex(
            request,
            r"du 16 avril 2026 \(lettre recommandée n° [^)]+\), échéance le 24 avril 2026",
        )
        self.assertIn("Requête en injonction de payer", request)
        self.assertIn("Projet préparé, pas un formulaire officiel", request)
        self.assertIn("Total réclamé", request)
        self.assertNotIn("Total claimed", request)
        self.assertNotIn("Cerfa n° 12946", request)
        self.assertIn("C. civ. art. 1231-6", request)
        listing = self._flat(self._pdf_text(files["00-bordereau.pdf"]))
        self.assertIn("Bordereau des pièces", listing)
        self.assertIn("Facture", listing)

        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(files["creances.xlsx"]))
        self.assertEqual(workbook.worksheets[0].title, "Créances")
        headers = next(workbook.worksheets[0].iter_rows(values_only=True))
        self.assertIn("Facture", headers)
        self.assertEqual(headers[8], "Indemnité")

    def test_button_replaces_a_stale_litigation_reminder(self):
        """The run prepared the litigation reminder, then a payment came: the
        button cancels it and seals an up-to-date one (the file claims what is
        still due)."""
        invoice = self._invoice(self.customer, 800.0)
        self._to_sent_formal_notice()
        stale = self._run(60)
        self._pay(invoice, amount=300.0, when=self._day(61))
        attachment = self._prepare_file(self.customer, 62)
        self.assertEqual(stale.state, "cancelled")
        self.assertIn("amounts changed", stale.cancel_reason)
        fresh = self.Event.search(
            [("litigation_attachment_id", "=", attachment.id), ("state", "=", "sent")]
        )
        self.assertEqual(fresh.amount_due, 500.0)
        self.assertEqual(fresh.date, self._day(62))
        self.assertFalse(self.company._relance_check_integrity())
