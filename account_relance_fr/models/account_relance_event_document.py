# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The documents of a reminder: letters and invoice copies rendered in
batches and attached, the sealed letter a reprint returns."""

from odoo import Command, api, models
from odoo.exceptions import UserError

from ..tools.seal_payload import load_payload, sha256


class AccountRelanceEvent(models.Model):
    _inherit = "account.relance.event"

    def _prepare_documents(self):
        """Render the letters and invoice copies these reminders need, one
        wkhtmltopdf process per batch of documents instead of one per document."""
        needs_letter = self.filtered(
            lambda e: (
                e.level_id.report_id
                and (e.channel_letter or e.channel_registered or e.channel_email)
                and not e._letter_attachment()
            )
        )
        for report in needs_letter.level_id.report_id:
            events = needs_letter.filtered(
                lambda e, r=report: e.level_id.report_id == r
            )
            pdfs = self.env["ir.actions.report"]._relance_render_batch(
                report, events, marker=lambda e: f"({e.name})"
            )
            events._store_letters(pdfs)
        with_invoices = self.filtered(
            lambda e: e.channel_email and e.level_id.attach_invoices
        )
        if with_invoices:
            with_invoices._store_invoice_copies(with_invoices.line_ids.move_id)

    def _letter_attachment(self):
        self.ensure_one()
        return self.attachment_ids.filtered(
            lambda att: (
                att.res_model == self._name and att.name == self._letter_filename()
            )
        )

    def _letter_filename(self):
        return f"{self.name.replace('/', '-')}.pdf"

    def _store_letters(self, pdfs):
        """Attach ``pdfs`` ({event id: bytes}) to their reminders."""
        events = self.filtered(lambda e: e.id in pdfs)
        attachments = self.env["ir.attachment"].create(
            [
                {
                    "name": event._letter_filename(),
                    "raw": pdfs[event.id],
                    "res_model": self._name,
                    "res_id": event.id,
                    "mimetype": "application/pdf",
                }
                for event in events
            ]
        )
        for event, attachment in zip(events, attachments, strict=True):
            event.attachment_ids = [Command.link(attachment.id)]

    def _store_invoice_copies(self, moves):
        """Attach to each reminder a copy of its invoices, rendered once each."""
        report = self.env.ref("account.account_invoices")
        pdfs = self.env["ir.actions.report"]._relance_render_batch(
            report, moves, marker=lambda move: move.name
        )
        vals_list, owners = [], []
        for event in self:
            for move in event.line_ids.move_id:
                if move.id not in pdfs:
                    continue
                vals_list.append(
                    {
                        "name": f"{move._get_report_base_filename()}.pdf",
                        "raw": pdfs[move.id],
                        "res_model": self._name,
                        "res_id": event.id,
                        "mimetype": "application/pdf",
                    }
                )
                owners.append(event)
        attachments = self.env["ir.attachment"].create(vals_list)
        for event, attachment in zip(owners, attachments, strict=True):
            event.attachment_ids = [Command.link(attachment.id)]

    def _attach_letter(self):
        """The reminder's letter, rendered now if the batch did not render it."""
        self.ensure_one()
        report = self.level_id.report_id
        existing = self._letter_attachment()
        if existing or not report:
            return existing
        content, _kind = self.env["ir.actions.report"]._render_qweb_pdf(
            report, self.ids
        )
        self._store_letters({self.id: content})
        return self._letter_attachment()

    def _invoice_attachments(self):
        """The invoice copies attached to this reminder, rendered now if missing."""
        self.ensure_one()
        copies = self.attachment_ids.filtered(
            lambda att: (
                att.res_model == self._name and att.name != self._letter_filename()
            )
        )
        if copies:
            return copies
        self._store_invoice_copies(self.line_ids.move_id)
        return self.attachment_ids.filtered(
            lambda att: att.name != self._letter_filename()
        )

    def _drop_unsealed_letter(self):
        """Remove the letter rendered for this unsent reminder (it is rendered
        again for the day it leaves)."""
        self.ensure_one()
        letter = self._letter_attachment()
        if letter and not self.seal_hash:
            self.attachment_ids = [Command.unlink(letter.id)]
            letter.sudo().unlink()

    def _sealed_documents(self):
        """``{attachment id: SHA-256}`` of the documents the seal records."""
        self.ensure_one()
        payload = load_payload(self.sudo().seal_payload) or {}
        return {
            doc["id"]: doc["sha256"]
            for doc in payload.get("content", {}).get("documents", [])
        }

    def _relance_sealed_letter(self):
        """The letter this reminder sent, as its seal records it; an empty
        recordset while the reminder is not sealed.

        A sealed reminder without that letter (none was sent, or it was removed
        or changed since) is an error: printing another document in its place
        would misrepresent what the customer received."""
        self.ensure_one()
        event = self.sudo()
        if not event.seal_hash:
            return self.env["ir.attachment"]
        sealed = event._sealed_documents()
        letter = event._letter_attachment().filtered(lambda att: att.id in sealed)[:1]
        if not letter:
            raise UserError(
                self.env._(
                    "Reminder %(name)s has no sealed letter (none was sent with it, "
                    "or it was removed): there is no document to reprint.",
                    name=event.name,
                )
            )
        if sealed[letter.id] != sha256(letter.raw):
            raise UserError(
                self.env._(
                    "The stored letter of reminder %(name)s is not the one its seal "
                    "records: it is not printed. Run Check integrity.",
                    name=event.name,
                )
            )
        return letter

    def _relance_sealed_document_name(self):
        """The ``attachment`` expression of the letter reports (with
        ``attachment_use``): the file name of the letter a sealed reminder
        sent, so that Odoo returns it byte for byte instead of rendering a new
        one; ``False`` for a reminder not sealed yet, printed as a fresh
        preview and never stored by the report (see
        ``ir.actions.report._prepare_pdf_report_attachment_vals_list``)."""
        return self._relance_sealed_letter().name or False

    def _prepare_letters_for_posting(self, day):
        """Letters printed to be posted carry the day they are printed: those
        of these reminders waiting to be posted that were rendered for an
        earlier day are dated ``day`` (penalties and deadline with it) and
        rendered again, once for all of them."""
        self = self._trusted()
        to_print = self.filtered(
            lambda event: event.state == "to_print" and event.date != day
        )
        if not to_print:
            return
        for event in to_print:
            problem = event._stale_problem()
            if problem:
                raise UserError(problem)
        ready = to_print._refresh_for_departure(day)
        failed = to_print - ready
        if failed:
            raise UserError("\n".join(failed.mapped("failure_reason")))
        ready._prepare_documents()

    @api.depends("seal_payload", "attachment_ids")
    def _compute_sealed_letter_sha256(self):
        for event in self:
            letter = event.sudo()._letter_attachment()[:1]
            event.sealed_letter_sha256 = (
                event.seal_hash and letter and event._sealed_documents().get(letter.id)
            ) or False
