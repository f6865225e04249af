import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// A salesperson loses a deal over the budget: the deal shows lost, and the
// follow-up of the budget playbook is planned in its chatter.
registry.category("web_tour.tours").add("crm_rank_lost_budget_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            trigger: ".o_app[data-menu-xmlid='crm.crm_menu_root']",
            content: "Open CRM",
            run: "click",
        },
        {
            trigger: ".o_kanban_record:contains('Tour Lost Roof')",
            content: "Open the deal from the pipeline",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_badge[name='crm_rank']:contains('Prospect')",
            content: "The customer is a prospect",
        },
        {
            trigger: ".o_form_view .o_statusbar_buttons button[data-hotkey='l']:contains('Lost')",
            content: "Mark the deal lost",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name='lost_reason_id'] .o_selection_badge:contains('Over budget')",
            content: "The customer's budget was too small",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name='lost_reason_id'] .o_selection_badge.active:contains('Over budget')",
            content: "The reason is chosen",
        },
        {
            trigger: ".modal button[name='action_lost_reason_apply']",
            content: "Mark as lost",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
            content: "The wizard is closed",
        },
        {
            trigger: ".o_form_view .ribbon:contains('Lost')",
            content: "The deal is lost",
        },
        {
            trigger: ".o_form_view .o_field_badge[name='crm_rank']:contains('Lost')",
            content: "The rank badge shows lost",
        },
        {
            trigger: ".o-mail-Activity:contains('Invite to the next campaign or discount event')",
            content: "The follow-up of the budget playbook is planned",
        },
    ],
});
