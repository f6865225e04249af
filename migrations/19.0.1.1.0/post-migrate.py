"""19.0.1.1.0: defections have an origin; the closed months of *Customers per Rank* are stored.

Defections stored before this version were all made by a sales manager.
Customers made defected by a defection loss were derived live and not stored:
the next rank update stores their defection (``crm.rank.defection._store_lost_defections``).
"""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL(
            "UPDATE res_partner SET defection_origin = 'manual'"
            " WHERE is_defected AND defection_origin IS NULL"
        )
    )
    # Customers per Rank reads stored months from this version on
    api.Environment(cr, SUPERUSER_ID, {})["crm.rank.snapshot.month"]._rebuild()
