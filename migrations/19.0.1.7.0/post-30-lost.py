"""19.0.1.7.0 (#30): *Lost Analysis* reads its pivot and graph from the summary.

The summary of *Inquiries and Contracts* (``crm.rank.report.summary``) now keeps
the closed month and the lost amount: counted here again from every deal (one
query), as the daily job counts it each night; the rows counted before have
neither.
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    api.Environment(cr, SUPERUSER_ID, {})["crm.rank.report.summary"]._cron_rebuild()
