# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import SUPERUSER_ID, api, models
from odoo.exceptions import UserError

from .relance_document import LEGAL_BASIS

CHANNELS = ("email", "letter", "registered", "phone")


class ReportRelanceLetter(models.AbstractModel):
    """Reminder letter: courteous, firm (registered letter) or formal notice
    wording according to the event's level."""

    _name = "report.account_relance_fr.report_relance_letter"
    _description = "Reminder letter"

    @api.model
    def _get_report_values(self, docids, data=None):
        docs = self.env["account.relance.event"].browse(docids)
        self._check_letters(docs)
        return {
            "doc_ids": docs.ids,
            "doc_model": "account.relance.event",
            "docs": docs,
            "relance": {event.id: self._event_values(event) for event in docs},
        }

    @api.model
    def _check_letters(self, events):
        """Render only the letter the process decided for each reminder: none
        at a litigation level (the litigation step does not write to the
        customer), and only its level's own letter (no mise en demeure printed
        from the Print menu for a courteous reminder). A sealed reminder never
        gets here when printed: Odoo returns the letter it sent (the report's
        ``attachment``, see ``_relance_sealed_document_name``)."""
        report = self._relance_report()
        for event in events:
            level = event.level_id
            if level.is_litigation:
                raise UserError(
                    self.env._(
                        "Reminder %(name)s is at the litigation level %(level)s: "
                        "the litigation step does not write to the customer, there "
                        "is no letter to print.",
                        name=event.name,
                        level=level.name,
                    )
                )
            if not level.report_id:
                raise UserError(
                    self.env._(
                        "The level %(level)s of reminder %(name)s sends no letter: "
                        "there is no letter to print.",
                        name=event.name,
                        level=level.name,
                    )
                )
            if level.report_id != report:
                raise UserError(
                    self.env._(
                        "Reminder %(name)s is at level %(level)s, whose letter is "
                        "%(letter)s: it cannot be printed as %(report)s.",
                        name=event.name,
                        level=level.name,
                        letter=level.report_id.sudo().name,
                        report=report.name,
                    )
                )

    @api.model
    def _relance_report(self):
        """The print action this report model renders."""
        return self.env["ir.actions.report"]._get_report_from_name(
            self._name.removeprefix("report.")
        )

    @api.model
    def _event_values(self, event):
        Document = self.env["account.relance.document"]
        level = event.level_id
        debtor_type = Document._debtor_type(event.partner_id)
        earlier = self._earlier_events(event)
        if level.is_formal_notice:
            tone = "formal"
        elif event.channel_registered:
            tone = "firm"
        elif earlier:
            tone = "second"
        else:
            tone = "courteous"
        lines = event.line_ids
        company = event.company_id
        lang = self._event_lang(event)
        return {
            "tone": tone,
            "debtor_type": debtor_type,
            "legal_basis": LEGAL_BASIS[debtor_type],
            "creditor": Document._identity(company.partner_id, company),
            "debtor": Document._identity(event.partner_id),
            "contact": event.contact_id or event.partner_id,
            "bank": Document._bank_details(company, lines.move_id),
            "payment_refs": [
                line.move_id.payment_reference or line.move_id.name
                for line in lines
                if line.move_id
            ],
            "earlier": [
                {
                    "event": previous,
                    "channels": [
                        channel
                        for channel in CHANNELS
                        if previous[f"channel_{channel}"]
                    ],
                }
                for previous in earlier
            ],
            "penalties": self._penalties(event) if level.is_formal_notice else {},
            "has_indemnity": bool(event.indemnity_total) and debtor_type != "consumer",
            # The company's own wording, in the customer's language (else the
            # template's standard wording, translated like the rest).
            "closing_text": company.with_context(lang=lang).relance_formal_notice_text
            or False,
            "signatory": self._signatory(event),
        }

    @api.model
    def _signatory(self, event):
        """The user who sent the reminder, else the one printing it; none
        (the company signs) when it was the automatic run (OdooBot)."""
        user = event.user_id or self.env.user
        return user if user.id != SUPERUSER_ID and not user._is_public() else False

    @api.model
    def _event_lang(self, event):
        """Language of the letter: the reminder contact's, else the customer's."""
        return (event.contact_id.lang or event.partner_id.lang) or self.env.lang

    @api.model
    def _earlier_events(self, event):
        """The customer's reminders sent before this one (oldest first)."""
        return (
            self.env["account.relance.event"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", event.partner_id.id),
                    ("company_id", "=", event.company_id.id),
                    ("state", "=", "sent"),
                    # A notice before the due date reminded nothing overdue.
                    ("level_id.is_before_due", "=", False),
                    ("id", "!=", event.id),
                    ("date", "<=", event.date),
                ],
                order="date, id",
            )
            .filtered(lambda previous: previous.id < event.id)
        )

    @api.model
    def _penalties(self, event):
        """Per invoice: the computation segments (period, rate, interest) from
        the engine at the event's date, checked against the stored snapshot.

        When the figures no longer match the snapshot (e.g. a payment recorded
        afterwards with an earlier date), the stored explanation is printed
        instead, so the letter always shows the amounts actually claimed."""
        moves = event.line_ids.move_id
        lang = self._event_lang(event)
        results = self.env["account.relance.penalty"]._compute_for_moves(
            moves, event.date, raise_errors=False
        )
        penalties = {}
        for move in moves:
            move_lines = event.line_ids.filtered(lambda ln, m=move: ln.move_id == m)
            stored_interest = sum(move_lines.mapped("interest"))
            stored_indemnity = sum(move_lines.mapped("indemnity"))
            result = results.get(move.id) or {}
            segments = result.get("segments") or []
            matches = (
                abs(float(result.get("interest", 0)) - stored_interest) < 0.005
                and abs(float(result.get("indemnity", 0)) - stored_indemnity) < 0.005
            )
            penalties[move.id] = {
                "move": move,
                "segments": [self._segment(seg, lang) for seg in segments]
                if matches
                else [],
                "matches": matches,
                "detail": "\n".join(filter(None, move_lines.mapped("penalty_detail"))),
                "interest": stored_interest,
                "indemnity": stored_indemnity,
            }
        return penalties

    @api.model
    def _segment(self, seg, lang):
        """One engine segment with typed values, the rate and the half-year
        written in ``lang``."""
        Document = self.env["account.relance.document"]
        return {
            "from": seg.date_from,
            "to": seg.date_to,
            "days": seg.days,
            "half": Document._format_half(seg.half.label, lang),
            "principal": float(seg.principal),
            "rate": Document._format_pct(seg.rate_pct, lang),
            "interest": float(seg.interest_rounded),
        }


class ReportRelanceFormalNotice(models.AbstractModel):
    """Mise en demeure: same values as the letter, formal wording."""

    _name = "report.account_relance_fr.report_relance_formal_notice"
    _inherit = "report.account_relance_fr.report_relance_letter"
    _description = "Mise en demeure"

    @api.model
    def _event_values(self, event):
        values = super()._event_values(event)
        values["tone"] = "formal"
        if not values["penalties"]:
            values["penalties"] = self._penalties(event)
        return values
