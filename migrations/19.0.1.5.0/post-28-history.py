"""19.0.1.5.0 (#28): each history row stores its customer's neighbouring changes.

*Rank Movements* and *Time in Rank* read ``crm.rank.history.previous_date``,
``next_rank`` and ``next_date``; the columns are new, filled here once from
the whole history (one query).
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    api.Environment(cr, SUPERUSER_ID, {})["crm.rank.history"]._store_spans()
