# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Helpers shared by the engine tests (a plain module with a unique name, so it
never clashes with another ``conftest``)."""


def build_case(invoices=None, **options):
    """A case dict with sensible defaults: B2B, evaluated on 2019-03-31, one
    invoice of 10 000 € dated 2019-01-01 and due 2019-01-31 unless ``invoices``
    is given (a list of invoice dicts; missing keys take those defaults)."""
    if invoices is None:
        invoices = [{}]
    filled = []
    for number, invoice in enumerate(invoices):
        item = {
            "ref": f"F{number + 1}",
            "invoice_date": "2019-01-01",
            "due_date": "2019-01-31",
            "amount_ttc": "10000.00",
        }
        item.update(invoice)
        filled.append(item)
    data = {"customer_type": "B2B", "evaluation_date": "2019-03-31"}
    data.update(options)
    data["invoices"] = filled
    return data
