from odoo import Command, api, fields, models

from ..models.res_partner import DEFECTION_REASONS


class CrmRankDefectionWizard(models.TransientModel):
    _name = "crm.rank.defection.wizard"
    _description = "Mark Customers Defected"

    partner_ids = fields.Many2many("res.partner", string="Customers", required=True)
    reason = fields.Selection(DEFECTION_REASONS, required=True)
    note = fields.Text()

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        context = self.env.context
        if "partner_ids" in fields_list and not res.get("partner_ids") and context.get("active_model") == "res.partner":
            active_ids = context.get("active_ids") or ([context["active_id"]] if context.get("active_id") else [])
            res["partner_ids"] = [Command.set(active_ids)]
        return res

    def action_confirm(self):
        """The customers (companies for their contacts) become defected at once."""
        self.ensure_one()
        self.partner_ids._crm_rank_mark_defected(self.reason, self.note)
        return {"type": "ir.actions.act_window_close"}
