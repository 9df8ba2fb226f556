# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The emails of a batch of reminders, handed to the mail queue at once: the
template rendered for all of them (its QWeb body compiled once per language),
one ``mail.mail`` create for the batch, which logs the emails in the reminders'
chatter. The mail queue's answer seals each reminder as before
(``mail.mail._postprocess_sent_message`` → ``_on_mail_result``)."""

import logging

from lxml import html
from markupsafe import Markup

from odoo import api, models
from odoo.tools import safe_eval

_logger = logging.getLogger(__name__)

# Context key: reminders performed in a batch leave their email to the batch.
DEFER_EMAIL = "relance_defer_email"


class AccountRelanceEvent(models.Model):
    _inherit = "account.relance.event"

    def _perform_batch(self):
        """Perform these reminders' channels (each in its savepoint), then hand
        the emails of those that leave by email alone to the mail queue in
        one go; if the batch fails, each email is sent alone. The states they
        go through are not tracked one message each (``mail_notrack``): the
        batch logs its own lines (the emails, ``_post_messages``)."""
        events = self.with_context(mail_notrack=True)
        for event in events.with_context(**{DEFER_EMAIL: True}):
            event._perform_safely()
        emails = events.filtered(
            lambda e: e.state == "sending" and e.channel_email and not e.mail_message_id
        )
        if not emails:
            return
        try:
            with self.env.cr.savepoint():
                emails._send_emails()
        except Exception:  # noqa: BLE001 — the reminders are sent one by one
            _logger.warning(
                "Sending %s reminder emails at once failed; sending them one by one.",
                len(emails),
                exc_info=True,
            )
            for event in emails:
                try:
                    with self.env.cr.savepoint():
                        event._send_email()
                except Exception as error:  # noqa: BLE001 — isolate this reminder
                    _logger.exception("Reminder %s could not be emailed", event.name)
                    event._mark_failed(str(error) or repr(error))

    def _send_email(self):
        # EXTEND: a reminder performed in a batch leaves with the batch's
        # emails (see _perform_batch).
        if self.env.context.get(DEFER_EMAIL):
            return
        return super()._send_email()

    def _send_emails(self):
        """Queue the emails of these reminders: subject and body of each
        level's template rendered for the whole batch, one ``mail.mail`` per
        reminder created at once (its message is the reminder's chatter line),
        addressed to the reminder's contact and to the followers of the
        reminder who receive its discussions, as posting the template did.
        A contact without an email address fails its reminder."""
        events = self.with_context(mail_notrack=True, tracking_disable=True)
        no_address = events.filtered(lambda e: not e.contact_id.email)
        for event in no_address:
            event._mark_failed(
                self.env._(
                    "No email was produced for %(contact)s.",
                    contact=event.contact_id.display_name,
                )
            )
        events -= no_address
        if not events:
            return
        vals_list, owners = [], []
        for template in events.level_id.mail_template_id:
            batch = events.filtered(
                lambda e, t=template: e.level_id.mail_template_id == t
            )
            rendered = batch._relance_render_template(template)
            rendered["reply_to"] = rendered.get("reply_to") or batch._relance_reply_to(
                rendered.get("email_from", {})
            )
            for event in batch:
                vals_list.append(event._relance_mail_values(template, rendered))
                owners.append(event)
        mails = self.env["mail.mail"].sudo().create(vals_list)
        self.env["mail.notification"].sudo().create(
            [
                {
                    "mail_message_id": mail.mail_message_id.id,
                    "mail_mail_id": mail.id,
                    "res_partner_id": partner.id,
                    "notification_type": "email",
                    "notification_status": "ready",
                    "is_read": True,
                }
                for mail in mails
                for partner in mail.recipient_ids
            ]
        )
        for event, mail in zip(owners, mails, strict=True):
            event.mail_message_id = mail.mail_message_id

    def _relance_render_template(self, template):
        """``{field: {event id: text}}`` of ``template`` for these reminders,
        each in its contact's language."""
        ids = self.ids
        rendered = {
            field: template._render_field(field, ids, compute_lang=True)
            for field in ("subject", "email_from", "reply_to")
            if template[field]
        }
        bodies = {}
        for lang, (localized, lang_ids) in template._classify_per_lang(ids).items():
            bodies.update(
                self.browse(lang_ids)._relance_render_body(
                    localized.with_context(lang=lang)
                )
            )
        rendered["body_html"] = template._render_template_postprocess(
            self._name, bodies
        )
        return rendered

    def _relance_reply_to(self, email_from):
        """``{event id: reply-to}`` as a message posted on each would get it
        (``_notify_get_reply_to``), computed once per sender."""
        senders = {}
        for event in self:
            senders.setdefault(email_from.get(event.id) or False, []).append(event.id)
        reply_to = {}
        for sender, ids in senders.items():
            reply_to.update(self.browse(ids)._notify_get_reply_to(default=sender))
        return reply_to

    def _relance_render_body(self, template):
        """``{event id: Markup}``: the QWeb body of ``template`` (already in the
        language to render) compiled once and evaluated for each reminder, as
        ``mail.render.mixin._render_template_qweb`` evaluates it."""
        source = template.body_html
        if not source:
            return dict.fromkeys(self.ids, Markup(""))
        options = {}
        restricted = (
            not template._unrestricted_rendering
            and not self.env.is_admin()
            and not self.env.user.has_group("mail.group_mail_template_editor")
        )
        if restricted:
            options["raise_on_forbidden_code_for_model"] = self._name
        qweb = self.env["ir.qweb"].with_context(**options)
        functions, name = qweb._compile(
            html.fragment_fromstring(source, create_parent="div")
        )
        base = template._render_eval_context()
        bodies = {}
        for event in self:
            values = dict(base, object=event)
            safe_eval.check_values(values)
            prepared = qweb._prepare_environment(values)
            text = Markup("".join(functions[name](prepared, values)))
            # the <div> added to wrap several nodes into one
            bodies[event.id] = text[5:-6]
        return bodies

    def _relance_mail_values(self, template, rendered):
        """The ``mail.mail`` (and its message) values of this reminder's email;
        a hook for headers or scheduling."""
        self.ensure_one()
        body = rendered["body_html"].get(self.id, "")
        attachments = (
            self._attach_letter()
            if self._relance_letter_attached()
            else self.env["ir.attachment"]
        )
        if self.level_id.attach_invoices:
            attachments |= self._invoice_attachments()
        attachments |= template.attachment_ids
        recipients = self.contact_id | self._relance_email_followers()
        vals = {
            "model": self._name,
            "res_id": self.id,
            "message_type": "notification",
            "subtype_id": self.env.ref("mail.mt_comment").id,
            "author_id": self.env.user.partner_id.id,
            "subject": rendered.get("subject", {}).get(self.id) or self.name,
            "body": body,
            "body_html": body,
            "email_from": rendered.get("email_from", {}).get(self.id)
            or self.env.user.email_formatted,
            "partner_ids": [(6, 0, recipients.ids)],
            "recipient_ids": [(6, 0, recipients.ids)],
            "attachment_ids": [(6, 0, attachments.ids)],
            "auto_delete": template.auto_delete,
            "is_notification": True,
            "mail_server_id": template.mail_server_id.id,
            "record_name": self.name,
            # What Odoo's notification adds (X-Odoo-Objects, and the headers
            # extensions of _notify_by_email_get_headers ask for).
            "headers": repr(self._notify_by_email_get_headers()),
        }
        if rendered.get("reply_to", {}).get(self.id):
            vals["reply_to"] = rendered["reply_to"][self.id]
        return vals

    def _relance_email_followers(self):
        """The followers posting the template notified by email: partners
        following the reminder's discussions, not the author, not users who
        read their notifications in Odoo."""
        self.ensure_one()
        comment = self.env.ref("mail.mt_comment")
        partners = (
            self.sudo()
            .message_follower_ids.filtered(lambda f: comment in f.subtype_ids)
            .partner_id
        )
        inbox = partners.user_ids.filtered(
            lambda u: u.notification_type == "inbox"
        ).partner_id
        return partners - inbox - self.env.user.partner_id - self.contact_id

    @api.model
    def _queued_count(self, day=None):
        """How many queued reminders are due to leave on ``day``."""
        day = day or self._departure_day()
        return self.sudo().search_count(
            [
                ("state", "=", "queued"),
                "|",
                ("postponed_until", "=", False),
                ("postponed_until", "<=", day),
            ]
        )
