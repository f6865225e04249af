"""Take the README screenshots of a running Odoo with the demo database.

Usage (Odoo served by ``bash tools/run.sh`` on 127.0.0.1:8069 in another shell):

    python3 tools/screenshots.py --url http://127.0.0.1:8069 --db crm_rank_demo

Logs in through JSON-RPC, drives headless Chromium over the DevTools protocol
(``websocket-client``, installed with requirements-dev.txt) and writes PNG files
to ``docs/``, or to ``static/description/`` for a screenshot the Apps page shows
too (a file of that name is there): the README shows it from there, one copy
only. Only loopback URLs are accepted.
"""

import argparse
import base64
import json
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import websocket

ROOT = pathlib.Path(__file__).resolve().parent.parent
DESCRIPTION = ROOT / "static" / "description"  # the Apps page (index.html)
# The rank tab of the customer form (its page's name in the view).
RANK_TAB = ".o_notebook a.nav-link[name='crm_rank']"
SHOTS = [
    # (file, path under /odoo, what to wait for, clicks then what to wait for after each)
    ("pipeline-by-rank.png", "action-crm_customer_rank.crm_lead_action_rank", ".o_kanban_group", []),
    ("customers-by-rank.png", "action-crm_customer_rank.res_partner_action_crm_rank", ".o_kanban_group", []),
    ("customer-form.png", "action-crm_customer_rank.res_partner_action_crm_rank/{partner}", ".o_form_view", []),
    ("report.png", "action-crm_customer_rank.crm_rank_report_action", ".o_pivot", []),
    (
        "report-graph.png",
        "action-crm_customer_rank.crm_rank_report_action?view_type=graph",
        ".o_graph_renderer canvas",
        [],
    ),
    (
        "customers-per-rank.png",
        "action-crm_customer_rank.crm_rank_snapshot_action",
        ".o_graph_renderer canvas",
        [],
    ),
    (
        "defection-wizard.png",
        "action-crm_customer_rank.res_partner_action_crm_rank/{partner}",
        ".o_form_view",
        [(RANK_TAB, ".o_form_view button .fa-ban"), (".o_form_view button:has(.fa-ban)", ".modal .o_form_view")],
    ),
    ("mailing-excluded.png", "action-mass_mailing.mailing_mailing_action_mail/{mailing}", ".o_form_view", []),
    # the after-care week: the due list on this week's work, an overdue item
    ("aftercare-due.png", "action-crm_customer_rank.crm_aftercare_item_action", ".o_list_view .o_data_row", []),
    (
        "aftercare-item.png",
        "action-crm_customer_rank.crm_aftercare_item_action/{item}",
        ".o_form_view .o_crm_aftercare_overdue",
        [],
    ),
    ("caller-lookup.png", "action-crm_customer_rank.res_partner_action_caller_lookup", ".o_list_view .o_data_row", []),
    # a house sold: its owners, from when to when
    (
        "property-form.png",
        "action-crm_customer_rank.crm_property_action/{property}",
        ".o_form_view",
        [(".o_notebook a.nav-link[name='owners']", ".o_field_widget[name='owner_ids'] .o_data_row")],
    ),
    # the completion survey (#29): a dissatisfied customer, the result on the rank tab
    (
        "survey-result.png",
        "action-crm_customer_rank.res_partner_action_crm_rank/{surveyed}",
        "button[name='action_open_crm_surveys']",
        [(RANK_TAB, ".o_field_widget[name='crm_survey_satisfaction']")],
    ),
    # how customers move (#28): from x to, between ranks
    ("rank-movements.png", "action-crm_customer_rank.crm_rank_movement_report_action", ".o_pivot", []),
    ("funnel.png", "action-crm_customer_rank.crm_rank_movement_report_action_funnel", ".o_pivot", []),
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def json_rpc(url, path, params, cookie=None):
    data = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}).encode()
    request = urllib.request.Request(url + path, data, {"Content-Type": "application/json"})
    if cookie:
        request.add_header("Cookie", f"session_id={cookie}")
    with urllib.request.urlopen(request, timeout=60) as response:
        body = json.loads(response.read())
        session = response.headers.get("Set-Cookie", "")
    if body.get("error"):
        raise SystemExit(f"Odoo answered an error: {body['error']}")
    cookie = cookie or session.split("session_id=")[1].split(";")[0]
    return body["result"], cookie


