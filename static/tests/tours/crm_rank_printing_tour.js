import { registry } from "@web/core/registry";

// An administrator prints an inspection sheet on a server without wkhtmltopdf, in a company that
// never chose a document layout: no layout dialog (Odoo's preview of a US invoice), a notice with a
// real link (not Odoo's escaped HTML), and the sheet shown as a web page to print from the browser.
registry.category("web_tour.tours").add("crm_rank_printing_tour", {
    steps: () => [
        {
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_print_inspection_sheet']",
            content: "Print the inspection sheet of the visit",
            run: "click",
        },
        {
            trigger: ".o_notification:has(a[href='https://wkhtmltopdf.org/'])",
            content: "The notice says why there is no PDF, with a link",
        },
        {
            trigger: ".o_notification:not(:contains('<a href'))",
            content: "No raw HTML in the notice",
        },
        {
            trigger: ".o_action:has(iframe[src*='report_crm_aftercare_inspection'])",
            content: "The sheet opens as a web page",
        },
        {
            trigger: "body:not(:has(.modal .o_document_layout))",
            content: "No document-layout dialog",
        },
    ],
});
