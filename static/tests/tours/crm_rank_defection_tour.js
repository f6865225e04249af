import { registry } from "@web/core/registry";

// A sales manager marks a contracted customer defected from the customer's
// form: the rank badge turns to defected.
registry.category("web_tour.tours").add("crm_rank_defection_tour", {
    steps: () => [
        {
            trigger: ".o_form_view .o_field_badge[name='crm_rank']:contains('Contracted')",
            content: "The customer is contracted",
        },
        {
            trigger: ".o_notebook .nav-link[name='crm_rank']",
            content: "Open the Customer Rank tab",
            run: "click",
        },
        {
            trigger: ".o_notebook button:contains('Mark Defected')",
            content: "Mark the customer defected",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name='partner_ids']:contains('Tour Defector Kato')",
            content: "The wizard is for the customer",
        },
        {
            trigger: ".modal .o_field_widget[name='reason'] input[data-value='complaint']",
            content: "The customer complained",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name='note'] textarea",
            content: "Write what happened",
            run: "edit Angry about the leaking bath",
        },
        {
            trigger: ".modal button[name='action_confirm']",
            content: "Mark defected",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
            content: "The wizard is closed",
        },
        {
            trigger: ".o_form_view .o_field_badge[name='crm_rank'] .text-bg-danger:contains('Defected')",
            content: "The rank badge shows defected, in the defected rank's colour",
        },
        {
            trigger: ".o_form_view .alert-danger:contains('Defected customer')",
            content: "The form warns that the customer gets no marketing",
        },
    ],
});
