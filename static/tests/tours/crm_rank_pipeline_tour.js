import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// The pipeline switched to the kanban by rank: seven columns, the deal in its
// customer's column, counts in the headers, no rank badge repeated on the cards,
// a lost deal marked without a ribbon over its name, and all seven columns on the
// screen at once; then the customers by rank, seven columns at once too.
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
            trigger: ".o_kanban_group:has(.o_column_title:contains('Contracted')) .o_kanban_counter:contains('1')",
            content: "The column header counts the deals",
        },
        {
            trigger: ".o_kanban_group:has(.o_column_title:contains('Contracted')) .o_kanban_counter .o_crm_rank_count_label:contains('deals')",
            content: "and says that it counts deals (not customers)",
        },
        {
            trigger: ".o_kanban_record:contains('Tour Kitchen'):not(:has(.o_field_badge))",
            content: "The card does not repeat its column's rank",
        },
        {
            trigger: ".o_kanban_group:has(.o_column_title:contains('Lost')) .o_kanban_record:contains('Tour Roof') .o_crm_rank_lost_mark:contains('Lost')",
            content: "A lost deal is marked Lost before its name",
        },
        {
            trigger: ".o_kanban_record:contains('Tour Roof'):not(:has(.o_ribbon:visible))",
            content: "and no ribbon covers the customer's name",
        },
        {
            trigger: ".o_kanban_renderer .o_kanban_group:nth-child(7)",
            content: "The seven columns fit the screen side by side",
            run() {
                const groups = [...document.querySelectorAll(".o_kanban_renderer .o_kanban_group")];
                const renderer = document.querySelector(".o_kanban_renderer");
                const last = groups[6].getBoundingClientRect();
                if (groups.length !== 7 || last.right > renderer.getBoundingClientRect().right + 1) {
                    throw new Error(`the 7th column ends at ${last.right}px, past the screen`);
                }
            },
        },
        {
            trigger: ".o_main_navbar button:contains('Sales')",
            content: "Open the Sales menu",
            run: "click",
        },
        {
            trigger: ".dropdown-item[data-menu-xmlid='crm_customer_rank.res_partner_crm_rank_menu']",
            content: "Open the customers by rank",
            run: "click",
        },
        {
            trigger: ".o_kanban_renderer:has(.o_kanban_group:nth-child(7)) .o_kanban_record:contains('Tour Customer B')",
            content: "Seven compact columns, the customers in them, side by side on the screen",
            run() {
                const groups = [...document.querySelectorAll(".o_kanban_renderer .o_kanban_group")];
                const renderer = document.querySelector(".o_kanban_renderer");
                const last = groups[6].getBoundingClientRect();
                if (groups.length !== 7 || last.right > renderer.getBoundingClientRect().right + 1) {
                    throw new Error(`the 7th column ends at ${last.right}px, past the screen`);
                }
            },
        },
    ],
});
