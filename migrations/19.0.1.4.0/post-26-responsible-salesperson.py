"""19.0.1.4.0: one customer, one responsible salesperson (#26).

Customers without a salesperson get the one of their latest won deal (else of
their latest deal), as a new install does; the after-care items and installed
equipment, whose salesperson was their job's, take the customer's (set-based).
"""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["crm.rank.responsible"]._fill_missing()
    for table in ("crm_aftercare_item", "crm_aftercare_equipment"):
        env.execute_query(
            SQL(
                """
                UPDATE %(table)s t SET user_id = COALESCE(cp.user_id, l.user_id)
                  FROM crm_lead l
                  LEFT JOIN res_partner p ON p.id = l.partner_id
                  LEFT JOIN res_partner cp ON cp.id = p.commercial_partner_id
                 WHERE l.id = t.lead_id AND t.user_id IS DISTINCT FROM COALESCE(cp.user_id, l.user_id)
                """,
                table=SQL.identifier(table),
            )
        )
