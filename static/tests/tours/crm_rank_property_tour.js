import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// A salesperson walks a house's form. The house was named by a completed deal (its address):
// the jobs button counts it, the after-care tab lists its inspections, the owners tab its owner.
// The salesperson describes the building (a condominium, 3LDK, built 1998) and records the sale
// of the house: the new owner is chosen, saved, and the owners tab shows both owners, the chatter
// says the planned after-care goes to the new owner.
registry.category("web_tour.tours").add("crm_rank_property_tour", {
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
            trigger: ".dropdown-item:contains('Properties')",
            content: "Open the properties",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row .o_data_cell:contains('Tour House Seller Residence')",
            content: "The house the deal named is listed: open it",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name='floor_plan'] input",
            content: "The house's form",
        },
        {
            trigger: ".o_form_view .oe_stat_button[name='action_open_leads']:contains('1')",
            content: "One job on the house",
        },
        {
            trigger: ".o_form_view .o_notebook .nav-link[name='aftercare']",
            content: "Open the after-care tab",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name='aftercare_item_ids'] .o_data_row:contains('1-year inspection')",
            content: "The house's inspections are listed",
        },
        {
            trigger: ".o_form_view .o_field_widget[name='building_type'] input[data-value='apartment']",
            content: "A condominium",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name='floor_plan'] input",
            content: "Its floor plan",
            run: "edit 3LDK",
        },
        {
            trigger: ".o_form_view .o_field_widget[name='partner_id'] input",
            content: "The house was sold: choose the new owner",
            run: "edit Tour House Buyer",
        },
        {
            trigger: ".ui-autocomplete .dropdown-item:contains('Tour House Buyer')",
            content: "The new owner",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_button_save",
            content: "Save",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_saved",
            content: "Saved",
        },
        {
            trigger: ".o_form_view .o_notebook .nav-link[name='owners']",
            content: "Open the owners tab",
            run: "click",
        },
        {
            trigger:
                ".o_form_view .o_field_widget[name='owner_ids'] .o_data_row:contains('Tour House Seller') + .o_data_row:contains('Tour House Buyer'), .o_form_view .o_field_widget[name='owner_ids'] .o_data_row:contains('Tour House Buyer') + .o_data_row:contains('Tour House Seller')",
            content: "Both owners are listed",
        },
        {
            trigger: ".o-mail-Chatter .o-mail-Message:contains('The planned after-care goes to the new owner')",
            content: "The chatter says the after-care goes to the new owner",
        },
    ],
});
