"""19.0.1.2.0: one views file per extended model; the customer form, list and cards
are extended by one view each.

The views merged into ``res_partner_view_form``, ``res_partner_view_list`` and
``res_partner_view_kanban`` are deleted before the new views load: left in place,
the old defection view would move a field the new form no longer has where it
looks for it, and the update would stop.
"""

from odoo import SUPERUSER_ID, api

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
    # unlinking a view also deletes its XML id
    env["ir.ui.view"].browse(merged.mapped("res_id")).unlink()
