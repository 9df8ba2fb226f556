# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The dispatcher and the sending hours: which companies' reminders may
leave at a moment, and when to wake the dispatcher for the others."""

from datetime import date, datetime

from odoo import api, fields, models


class AccountRelanceEvent(models.Model):
    _inherit = "account.relance.event"

    @api.model
    def _dispatch_open_company_ids(self, now=None):
        """Ids of the companies with queued reminders whose sending hours are
        open at ``now`` (naive UTC; default: now), or ``None`` (every company)
        when ``now`` is a plain day. The dispatcher is woken up again at the
        next opening of the companies kept waiting."""
        if isinstance(now, date) and not isinstance(now, datetime):
            return None
        moment = now or fields.Datetime.now()
        companies = [
            company
            for (company,) in self.sudo()._read_group(
                [("state", "=", "queued")], ["company_id"]
            )
        ]
        open_ids, openings = [], []
        for company in companies:
            if company._relance_sending_open(moment):
                open_ids.append(company.id)
                continue
            opening = company._relance_next_sending(moment)
            if opening:
                openings.append(opening)
        if openings and now is None:
            # The scheduled action runs hourly; it also runs at the opening.
            self.env.ref("account_relance_fr.ir_cron_relance_dispatch")._trigger(
                at=min(openings)
            )
        return open_ids
