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
from odoo.tools import format_date
from odoo.tools import format_datetime as odoo_format_datetime

from ..report.account_relance_history_xlsx import _cell
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
                        date=odoo_format_datetime(self.env, event.email_sent_date)
                        if event.email_sent_date
                        else "-",
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
                date=format_date(self.env, event.date),
                number=event.registered_number or "-",
            )
        if event.channel_registered:
            return self.env._(
                "Letter of reminder %(name)s of %(date)s (%(level)s), registered letter %(number)s",
                name=event.name,
                date=format_date(self.env, event.date),
                level=event.level_id.name,
                number=event.registered_number or "-",
            )
        return self.env._(
            "Letter of reminder %(name)s of %(date)s (%(level)s)",
            name=event.name,
            date=format_date(self.env, event.date),
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

    # ------------------------------------------------------------ the claim

    @api.model
    def _claim_values(self, partner, claim, day):
        """What the request and the spreadsheet print: both parties, the
        court, every invoice with the engine's interest to ``day`` per period
        and rate, the indemnities, the credits netted and the total."""
        company = self.env.company
        Document = self.env["account.relance.document"]
        invoices = claim["invoices"]
        penalties = self.env["account.relance.penalty"]._compute_for_moves(
            invoices, day
        )
        writer = self.env["report.account_relance_fr.report_relance_letter"]
        currency = company.currency_id
        rows = []
        for move in invoices:
            result = penalties[move.id]
            principal = move.amount_residual_signed
            rows.append(
                {
                    "move": move,
                    "invoice_date": move.invoice_date,
                    "due_date": move.invoice_date_due,
                    "days_late": max((day - move.invoice_date_due).days, 0)
                    if move.invoice_date_due
                    else 0,
                    "amount_total": move.amount_total_signed,
                    "settled": currency.round(move.amount_total_signed - principal),
                    "principal": principal,
                    "interest": float(result["interest"]),
                    "indemnity": float(result["indemnity"]),
                    "segments": [
                        writer._segment(seg, self.env.lang)
                        for seg in result["segments"]
                    ],
                    "payments": self._settlements(move),
                    "reminders": self.env["account.relance.event"]
                    .sudo()
                    .search(
                        [
                            ("line_ids.move_id", "=", move.id),
                            ("state", "=", "sent"),
                        ],
                        order="date, id",
                    ),
                }
            )
        interest = currency.round(sum(row["interest"] for row in rows))
        indemnity = currency.round(sum(row["indemnity"] for row in rows))
        net = claim["net_total"]
        total = currency.round(net + interest + indemnity)
        debtor_type = Document._debtor_type(partner)
        creditor = Document._identity(company.partner_id, company)
        debtor = Document._identity(partner)
        if debtor_type == "public":
            court = "public"
        elif debtor_type == "company" and partner.is_company:
            court = "commerce"
        else:
            court = "judiciaire"
        return {
            "day": day,
            "company": company,
            "partner": partner,
            "currency": currency,
            "creditor": creditor,
            "debtor": debtor,
            "debtor_type": debtor_type,
            "court": court,
            "rows": rows,
            "credits": [
                {
                    "date": line.date,
                    "name": line.move_id.name,
                    "label": line.name or line.move_id.ref or "",
                    "kind": "credit_note"
                    if line.move_id.move_type == "out_refund"
                    else "payment",
                    "amount": -line.amount_residual,
                }
                for line in claim["credits"]
            ],
            "notices": claim["notices"],
            "open_total": claim["open_total"],
            "credit_total": claim["credit_total"],
            "net_total": net,
            "interest_total": interest,
            "indemnity_total": indemnity,
            "total": total,
            # Small claims (CPCE L125-1, R125-1): principal and interest.
            "small_claim": currency.compare_amounts(net + interest, 5000) <= 0,
            "signatory": self.env.user,
        }

    @api.model
    def _settlements(self, move):
        """``[(date, reference, amount, is credit note)]`` matched with the
        receivable lines of ``move`` (payments and credit notes netted)."""
        settlements = []
        for partial in move.line_ids.matched_credit_ids.sorted("id"):
            counterpart = partial.credit_move_id
            settlements.append(
                (
                    counterpart.date,
                    counterpart.move_id.name,
                    partial.amount,
                    counterpart.move_id.move_type == "out_refund",
                )
            )
        return settlements

    @api.model
    def _claims_workbook(self, values):
        """``creances.xlsx``: one row per invoice claimed (number, dates,
        amounts, interest, indemnity, reminders), then the credits netted."""
        from openpyxl import Workbook
        from openpyxl.styles import Font

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = self.env._("Claims")
        sheet.append(
            [
                self.env._("Invoice"),
                self.env._("Invoice date"),
                self.env._("Due date"),
                self.env._("Days late"),
                self.env._("Amount incl. VAT"),
                self.env._("Paid or credited"),
                self.env._("Principal due"),
                self.env._("Interest"),
                self.env._("Indemnity"),
                self.env._("Total"),
                self.env._("Reminders"),
            ]
        )
        for row in values["rows"]:
            reminders = ", ".join(
                f"{event.name} ({event.date.isoformat()}, {event.level_id.name})"
                for event in row["reminders"]
            )
            cells = [
                row["move"].name,
                row["invoice_date"] or None,
                row["due_date"] or None,
                row["days_late"],
                row["amount_total"],
                row["settled"],
                row["principal"],
                row["interest"],
                row["indemnity"],
                values["currency"].round(
                    row["principal"] + row["interest"] + row["indemnity"]
                ),
                reminders,
            ]
            sheet.append([_cell(value) for value in cells])
        sheet.append([])
        for label, amount in (
            (self.env._("Invoices due"), values["open_total"]),
            (self.env._("Credit notes and payments netted"), -values["credit_total"]),
            (self.env._("Principal claimed"), values["net_total"]),
            (self.env._("Late interest"), values["interest_total"]),
            (self.env._("Recovery indemnities"), values["indemnity_total"]),
            (self.env._("Total claimed"), values["total"]),
        ):
            sheet.append([_cell(label), None, None, None, None, None, amount])
        credits = workbook.create_sheet(self.env._("Credits"))
        credits.append(
            [
                self.env._("Date"),
                self.env._("Entry"),
                self.env._("Label"),
                self.env._("Kind"),
                self.env._("Amount"),
            ]
        )
        kinds = {
            "credit_note": self.env._("Credit note"),
            "payment": self.env._("Payment"),
        }
        for credit in values["credits"]:
            credits.append(
                [
                    _cell(value)
                    for value in (
                        credit["date"],
                        credit["name"],
                        credit["label"],
                        kinds[credit["kind"]],
                        credit["amount"],
                    )
                ]
            )
        for current in (sheet, credits):
            for cell in current[1]:
                cell.font = Font(bold=True)
            current.freeze_panes = "A2"
            for column in current.columns:
                width = max(len(str(cell.value or "")) for cell in column[:50])
                current.column_dimensions[column[0].column_letter].width = min(
                    max(width + 2, 10), 70
                )
        stream = io.BytesIO()
        workbook.save(stream)
        return stream.getvalue()
