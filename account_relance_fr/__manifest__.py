# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "French Dunning (Relance de factures impayées)",
    "summary": "French collection process for unpaid customer invoices: reminders, "
    "mise en demeure, statutory late-payment penalties and 40 € indemnity",
    "version": "18.0.1.1.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/account-relance-fr/account_relance_fr",
    "author": "account_relance_fr contributors",
    "maintainers": ["account-relance-fr"],
    "license": "AGPL-3",
    "development_status": "Alpha",
    "depends": [
        "account",
        "mail",
        "sms",
        "l10n_fr_account",
        "portal",
        "account_payment",
    ],
    "external_dependencies": {"python": ["holidays"]},
    "uninstall_hook": "uninstall_hook",
    "data": [
        # Security
        "security/account_relance_fr_groups.xml",
        "security/ir.model.access.csv",
        "security/account_relance_fr_security.xml",
        # Reports and templates
        "report/account_relance_event_reports.xml",
        "report/account_relance_event_templates.xml",
        "report/report_relance_statement_templates.xml",
        "report/report_invoice_templates.xml",
        "data/mail_template_data.xml",
        # Data
        "data/ir_sequence_data.xml",
        "data/account_relance_rate_fetch_data.xml",
        "data/account_relance_rate_data.xml",
        "data/account_relance_policy_data.xml",
        "data/ir_cron_data.xml",
        # Wizards (before the views: the invoice form uses the call wizard's action)
        "wizard/account_relance_preview_views.xml",
        "wizard/account_relance_event_cancel_views.xml",
        "wizard/account_relance_event_postpone_views.xml",
        "wizard/account_relance_call_views.xml",
        # Views
        "views/account_relance_policy_views.xml",
        "views/account_relance_level_views.xml",
        "views/account_relance_event_views.xml",
        "views/account_relance_rate_views.xml",
        "views/account_move_views.xml",
        "views/res_partner_views.xml",
        "views/account_relance_analysis_views.xml",
        "views/res_config_settings_views.xml",
        "views/res_company_views.xml",
        # Menus
        "views/account_relance_fr_menus.xml",
        # The customer's statement page and what customers declare on it
        "views/account_relance_declaration_views.xml",
        "views/portal_templates.xml",
        # Audit: reminder history, integrity of the sealed chain, exports
        "report/account_relance_audit_reports.xml",
        "report/account_relance_audit_templates.xml",
        "views/account_relance_audit_views.xml",
        # Litigation file: the request and the list of pieces
        "report/account_relance_litigation_reports.xml",
        "report/account_relance_litigation_templates.xml",
        "report/account_relance_declaration_templates.xml",
    ],
    "demo": [
        "demo/account_relance_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "account_relance_fr/static/src/tours/*.js",
        ],
    },
}
