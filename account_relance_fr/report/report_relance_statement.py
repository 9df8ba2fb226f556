# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


class ReportRelanceStatement(models.AbstractModel):
    """Customer statement: open receivable items of the current company
    (invoices, credit notes, unreconciled payments) with the overdue total."""

    _name = "report.account_relance_fr.report_relance_statement"
    _description = "Customer statement of open items"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        partners = self.env["res.partner"].browse(docids).commercial_partner_id
        as_of = fields.Date.to_date(data.get("date")) or fields.Date.context_today(self)
        company = self.env.company
        return {
            "doc_ids": partners.ids,
            "doc_model": "res.partner",
            "docs": partners,
            "company": company,
            "as_of": as_of,
            "statement": {
                partner.id: self._statement(partner, company, as_of)
                for partner in partners
            },
        }

    @api.model
    def _statement(self, partner, company, as_of):
        Document = self.env["account.relance.document"]
        # Read as the user who prints (the print action needs an accounting
        # group, see ir_actions_report._relance_check_report_access): the
        # receivables the company's rules show them, nothing more.
        lines = self.env["account.move.line"].search(
            [
                ("company_id", "=", company.id),
                ("partner_id", "child_of", partner.id),
                ("account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("amount_residual", "!=", 0),
            ],
            order="date_maturity, date, id",
        )
        rows = []
        totals = {"overdue": 0.0, "not_due": 0.0, "credits": 0.0, "balance": 0.0}
        for line in lines:
            move = line.move_id
            due = line.date_maturity or move.invoice_date_due or line.date
            residual = line.amount_residual
            if move.move_type == "out_invoice":
                kind = "invoice"
            elif move.move_type == "out_refund":
                kind = "credit_note"
            elif line.payment_id or residual < 0:
                kind = "payment"
            else:
                kind = "other"
            overdue = residual > 0 and due < as_of
            if residual < 0:
                totals["credits"] += residual
            elif overdue:
                totals["overdue"] += residual
            else:
                totals["not_due"] += residual
            totals["balance"] += residual
            rows.append(
                {
                    "kind": kind,
                    "name": move.name,
                    "ref": move.payment_reference or move.ref or "",
                    "date": move.invoice_date or line.date,
                    "due_date": due if residual > 0 else False,
                    "days_late": (as_of - due).days if overdue else 0,
                    "amount": line.balance,
                    "residual": residual,
                }
            )
        currency = company.currency_id
        return {
            "rows": rows,
            "totals": {key: currency.round(value) for key, value in totals.items()},
            "creditor": Document._identity(company.partner_id, company),
            "debtor": Document._identity(partner),
            "contact": partner._relance_contact(),
            "bank": Document._bank_details(company),
        }
