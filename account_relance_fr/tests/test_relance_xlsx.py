# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The spreadsheets read back with openpyxl: dates are date cells with the
user's day/month/year format, amounts numbers with two decimals and the
currency, rates percentages, headers in the user's language."""

import base64
import io
from datetime import date, datetime

from openpyxl import load_workbook

from odoo.tests import tagged

from ..report.xlsx_cells import CellFormats, excel_format, money_format
from .common import RelanceCommon, load_french


@tagged("post_install", "-at_install")
class TestRelanceXlsx(RelanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.company.currency_id = cls.eur
        load_french(cls.env)

    def _export(self, lang):
        Export = self.env["account.relance.history.xlsx"].with_context(lang=lang)
        action = Export._export_action(self.customer)
        attachment_id = int(action["url"].split("/")[3].split("?")[0])
        raw = base64.b64decode(self.env["ir.attachment"].browse(attachment_id).datas)
        return load_workbook(io.BytesIO(raw))

    def test_formats_from_the_language_and_the_currency(self):
        self.assertEqual(excel_format("%d/%m/%Y", "x"), "dd/mm/yyyy")
        self.assertEqual(excel_format("%m/%d/%Y", "x"), "mm/dd/yyyy")
        self.assertEqual(excel_format("%H:%M:%S", "x"), "hh:mm:ss")
        self.assertEqual(excel_format("%d %Q", "dd/mm/yyyy"), "dd/mm/yyyy")
        self.assertEqual(money_format(self.eur), '#,##0.00 "€"')
        self.assertEqual(money_format(self.env.ref("base.USD")), '"$"#,##0.00')
        french = CellFormats(self.env(context={"lang": "fr_FR"}))
        self.assertEqual(french.formats["date"], "dd/mm/yyyy")
        self.assertEqual(french.formats["datetime"], "dd/mm/yyyy hh:mm")
        self.assertEqual(french.value(12.15, "percent"), 0.1215)
        self.assertEqual(french.value("=SUM(A1)", "text"), "'=SUM(A1)")
        self.assertIsNone(french.value(False, "date"))

    def test_history_export_has_typed_cells(self):
        invoice = self._invoice(self.customer, 1500.0)
        for days in (1, 10):
            self._run(days)
        book = self._export("fr_FR")
        self.assertEqual(
            book.sheetnames, ["Relances", "Factures", "Documents", "Intégrité"]
        )
        reminders = book["Relances"]
        headers = [cell.value for cell in reminders[1]]
        self.assertEqual(headers[3], "Date")
        self.assertEqual(headers[12], "Échu")
        column = {name: index for index, name in enumerate(headers)}
        row = reminders[2]
        day = row[column["Date"]]
        self.assertIsInstance(day.value, datetime, "a real date cell")
        self.assertEqual(day.value.date(), date(2026, 3, 3))
        self.assertEqual(day.number_format, "dd/mm/yyyy")
        self.assertTrue(row[0].value.startswith("Client : "), row[0].value)
        overdue = row[column["Échu"]]
        self.assertEqual(overdue.value, 1500.0)
        self.assertEqual(overdue.data_type, "n")
        self.assertEqual(overdue.number_format, '#,##0.00 "€"')
        sealed = row[column["Scellée le"]]
        self.assertIsInstance(sealed.value, datetime)
        self.assertEqual(sealed.number_format, "dd/mm/yyyy hh:mm")
        lines = book["Factures"]
        line_headers = [cell.value for cell in lines[1]]
        self.assertEqual(line_headers[3:5], ["Date de facture", "Échéance"])
        first = lines[2]
        self.assertEqual(first[2].value, invoice.name)
        self.assertEqual(first[4].value.date(), invoice.invoice_date_due)
        self.assertEqual(first[4].number_format, "dd/mm/yyyy")
        self.assertEqual(first[8].value, 1500.0)
        self.assertEqual(first[8].number_format, '#,##0.00 "€"')
        checked = book["Intégrité"][2][1]
        self.assertIsInstance(checked.value, datetime)
        self.assertEqual(checked.number_format, "dd/mm/yyyy hh:mm")
        # The same export for an English user: English headers, its formats.
        book = self._export("en_US")
        self.assertEqual(book.sheetnames[0], "Reminders")
        self.assertEqual(book["Reminders"][2][3].number_format, "mm/dd/yyyy")
        self.assertEqual(book["Reminders"][2][12].number_format, '#,##0.00 "€"')
