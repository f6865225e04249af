"""19.0.1.2.0: one views file per extended model; the customer form, list and cards
are extended by one view each.

The views merged into ``res_partner_view_form``, ``res_partner_view_list`` and
``res_partner_view_kanban`` are deleted before the new views load: left in place,
the old defection view would move a field the new form no longer has where it
looks for it, and the update would stop. A customisation that inherits one of
them inherits, from then on, the view it was merged into (the database refuses
to delete a view that another inherits).
"""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

MERGED_VIEWS = (
    "res_partner_view_form_defection",
    "res_partner_view_form_followup",
    "res_partner_view_form_reactivation",
    "res_partner_view_form_quiet_reason",
    "res_partner_view_form_guidance",
    "res_partner_view_list_guidance",
    "res_partner_view_kanban_guidance",
)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    merged = env["ir.model.data"].search(
        [("module", "=", "crm_customer_rank"), ("model", "=", "ir.ui.view"), ("name", "in", MERGED_VIEWS)]
    )
    # the view holding a merged view's elements now: the one its name starts with
    cr.execute(
        SQL(
            """
            UPDATE ir_ui_view child SET inherit_id = holder.res_id
              FROM ir_model_data merged, ir_model_data holder
             WHERE child.inherit_id = merged.res_id
               AND merged.id = ANY(%(merged)s)
               AND holder.module = merged.module AND holder.model = 'ir.ui.view'
               AND holder.name IN ('res_partner_view_form', 'res_partner_view_list', 'res_partner_view_kanban')
               AND merged.name LIKE holder.name || '%%'
            """,
            merged=merged.ids,
        )
    )
    env["ir.ui.view"].invalidate_model(["inherit_id", "inherit_children_ids"])
    # unlinking a view also deletes its XML id
    env["ir.ui.view"].browse(merged.mapped("res_id")).unlink()