class Browser:
    """Just enough of the Chrome DevTools protocol to navigate and capture."""

    def __init__(self, chromium, width=1440, height=900):
        self.port = free_port()
        self.profile = tempfile.mkdtemp(prefix="crm-rank-shots-")
        self.process = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--disable-quic", f"--user-data-dir={self.profile}",
             f"--remote-debugging-port={self.port}", f"--window-size={width},{height}",
             "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for _attempt in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json") as res:
                    pages = [t for t in json.loads(res.read()) if t["type"] == "page"]
                if pages:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            raise SystemExit("Chromium did not start")
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=60)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                return message.get("result", {})

    def wait_for(self, selector, timeout=30):
        expression = f"!!document.querySelector({json.dumps(selector)})"
        deadline = time.time() + timeout
        while time.time() < deadline:
            result = self.call("Runtime.evaluate", expression=expression)
            if result.get("result", {}).get("value"):
                time.sleep(1.5)  # let fonts and badges settle
                return
            time.sleep(0.3)
        raise SystemExit(f"{selector} did not appear")

    def click(self, selector):
        expression = f"document.querySelector({json.dumps(selector)}).click()"
        self.call("Runtime.evaluate", expression=expression)

    def close(self):
        self.ws.close()
        self.process.terminate()
        self.process.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default="crm_rank_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--lang", default="ja_JP")
    parser.add_argument("--out", default=str(ROOT / "docs"))
    parser.add_argument("--only", action="append", metavar="FILE", help="take only this shot (repeatable)")
    args = parser.parse_args()
    host = urllib.parse.urlparse(args.url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("screenshots are taken of a local Odoo only")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        raise SystemExit("chromium is missing (apt-get install chromium)")
    _uid, cookie = json_rpc(
        args.url, "/web/session/authenticate",
        {"db": args.db, "login": args.login, "password": args.password},
    )
    partner_ids, _cookie = json_rpc(
        args.url, "/web/dataset/call_kw",
        {"model": "res.partner", "method": "search", "args": [[("crm_rank", "=", "dormant")]],
         "kwargs": {"limit": 1, "order": "id"}},
        cookie,
    )
    json_rpc(
        args.url, "/web/dataset/call_kw",
        {"model": "res.users", "method": "write",
         "args": [[_uid["uid"]], {"lang": args.lang}], "kwargs": {}},
        cookie,
    )
    # a mailing to every contact: its form says how many defected customers are left out
    model_ids, _cookie = json_rpc(
        args.url, "/web/dataset/call_kw",
        {"model": "ir.model", "method": "search", "args": [[("model", "=", "res.partner")]], "kwargs": {}},
        cookie,
    )
    mailing_id, _cookie = json_rpc(
        args.url, "/web/dataset/call_kw",
        {"model": "mailing.mailing", "method": "create",
         "args": [{"subject": "冬のリフォーム相談会のご案内", "mailing_model_id": model_ids[0],
                   "mailing_domain": "[]", "body_html": "<p>冬のリフォーム相談会を開催します。</p>"}],
         "kwargs": {}},
        cookie,
    )
    # an overdue item of this week's work
    item_ids, _cookie = json_rpc(
        args.url, "/web/dataset/call_kw",
        {"model": "crm.aftercare.item", "method": "search",
         "args": [[("is_current", "=", True), ("due_date", "<", time.strftime("%Y-%m-%d"))]],
         "kwargs": {"limit": 1, "order": "due_date"}},
        cookie,
    )
    # a house sold to a new owner (the demo's)
    property_ids, _cookie = json_rpc(
        args.url, "/web/dataset/call_kw",
        {"model": "crm.property", "method": "search", "args": [[("owner_ids.date_to", "!=", False)]],
         "kwargs": {"limit": 1, "order": "id"}},
        cookie,
    )
    # a customer who answered the completion survey dissatisfied (the demo's)
    surveyed, _cookie = json_rpc(
        args.url, "/web/dataset/call_kw",
        {"model": "survey.user_input", "method": "search_read",
         "args": [[("crm_satisfaction", "=", "bad")], ["crm_customer_id"]],
         "kwargs": {"limit": 1, "order": "id"}},
        cookie,
    )
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    browser = Browser(chromium)
    try:
        browser.call("Network.enable")
        # the demo company's time zone, not the machine's: office hours read as such
        browser.call("Emulation.setTimezoneOverride", timezoneId="Asia/Tokyo")
        browser.call("Network.setCookie", name="session_id", value=cookie,
                     domain=host, path="/")
        for name, path, selector, clicks in SHOTS:
            if args.only and name not in args.only:
                continue
            path = path.format(
                partner=partner_ids[0] if partner_ids else "",
                mailing=mailing_id,
                item=item_ids[0] if item_ids else "",
                property=property_ids[0] if property_ids else "",
                surveyed=surveyed[0]["crm_customer_id"][0] if surveyed else "",
            )
            browser.call("Page.navigate", url=f"{args.url}/odoo/{path}")
            browser.wait_for(selector)
            for target, then in clicks:
                browser.click(target)
                browser.wait_for(then)
            shot = browser.call("Page.captureScreenshot", format="png")
            target = DESCRIPTION / name if (DESCRIPTION / name).exists() else out / name
            target.write_bytes(base64.b64decode(shot["data"]))
            print(f"wrote {target}")
    finally:
        browser.close()
        json_rpc(
            args.url, "/web/dataset/call_kw",
            {"model": "mailing.mailing", "method": "unlink", "args": [[mailing_id]], "kwargs": {}},
            cookie,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
