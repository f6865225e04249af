from odoo import api, fields, models

from ..models.crm_rank_referral_ask import REFERRAL_ASK_OUTCOMES
from ..models.mail_activity import REFERRAL_OUTCOME_KEY


class CrmRankReferralOutcome(models.TransientModel):
    """Mark "Ask for a referral" activities done with the customer's answer."""

    _name = "crm.rank.referral.outcome"
    _inherit = ["crm.rank.outcome.wizard"]
    _description = "Outcome of a Referral Request"

    lead_ids = fields.Many2many("crm.lead", string="Deals", compute="_compute_lead_ids")
    outcome = fields.Selection(REFERRAL_ASK_OUTCOMES, required=True, default="asked")
    note = fields.Text(help="What the customer said; kept in the deal's chatter.")

    @api.depends("activity_ids")
    def _compute_lead_ids(self):
        for wizard in self:
            wizard.lead_ids = wizard._documents("crm.lead")

    def action_confirm(self):
        """Mark done and keep the outcome on the deals; "referred someone" opens a
        new inquiry with the customer as its referrer."""
        activities = self._open_activities()
        leads = self.env["crm.lead"].browse(activities.mapped("res_id"))
        activities = activities.with_context(**{REFERRAL_OUTCOME_KEY: self.outcome})
        note = self.note or False
        if self.outcome == "referred" and len(leads) == 1:
            activities.action_feedback(feedback=note)
            return self.env["crm.rank.referral.ask"]._new_lead_action(leads)
        if self.schedule_next and len(activities) == 1:
            return activities.action_feedback_schedule_next(feedback=note) or {"type": "ir.actions.act_window_close"}
        activities.action_feedback(feedback=note)
        return {"type": "ir.actions.act_window_close"}
