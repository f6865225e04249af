from odoo import api, fields, models

from ..models.crm_rank_defection import DEFECTED_DOMAIN
from .crm_rank_defection_wizard import DEFECTION_SCOPES


class CrmRankReinstatementWizard(models.TransientModel):
    _name = "crm.rank.reinstatement.wizard"
    _inherit = ["crm.rank.customers.mixin"]
    _description = "Reinstate Defected Customers"

    note = fields.Text(required=True)
    # as the defection: the household's defected members are reinstated too unless the manager says otherwise
    scope = fields.Selection(
        DEFECTION_SCOPES,
        string="Reinstatement Covers",
        required=True,
        default="household",
        help="The whole household: the defected members of the selected people's households are "
        "reinstated too. This person only: the others stay defected.",
    )
    household_member_ids = fields.Many2many(
        "res.partner",
        string="Defected Household Members",
        compute="_compute_household_member_ids",
    )

    @api.depends("partner_ids")
    def _compute_household_member_ids(self):
        for wizard in self:
            partners = wizard.partner_ids._origin
            members = self.env["crm.household"]._with_households(partners) - partners
            wizard.household_member_ids = members.filtered_domain(DEFECTED_DOMAIN)

    def action_confirm(self):
        """The customers' rank follows their deals again; earlier defection losses no longer
        count. With the defected members of their households when the whole household is chosen."""
        self.ensure_one()
        partners = self.partner_ids
        if self.scope == "household":
            partners |= self.household_member_ids
        partners._crm_rank_reinstate(self.note)
        return {"type": "ir.actions.act_window_close"}
