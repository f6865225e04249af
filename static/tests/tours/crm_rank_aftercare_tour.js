import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// A salesperson's after-care week. The customer's card tells the next reason to call, marked
// overdue; the due list opens on this week's work (what is overdue, what falls due in the next
// seven days; not next month's visits nor the inspections missed long ago), the overdue item in
// red. An inspection recorded "fine" from the list says so and leaves the list; the overdue one is
// opened (marked overdue, the customer's phone, a note, the chatter), recorded with "repair
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
            trigger:
                ".o_kanban_record:contains('Tour Aftercare Sato') .o_crm_next_aftercare.text-danger:contains('1-month inspection (overdue)')",
            content: "The customer's card says the next reason to call, marked overdue (in red)",
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
            trigger: ".o_searchview_facet:contains(\"This Week's Work\")",
            content: "The due list opens on this week's work",
        },
        {
            trigger: ".o_list_view .o_data_row.text-danger:contains('Tour Aftercare Sato')",
            content: "The overdue inspection is marked in red",
        },
        {
            trigger:
                ".o_list_view:not(:has(.o_data_row:contains('Tour Aftercare Tanaka'))):not(:has(.o_data_row:contains('Tour Aftercare Ito')))",
            content: "Next month's visit and the inspections missed long ago are not this week's work",
        },
        {
            trigger: ".o_list_view .o_data_row:contains('Tour Aftercare Suzuki') button[name='action_done_fine']",
            content: "The inspection due this week went fine",
            run: "click",
        },
        {
            trigger: ".o_notification:contains('Tour Aftercare Suzuki')",
            content: "Recording it says so",
        },
        {
            trigger: ".o_list_view:not(:has(.o_data_row:contains('Tour Aftercare Suzuki')))",
            content: "The recorded inspection leaves the work list",
        },
        {
            trigger: ".o_list_view .o_data_row:contains('Tour Aftercare Sato') td:contains('1-month inspection')",
            content: "Open the overdue inspection",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_crm_aftercare_overdue",
            content: "The form says it is overdue",
        },
        {
            trigger: ".o_form_view .o_field_widget[name='partner_phone']:contains('090-7777-0001')",
            content: "The customer's phone is on the form",
        },
        {
            trigger: ".o_form_view .o-mail-Chatter",
            content: "The item has a chatter",
        },
        {
            trigger: ".o_form_view .o_field_widget[name='note'] textarea",
            content: "Note what the visit found",
            run: "edit Leak under the washbasin",
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
