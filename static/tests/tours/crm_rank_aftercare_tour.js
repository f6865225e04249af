import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// The customer's card tells the next reason to call; an after-care user opens the due list, records an inspection with "repair
// needed": a repair opportunity opens, and the customer becomes a prospect.
registry.category("web_tour.tours").add("crm_rank_aftercare_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            trigger: ".o_app[data-menu-xmlid='crm.crm_menu_root']",
            content: "Open CRM",
            run: "click",
        },
        {
            trigger: ".o_main_navbar button:contains('Sales')",
            content: "Open the sales menu",
            run: "click",
        },
        {
            trigger: ".dropdown-item:contains('Customers by Rank')",
            content: "Open the customers by rank",
            run: "click",
        },
        {
            trigger: ".o_kanban_record:contains('Tour Aftercare Sato') .o_crm_next_aftercare:contains('1-month inspection')",
            content: "The customer's card says the next reason to call",
        },
        {
            trigger: ".o_main_navbar button:contains('After-care')",
            content: "Open the after-care menu",
            run: "click",
        },
        {
            trigger: ".dropdown-item:contains('Due Items')",
            content: "Open the due list",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row:contains('Tour Aftercare Sato') td:contains('1-month inspection')",
            content: "The customer's 1-month inspection is due",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_done_repair']",
            content: "The inspection found a repair to do",
            run: "click",
        },
        {
            trigger: ".o_breadcrumb .active:contains('Repair after 1-month inspection')",
            content: "The repair opportunity opens",
        },
        {
            trigger: ".o_form_view .o_field_badge[name='crm_rank']:contains('Prospect')",
            content: "The customer is a prospect again",
        },
    ],
});
