import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// A manager opens the inquiries and contracts analysis and clicks a figure
// through to the deals behind it.
registry.category("web_tour.tours").add("crm_rank_report_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            trigger: ".o_app[data-menu-xmlid='crm.crm_menu_root']",
            content: "Open CRM",
            run: "click",
        },
        {
            trigger: ".o_main_navbar button:contains('Reporting')",
            content: "Open the Reporting menu",
            run: "click",
        },
        {
            trigger: ".dropdown-item[data-menu-xmlid='crm_customer_rank.crm_rank_report_menu']",
            content: "Open the inquiries and contracts analysis",
            run: "click",
        },
        {
            trigger: ".o_pivot th:contains('Inquiries')",
            content: "The pivot shows inquiries",
        },
        {
            trigger: ".o_pivot th:contains('Conversion Rate')",
            content: "and the conversion rate",
        },
        {
            trigger: ".o_pivot tbody tr:has(th:contains('Rank Tour Salesman')) td.o_pivot_cell_value:last",
            content: "Click the salesperson's inquiries",
            run: "click",
        },
        {
            trigger: ".o_list_renderer .o_data_row:contains('Tour Bathroom')",
            content: "The deals behind the figure are listed",
        },
        {
            trigger: ".o_data_row:contains('Tour Bathroom') button[name='action_open_lead']",
            content: "Open the deal",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name='name']:contains('Tour Bathroom'), .o_form_view .o_field_widget[name='name'] textarea",
            content: "The deal form is open",
        },
    ],
});
