"""19.0.1.6.0 (#30): *Inquiries and Contracts* reads its pivot and graph from a summary.

``crm.rank.report.summary`` is new: counted here once from every deal (one
query), as the daily job counts it again each night; until then the report
would answer from the deals, slower but the same figures.
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    api.Environment(cr, SUPERUSER_ID, {})["crm.rank.report.summary"]._cron_rebuild()
