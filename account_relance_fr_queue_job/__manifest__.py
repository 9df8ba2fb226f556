# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "French Dunning: background dispatch (queue_job)",
    "summary": "The reminder dispatcher's batches become queue_job jobs on the "
    "relance channel, shared by several workers",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/account-relance-fr/account_relance_fr",
    "author": "account_relance_fr contributors",
    "maintainers": ["account-relance-fr"],
    "license": "AGPL-3",
    "development_status": "Alpha",
    "depends": ["account_relance_fr", "queue_job"],
    "data": ["data/queue_job_data.xml"],
    "auto_install": True,
}
