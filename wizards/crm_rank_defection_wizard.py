from odoo import api, fields, models

from ..models.crm_rank_defection import DEFECTION_REASONS

DEFECTION_SCOPES = [
    ("household", "The whole household"),
    ("person", "This person only"),
]


class CrmRankDefectionWizard(models.TransientModel):
    _name = "crm.rank.defection.wizard"
    _inherit = ["crm.rank.customers.mixin"]
    _description = "Mark Customers Defected"

    reason = fields.Selection(DEFECTION_REASONS, required=True)
    note = fields.Text()
    # a complaint is usually the household's: its members are marked too unless the manager says otherwise
    scope = fields.Selection(
        DEFECTION_SCOPES,
        string="Defection Covers",
        required=True,
        default="household",
        help="The whole household: every member of the selected people's households is marked defected "
        "(and their addresses go on the suppression list). This person only: the others keep their rank "
        "and still receive cards and mailings at their own addresses.",
    )
    household_member_ids = fields.Many2many(
        "res.partner", string="Household Members", compute="_compute_household_member_ids"
    )

    @api.depends("partner_ids")
    def _compute_household_member_ids(self):
        for wizard in self:
            partners = wizard.partner_ids._origin
            wizard.household_member_ids = self.env["crm.household"]._with_households(partners) - partners

    def action_confirm(self):
        """The customers (companies for their contacts) become defected at once, with their
        households' members when the whole household is chosen."""
        self.ensure_one()
        partners = self.partner_ids
        if self.scope == "household":
            partners = self.env["crm.household"]._with_households(partners)
        partners._crm_rank_mark_defected(self.reason, self.note)
        return {"type": "ir.actions.act_window_close"}
