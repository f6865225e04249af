// A salesperson marks the reactivation call of a dormant customer done from the
// chatter: the outcome wizard opens instead of marking it done at once.
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("crm_rank_outcome_tour", {
    steps: () => [
        {
            trigger: ".o-mail-Activity:contains('Reactivate this dormant customer') .o-mail-Activity-markDone",
            content: "Mark the reactivation call done",
            run: "click",
        },
        {
            trigger: ".o-mail-ActivityMarkAsDone textarea",
            content: "Write what the customer said",
            run: "edit Maybe next spring",
        },
        {
            trigger: ".o-mail-ActivityMarkAsDone button[aria-label='Done']",
            content: "Done",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name='outcome'] input[data-value='not_now']",
            content: "The customer said not now",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name='next_contact_date']",
            content: "The day to call again is proposed",
        },
        {
            trigger: ".modal button[name='action_confirm']",
            content: "Mark done with the outcome",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
            content: "The wizard is closed",
        },
        {
            trigger: ".o-mail-Activity:contains('Contact again')",
            content: "The follow-up is planned",
        },
        {
            trigger: ".o-mail-Message:contains('Maybe next spring')",
            content: "The call is in the chatter with what the customer said",
        },
    ],
});
