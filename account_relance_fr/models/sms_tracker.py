# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models


class SmsTracker(models.Model):
    _inherit = "sms.tracker"

    def _update_sms_notifications(
        self, notification_status, failure_type=False, failure_reason=False
    ):
        # EXTEND 'sms': the reminder's SMS status follows its notification
        # (sending, then the provider's delivery report).
        result = super()._update_sms_notifications(
            notification_status,
            failure_type=failure_type,
            failure_reason=failure_reason,
        )
        self.env["account.relance.event"]._on_sms_notifications(
            self.sudo().mail_notification_id
        )
        return result
