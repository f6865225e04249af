import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// A receptionist takes a call: finds the caller in the contacts by the number read out
// (typed with hyphens, Enter: no explicit phone filter)
// and sees at once how to treat them (hint on the card, guidance on the form).
registry.category("web_tour.tours").add("crm_rank_receptionist_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            trigger: ".o_app[data-menu-xmlid='contacts.menu_contacts']",
            content: "Open Contacts",
            run: "click",
        },
        {
            trigger: ".o_searchview_input",
            content: "Type the caller's number as read out, with hyphens",
            run: "edit 03-5555-0101",
        },
        {
            trigger: ".o_searchview_input",
            content: "Press Enter: the default search also looks at the phone numbers",
            run: "press Enter",
        },
        {
            trigger: ".o_searchview_facet:contains('03-5555-0101')",
            content: "The search is applied",
        },
        {
            trigger: ".o_data_row:contains('Tour Caller Sato')",
            content: "The caller is found, though their number is stored as +81 3-5555-0101",
        },
        {
            trigger: ".o_list_renderer:not(:has(.o_data_row:contains('Tour Other Caller')))",
            content: "Only the caller is left",
        },
        {
            trigger: ".o_data_row:contains('Tour Caller Sato') td[name='crm_rank_hint']:contains('Lost: follow the playbook')",
            content: "The list shows how to treat the customer",
        },
        {
            trigger: ".o_switch_view.o_kanban",
            content: "Switch to the cards",
            run: "click",
        },
        {
            trigger: ".o_kanban_record:contains('Tour Caller Sato') .o_crm_rank_hint:contains('Lost: follow the playbook')",
            content: "The card shows how to treat the customer",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_crm_rank_guidance:contains('Their last deal was lost')",
            content: "The form shows the guidance",
        },
        {
            trigger: ".o_form_view .o_crm_rank_guidance:contains('Invite them to the autumn campaign')",
            content: "with the playbook of the last lost reason",
        },
    ],
});
