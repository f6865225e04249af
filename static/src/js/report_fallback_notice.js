import { markup } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { rpc } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";

/**
 * When PDF printing is not available (wkhtmltopdf missing or broken, or a single
 * worker), Odoo 19 shows the report as a web page with a notice whose link to
 * wkhtmltopdf.org is plain text (web/static/src/webclient/actions/reports/utils.js
 * builds it as a string, "FIXME missing markup"): the notification escapes it and
 * the user reads raw HTML. For the addon's printouts (warranty certificate,
 * inspection sheet, call list) the check is made here, the notice says what to do
 * with a real link, and the web page opens as Odoo's fallback would.
 */
const ADDON_REPORT_PREFIX = "crm_customer_rank.";

let wkhtmltopdfState = null;

function fallbackMessage(state) {
    const link = markup`<a href="https://wkhtmltopdf.org/" target="_blank" rel="noopener">wkhtmltopdf.org</a>`;
    if (state === "workers") {
        return _t(
            "PDF printing needs Odoo started with at least two workers. The document is shown as a web page: print it from the browser."
        );
    }
    if (state === "broken") {
        return _t(
            "The PDF converter wkhtmltopdf does not work on this server. The document is shown as a web page: print it from the browser. %(link)s",
            { link }
        );
    }
    return _t(
        "The PDF converter wkhtmltopdf is not installed on this server (Debian: apt-get install wkhtmltopdf; tools/run.sh installs it). The document is shown as a web page: print it from the browser. %(link)s",
        { link }
    );
}

export async function crmReportFallbackHandler(action, options, env) {
    if (action.report_type !== "qweb-pdf" || !action.report_name?.startsWith(ADDON_REPORT_PREFIX)) {
        return false;
    }
    wkhtmltopdfState ||= rpc("/report/check_wkhtmltopdf");
    const state = await wkhtmltopdfState;
    if (["ok", "upgrade"].includes(state)) {
        return false; // Odoo downloads the PDF
    }
    env.services.notification.add(fallbackMessage(state), {
        sticky: true,
        title: _t("Printing"),
    });
    await env.services.action.doAction({ ...action, report_type: "qweb-html" }, options);
    return true;
}

registry
    .category("ir.actions.report handlers")
    .add("crm_customer_rank_fallback_notice", crmReportFallbackHandler);
