/** @odoo-module **/
// License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import {registry} from "@web/core/registry";

// The customer opens the link of its reminder email (no login) and disputes
// its first invoice.
registry.category("web_tour.tours").add("account_relance_fr_statement_dispute", {
    steps: () => [
        {
            content: "The statement lists the open invoices with the interest to date",
            trigger: ".o_relance_invoices tr.o_relance_invoice:eq(2)",
        },
        {
            content: "The reminder received is listed",
            trigger: ".o_relance_reminders tbody tr",
        },
        {
            content: "Dispute the first invoice",
            trigger: "tr.o_relance_invoice:eq(0) .o_relance_dispute_toggle",
            run: "click",
        },
        {
            content: "Choose the reason",
            trigger: "tr.o_relance_dispute_row.show select[name='reason']",
            run: "select defective",
        },
        {
            content: "Explain",
            trigger: "tr.o_relance_dispute_row.show textarea[name='comment']",
            run: "edit The doors delivered are not the ones ordered",
        },
        {
            content: "Send the dispute",
            trigger: "tr.o_relance_dispute_row.show button[type='submit']",
            run: "click",
        },
        {
            content: "The dispute is recorded",
            trigger: ".o_relance_done",
        },
        {
            content: "The invoice shows its dispute",
            trigger: "tr.o_relance_invoice:eq(0) .o_relance_disputed",
        },
    ],
});

// The customer comes back through the same link: it sees its dispute and
// promises to pay the second invoice (the date offered by default).
registry.category("web_tour.tours").add("account_relance_fr_statement_promise", {
    steps: () => [
        {
            content: "The dispute entered earlier is shown",
            trigger: "tr.o_relance_invoice:eq(0) .o_relance_disputed",
        },
        {
            content: "Promise to pay the second invoice",
            trigger: "tr.o_relance_invoice:eq(1) .o_relance_promise_toggle",
            run: "click",
        },
        {
            content: "Send the promise for the date offered",
            trigger: "tr.o_relance_promise_row.show button[type='submit']",
            run: "click",
        },
        {
            content: "The promise is recorded",
            trigger: ".o_relance_done",
        },
        {
            content: "The invoice shows the promised date",
            trigger: "tr.o_relance_invoice:eq(1) .o_relance_promised",
        },
    ],
});
