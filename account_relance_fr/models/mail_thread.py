# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Odoo's mail gateway and the reminders: a read receipt (RFC 8098
disposition notification) is a reply, not a bounce, and is recorded on the
reminder it answers; a bounce of a reminder's email fails it."""

from odoo import api, models
from odoo.tools import html2plaintext


def read_receipt_disposition(message):
    """The ``Disposition`` of a read receipt (``email.message``), '' when it
    has none, ``None`` when ``message`` is no read receipt."""
    if message.get_content_type() != "multipart/report":
        return None
    if (message.get_param("report-type") or "").lower() != "disposition-notification":
        return None
    for part in message.walk():
        if part.get_content_type() != "message/disposition-notification":
            continue
        payload = part.get_payload()
        blocks = payload if isinstance(payload, list) else [part]
        for block in blocks:
            text = block if isinstance(block, str) else None
            if text is None and not block.is_multipart():
                text = block.get_payload(decode=True)
                text = text.decode(errors="replace") if text else ""
            if text:
                for line in text.splitlines():
                    key, _sep, value = line.partition(":")
                    if key.strip().lower() == "disposition":
                        return value.strip()
            elif hasattr(block, "get") and block.get("Disposition"):
                return str(block.get("Disposition")).strip()
        return ""
    return ""


def delivery_failure(message):
    """``Diagnostic-Code`` (else ``Status``) of a delivery status report, ''
    when absent."""
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        for block in payload if isinstance(payload, list) else []:
            for name in ("Diagnostic-Code", "Status"):
                if block.get(name):
                    return str(block.get(name)).strip()
    return ""


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    @api.model
    def _detect_is_bounce(self, message, message_dict):
        # EXTEND 'mail': a read receipt is a multipart/report too, but no bounce.
        if read_receipt_disposition(message) is not None:
            return False
        return super()._detect_is_bounce(message, message_dict)

    def _message_route_process(self, message, message_dict, routes):
        # EXTEND 'mail': a read receipt routed to a reminder is recorded on it.
        disposition = read_receipt_disposition(message)
        result = super()._message_route_process(message, message_dict, routes)
        if disposition is not None:
            Event = self.env["account.relance.event"].sudo()
            for model, thread_id, *_rest in routes or ():
                if model == Event._name and thread_id:
                    event = Event.browse(thread_id).exists()
                    if event:
                        event._record_read_receipt(
                            disposition, message_dict.get("date") or None
                        )
        return result

    @api.model
    def _routing_handle_bounce(self, email_message, message_dict):
        # EXTEND 'mail': the bounce of a reminder's email to its contact.
        result = super()._routing_handle_bounce(email_message, message_dict)
        bounced = message_dict.get("bounced_message")
        Event = self.env["account.relance.event"].sudo()
        if bounced and bounced.model == Event._name and bounced.res_id:
            event = Event.browse(bounced.res_id).exists()
            partner = message_dict.get("bounced_partner")
            if event and event.mail_message_id == bounced:
                for_contact = not partner or event.contact_id in partner
                if for_contact:
                    reason = (
                        delivery_failure(email_message)
                        or html2plaintext(message_dict.get("body") or "").strip()[:500]
                    )
                    event._on_bounce(message_dict.get("bounced_email"), reason)
        return result
