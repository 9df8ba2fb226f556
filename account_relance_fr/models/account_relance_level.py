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
        aggregator=None,
        help="The level is due this many days after the invoice due date.",
    )
    min_days_since_previous = fields.Integer(
        "Minimum days since previous reminder",
        default=7,
        aggregator=None,
        help="No reminder at this level before this many days have passed since "
        "the previous reminder sent to the customer.",
    )
    channel_email = fields.Boolean("Email")
    channel_letter = fields.Boolean("Letter")
    channel_registered = fields.Boolean(
        "Registered letter", help="Lettre recommandée avec accusé de réception."
    )
    channel_phone = fields.Boolean("Phone call", help="Schedules a call activity.")
    channel_sms = fields.Boolean(
        "SMS",
        help="Sends a short text message to the reminder contact's mobile, "
        "through Odoo's SMS service (IAP).",
    )
    sms_template_id = fields.Many2one(
        "sms.template",
        "SMS template",
        domain="[('model', '=', 'account.relance.event')]",
        default=lambda self: self.env.ref(
            "account_relance_fr.sms_template_relance", raise_if_not_found=False
        ),
    )
    request_read_receipt = fields.Boolean(
        "Ask for a read receipt",
        help="The email asks the customer's mail program for a read receipt "
        "(Disposition-Notification-To); a receipt that comes back is recorded "
        "in the reminder's history.",
    )
    bounce_fallback_letter = fields.Boolean(
        "Letter if the email bounces",
        help="When the reminder's email bounces, a letter reminder with the "
        "same invoices is prepared for printing.",
    )
    is_before_due = fields.Boolean(
        "Before the due date",
        compute="_compute_is_before_due",
        store=True,
        help="A courteous notice before the due date: no penalty, no "
        "indemnity, not counted as a reminder of an overdue invoice.",
    )
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
    attach_invoices = fields.Boolean(help="Attach a copy of each overdue invoice.")
    deadline_days = fields.Integer(
        "Deadline given (days)",
        default=8,
        aggregator=None,
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
            # Name kept from when levels came after the due date only.
            "days_positive",
            "CHECK(days_after_due >= -90)",
            "Days after due date must be -90 or more.",
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

    @api.depends("days_after_due")
    def _compute_is_before_due(self):
        for level in self:
            level.is_before_due = level.days_after_due < 0

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
        "channel_sms",
        "sms_template_id",
        "mail_template_id",
        "report_id",
        "activity_type_id",
        "is_litigation",
        "days_after_due",
        "show_penalties",
        "is_formal_notice",
        "bounce_fallback_letter",
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
        if self.channel_phone and not self.activity_type_id:
            return self.env._(
                'Level "%(level)s" plans a call but has no activity type.',
                level=self.name,
            )
        if self.channel_sms and not self.sms_template_id:
            return self.env._(
                'Level "%(level)s" sends an SMS but has no SMS template.',
                level=self.name,
            )
        if self.bounce_fallback_letter and not self.report_id:
            return self.env._(
                'Level "%(level)s" falls back to a letter but has no letter report.',
                level=self.name,
            )
        if self.days_after_due < 0 and (
            self.channel_letter
            or self.channel_registered
            or self.show_penalties
            or self.is_formal_notice
            or self.is_litigation
        ):
            return self.env._(
                'Level "%(level)s" comes before the due date: it is a courteous email, SMS or call, without letter, penalties, formal notice or litigation.',
                level=self.name,
            )
        return ""

    def _channels(self):
        self.ensure_one()
        names = ("email", "letter", "registered", "phone", "sms")
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
