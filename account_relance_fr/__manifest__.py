# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "French Dunning (Relance de factures impayées)",
    "summary": "French collection process for unpaid customer invoices: reminders, "
    "mise en demeure, statutory late-payment penalties and 40 € indemnity",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/account-relance-fr/account_relance_fr",
    "author": "account_relance_fr contributors",
    "license": "AGPL-3",
    "development_status": "Alpha",
    "depends": ["account", "mail"],
    "data": [
        "security/account_relance_fr_groups.xml",
        "security/ir.model.access.csv",
    ],
}
