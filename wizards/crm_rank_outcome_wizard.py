"""What the two outcome wizards share: the activities they mark done and the answer's note."""

from odoo import fields, models
from odoo.exceptions import UserError


class CrmRankOutcomeWizard(models.AbstractModel):
    """Mark activities done with what the customer answered (reactivation, referral request)."""

    _name = "crm.rank.outcome.wizard"
    _inherit = ["crm.rank.selection.check"]
    _description = "Outcome of Activities"

    activity_ids = fields.Many2many("mail.activity", string="Activities", required=True)
    note = fields.Text(help="What the customer said.")
    schedule_next = fields.Boolean(help="Schedule another activity afterwards.")

    def _documents(self, model_name):
        """The records of ``model_name`` the wizard's activities are on."""
        self.ensure_one()
        activities = self.activity_ids.filtered(lambda activity: activity.res_model == model_name)
        return self.env[model_name].browse(activities.mapped("res_id"))

    def _open_activities(self):
        """The wizard's activities not done yet; none left is refused (done meanwhile)."""
        self.ensure_one()
        activities = self.activity_ids.filtered("active")
        if not activities:
            raise UserError(self.env._("These activities are already done."))
        return activities
