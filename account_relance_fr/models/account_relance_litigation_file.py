# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The litigation file (*dossier contentieux*): one ZIP holding the list of
pieces, the prepared request, the invoices and credit notes, every reminder
sent with its proofs, the audit history, the claims spreadsheet and the
SHA-256 of every file."""

import io
import re
import unicodedata
import zipfile
from datetime import UTC
from email.message import EmailMessage
from email.utils import format_datetime

from odoo import api, models
from odoo.exceptions import UserError

from ..tools.seal_payload import sha256

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _slug(text, limit=40):
    """``text`` as a file name part: ASCII letters, digits and dashes."""
    ascii_text = (
        unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    )
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()[:limit] or "x"


class AccountRelanceLitigationFile(models.AbstractModel):
    _name = "account.relance.litigation.file"
    _description = "Litigation file (dossier contentieux)"

    @api.model
    def _build(self, event):
        """Build the litigation file of ``event`` (a litigation reminder, on
        its date) and attach it to its customer.

        :return: ``(attachment, claim)``, ``claim`` as
            ``res.partner._relance_litigation_claim`` gives it
        """
        partner = event.partner_id.with_company(event.company_id)
        day = event.date
        claim = partner._relance_litigation_claim(day)
        if claim.get("refusal"):
            raise UserError(claim["refusal"])
        values = self._claim_values(partner, claim, day)
        files = self._pieces(partner, claim, values)
        pieces = [
            {"number": index + 2, "name": name, "description": description}
            for index, (name, _raw, description) in enumerate(files)
        ]
        Report = self.env["ir.actions.report"]
        data = {"relance_litigation": {**values, "pieces": pieces}}
        request = Report._render_qweb_pdf(
            "account_relance_fr.action_report_relance_litigation_request",
            partner.ids,
            data=dict(data),
        )[0]
        listing = Report._render_qweb_pdf(
            "account_relance_fr.action_report_relance_litigation_bordereau",
            partner.ids,
            data=dict(data),
        )[0]
        content = [
            ("00-bordereau.pdf", listing),
            ("01-requete.pdf", request),
            *[(name, raw) for name, raw, _description in files],
        ]
        content.append(("SHA256SUMS", self._sha256sums(content)))
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": (
                        f"dossier-contentieux-{_slug(partner.name)}-{day.isoformat()}.zip"
                    ),
                    "raw": self._zip(content, day),
                    "res_model": "res.partner",
                    "res_id": partner.id,
                    "mimetype": "application/zip",
                    "description": self.env._(
                        "Litigation file prepared with reminder %(name)s.",
                        name=event.name,
                    ),
                }
            )
        )
        return attachment, claim

    @api.model
    def _sha256sums(self, content):
        """The ``sha256sum`` listing of ``content`` ([(name, bytes)])."""
        return "".join(f"{sha256(raw)}  {name}\n" for name, raw in content).encode()

    @api.model
    def _zip(self, content, day):
        stream = io.BytesIO()
        stamp = (day.year, day.month, day.day, 0, 0, 0)
        with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, raw in content:
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, raw)
        return stream.getvalue()

    # ---------------------------------------------------------------- pieces

    @api.model
    def _pieces(self, partner, claim, values):
        """``[(file name, bytes, description)]`` of the pieces after the
        request, numbered from 02 in this order: invoices, credit notes,
        reminders (letter, email, proofs), audit history, claims spreadsheet."""
        files = []

        def add(label, raw, description, extension="pdf"):
            number = len(files) + 2
            files.append((f"{number:02d}-{label}.{extension}", raw, description))

        invoices = claim["invoices"]
        credit_notes = self._credit_notes(invoices, claim["credits"])
        pdfs = self._invoice_pdfs(invoices | credit_notes)
        for move in invoices:
            add(
                f"facture-{_slug(move.name)}",
                pdfs[move.id],
                self.env._("Invoice %(name)s", name=move.name),
            )
        for move in credit_notes:
            add(
                f"avoir-{_slug(move.name)}",
                pdfs[move.id],
                self.env._("Credit note %(name)s", name=move.name),
            )
        for event in self._sent_reminders(partner):
            label = f"relance-{_slug(event.name)}"
            letter = event._letter_attachment() and event._relance_sealed_letter()
            if letter:
                add(
                    f"{label}-lettre",
                    letter.raw,
                    self._letter_description(event),
                )
            if event.channel_email and event.mail_message_id:
                add(
                    f"{label}-email",
                    self._eml(event),
                    self.env._(
                        "Email of reminder %(name)s as sent on %(date)s, Message-ID %(ref)s",
                        name=event.name,
                        date=self._long_datetime(event.email_sent_date),
                        ref=event.email_message_ref or "-",
                    ),
                    extension="eml",
                )
            for proof in event.sudo().proof_attachment_ids.sorted("id"):
                stem, dot, extension = (proof.name or "").rpartition(".")
                add(
                    f"{label}-preuve-{_slug(stem if dot else proof.name)}",
                    proof.raw or b"",
                    self.env._(
                        "Proof attached to reminder %(name)s: %(file)s",
                        name=event.name,
                        file=proof.name,
                    ),
                    extension=_slug(extension, 8) if dot else "bin",
                )
        history = self.env["ir.actions.report"]._render_qweb_pdf(
            "account_relance_fr.action_report_relance_audit_partner", partner.ids
        )[0]
        add(
            "historique-relances",
            history,
            self.env._(
                "Reminder history of the customer with the integrity check of the sealed chain"
            ),
        )
        files.append(
            (
                "creances.xlsx",
                self._claims_workbook(values),
                self.env._(
                    "Claims spreadsheet: one row per invoice, credit notes and payments netted"
                ),
            )
        )
        return files

    @api.model
    def _letter_description(self, event):
        if event.level_id.is_formal_notice:
            return self.env._(
                "Mise en demeure %(name)s of %(date)s, registered letter %(number)s",
                name=event.name,
                date=self._long_date(event.date),
                number=event.registered_number or "-",
            )
        if event.channel_registered:
            return self.env._(
                "Letter of reminder %(name)s of %(date)s (%(level)s), registered letter %(number)s",
                name=event.name,
                date=self._long_date(event.date),
                level=event.level_id.name,
                number=event.registered_number or "-",
            )
        return self.env._(
            "Letter of reminder %(name)s of %(date)s (%(level)s)",
            name=event.name,
            date=self._long_date(event.date),
            level=event.level_id.name,
        )

    @api.model
    def _sent_reminders(self, partner):
        return (
            self.env["account.relance.event"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", partner.id),
                    ("company_id", "=", self.env.company.id),
                    ("state", "=", "sent"),
                    ("level_id.is_litigation", "=", False),
                ],
                order="date, id",
            )
        )

    @api.model
    def _credit_notes(self, invoices, credits):
        """Credit notes netted: those reconciled with the claimed invoices and
        the open ones of the customer."""
        reconciled = invoices.line_ids.matched_credit_ids.credit_move_id.move_id
        moves = (reconciled | credits.move_id).filtered(
            lambda move: move.move_type == "out_refund"
        )
        return moves.sorted(lambda move: (move.invoice_date or move.date, move.id))

    @api.model
    def _invoice_pdfs(self, moves):
        """``{move id: PDF}``: the PDF Odoo stored when the invoice was sent,
        else the invoice as Odoo prints it."""
        pdfs, missing = {}, self.env["account.move"]
        for move in moves:
            stored = move.sudo().invoice_pdf_report_id
            if stored and stored.raw:
                pdfs[move.id] = stored.raw
            else:
                missing |= move
        if missing:
            pdfs.update(
                self.env["ir.actions.report"]._relance_render_batch(
                    self.env.ref("account.account_invoices"),
                    missing,
                    marker=lambda move: move.name,
                )
            )
        return pdfs

    @api.model
    def _eml(self, event):
        """The email of ``event`` as it left (RFC 5322): its message's
        subject, sender, body and attachments, the recipient, the date the
        mail server accepted it and its Message-ID."""
        message = event.sudo().mail_message_id
        email = EmailMessage()
        email["Subject"] = message.subject or ""
        email["From"] = message.email_from or ""
        email["To"] = event.contact_id.email_formatted or ""
        if event.email_sent_date:
            email["Date"] = format_datetime(event.email_sent_date.replace(tzinfo=UTC))
        if event.email_message_ref:
            email["Message-ID"] = event.email_message_ref
        email["X-Relance-Reminder"] = event.name
        email.set_content(message.body or "", subtype="html")
        for attachment in message.attachment_ids.sorted("id"):
            maintype, _sep, subtype = (
                attachment.mimetype or "application/octet-stream"
            ).partition("/")
            email.add_attachment(
                attachment.raw or b"",
                maintype=maintype,
                subtype=subtype or "octet-stream",
                filename=attachment.name,
            )
        return email.as_bytes()
