from odoo import fields, models


class CrmRankReinstatementWizard(models.TransientModel):
    _name = "crm.rank.reinstatement.wizard"
    _inherit = ["crm.rank.customers.mixin"]
    _description = "Reinstate Defected Customers"

    note = fields.Text(required=True)

    def action_confirm(self):
        """The customers' rank follows their deals again; earlier defection losses no longer count."""
        self.ensure_one()
        self.partner_ids._crm_rank_reinstate(self.note)
        return {"type": "ir.actions.act_window_close"}
