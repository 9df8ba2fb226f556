# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

STATES = [
    ("to_review", "To review"),
    ("to_print", "To print"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("cancelled", "Cancelled"),
]
OPEN_STATES = ("to_review", "to_print", "failed")
# Fields a sent event may still change: cancellation and chatter plumbing.
WRITABLE_AFTER_SENT = {"state", "cancel_reason", "cancel_date", "cancel_user_id"}


class AccountRelanceEvent(models.Model):
    """One communication to one customer at one level, covering all its overdue
    invoices, with the amounts as they stood that day."""

    _name = "account.relance.event"
    _description = "Reminder sent to a customer"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(readonly=True, copy=False, default="/")
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, readonly=True, index=True
    )
    contact_id = fields.Many2one(
        "res.partner", "Sent to", readonly=True, help="Reminder contact at that date."
    )
    policy_id = fields.Many2one(
        "account.relance.policy", readonly=True, check_company=True
    )
    level_id = fields.Many2one(
        "account.relance.level", required=True, readonly=True, check_company=True
    )
    date = fields.Date(required=True, readonly=True, index=True)
    deadline_date = fields.Date("Payment deadline", readonly=True)
    channel_email = fields.Boolean("Email", readonly=True)
    channel_letter = fields.Boolean("Letter", readonly=True)
    channel_registered = fields.Boolean("Registered letter", readonly=True)
    channel_phone = fields.Boolean("Phone call", readonly=True)
    show_penalties = fields.Boolean(readonly=True)
    line_ids = fields.One2many(
        "account.relance.event.line", "event_id", "Invoices", readonly=True
    )
    move_ids = fields.Many2many(
        "account.move", compute="_compute_move_ids", string="Invoices covered"
    )
    amount_due = fields.Monetary("Overdue amount", readonly=True)
    interest_total = fields.Monetary("Late interest", readonly=True)
    indemnity_total = fields.Monetary("Recovery indemnities", readonly=True)
    total_claim = fields.Monetary("Total claimed", readonly=True)
    attachment_ids = fields.Many2many(
        "ir.attachment", string="Documents sent", readonly=True
    )
    mail_message_id = fields.Many2one("mail.message", "Email message", readonly=True)
    registered_number = fields.Char("Registered letter number", copy=False)
    user_id = fields.Many2one("res.users", "Done by", readonly=True)
    state = fields.Selection(
        STATES, default="to_review", required=True, readonly=True, tracking=True
    )
    review_reason = fields.Text("Why it needs a person", readonly=True)
    failure_reason = fields.Text(readonly=True)
    cancel_reason = fields.Text(readonly=True)
    cancel_date = fields.Datetime(readonly=True)
    cancel_user_id = fields.Many2one("res.users", readonly=True)
    body = fields.Html("Message", help="Optional text added to the email or letter.")

    @api.depends("line_ids.move_id")
    def _compute_move_ids(self):
        for event in self:
            event.move_ids = event.line_ids.move_id

    # --------------------------------------------------------------- CRUD

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"].next_by_code("account.relance.event") or "/"
                )
        return super().create(vals_list)

    def write(self, vals):
        # EXTEND 'mail': sent events are immutable, only cancellation is allowed.
        changed = {key for key in vals if not key.startswith(("message_", "activity_"))}
        if changed and self._write_breaks_seal(changed, vals):
            raise UserError(self._immutable_message())
        return super().write(vals)

    def _write_breaks_seal(self, changed, vals):
        """A sent event only accepts its cancellation; a cancelled one nothing."""
        if any(event.state == "cancelled" for event in self):
            return True
        if not any(event.state == "sent" for event in self):
            return False
        cancelling = vals.get("state") == "cancelled"
        return not cancelling or bool(changed - WRITABLE_AFTER_SENT)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sent(self):
        if any(event.state in ("sent", "cancelled") for event in self):
            raise UserError(self._immutable_message())

    def _immutable_message(self):
        return self.env._(
            "Une relance envoyée ne peut être ni modifiée ni supprimée : annulez-la avec un "
            "motif puis créez-en une nouvelle. / A sent reminder can be neither changed nor "
            "deleted: cancel it with a reason, then create a new one."
        )

    # ----------------------------------------------------- RUN INTERFACE

    @api.model
    def _partner_event_stats(self, company, as_of):
        """Per commercial partner: last sent date, pending event, event on ``as_of``."""
        stats = {}
        groups = self.sudo()._read_group(
            [("company_id", "=", company.id), ("state", "!=", "cancelled")],
            ["partner_id", "state"],
            ["date:max"],
        )
        for partner, state, last_date in groups:
            entry = stats.setdefault(partner.id, {"last_sent": None, "pending": False})
            if state == "sent":
                entry["last_sent"] = last_date
            if state in OPEN_STATES:
                entry["pending"] = True
        for partner in (
            self.sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("state", "!=", "cancelled"),
                    ("date", "=", as_of),
                ]
            )
            .partner_id
        ):
            stats.setdefault(partner.id, {"last_sent": None, "pending": False})[
                "today"
            ] = True
        return stats

    @api.model
    def _create_from_decision(self, company, decision, as_of):
        partner = (
            self.env["res.partner"].browse(decision.customer_key).with_company(company)
        )
        level = self.env["account.relance.level"].browse(decision.level.key)
        event = self.create(
            self._prepare_event_vals(company, partner, level, decision, as_of)
        )
        event._apply_levels_to_invoices()
        event._dispatch()
        return event

    @api.model
    def _create_failed(self, company, decision, as_of, error):
        """Record a customer's failure in the review queue instead of losing it."""
        partner = self.env["res.partner"].browse(decision.customer_key)
        level = self.env["account.relance.level"].browse(decision.level.key)
        vals = self._prepare_event_vals(
            company, partner, level, decision, as_of, with_lines=False
        )
        vals.update(state="failed", failure_reason=str(error) or repr(error))
        return self.create(vals)

    @api.model
    def _prepare_event_vals(
        self, company, partner, level, decision, as_of, with_lines=True
    ):
        lines = self.env["account.move.line"].browse(list(decision.covered_items))
        vals = {
            "company_id": company.id,
            "partner_id": partner.id,
            "contact_id": partner._relance_contact().id,
            "policy_id": level.policy_id.id,
            "level_id": level.id,
            "date": as_of,
            "deadline_date": as_of + timedelta(days=level.deadline_days),
            "channel_email": level.channel_email,
            "channel_letter": level.channel_letter,
            "channel_registered": level.channel_registered,
            "channel_phone": level.channel_phone,
            "show_penalties": level.show_penalties,
            "user_id": self.env.user.id,
        }
        if with_lines:
            vals.update(self._prepare_line_vals(lines, decision, level, as_of))
        return vals

    @api.model
    def _prepare_line_vals(self, lines, decision, level, as_of):
        penalties = self.env["account.relance.penalty"]._compute_for_moves(
            lines.move_id, as_of
        )
        advancing = {
            key: self.env["account.relance.level"].browse(
                level.policy_id._ordered_levels()[index].id
            )
            for key, index in decision.item_levels.items()
        }
        line_cmds, totals = (
            [],
            {"amount_due": 0.0, "interest_total": 0.0, "indemnity_total": 0.0},
        )
        charged = set()
        for line in lines:
            move = line.move_id
            result = penalties[move.id]
            first_of_move = move.id not in charged
            charged.add(move.id)
            new_level = advancing.get(line.id)
            line_vals = {
                "move_id": move.id,
                "move_line_id": line.id,
                "invoice_date": move.invoice_date,
                "due_date": line.date_maturity or move.invoice_date_due,
                "days_late": max(
                    (as_of - (line.date_maturity or move.invoice_date_due)).days, 0
                ),
                "amount_total": abs(line.balance),
                "amount_paid": abs(line.balance) - line.amount_residual,
                "amount_residual": line.amount_residual,
                "interest": float(result["interest"]) if first_of_move else 0.0,
                "indemnity": float(result["indemnity"]) if first_of_move else 0.0,
                "penalty_detail": result["detail"] if first_of_move else False,
                "advances_level": bool(new_level),
                "new_level_id": new_level.id if new_level else False,
                "previous_level_id": move.relance_level_id.id,
                "previous_level_sent": move.relance_level_sent,
            }
            totals["amount_due"] += line_vals["amount_residual"]
            totals["interest_total"] += line_vals["interest"]
            totals["indemnity_total"] += line_vals["indemnity"]
            line_cmds.append(Command.create(line_vals))
        currency = level.company_id.currency_id
        totals = {key: currency.round(value) for key, value in totals.items()}
        totals["total_claim"] = currency.round(sum(totals.values()))
        return {"line_ids": line_cmds, **totals}

    def _apply_levels_to_invoices(self):
        """Invoices reach their new level now; it counts as sent only once sent."""
        for event in self:
            for line in event.line_ids.filtered("advances_level"):
                line.move_id.sudo().write(
                    {
                        "relance_level_id": line.new_level_id.id,
                        "relance_level_sent": False,
                    }
                )

    # ----------------------------------------------------------- DISPATCH

    def _dispatch(self):
        """Automatic levels are performed now; the others wait for a person."""
        for event in self:
            reason = event._review_reason()
            if reason:
                event.review_reason = reason
                event.state = "to_review"
            else:
                event._perform_channels()
            event._post_messages()

    def _review_reason(self):
        """Why this event must wait for a person ('' when it may go out alone)."""
        self.ensure_one()
        level = self.level_id
        if level.is_litigation:
            return self.env._(
                "Contentieux : dossier à reprendre par une personne. / "
                "Litigation: a person takes over the file."
            )
        if level.send_mode == "review":
            return self.env._(
                "Ce niveau attend une relecture. / This level waits for a review."
            )
        return self._blocking_problem()

    def _blocking_problem(self):
        self.ensure_one()
        contact = self.contact_id
        problem = self.level_id._channel_problem()
        if problem:
            return problem
        if self.channel_email and not contact.email:
            return self.env._(
                "Pas d'adresse email pour %(contact)s. / No email address for %(contact)s.",
                contact=contact.display_name,
            )
        if (self.channel_letter or self.channel_registered) and not (
            contact.street and contact.city
        ):
            return self.env._(
                "Adresse postale incomplète pour %(contact)s. / Incomplete postal address for "
                "%(contact)s.",
                contact=contact.display_name,
            )
        if not self.line_ids:
            return self.env._(
                "Aucune facture dans cette relance. / No invoice in this reminder."
            )
        return ""

    def _perform_channels(self):
        """Email (mail queue), phone activity, letters queued for printing."""
        self.ensure_one()
        if self.channel_email:
            self._send_email()
        if self.channel_phone:
            self._schedule_call()
        if self.channel_letter or self.channel_registered:
            self._attach_letter()
            self.state = "to_print"
        else:
            self._mark_sent()

    def _send_email(self):
        template = self.level_id.mail_template_id
        attachments = (
            self._attach_letter()
            if self.level_id.report_id
            else self.env["ir.attachment"]
        )
        if self.level_id.attach_invoices:
            attachments |= self._invoice_attachments()
        message = self.with_context(lang=self.contact_id.lang).message_post_with_source(
            template,
            partner_ids=self.contact_id.ids,
            attachment_ids=attachments.ids,
            subtype_xmlid="mail.mt_comment",
        )
        self.mail_message_id = message[:1].id if message else False

    def _attach_letter(self):
        report = self.level_id.report_id
        existing = self.attachment_ids.filtered(lambda att: att.res_model == self._name)
        if existing or not report:
            return existing
        content, _kind = self.env["ir.actions.report"]._render_qweb_pdf(
            report, self.ids
        )
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"{self.name.replace('/', '-')}.pdf",
                "raw": content,
                "res_model": self._name,
                "res_id": self.id,
                "mimetype": "application/pdf",
            }
        )
        self.attachment_ids = [Command.link(attachment.id)]
        return attachment

    def _invoice_attachments(self):
        report = self.env.ref("account.account_invoices")
        attachments = self.env["ir.attachment"]
        for move in self.line_ids.move_id:
            content, _kind = self.env["ir.actions.report"]._render_qweb_pdf(
                report, move.ids
            )
            attachments |= self.env["ir.attachment"].create(
                {
                    "name": f"{move._get_report_base_filename()}.pdf",
                    "raw": content,
                    "res_model": self._name,
                    "res_id": self.id,
                    "mimetype": "application/pdf",
                }
            )
        self.attachment_ids = [Command.link(att.id) for att in attachments]
        return attachments

    def _schedule_call(self):
        level = self.level_id
        responsible = self.partner_id.user_id or self.env.user
        self.activity_schedule(
            activity_type_id=level.activity_type_id.id,
            summary=self.env._(
                "Appeler %(partner)s / Call %(partner)s",
                partner=self.partner_id.display_name,
            ),
            user_id=responsible.id,
            date_deadline=self.date,
        )

    def _mark_sent(self):
        for event in self:
            event.write({"state": "sent", "user_id": self.env.user.id})
            for line in event.line_ids.filtered("advances_level"):
                line.move_id.sudo().write(
                    {
                        "relance_level_id": line.new_level_id.id,
                        "relance_level_sent": True,
                        "relance_last_date": event.date,
                    }
                )
            (
                event.line_ids.move_id
                - event.line_ids.filtered("advances_level").move_id
            ).sudo().write({"relance_last_date": event.date})

    def _post_messages(self):
        for event in self:
            body = self.env._(
                "Relance %(name)s (%(level)s, %(state)s) du %(date)s. / Reminder %(name)s "
                "(%(level)s, %(state)s) of %(date)s.",
                name=event.name,
                level=event.level_id.name,
                state=dict(STATES)[event.state],
                date=event.date,
            )
            for record in [*event.line_ids.move_id, event.partner_id]:
                record.sudo()._message_log(body=body)

    # ------------------------------------------------------------ ACTIONS

    def action_send(self):
        """The review screen's button: performs a reviewed event, or records a
        printed letter as posted."""
        for event in self:
            if event.state in ("to_review", "failed"):
                problem = event._blocking_problem()
                if problem:
                    raise UserError(problem)
                event.failure_reason = False
                event._perform_channels()
            elif event.state == "to_print":
                if event.channel_registered and not event.registered_number:
                    raise UserError(
                        self.env._(
                            "Saisissez le numéro de la lettre recommandée de %(name)s. / Enter the "
                            "registered letter number of %(name)s.",
                            name=event.name,
                        )
                    )
                event._mark_sent()
            else:
                raise UserError(
                    self.env._(
                        "La relance %(name)s est déjà envoyée ou annulée. / Reminder %(name)s is "
                        "already sent or cancelled.",
                        name=event.name,
                    )
                )
        return True

    def action_cancel(self, reason=None):
        reason = reason or self.env.context.get("relance_cancel_reason")
        if not reason:
            return {
                "type": "ir.actions.act_window",
                "res_model": "account.relance.event.cancel",
                "view_mode": "form",
                "target": "new",
                "context": {"default_event_ids": self.ids},
            }
        for event in self:
            if event.state == "cancelled":
                continue
            event._restore_invoice_levels()
            event.write(
                {
                    "state": "cancelled",
                    "cancel_reason": reason,
                    "cancel_date": fields.Datetime.now(),
                    "cancel_user_id": self.env.user.id,
                }
            )
        return True

    def _restore_invoice_levels(self):
        self.ensure_one()
        for line in self.line_ids.filtered("advances_level"):
            if line.move_id.relance_level_id == line.new_level_id:
                line.move_id.sudo().write(
                    {
                        "relance_level_id": line.previous_level_id.id,
                        "relance_level_sent": line.previous_level_sent,
                    }
                )

    def action_print_letter(self):
        self.ensure_one()
        report = self.level_id.report_id
        if not report:
            raise UserError(
                self.env._("Ce niveau n'a pas de lettre. / This level has no letter.")
            )
        return report.report_action(self)
