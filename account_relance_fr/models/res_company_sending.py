# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Sending hours per company: the days and hours when reminders may leave,
never on a French public holiday (see ``tools/sending_window.py``)."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.sending_window import SendingWindow

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_TZ = "Europe/Paris"


class ResCompany(models.Model):
    _inherit = "res.company"

    relance_send_mon = fields.Boolean("Monday", default=True)
    relance_send_tue = fields.Boolean("Tuesday", default=True)
    relance_send_wed = fields.Boolean("Wednesday", default=True)
    relance_send_thu = fields.Boolean("Thursday", default=True)
    relance_send_fri = fields.Boolean("Friday", default=True)
    relance_send_sat = fields.Boolean("Saturday")
    relance_send_sun = fields.Boolean("Sunday")
    relance_send_hour_from = fields.Float(
        "Reminders leave from",
        default=9.0,
        help="Hour of the day (company time zone) from which reminders may leave.",
    )
    relance_send_hour_to = fields.Float(
        "Reminders leave until",
        default=18.0,
        help="Hour of the day (company time zone) at which reminders stop leaving.",
    )
    relance_send_skip_holidays = fields.Boolean(
        "Not on public holidays",
        default=True,
        help="No reminder leaves on a French public holiday.",
    )

    @api.constrains("relance_send_hour_from", "relance_send_hour_to")
    def _check_relance_send_hours(self):
        for company in self:
            start, end = company.relance_send_hour_from, company.relance_send_hour_to
            if not (0 <= start < end <= 24):
                raise ValidationError(
                    self.env._(
                        "Sending hours of %(company)s: the start must come before the end, both between 0:00 and 24:00.",
                        company=company.name,
                    )
                )

    def _relance_tz(self):
        """The company's time zone: its partner's, else Europe/Paris."""
        self.ensure_one()
        return self.partner_id.tz or DEFAULT_TZ

    def _relance_sending_window(self):
        self.ensure_one()
        return SendingWindow(
            weekdays=frozenset(
                index
                for index, day in enumerate(WEEKDAYS)
                if self[f"relance_send_{day}"]
            ),
            start=self.relance_send_hour_from,
            end=self.relance_send_hour_to,
            tz=self._relance_tz(),
            holidays_country="FR" if self.relance_send_skip_holidays else "",
        )

    def _relance_sending_open(self, moment):
        """Whether this company's reminders may leave at ``moment`` (naive UTC)."""
        self.ensure_one()
        return self._relance_sending_window().is_open(moment)

    def _relance_next_sending(self, moment):
        """When this company's reminders may leave next, at or after ``moment``
        (naive UTC); ``None`` when its sending hours never open."""
        self.ensure_one()
        return self._relance_sending_window().next_opening(moment)
