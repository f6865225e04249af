"""19.0.1.3.0: the comeback of each dormant event is stored on its history row.

*Reactivation Rate* reads ``crm.rank.history.reactivation_id`` and
``reactivation_date`` instead of searching each dormant event's comeback; the
columns are new, filled here once from the whole history (one query).
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    api.Environment(cr, SUPERUSER_ID, {})["crm.rank.history"]._store_comebacks()
