# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import base64
import io

from odoo import api, fields, models
from odoo.exceptions import UserError

from .xlsx_cells import (
    DATE,
    DATETIME,
    INTEGER,
    MONEY,
    TEXT,
    CellFormats,
)

# The kind of each column of each sheet (see ``_headers``).
KINDS = {
    "events": [
        TEXT,  # subject
        TEXT,  # company
        TEXT,  # reminder
        DATE,
        TEXT,  # level
        TEXT,  # channels
        TEXT,  # customer
        TEXT,  # sent to
        TEXT,  # user
        TEXT,  # state
        DATE,  # payment deadline
        TEXT,  # registered number
        MONEY,  # overdue
        MONEY,  # interest
        MONEY,  # indemnities
        MONEY,  # total claimed
        TEXT,  # currency
        INTEGER,  # seal number
        TEXT,  # seal
        TEXT,  # previous seal
        DATETIME,  # sealed on
        TEXT,  # cancel reason
        DATETIME,  # cancelled on
        INTEGER,  # cancel seal number
        TEXT,  # cancel seal
        TEXT,  # finding
        TEXT,  # evidence
    ],
    "lines": [TEXT, DATE, TEXT, DATE, DATE, INTEGER, MONEY, MONEY, MONEY, MONEY, MONEY],
    "documents": [TEXT, TEXT, TEXT, INTEGER],
    "integrity": [TEXT, DATETIME, INTEGER, TEXT, TEXT, INTEGER, TEXT, TEXT],
}


