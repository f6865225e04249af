"""19.0.1.4.0: the fax number becomes the field of OCA's partner_fax.

Up to 19.0.1.3.0 the addon declared ``res.partner.fax`` itself; from 19.0.1.4.0
it depends on ``partner_fax``, which declares the same field on the same
column. The upgrade installs ``partner_fax`` first (a new dependency), which
takes the existing column and its numbers as they are. What could still lose
them is the end of the upgrade, when Odoo deletes the fields this addon no
longer declares, with their columns: it deletes a field only through the
addon's own external id of it, and only when no other module has one. This
script hands that external id over before the addon loads, so the field and
its numbers stay whatever the order in which the two modules were loaded:
to partner_fax when it has none yet, otherwise the addon's is dropped.
"""

import logging

from odoo.tools import SQL

_logger = logging.getLogger(__name__)

ADDON = "crm_customer_rank"
OWNER = "partner_fax"
XMLID_NAME = "field_res_partner__fax"


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL(
            "SELECT module, id FROM ir_model_data WHERE model = 'ir.model.fields' AND name = %s AND module IN %s",
            XMLID_NAME,
            (ADDON, OWNER),
        )
    )
    ids = dict(cr.fetchall())
    if ADDON not in ids:
        return
    if OWNER in ids:
        cr.execute(SQL("DELETE FROM ir_model_data WHERE id = %s", ids[ADDON]))
    else:
        cr.execute(SQL("UPDATE ir_model_data SET module = %s WHERE id = %s", OWNER, ids[ADDON]))
    cr.execute(SQL("SELECT COUNT(*) FROM res_partner WHERE NULLIF(TRIM(fax), '') IS NOT NULL"))
    _logger.info("%s: res.partner.fax handed over to %s, %s fax numbers kept", ADDON, OWNER, cr.fetchone()[0])
