# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).


def uninstall_hook(env):
    """Remove the reminder history before Odoo deletes the addon's records.

    Its tables are dropped by the uninstallation anyway; removing it first lets
    Odoo delete the demo invoices and customers the reminders point to."""
    cr = env.cr
    cr.execute("DELETE FROM account_relance_event_line")
    cr.execute("DELETE FROM account_relance_event")
    # The documents of the reminders, sealed until now (see ir_attachment.py).
    env["ir.attachment"].search([("res_model", "=", "account.relance.event")]).unlink()
    cr.execute(
        "UPDATE account_move SET relance_level_id = NULL, relance_penalty_move_id = NULL"
        " WHERE relance_level_id IS NOT NULL OR relance_penalty_move_id IS NOT NULL"
    )
    cr.execute(
        "DELETE FROM ir_config_parameter WHERE key LIKE %s",
        ["account_relance_fr.seal_head.%"],
    )
    # The demo company keeps its books (journal entries, the French chart):
    # it stays, with its bank account, as a company of the database.
    cr.execute(
        "DELETE FROM ir_model_data WHERE module = %s AND name IN %s",
        ["account_relance_fr", ("demo_company", "demo_bank_account")],
    )
    # The demo payments are reconciled with demo invoices: back to draft (which
    # unreconciles them) so that Odoo can delete both.
    demo_payments = env["ir.model.data"].search(
        [("module", "=", "account_relance_fr"), ("model", "=", "account.payment")]
    )
    env["account.payment"].browse(
        demo_payments.mapped("res_id")
    ).exists().action_draft()
