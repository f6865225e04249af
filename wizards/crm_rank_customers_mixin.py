from odoo import Command, api, fields, models


class CrmRankCustomersMixin(models.AbstractModel):
    """A wizard acting on the customers selected in a list, or on the one whose form is open."""

    _name = "crm.rank.customers.mixin"
    _description = "Wizard on Selected Customers"

    partner_ids = fields.Many2many("res.partner", string="Customers", required=True)

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        context = self.env.context
        if "partner_ids" in fields_list and not res.get("partner_ids") and context.get("active_model") == "res.partner":
            active_ids = context.get("active_ids") or ([context["active_id"]] if context.get("active_id") else [])
            res["partner_ids"] = [Command.set(active_ids)]
        return res
