# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The ladder every company starts with: the usual French collection process."""

from odoo import Command, api, models
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)
POLICY_NAME = _lt("French standard reminders")

# One entry per level, in order: its name, days after the due date, minimum
# days since the previous reminder, and its values (xml ids are resolved when
# the ladder is created). Levels wait for a person's review unless "auto".
FRENCH_LADDER = (
    {
        "name": _lt("Courteous reminder"),
        "days_after_due": 1,
        "min_days_since_previous": 0,
        "values": {"channel_email": True, "send_mode": "auto"},
        "refs": {
            "report_id": "account_relance_fr.action_report_relance_letter",
            "mail_template_id": "account_relance_fr.mail_template_relance_courteous",
        },
    },
    {
        "name": _lt("Second reminder with invoice copy"),
        "days_after_due": 10,
        "min_days_since_previous": 7,
        "values": {
            "channel_email": True,
            "send_mode": "auto",
            "attach_invoices": True,
            "show_penalties": True,
        },
        "refs": {
            "report_id": "account_relance_fr.action_report_relance_letter",
            "mail_template_id": "account_relance_fr.mail_template_relance_second",
        },
    },
    {
        "name": _lt("Phone call"),
        "days_after_due": 20,
        "min_days_since_previous": 7,
        "values": {"channel_phone": True, "send_mode": "auto"},
        "refs": {"activity_type_id": "mail.mail_activity_data_call"},
    },
    {
        "name": _lt("Formal reminder by registered letter"),
        "days_after_due": 30,
        "min_days_since_previous": 7,
        "values": {
            "channel_registered": True,
            "show_penalties": True,
            "attach_invoices": True,
            "deadline_days": 15,
        },
        "refs": {"report_id": "account_relance_fr.action_report_relance_letter"},
    },
    {
        "name": _lt("Mise en demeure"),
        "days_after_due": 45,
        "min_days_since_previous": 10,
        "values": {
            "channel_registered": True,
            "channel_email": True,
            "show_penalties": True,
            "is_formal_notice": True,
            "deadline_days": 8,
        },
        "refs": {
            "report_id": "account_relance_fr.action_report_relance_formal_notice",
            "mail_template_id": "account_relance_fr.mail_template_relance_formal",
        },
    },
    {
        "name": _lt("Litigation"),
        "days_after_due": 60,
        "min_days_since_previous": 0,
        "values": {"is_litigation": True},
        "refs": {},
    },
)


class AccountRelancePolicy(models.Model):
    _inherit = "account.relance.policy"

    @api.model
    def _create_default_policies(self):
        """Give every company without one the usual French reminder ladder."""
        for company in self.env["res.company"].search([("active", "=", True)]):
            if not self.with_context(active_test=False).search_count(
                [("company_id", "=", company.id)]
            ):
                self._create_french_policy(company)

    @api.model
    def _create_french_policy(self, company):
        """The company's default policy: :data:`FRENCH_LADDER`."""
        level_cmds = [
            Command.create(
                {
                    "sequence": 10 * (index + 1),
                    "name": level["name"]._source,
                    "days_after_due": level["days_after_due"],
                    "min_days_since_previous": level["min_days_since_previous"],
                    "send_mode": "review",
                    **level["values"],
                    **{
                        field: self.env.ref(xmlid).id
                        for field, xmlid in level["refs"].items()
                    },
                }
            )
            for index, level in enumerate(FRENCH_LADDER)
        ]
        policy = self.create(
            {
                "name": POLICY_NAME._source,
                "company_id": company.id,
                "is_default": True,
                "level_ids": level_cmds,
            }
        )
        policy._translate_default_names()
        return policy

    def _translate_default_names(self):
        """Store the names of the shipped ladder in every active language."""
        self.ensure_one()
        for code, _name in self.env["res.lang"].get_installed():
            if code == "en_US":
                continue
            env = self.with_context(lang=code).env
            self.with_context(lang=code).name = env._(POLICY_NAME)
            names = [spec["name"] for spec in FRENCH_LADDER]
            for level, name in zip(self._ordered_levels(), names, strict=True):
                level.with_context(lang=code).name = env._(name)