class AccountRelanceHistoryXlsx(models.AbstractModel):
    """The reminder history as a spreadsheet: one sheet of reminders, one of
    their invoices, one of the documents' fingerprints, one of the integrity
    check of each company's chain."""

    _name = "account.relance.history.xlsx"
    _description = "Reminder history export (xlsx)"

    @api.model
    def _export_action(self, docs):
        """Build the spreadsheet of ``docs`` (customers, invoices, reminders)
        and download it."""
        if not docs:
            raise UserError(self.env._("Nothing to export."))
        sections = self.env["account.relance.event"]._history_sections(docs)
        content = self._workbook(sections)
        stamp = fields.Datetime.context_timestamp(self, fields.Datetime.now())
        subject = sections[0]["title"] if len(docs) == 1 else docs._description
        name = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in subject)
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"relances_audit_{name[:40]}_{stamp:%Y%m%d_%H%M%S}.xlsx",
                "datas": base64.b64encode(content),
                "mimetype": (
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                ),
                "description": "Reminder audit export",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "download",
        }

    @api.model
    def _headers(self):
        return {
            "events": [
                self.env._("Subject"),
                self.env._("Company"),
                self.env._("Reminder"),
                self.env._("Date"),
                self.env._("Level"),
                self.env._("Channels"),
                self.env._("Customer"),
                self.env._("Sent to"),
                self.env._("User"),
                self.env._("State"),
                self.env._("Payment deadline"),
                self.env._("Registered number"),
                self.env._("Overdue"),
                self.env._("Interest"),
                self.env._("Indemnities"),
                self.env._("Total claimed"),
                self.env._("Currency"),
                self.env._("Seal number"),
                self.env._("Seal SHA-256"),
                self.env._("Previous seal"),
                self.env._("Sealed on"),
                self.env._("Cancel reason"),
                self.env._("Cancelled on"),
                self.env._("Cancel seal number"),
                self.env._("Cancel seal SHA-256"),
                self.env._("Finding"),
                self.env._("Evidence"),
            ],
            "lines": [
                self.env._("Reminder"),
                self.env._("Date"),
                self.env._("Invoice"),
                self.env._("Invoice date"),
                self.env._("Due date"),
                self.env._("Days late"),
                self.env._("Amount incl. VAT"),
                self.env._("Paid"),
                self.env._("Remaining"),
                self.env._("Interest"),
                self.env._("Indemnity"),
            ],
            "documents": [
                self.env._("Reminder"),
                self.env._("Document"),
                self.env._("SHA-256"),
                self.env._("Bytes"),
            ],
            "integrity": [
                self.env._("Company"),
                self.env._("Checked on"),
                self.env._("Entries"),
                self.env._("Head"),
                self.env._("Code"),
                self.env._("Number"),
                self.env._("Reminder"),
                self.env._("Message"),
            ],
        }

    @api.model
    def _workbook(self, sections):
        """The .xlsx bytes of the history ``sections`` (see
        ``account.relance.event._history_sections``)."""
        from openpyxl import Workbook
        from openpyxl.styles import Font

        workbook = Workbook()
        sheets = {
            "events": workbook.active,
            "lines": workbook.create_sheet(),
            "documents": workbook.create_sheet(),
            "integrity": workbook.create_sheet(),
        }
        titles = {
            "events": self.env._("Reminders"),
            "lines": self.env._("Invoices"),
            "documents": self.env._("Documents"),
            "integrity": self.env._("Integrity"),
        }
        headers = self._headers()
        formats = CellFormats(self.env)
        for key, sheet in sheets.items():
            sheet.title = titles[key]
            sheet.append(headers[key])
            for cell in sheet[1]:
                cell.font = Font(bold=True)
            sheet.freeze_panes = "A2"
        rows = self._rows(sections)
        for key, sheet in sheets.items():
            for row, currency in rows[key]:
                formats.append(sheet, row, KINDS[key], currency)
            formats.fit_columns(sheet, KINDS[key])
        stream = io.BytesIO()
        workbook.save(stream)
        return stream.getvalue()

    @api.model
    def _rows(self, sections):
        """``{sheet: [(row, currency)]}`` of the history ``sections``, each
        row with the currency of its amounts."""
        rows = {"events": [], "lines": [], "documents": [], "integrity": []}
        done, checked = set(), set()
        for section in sections:
            check = section["check"]
            flagged = {}
            for finding in check["findings"]:
                if finding["event_id"]:
                    flagged.setdefault(finding["event_id"], []).append(finding["code"])
            for event in section["events"]:
                currency = event.currency_id
                rows["events"].append(
                    (
                        self._event_row(event, section, flagged.get(event.id, [])),
                        currency,
                    )
                )
                if event.id in done:
                    continue
                done.add(event.id)
                rows["lines"] += [
                    (self._line_row(event, line), currency)
                    for line in event._history_lines(section["move"])
                ]
                rows["documents"] += [
                    ([event.name, name, digest, size], currency)
                    for name, digest, size in event._history_documents()
                ]
            company = section["company"]
            if company.id not in checked:
                checked.add(company.id)
                rows["integrity"] += [
                    (row, company.currency_id)
                    for row in self._integrity_rows(company, check)
                ]
        return rows

    @api.model
    def _integrity_rows(self, company, check):
        head = f"{check['head_sequence']}:{check['head_hash']}"
        common = [company.name, check["checked_at"], check["entries"], head]
        if not check["findings"]:
            return [[*common, "ok", None, None, self.env._("Chain intact.")]]
        return [
            [
                *common,
                finding["code"],
                finding["sequence"],
                finding["event_name"],
                finding["message"],
            ]
            for finding in check["findings"]
        ]

    @api.model
    def _line_row(self, event, line):
        return [
            event.name,
            event.date,
            line.move_id.name,
            line.invoice_date or None,
            line.due_date,
            line.days_late,
            line.amount_total,
            line.amount_paid,
            line.amount_residual,
            line.interest,
            line.indemnity,
        ]

    @api.model
    def _event_row(self, event, section, codes):
        states = dict(event._fields["state"]._description_selection(self.env))
        return [
            section["heading"],
            event.company_id.name,
            event.name,
            event.date,
            event.level_id.name,
            event._history_channels_label(),
            event.partner_id.display_name,
            event.contact_id.display_name or "",
            event.user_id.name or "",
            states[event.state],
            event.deadline_date or None,
            event.registered_number or "",
            event.amount_due,
            event.interest_total,
            event.indemnity_total,
            event.total_claim,
            event.currency_id.name,
            event.seal_sequence or None,
            event.seal_hash or "",
            event.seal_previous_hash or "",
            event.seal_date or None,
            event.cancel_reason or "",
            event.cancel_date or None,
            event.cancel_seal_sequence or None,
            event.cancel_seal_hash or "",
            ", ".join(codes),
            "\n".join(event._history_evidence()),
        ]
