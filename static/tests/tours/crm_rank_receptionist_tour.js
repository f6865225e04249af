import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// A receptionist (reception rights only: no deals, no amounts) takes a call. Her app,
// Reception, opens on the caller lookup: she types the number as read out (with
// hyphens, Enter), and the row shows the caller's rank, how to treat them and the
// responsible salesperson to transfer to; the form says the same at the top. The
// Contacts search finds the caller by the same number too.
registry.category("web_tour.tours").add("crm_rank_receptionist_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            trigger: ".o_app[data-menu-xmlid='crm_customer_rank.crm_rank_reception_menu']",
            content: "Open the Reception app",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_list_renderer",
            content: "The caller lookup opens as a list, without sample records",
            run() {
                if (document.querySelector(".o_view_sample_data")) {
                    throw new Error("sample data on the caller lookup");
                }
            },
        },
        {
            trigger: ".o_searchview_input",
            content: "Type the caller's number as read out, with hyphens",
            run: "edit 03-5555-0101",
        },
        {
            trigger: ".o_searchview_input",
            content: "Press Enter: the default search looks at names and phone numbers",
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
            trigger: ".o_data_row:contains('Tour Caller Sato') td[name='crm_rank']:contains('Lost')",
            content: "The row shows the caller's rank",
        },
        {
            trigger: ".o_data_row:contains('Tour Caller Sato') td[name='crm_rank_hint']:contains('Lost: follow the playbook')",
            content: "and how to treat them",
        },
        {
            trigger: ".o_data_row:contains('Tour Caller Sato') td[name='crm_user_id']:contains('Tour Seller')",
            content: "and the responsible salesperson to transfer the call to",
        },
        {
            trigger: ".o_list_renderer:not(:has(.o_list_monetary, td.o_monetary_cell))",
            content: "No amount anywhere",
        },
        {
            trigger: ".o_data_row:contains('Tour Caller Sato') td[name='complete_name']",
            content: "Open the caller",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_crm_rank_guidance:contains('Their last deal was lost')",
            content: "The form shows the guidance at the top",
        },
        {
            trigger: ".o_form_view .o_crm_rank_guidance .o_crm_rank_responsible:contains('Tour Seller')",
            content: "with the responsible salesperson, not hidden in a tab",
        },
        stepUtils.showAppsMenuItem(),
        {
            trigger: ".o_app[data-menu-xmlid='contacts.menu_contacts']",
            content: "Open Contacts",
            run: "click",
        },
        {
            trigger: ".o_searchview_input",
            content: "Type the caller's number without hyphens",
            run: "edit 0355550101",
        },
        {
            trigger: ".o_searchview_input",
            content: "Press Enter: the default search also looks at the phone numbers",
            run: "press Enter",
        },
        {
            trigger: ".o_searchview_facet:contains('0355550101')",
            content: "The search is applied",
        },
        {
            trigger: ".o_kanban_record:contains('Tour Caller Sato'), .o_data_row:contains('Tour Caller Sato')",
            content: "Contacts find the caller too",
        },
        {
            trigger: ".o_view_controller:not(:has(.o_kanban_record:contains('Tour Other Caller'), .o_data_row:contains('Tour Other Caller')))",
            content: "and only the caller",
        },
    ],
});
