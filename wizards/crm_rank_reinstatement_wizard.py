from odoo import Command, api, fields, models


class CrmRankReinstatementWizard(models.TransientModel):
    _name = "crm.rank.reinstatement.wizard"
    _description = "Reinstate Defected Customers"

    partner_ids = fields.Many2many("res.partner", string="Customers", required=True)
    note = fields.Text(required=True)

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        context = self.env.context
        if "partner_ids" in fields_list and not res.get("partner_ids") and context.get("active_model") == "res.partner":
            active_ids = context.get("active_ids") or ([context["active_id"]] if context.get("active_id") else [])
            res["partner_ids"] = [Command.set(active_ids)]
        return res

    def action_confirm(self):
        """The customers' rank follows their deals again; earlier defection losses no longer count."""
        self.ensure_one()
        self.partner_ids._crm_rank_reinstate(self.note)
        return {"type": "ir.actions.act_window_close"}
