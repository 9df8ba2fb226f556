# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import api, fields, models, tools
from odoo.tools.misc import formatLang

AGE_BUCKETS = [
    ("0_not_due", "Not due"),
    ("1_30", "1-30 days"),
    ("2_60", "31-60 days"),
    ("3_90", "61-90 days"),
    ("4_more", "More than 90 days"),
]


class AccountRelanceAnalysis(models.Model):
    """Open receivables of posted customer invoices, by age bucket and level."""

    _name = "account.relance.analysis"
    _description = "Overdue receivables analysis"
    _auto = False
    _order = "date_due, id"
    _rec_name = "move_id"

    company_id = fields.Many2one("res.company", "Company", readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    user_id = fields.Many2one("res.users", "Salesperson", readonly=True)
    move_id = fields.Many2one("account.move", "Invoice", readonly=True)
    level_id = fields.Many2one("account.relance.level", "Reminder level", readonly=True)
    exclusion = fields.Selection(
        [
            ("dispute", "Dispute"),
            ("promise", "Promise to pay"),
            ("payment_plan", "Payment plan"),
        ],
        "Excluded from reminders",
        readonly=True,
    )
    date_due = fields.Date("Due date", readonly=True)
    days_late = fields.Integer("Days late", readonly=True, aggregator="max")
    age_bucket = fields.Selection(AGE_BUCKETS, "Age", readonly=True)
    currency_id = fields.Many2one("res.currency", "Currency", readonly=True)
    amount_residual = fields.Monetary("Amount due", readonly=True)
    amount_overdue = fields.Monetary("Overdue amount", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"""
            CREATE OR REPLACE VIEW {self._table} AS (
                SELECT line.id AS id,
                       line.company_id AS company_id,
                       move.commercial_partner_id AS partner_id,
                       move.invoice_user_id AS user_id,
                       move.id AS move_id,
                       -- A notice before the due date is no reminder of an
                       -- overdue invoice.
                       CASE WHEN level.days_after_due < 0 THEN NULL
                            ELSE move.relance_level_id END AS level_id,
                       move.relance_exclusion AS exclusion,
                       COALESCE(line.date_maturity, move.invoice_date_due)
                           AS date_due,
                       GREATEST(
                           CURRENT_DATE - COALESCE(
                               line.date_maturity, move.invoice_date_due
                           ),
                           0
                       ) AS days_late,
                       CASE
                           WHEN CURRENT_DATE - COALESCE(
                               line.date_maturity, move.invoice_date_due
                           ) <= 0 THEN '0_not_due'
                           WHEN CURRENT_DATE - COALESCE(
                               line.date_maturity, move.invoice_date_due
                           ) <= 30 THEN '1_30'
                           WHEN CURRENT_DATE - COALESCE(
                               line.date_maturity, move.invoice_date_due
                           ) <= 60 THEN '2_60'
                           WHEN CURRENT_DATE - COALESCE(
                               line.date_maturity, move.invoice_date_due
                           ) <= 90 THEN '3_90'
                           ELSE '4_more'
                       END AS age_bucket,
                       line.company_currency_id AS currency_id,
                       line.amount_residual AS amount_residual,
                       CASE
                           WHEN CURRENT_DATE > COALESCE(
                               line.date_maturity, move.invoice_date_due
                           ) THEN line.amount_residual
                           ELSE 0
                       END AS amount_overdue
                  FROM account_move_line line
                  JOIN account_move move ON move.id = line.move_id
                  JOIN account_account account ON account.id = line.account_id
             LEFT JOIN account_relance_level level
                    ON level.id = move.relance_level_id
                 WHERE move.state = 'posted'
                   AND move.move_type = 'out_invoice'
                   AND account.account_type = 'asset_receivable'
                   AND NOT line.reconciled
                   AND line.amount_residual != 0
            )
            """
        )

    @api.model
    def _company_dso(self, company, as_of=None):
        """Days sales outstanding of ``company`` on ``as_of`` (today by default):
        open customer receivables / credit sales (invoices minus credit notes,
        taxes included) of the last 365 days x 365, rounded to 0.1 day."""
        as_of = as_of or fields.Date.context_today(self)
        receivable = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "=", company.id),
                    ("parent_state", "=", "posted"),
                    ("account_id.account_type", "=", "asset_receivable"),
                    ("reconciled", "=", False),
                ],
                aggregates=["amount_residual:sum"],
            )[0][0]
        )
        sales = (
            self.env["account.move"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "=", company.id),
                    ("state", "=", "posted"),
                    ("move_type", "in", ("out_invoice", "out_refund")),
                    ("invoice_date", ">", as_of - timedelta(days=365)),
                    ("invoice_date", "<=", as_of),
                ],
                aggregates=["amount_total_signed:sum"],
            )[0][0]
        )
        if not sales or sales <= 0:
            return 0.0
        return round((receivable or 0.0) / sales * 365, 1)

    @api.model
    def action_open_analysis(self):
        """The analysis, its title giving the DSO of the current company (two
        grouped queries, computed when the menu is opened)."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_relance_fr.account_relance_analysis_action"
        )
        dso = self._company_dso(self.env.company)
        # The web client shows display_name first: set both.
        action["name"] = action["display_name"] = self.env._(
            "Receivables by age - DSO %(days)s days (all open customer "
            "receivables, due or not, / invoiced sales of the last 365 days x 365)",
            days=formatLang(self.env, dso, digits=1),
        )
        return action
