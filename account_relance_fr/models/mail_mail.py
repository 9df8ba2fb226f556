# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _postprocess_sent_message(
        self, success_pids, failure_reason=False, failure_type=None
    ):
        # EXTEND 'mail': a reminder is sent once its email has left, and fails
        # (its invoices back to their level) when the email could not leave.
        # Before super(), which deletes the auto-delete mails.
        self.env["account.relance.event"]._on_mail_result(
            self,
            success_pids=success_pids,
            failure_type=failure_type,
            failure_reason=failure_reason,
        )
        return super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type
        )
