import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// The pipeline switched to the kanban by rank: seven columns, the deal in its
// customer's column, cards that can't be dragged to another rank.
registry.category("web_tour.tours").add("crm_rank_pipeline_tour", {
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
            content: "Open the Sales menu",
            run: "click",
        },
        {
            trigger: ".dropdown-item[data-menu-xmlid='crm_customer_rank.crm_lead_rank_menu']",
            content: "Switch to the pipeline by rank",
            run: "click",
        },
        {
            trigger: ".o_kanban_renderer:has(.o_kanban_group:nth-child(7))",
            content: "All seven rank columns are shown",
        },
        {
            trigger: ".o_kanban_group:has(.o_column_title:contains('Prospect')) .o_kanban_record:contains('Tour Bathroom')",
            content: "The open deal is in the prospect column",
        },
        {
            trigger: ".o_kanban_group:has(.o_column_title:contains('Contracted')) .o_kanban_record:contains('Tour Kitchen')",
            content: "The won deal is in the contracted column",
        },
        {
            trigger: ".o_kanban_record:contains('Tour Kitchen') .o_field_badge:contains('Contracted')",
            content: "The card shows the rank badge",
        },
    ],
});
