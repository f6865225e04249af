"""19.0.1.5.0: the after-care items and the equipment name their house (``property_id``).

The field is related to the deal's property, which no deal has before this
upgrade: its columns are created empty here, so that Odoo does not compute
every existing item and equipment through the ORM (all of them at once) only
to find nothing. ``post-29-property.py`` then gives the deals their houses,
and the ORM fills the items and equipment of those deals.
"""

from odoo.tools import sql

COLUMNS = {"crm_aftercare_item": "property_id", "crm_aftercare_equipment": "property_id"}


def migrate(cr, version):
    if not version:
        return
    for table, column in COLUMNS.items():
        if sql.table_exists(cr, table) and not sql.column_exists(cr, table, column):
            sql.create_column(cr, table, column, "int4")
