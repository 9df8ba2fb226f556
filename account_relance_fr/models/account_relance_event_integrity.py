# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The integrity check of a company's chain: the stored reminders rebuilt
and compared with their seals, links, gaps and head (the company-level
service is ``res.company._relance_check_integrity``)."""

from odoo import api, fields, models

from ..tools.seal_payload import load_payload, sha256
from .account_relance_event import (
    SEAL_GENESIS,
    SEAL_HEAD_PARAM,
)


def seal_and_link_findings(
    entry, sequence, text, payload, digest, previous_hash, stored_previous
):
    """The findings every sealed entry of a chain (a reminder, a customer's
    declaration) may have: its stored hash is not the SHA-256 of its payload
    (``seal``), or its link is not the hash of the entry before (``link``;
    ``previous_hash`` None after a gap). ``entry`` gives ``_integrity_finding``."""
    findings = []
    if sha256(text.encode()) != digest or not payload:
        findings.append(
            entry._integrity_finding(
                "seal",
                entry.env._(
                    "Entry %(sequence)s (%(name)s): the stored hash is not the SHA-256 of the sealed content (seal altered).",
                    sequence=sequence,
                    name=entry.name,
                ),
                sequence,
            )
        )
    if previous_hash is not None and stored_previous != previous_hash:
        findings.append(
            entry._integrity_finding(
                "link",
                entry.env._(
                    "Entry %(sequence)s (%(name)s): the link to the previous entry is broken.",
                    sequence=sequence,
                    name=entry.name,
                ),
                sequence,
            )
        )
    return findings


class AccountRelanceEvent(models.Model):
    _inherit = "account.relance.event"

    def _integrity_finding(self, code, message, sequence=None):
        return {
            "code": code,
            "sequence": sequence,
            "event_id": self.id or False,
            "event_name": self.name or "",
            "message": message,
        }

    @api.model
    def _integrity_findings(self, company):
        """Recompute the whole chain of ``company``; return the findings (empty
        when intact). Each finding is a dict ``code, sequence, event_id,
        event_name, message`` (message in French / English). Codes: ``altered``
        (stored content differs from its seal), ``document`` (a document's bytes
        or presence changed), ``seal`` (hash not the SHA-256 of its payload),
        ``link`` (previous hash not the one of the entry before), ``gap``
        (entries missing: deleted events), ``duplicate`` (two entries with one
        number), ``unsealed`` (sent or cancelled-after-sending without its
        seal), ``state`` (sealed event no longer in a sealed state), ``head``
        (the recorded chain head is not the last entry: tail deleted)."""
        company.ensure_one()
        self.env.flush_all()
        self.env.invalidate_all()
        Event = self.sudo().with_context(active_test=False)
        findings = []
        events = Event.search([("company_id", "=", company.id)], order="id")
        for event in events:
            findings += event._integrity_check_state()
        entries = self._chain_entries(company)
        expected, previous_hash = 1, SEAL_GENESIS
        seen = {}
        Declaration = self.env["account.relance.declaration"].sudo()
        for sequence, digest, record_id, kind in entries:
            event = (
                Declaration.browse(record_id)
                if kind == "declaration"
                else Event.browse(record_id)
            )
            if sequence in seen:
                findings.append(
                    event._integrity_finding(
                        "duplicate",
                        self.env._(
                            "Entry number %(sequence)s is used by %(other)s and %(name)s: the chain forked.",
                            sequence=sequence,
                            other=seen[sequence],
                            name=event.name,
                        ),
                        sequence,
                    )
                )
                continue
            seen[sequence] = event.name
            if sequence > expected:
                findings.append(
                    event._integrity_finding(
                        "gap",
                        self.env._(
                            "Entries %(first)s to %(last)s are missing from the chain: deleted reminder(s).",
                            first=expected,
                            last=sequence - 1,
                        ),
                        expected,
                    )
                )
            elif sequence < expected:
                findings.append(
                    event._integrity_finding(
                        "gap",
                        self.env._(
                            "Invalid entry number %(sequence)s for %(name)s.",
                            sequence=sequence,
                            name=event.name,
                        ),
                        sequence,
                    )
                )
            findings += event._integrity_check_entry(
                kind, sequence, digest, previous_hash if sequence == expected else None
            )
            expected, previous_hash = sequence + 1, digest
        findings += self._integrity_check_head(company, entries)
        return findings

    def _integrity_check_state(self):
        self.ensure_one()
        if self.state == "sent" and not self.seal_hash:
            message = self.env._(
                "Reminder %(name)s is sent but has no seal.",
                name=self.name,
            )
        elif self.state == "cancelled" and self.seal_hash and not self.cancel_seal_hash:
            message = self.env._(
                "Sent reminder %(name)s is cancelled without a cancellation seal.",
                name=self.name,
            )
        elif (self.seal_hash and self.state not in ("sent", "cancelled")) or (
            self.cancel_seal_hash and self.state != "cancelled"
        ):
            message = self.env._(
                "Sealed reminder %(name)s was moved to state '%(state)s'.",
                name=self.name,
                state=self.state,
            )
        else:
            return []
        code = "state" if self.seal_hash or self.cancel_seal_hash else "unsealed"
        return [self._integrity_finding(code, message, self.seal_sequence or None)]

    def _integrity_check_entry(self, kind, sequence, digest, previous_hash):
        """Findings of one entry; ``previous_hash`` None after a gap."""
        self.ensure_one()
        prefix = "cancel_seal" if kind == "cancel" else "seal"
        text = self[f"{prefix}_payload"] or ""
        stored_previous = self[f"{prefix}_previous_hash"]
        payload = load_payload(text)
        findings = seal_and_link_findings(
            self, sequence, text, payload, digest, previous_hash, stored_previous
        )
        if not payload:
            return findings
        sealed = payload.get("content") or {}
        current = self._seal_content(kind, sequence, stored_previous)
        labels = payload.get("labels") or {}
        findings += self._integrity_compare(sequence, sealed, current, labels)
        return findings

    @api.model
    def _integrity_diff_by_id(self, sealed, current, labels, describe, shown):
        """Differences between two lists of dicts keyed by ``id``: added and
        removed entries (``shown`` gives what to print) and changed ones
        (``describe(label, old, new)`` gives the lines)."""
        sealed_by_id = {entry["id"]: entry for entry in sealed}
        current_by_id = {entry["id"]: entry for entry in current}
        changes = []
        for entry_id in sorted(set(sealed_by_id) | set(current_by_id)):
            label = labels.get(str(entry_id)) or f"#{entry_id}"
            old, new = sealed_by_id.get(entry_id), current_by_id.get(entry_id)
            if old is None:
                changes.append(f"{label}: + {shown(new)}")
            elif new is None:
                changes.append(f"{label}: - {shown(old)}")
            else:
                changes += describe(label, old, new)
        return changes

    def _integrity_compare(self, sequence, sealed, current, labels):
        """Name what differs between the sealed content and the stored event."""
        changes, documents = [], []
        for key in sorted((set(sealed) | set(current)) - {"lines", "documents"}):
            if sealed.get(key) != current.get(key):
                changes.append(f"{key}: {sealed.get(key)!r} → {current.get(key)!r}")
        changes += self._integrity_diff_by_id(
            sealed.get("lines", []),
            current.get("lines", []),
            labels.get("invoices", {}),
            lambda label, old, new: [
                f"{label} {key}: {old.get(key)!r} → {new.get(key)!r}"
                for key in sorted(set(old) | set(new))
                if old.get(key) != new.get(key)
            ],
            lambda entry: entry,
        )
        documents += self._integrity_diff_by_id(
            sealed.get("documents", []),
            current.get("documents", []),
            labels.get("documents", {}),
            lambda label, old, new: (
                [f"{label}: {old['sha256']} → {new['sha256']}"]
                if old["sha256"] != new["sha256"]
                else []
            ),
            lambda entry: entry["sha256"],
        )
        findings = []
        if changes:
            findings.append(
                self._integrity_finding(
                    "altered",
                    self.env._(
                        "Entry %(sequence)s: reminder %(name)s was altered after it was sealed (%(changes)s).",
                        sequence=sequence,
                        name=self.name,
                        changes="; ".join(changes),
                    ),
                    sequence,
                )
            )
        if documents:
            findings.append(
                self._integrity_finding(
                    "document",
                    self.env._(
                        "Entry %(sequence)s: the documents sent with %(name)s no longer match their SHA-256 (%(changes)s).",
                        sequence=sequence,
                        name=self.name,
                        changes="; ".join(documents),
                    ),
                    sequence,
                )
            )
        return findings

    @api.model
    def _integrity_check_head(self, company, entries):
        """The head recorded outside the events (system parameter updated at
        every seal) catches the deletion of the last entries."""
        self.env.cr.execute(
            "SELECT value FROM ir_config_parameter WHERE key = %s",
            [SEAL_HEAD_PARAM % company.id],
        )
        row = self.env.cr.fetchone()
        if not row and not entries:
            return []
        head_sequence, _sep, head_hash = (row[0] if row else "").partition(":")
        last_sequence, last_hash = entries[-1][:2] if entries else (0, SEAL_GENESIS)
        if row and head_sequence == str(last_sequence) and head_hash == last_hash:
            return []
        return [
            self.browse()._integrity_finding(
                "head",
                self.env._(
                    "The recorded chain head (%(head)s) is not the last entry (%(last)s): final entries were deleted or altered.",
                    head=head_sequence or "-",
                    last=last_sequence,
                ),
                int(head_sequence) if head_sequence.isdigit() else None,
            )
        ]

    @api.model
    def _integrity_summary(self, company):
        """The check's result, ready for reports and exports."""
        findings = self._integrity_findings(company)
        entries = self._chain_entries(company)
        return {
            "company": company,
            "ok": not findings,
            "findings": findings,
            "entries": len(entries),
            "head_sequence": entries[-1][0] if entries else 0,
            "head_hash": entries[-1][1] if entries else SEAL_GENESIS,
            "checked_at": fields.Datetime.now(),
            "flagged": {f["event_id"] for f in findings if f["event_id"]},
        }
