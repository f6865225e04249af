from odoo import fields, models

from ..models.crm_rank_defection import DEFECTION_REASONS


class CrmRankDefectionWizard(models.TransientModel):
    _name = "crm.rank.defection.wizard"
    _inherit = ["crm.rank.customers.mixin"]
    _description = "Mark Customers Defected"

    reason = fields.Selection(DEFECTION_REASONS, required=True)
    note = fields.Text()

    def action_confirm(self):
        """The customers (companies for their contacts) become defected at once."""
        self.ensure_one()
        self.partner_ids._crm_rank_mark_defected(self.reason, self.note)
        return {"type": "ir.actions.act_window_close"}
