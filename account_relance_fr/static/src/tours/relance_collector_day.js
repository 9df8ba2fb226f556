/** @odoo-module **/
// License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("account_relance_fr_collector_day", {
    url: "/odoo/action-account_relance_fr.account_relance_event_action_to_process",
    steps: () => [
        {
            content: "The queue lists the reminder waiting for a review",
            trigger: ".o_list_view .o_data_row td[name='partner_id']:contains('Durand SARL')",
            run: "click",
        },
        {
            content: "The review screen shows the invoices and the amounts",
            trigger: ".o_form_view div[name='line_ids'] .o_data_row",
        },
        {
            content: "Send the reviewed reminder",
            trigger: ".o_form_view .o_form_statusbar button[name='action_send']:contains('Send')",
            run: "click",
        },
        {
            content: "The registered letter is now to print",
            trigger:
                ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('To print')",
        },
        {
            content: "The letter can be printed from the review screen",
            trigger: ".o_form_view .o_form_statusbar button[name='action_print_letter']",
        },
        {
            content: "Enter the registered letter number",
            trigger: ".o_form_view div[name='registered_number'] input",
            run: "edit 1A 123 456 7890 1",
        },
        {
            content: "Mark the letter as posted",
            trigger: ".o_form_view .o_form_statusbar button:contains('Mark as posted')",
            run: "click",
        },
        {
            content: "The reminder is sent",
            trigger:
                ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Sent')",
        },
    ],
});
