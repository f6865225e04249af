"""19.0.1.4.0: the deal's form and cards are each extended by one view of the addon.

The views merged into ``crm_lead_view_form`` (its construction, referral request,
guidance and after-care extensions) and into ``crm_lead_view_kanban`` (the
guidance hint) are deleted before the new views load: left in place they would
add their fields a second time. A customisation that inherits one of them is
moved onto the view it was merged into, which holds the same elements.
"""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

MODULE = "crm_customer_rank"
# {merged view: the view that holds its elements now}
MERGED_VIEWS = {
    "crm_lead_view_form_construction": "crm_lead_view_form",
    "crm_lead_view_form_referral_ask": "crm_lead_view_form",
    "crm_lead_view_form_guidance": "crm_lead_view_form",
    "crm_lead_view_form_aftercare": "crm_lead_view_form",
    "crm_lead_view_kanban_guidance": "crm_lead_view_kanban",
}


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    views = env["ir.ui.view"]
    for name, target in MERGED_VIEWS.items():
        view = env.ref(f"{MODULE}.{name}", raise_if_not_found=False)
        if not view:
            continue
        holder = env.ref(f"{MODULE}.{target}", raise_if_not_found=False) or view.inherit_id
        # not validated here (SQL): the holder's new arch is loaded, and checked
        # with its customisations, right after this script
        cr.execute(SQL("UPDATE ir_ui_view SET inherit_id = %s WHERE inherit_id = %s", holder.id, view.id))
        views |= view
    views.invalidate_model(["inherit_id", "inherit_children_ids"])
    # unlinking a view also deletes its XML id
    views.unlink()
