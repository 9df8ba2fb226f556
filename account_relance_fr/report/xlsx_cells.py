# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Cells of the addon's spreadsheets (the audit export, the litigation file's
``creances.xlsx``): never a formula; dates and times as real date cells;
amounts as numbers with two decimals and the currency; rates as percentages;
all with the number formats of the user's language, so that a spreadsheet
program sorts, sums and filters them."""

import re
from datetime import date, datetime
from decimal import Decimal

from odoo import fields

# A cell beginning with one of these is a formula to a spreadsheet program.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# strftime directives (Odoo's res.lang formats) as Excel number format codes.
_EXCEL_CODES = {
    "d": "dd",
    "e": "d",
    "m": "mm",
    "Y": "yyyy",
    "y": "yy",
    "b": "mmm",
    "B": "mmmm",
    "a": "ddd",
    "A": "dddd",
    "H": "hh",
    "I": "hh",
    "M": "mm",
    "S": "ss",
    "p": "AM/PM",
}
_DIRECTIVE = re.compile(r"%(.)")
DEFAULT_DATE = "dd/mm/yyyy"
DEFAULT_TIME = "hh:mm"

# The kinds of column the sheets declare (see :meth:`CellFormats.write`).
TEXT, DATE, DATETIME, MONEY, PERCENT, INTEGER = (
    "text",
    "date",
    "datetime",
    "money",
    "percent",
    "integer",
)
# Column widths that show a formatted value whole ("30/12/2026 23:59").
MIN_WIDTHS = {DATE: 12, DATETIME: 17, MONEY: 16, PERCENT: 10, INTEGER: 8}


def safe_text(value):
    """``value`` as a spreadsheet cell that can never be a formula: text a
    spreadsheet would evaluate (``=HYPERLINK(...)``, ``+1``, ``-2``, ``@SUM``)
    is escaped with a leading apostrophe, as OWASP advises (a customer's name is
    data, never a formula)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def excel_format(strftime_format, default):
    """An Odoo (strftime) date or time format as an Excel number format:
    ``%d/%m/%Y`` → ``dd/mm/yyyy``; ``default`` when it uses a directive Excel
    has no code for."""
    if not strftime_format:
        return default
    unknown = [
        code for code in _DIRECTIVE.findall(strftime_format) if code not in _EXCEL_CODES
    ]
    if unknown:
        return default
    return _DIRECTIVE.sub(lambda match: _EXCEL_CODES[match.group(1)], strftime_format)


def money_format(currency):
    """Two decimals and the currency where it stands: ``#,##0.00 "€"``,
    ``"$"#,##0.00`` (the separators are the spreadsheet program's)."""
    symbol = (currency and (currency.symbol or currency.name) or "").replace('"', "")
    if not symbol:
        return "#,##0.00"
    if currency.position == "before":
        return f'"{symbol}"#,##0.00'
    return f'#,##0.00 "{symbol}"'


class CellFormats:
    """The number formats of a spreadsheet written for ``env``'s user."""

    def __init__(self, env):
        self.env = env
        lang = env["res.lang"]._get_data(code=env.lang or "en_US")
        self.date = excel_format(lang and lang.date_format, DEFAULT_DATE)
        time = excel_format(lang and lang.time_format, DEFAULT_TIME)
        # Minutes are enough for a sealed date; seconds stay in the value.
        time = time.replace(":ss", "")
        self.formats = {
            DATE: self.date,
            DATETIME: f"{self.date} {time}",
            PERCENT: "0.00%",
            INTEGER: "0",
        }

    def value(self, value, kind):
        """``value`` as the cell of a column of ``kind``: a datetime (UTC in
        Odoo) in the user's time zone, a rate in percent as its fraction
        (12.15 → 0.1215), an empty value as an empty cell, text safe."""
        if value is False or value is None or value == "":
            return None
        if kind == DATETIME and isinstance(value, datetime):
            local = fields.Datetime.context_timestamp(self.env["res.users"], value)
            return local.replace(tzinfo=None)
        if kind == DATE and isinstance(value, datetime):
            return value.date()
        number = isinstance(value, int | float | Decimal) and not isinstance(
            value, bool
        )
        if kind == PERCENT and number:
            return float(value) / 100
        if kind == MONEY and number:
            return float(value)
        if isinstance(value, date) or number:
            return value
        return safe_text(value)

    def append(self, sheet, values, kinds, currency=None):
        """Append one row of ``values`` to ``sheet``, column ``i`` of kind
        ``kinds[i]`` (missing kinds: text), its amounts in ``currency``."""
        cells = [
            self.value(value, kinds[index] if index < len(kinds) else TEXT)
            for index, value in enumerate(values)
        ]
        sheet.append(cells)
        formats = {**self.formats, MONEY: money_format(currency)}
        for index, cell in enumerate(sheet[sheet.max_row]):
            kind = kinds[index] if index < len(kinds) else TEXT
            if kind in formats and isinstance(cell.value, int | float | date):
                cell.number_format = formats[kind]

    @staticmethod
    def fit_columns(sheet, kinds):
        """Columns wide enough for their first rows (formatted values
        included), at most 70 characters."""
        for column in sheet.columns:
            index = column[0].column - 1
            kind = kinds[index] if index < len(kinds) else TEXT
            width = max(len(str(cell.value or "")) for cell in column[:50])
            width = max(width + 2, 10, MIN_WIDTHS.get(kind, 0))
            sheet.column_dimensions[column[0].column_letter].width = min(width, 70)
