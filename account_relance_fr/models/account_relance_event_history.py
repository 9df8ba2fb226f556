# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The reminder history printed or exported for auditors: one section per
subject (customer, invoice, selection, company) and company."""

from odoo import api, fields, models

from ..tools.seal_payload import load_payload


class AccountRelanceEvent(models.Model):
    _inherit = "account.relance.event"

    @api.model
    def _history_sections(self, docs):
        """The history to print or export for customers, invoices, events or
        companies: one section per subject and company."""
        Event = self.env["account.relance.event"]
        subjects = []
        if docs._name == "res.partner":
            for partner in docs:
                commercial = partner.commercial_partner_id
                events = Event.search([("partner_id", "child_of", commercial.id)])
                subjects.append(
                    (
                        self.env._("Customer"),
                        commercial.display_name,
                        commercial.vat,
                        events,
                        None,
                    )
                )
        elif docs._name == "account.move":
            for move in docs:
                events = Event.search([("line_ids.move_id", "=", move.id)])
                subjects.append(
                    (
                        self.env._("Invoice"),
                        move.name,
                        move.partner_id.commercial_partner_id.display_name,
                        events,
                        move,
                    )
                )
        elif docs._name == "res.company":
            for company in docs:
                subjects.append(
                    (
                        self.env._("Company"),
                        company.name,
                        company.vat,
                        Event.browse(),
                        company,
                    )
                )
        else:
            subjects.append(
                (
                    self.env._("Selection"),
                    ", ".join(docs.sorted("id").mapped("name")),
                    "",
                    docs,
                    None,
                )
            )
        sections, summaries = [], {}
        for kind, title, subtitle, events, restrict in subjects:
            companies = (
                restrict if restrict and restrict._name == "res.company" else None
            ) or events.company_id
            for company in companies or self.env.company:
                if company.id not in summaries:
                    summaries[company.id] = company._relance_integrity_summary()
                company_events = events.filtered(
                    lambda e, c=company: e.company_id == c
                ).sorted(lambda e: (e.date, e.id))
                sections.append(
                    {
                        "kind": kind,
                        # "Customer: Durand SARL" / "Client : Durand SARL"
                        "heading": self.env._(
                            "%(kind)s: %(title)s", kind=kind, title=title
                        ),
                        "title": title,
                        "subtitle": subtitle or "",
                        "company": company,
                        "events": company_events,
                        "move": restrict
                        if restrict and restrict._name == "account.move"
                        else None,
                        "check": summaries[company.id],
                        "integrity_only": docs._name == "res.company",
                    }
                )
        return sections

    def _history_lines(self, move=None):
        self.ensure_one()
        lines = self.line_ids.sorted("id")
        return lines.filtered(lambda line: line.move_id == move) if move else lines

    def _history_documents(self):
        """``[(name, sha256 sealed, size)]`` for the report and the export."""
        self.ensure_one()
        payload = load_payload(self.seal_payload) or {}
        names = payload.get("labels", {}).get("documents", {})
        if payload:
            return [
                (names.get(str(doc["id"]), str(doc["id"])), doc["sha256"], doc["size"])
                for doc in payload.get("content", {}).get("documents", [])
            ]
        return [
            (doc_att.name, "", doc_att.file_size)
            for doc_att in self.sudo().attachment_ids.sorted("id")
        ]

    def _history_evidence(self):
        """What came back after the reminder left: SMS status, read receipt,
        bounce, replacing letter (one text each)."""
        self.ensure_one()
        evidence = []
        if self.channel_sms and self.sms_state:
            states = dict(self._fields["sms_state"]._description_selection(self.env))
            evidence.append(
                self.env._(
                    "SMS to %(number)s: %(status)s",
                    number=self.sms_number or "",
                    status=states.get(self.sms_state, self.sms_state),
                )
            )
        if self.read_date:
            evidence.append(
                self.env._(
                    "Read on %(date)s",
                    date=fields.Datetime.to_string(self.read_date),
                )
            )
        if self.bounce_date:
            evidence.append(
                self.env._(
                    "Email bounced on %(date)s: %(reason)s",
                    date=fields.Datetime.to_string(self.bounce_date),
                    reason=self.bounce_reason or "",
                )
            )
        if self.fallback_event_id:
            evidence.append(
                self.env._(
                    "Replaced by the letter reminder %(name)s.",
                    name=self.fallback_event_id.name,
                )
            )
        return evidence

    def _history_channels_label(self):
        self.ensure_one()
        return ", ".join(
            self._fields[name]._description_string(self.env)
            for name in (
                "channel_email",
                "channel_letter",
                "channel_registered",
                "channel_phone",
                "channel_sms",
            )
            if self[name]
        )
