# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import re

from odoo import models

# Odoo's "Unfollow" link of its email layouts (mail_notification_layout).
_UNFOLLOW = re.compile(r'<span id="mail_unfollow".*?</span>', re.DOTALL)


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

    def _personalize_outgoing_body(
        self, body, partner=False, recipients_follower_status=None
    ):
        # EXTEND 'mail': a reminder is a transactional message about a debt:
        # it never offers to unfollow (unsubscribe from) the reminder.
        body = super()._personalize_outgoing_body(
            body,
            partner=partner,
            recipients_follower_status=recipients_follower_status,
        )
        if self.model == "account.relance.event":
            body = _UNFOLLOW.sub("", body)
        return body
