# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine import dunning


class AccountRelanceLevel(models.Model):
    """One step of a reminder ladder: when it is due, how it reaches the
    customer and whether a person reviews it first."""

    _name = "account.relance.level"
    _description = "Reminder level"
    _order = "policy_id, sequence, days_after_due, id"
    _check_company_auto = True

    policy_id = fields.Many2one(
        "account.relance.policy", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="policy_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    days_after_due = fields.Integer(
        "Days after due date",
        required=True,
        help="The level is due this many days after the invoice due date.",
    )
    min_days_since_previous = fields.Integer(
        "Minimum days since previous reminder",
        default=7,
        help="No reminder at this level before this many days have passed since "
        "the previous reminder sent to the customer.",
    )
    channel_email = fields.Boolean("Email")
    channel_letter = fields.Boolean("Letter")
    channel_registered = fields.Boolean(
        "Registered letter", help="Lettre recommandée avec accusé de réception."
    )
    channel_phone = fields.Boolean("Phone call", help="Schedules a call activity.")
    mail_template_id = fields.Many2one(
        "mail.template",
        domain="[('model', '=', 'account.relance.event')]",
    )
    report_id = fields.Many2one(
        "ir.actions.report",
        "Letter report",
        domain="[('model', '=', 'account.relance.event')]",
    )
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        default=lambda self: self.env.ref(
            "mail.mail_activity_data_call", raise_if_not_found=False
        ),
    )
    show_penalties = fields.Boolean(
        help="Show late-payment interest and the fixed indemnity."
    )
    attach_invoices = fields.Boolean(
        help="Attach each overdue invoice's PDF (the one Odoo stored on the "
        "invoice; rendered only if the invoice has none)."
    )
    attach_letter = fields.Boolean(
        "Attach the letter to the email",
        help="Attach the letter as a PDF to the email. Off: the email body is "
        "the reminder. A level that also posts a letter always attaches it.",
    )
    deadline_days = fields.Integer(
        "Deadline given (days)",
        default=8,
        help="The customer is asked to pay within this many days of the letter.",
    )
    send_mode = fields.Selection(
        [("auto", "Send automatically"), ("review", "Wait for a person's review")],
        default="review",
        required=True,
    )
    is_formal_notice = fields.Boolean(
        "Mise en demeure", help="Formal notice: the legally binding letter."
    )
    is_litigation = fields.Boolean(
        "Litigation",
        help="Stops automatic actions: the file is handed over to a person.",
    )
    active = fields.Boolean(related="policy_id.active")

    _sql_constraints = [
        (
            "days_positive",
            "CHECK(days_after_due >= 0)",
            "Days after due date must be zero or more.",
        ),
        (
            "interval_positive",
            "CHECK(min_days_since_previous >= 0)",
            "The minimum interval must be zero or more.",
        ),
        (
            "deadline_positive",
            "CHECK(deadline_days >= 0)",
            "The deadline must be zero or more.",
        ),
    ]

    @api.constrains("days_after_due", "sequence", "is_litigation", "policy_id")
    def _check_ladder(self):
        for policy in self.policy_id:
            try:
                dunning.validate_ladder(policy._engine_levels())
            except dunning.DunningConfigError as error:
                raise ValidationError(
                    self.env["account.relance.penalty"]._engine_message(error)
                ) from error

    @api.constrains(
        "channel_email",
        "channel_letter",
        "channel_registered",
        "channel_phone",
        "mail_template_id",
        "report_id",
        "attach_letter",
        "activity_type_id",
        "is_litigation",
    )
    def _check_channel_requirements(self):
        for level in self:
            problem = level._channel_problem()
            if problem:
                raise ValidationError(problem)

    def _channel_problem(self):
        """Bilingual message when a channel lacks what it uses, else ''."""
        self.ensure_one()
        if not self._channels() and not self.is_litigation:
            return self.env._(
                'Level "%(level)s" has no channel.',
                level=self.name,
            )
        if self.channel_email and not self.mail_template_id:
            return self.env._(
                'Level "%(level)s" sends an email but has no mail template.',
                level=self.name,
            )
        if (self.channel_letter or self.channel_registered) and not self.report_id:
            return self.env._(
                'Level "%(level)s" sends a letter but has no letter report.',
                level=self.name,
            )
        if self.channel_email and self.attach_letter and not self.report_id:
            return self.env._(
                'Level "%(level)s" attaches a letter to its email but has no '
                "letter report.",
                level=self.name,
            )
        if self.channel_phone and not self.activity_type_id:
            return self.env._(
                'Level "%(level)s" plans a call but has no activity type.',
                level=self.name,
            )
        return ""

    def _channels(self):
        self.ensure_one()
        names = ("email", "letter", "registered", "phone")
        return [name for name in names if self[f"channel_{name}"]]

    def _to_engine_level(self):
        self.ensure_one()
        return dunning.LevelSpec(
            key=self.id,
            sequence=self.sequence,
            days_after_due=self.days_after_due,
            min_days_since_previous=self.min_days_since_previous,
            stops_automation=self.is_litigation,
            name=self.name,
        )
