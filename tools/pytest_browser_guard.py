"""pytest plugin: a browser test that skips is a failure.

Odoo's HttpCase turns "no Chrome", "no websocket-client" or "Chrome did not
answer" into unittest.SkipTest (and pytest-odoo skips every HttpCase without
--odoo-http), so a machine without a browser would report a green run that
never ran the tours. tools/test.sh loads this plugin with
``-p pytest_browser_guard`` so such a skip is reported as a failed test, and
pytest's own summary line (the last line of the run) says so.
"""

import re

import pytest

# Reasons raised by odoo/tests/common.py (ChromeBrowser) when it gives up, and
# pytest-odoo's own "it is an HttpCase and --odoo-http is not set".
BROWSER_SKIP = re.compile(
    r"chrom|websocket|devtools|browser|HttpCase",
    re.IGNORECASE,
)


def _skip_reason(report):
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr or "")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = _skip_reason(report)
    if BROWSER_SKIP.search(reason):
        report.outcome = "failed"
        report.longrepr = (
            f"Browser test skipped, treated as a failure: {reason}\n"
            "Install Chromium (apt-get install chromium) and websocket-client "
            "(requirements-dev.txt); tools/test.sh does both when run as root."
        )
