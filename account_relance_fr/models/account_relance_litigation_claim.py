# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The claim of the litigation file: what the prepared request and
``creances.xlsx`` print (both parties, every invoice with its interest per
period and rate, the credits netted, the total), every date written out
("1 décembre 2026") as in the letters."""

import io

from odoo import api, fields, models
from odoo.tools import format_amount, format_date, format_time

from ..report.xlsx_cells import DATE, INTEGER, MONEY, PERCENT, TEXT, CellFormats


class AccountRelanceLitigationFile(models.AbstractModel):
    _inherit = "account.relance.litigation.file"

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
                        self._segment_values(writer, seg, currency)
                        for seg in result["segments"]
                    ],
                    "payments": [
                        self._settlement_text(settlement, currency)
                        for settlement in self._settlements(move)
                    ],
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
            "notice_texts": [self._notice_text(notice) for notice in claim["notices"]],
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
    def _long_date(self, day):
        """``day`` as the request writes every date: "1 décembre 2026"."""
        return format_date(self.env, day, date_format="long")

    @api.model
    def _long_datetime(self, moment):
        """A UTC datetime in the user's time zone: "1 décembre 2026 à 10:15"."""
        if not moment:
            return "-"
        local = fields.Datetime.context_timestamp(self, moment)
        return self.env._(
            "%(date)s at %(time)s",
            date=self._long_date(local.date()),
            time=format_time(self.env, local.time(), time_format="short"),
        )

    @api.model
    def _segment_values(self, writer, seg, currency):
        """One period of interest as the letters type it (see
        ``_segment``), with its raw rate for the spreadsheet and its sentence
        for the request: "Intérêts du 1 juillet 2026 au 1 décembre 2026
        (154 jours, 2e semestre 2026) : 2 000,00 € à 12,15 % = 102,53 €"."""
        values = writer._segment(seg, self.env.lang)
        values["rate_pct"] = float(seg.rate_pct)
        sentence = {
            "start": self._long_date(values["from"]),
            "end": self._long_date(values["to"]),
            "days": values["days"],
            "half": values["half"],
            "base": format_amount(self.env, values["principal"], currency),
            "rate": values["rate"],
            "interest": format_amount(self.env, values["interest"], currency),
        }
        if values["days"] == 1:
            values["text"] = self.env._(
                "Interest from %(start)s to %(end)s (1 day, %(half)s): %(base)s at "
                "%(rate)s = %(interest)s",
                **sentence,
            )
        else:
            values["text"] = self.env._(
                "Interest from %(start)s to %(end)s (%(days)s days, %(half)s): "
                "%(base)s at %(rate)s = %(interest)s",
                **sentence,
            )
        return values

    @api.model
    def _settlement_text(self, settlement, currency):
        """A payment or credit note matched with an invoice, as one line."""
        day, reference, amount, is_credit_note = settlement
        values = {
            "name": reference,
            "date": self._long_date(day),
            "amount": format_amount(self.env, amount, currency),
        }
        if is_credit_note:
            return self.env._("Credit note %(name)s of %(date)s: %(amount)s", **values)
        return self.env._("Payment %(name)s of %(date)s: %(amount)s", **values)

    @api.model
    def _notice_text(self, notice):
        """A mise en demeure sent, as the request's legal basis lists it."""
        values = {
            "name": notice.name,
            "date": self._long_date(notice.date),
            "number": notice.registered_number or "",
            "deadline": self._long_date(notice.deadline_date),
        }
        if notice.registered_number:
            return self.env._(
                "%(name)s of %(date)s (registered letter no. %(number)s), deadline "
                "%(deadline)s",
                **values,
            )
        return self.env._("%(name)s of %(date)s, deadline %(deadline)s", **values)

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
        amounts, interest, indemnity, reminders) and the totals; the interest
        per period and rate; the credits netted. Dates, amounts and rates are
        typed cells in the user's formats (see ``report/xlsx_cells.py``)."""
        from openpyxl import Workbook
        from openpyxl.styles import Font

        workbook = Workbook()
        formats = CellFormats(self.env)
        sheets = [
            self._claims_sheet(workbook.active, values, formats),
            self._interest_sheet(
                workbook.create_sheet(self.env._("Interest")), values, formats
            ),
            self._credits_sheet(
                workbook.create_sheet(self.env._("Credits")), values, formats
            ),
        ]
        for sheet, kinds in sheets:
            for cell in sheet[1]:
                cell.font = Font(bold=True)
            sheet.freeze_panes = "A2"
            formats.fit_columns(sheet, kinds)
        stream = io.BytesIO()
        workbook.save(stream)
        return stream.getvalue()

    @api.model
    def _claims_sheet(self, sheet, values, formats):
        currency = values["currency"]
        kinds = [TEXT, DATE, DATE, INTEGER, *[MONEY] * 6, TEXT]
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
                self.env._(
                    "%(name)s (%(date)s, %(level)s)",
                    name=event.name,
                    date=format_date(self.env, event.date),
                    level=event.level_id.name,
                )
                for event in row["reminders"]
            )
            cells = [
                row["move"].name,
                row["invoice_date"],
                row["due_date"],
                row["days_late"],
                row["amount_total"],
                row["settled"],
                row["principal"],
                row["interest"],
                row["indemnity"],
                currency.round(row["principal"] + row["interest"] + row["indemnity"]),
                reminders,
            ]
            formats.append(sheet, cells, kinds, currency)
        sheet.append([])
        for label, amount in (
            (self.env._("Invoices due"), values["open_total"]),
            (self.env._("Credit notes and payments netted"), -values["credit_total"]),
            (self.env._("Principal claimed"), values["net_total"]),
            (self.env._("Late interest"), values["interest_total"]),
            (self.env._("Recovery indemnities"), values["indemnity_total"]),
            (self.env._("Total claimed"), values["total"]),
        ):
            formats.append(
                sheet, [label, None, None, None, None, None, amount], kinds, currency
            )
        return sheet, kinds

    @api.model
    def _interest_sheet(self, sheet, values, formats):
        """One row per period of interest: the computation the request
        prints, as numbers (the rate as a percentage)."""
        kinds = [TEXT, DATE, DATE, INTEGER, TEXT, MONEY, PERCENT, MONEY]
        sheet.append(
            [
                self.env._("Invoice"),
                self.env._("From"),
                self.env._("To"),
                self.env._("Days"),
                self.env._("Half-year"),
                self.env._("Principal"),
                self.env._("Annual rate"),
                self.env._("Interest"),
            ]
        )
        for row in values["rows"]:
            for seg in row["segments"]:
                formats.append(
                    sheet,
                    [
                        row["move"].name,
                        seg["from"],
                        seg["to"],
                        seg["days"],
                        seg["half"],
                        seg["principal"],
                        seg["rate_pct"],
                        seg["interest"],
                    ],
                    kinds,
                    values["currency"],
                )
        return sheet, kinds

    @api.model
    def _credits_sheet(self, sheet, values, formats):
        kinds = [DATE, TEXT, TEXT, TEXT, MONEY]
        sheet.append(
            [
                self.env._("Date"),
                self.env._("Entry"),
                self.env._("Label"),
                self.env._("Kind"),
                self.env._("Amount"),
            ]
        )
        labels = {
            "credit_note": self.env._("Credit note"),
            "payment": self.env._("Payment"),
        }
        for credit in values["credits"]:
            formats.append(
                sheet,
                [
                    credit["date"],
                    credit["name"],
                    credit["label"],
                    labels[credit["kind"]],
                    credit["amount"],
                ],
                kinds,
                values["currency"],
            )
        return sheet, kinds
