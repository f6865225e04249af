"""19.0.1.4.0 (issue 24): the suppression list starts with every defected customer's addresses.

The table is new: it is filled once with the current addresses of every
defected customer and of their contact persons (two queries and one insert).
Addresses changed before the upgrade are not known any more; the addresses of
defected customers deleted before it are on Odoo's blacklists, where the
earlier versions put them, and stay there.
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    cr.execute("SELECT id FROM res_partner WHERE is_defected")
    env["crm.rank.suppression"]._list([row[0] for row in cr.fetchall()])
