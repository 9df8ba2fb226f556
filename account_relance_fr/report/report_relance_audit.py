# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models


class ReportRelanceAudit(models.AbstractModel):
    """Reminder history (audit): every reminder of the printed records with its
    seal, and the integrity check of their companies' chains.

    The base of the four audit reports below, one per model that prints its
    history. Each print action has its own report name, template and report
    model: the web client downloads ``/report/pdf/<report_name>/<ids>``, and
    Odoo finds the action (hence the model of ``ids``) by its report name."""

    _name = "report.account_relance_fr.report_relance_audit"
    _description = "Reminder history (audit)"

    # Model of the records whose history the report prints.
    _relance_audit_model = "account.relance.event"

    @api.model
    def _get_report_values(self, docids, data=None):
        # The history is the reminders': whoever cannot read reminders gets
        # nothing, whatever the records asked for (a company's chain included).
        self.env["account.relance.event"].check_access("read")
        docs = self.env[self._relance_audit_model].browse(docids)
        return {
            "doc_ids": docs.ids,
            "doc_model": docs._name,
            "docs": docs,
            "sections": self.env["account.relance.event"]._history_sections(docs),
        }


class ReportRelanceAuditPartner(models.AbstractModel):
    """A customer's reminder history (its commercial entity and contacts)."""

    _name = "report.account_relance_fr.report_relance_audit_partner"
    _inherit = "report.account_relance_fr.report_relance_audit"
    _description = "Reminder history of a customer (audit)"

    _relance_audit_model = "res.partner"


class ReportRelanceAuditMove(models.AbstractModel):
    """The reminders that covered an invoice, with that invoice's lines."""

    _name = "report.account_relance_fr.report_relance_audit_move"
    _inherit = "report.account_relance_fr.report_relance_audit"
    _description = "Reminder history of an invoice (audit)"

    _relance_audit_model = "account.move"


class ReportRelanceAuditEvent(models.AbstractModel):
    """The selected reminders."""

    _name = "report.account_relance_fr.report_relance_audit_event"
    _inherit = "report.account_relance_fr.report_relance_audit"
    _description = "Reminder history of reminders (audit)"

    _relance_audit_model = "account.relance.event"


class ReportRelanceAuditIntegrity(models.AbstractModel):
    """A company's chain of sealed reminders, checked at print time."""

    _name = "report.account_relance_fr.report_relance_audit_integrity"
    _inherit = "report.account_relance_fr.report_relance_audit"
    _description = "Reminder chain integrity (audit)"

    _relance_audit_model = "res.company"
