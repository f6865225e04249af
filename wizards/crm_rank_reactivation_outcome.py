from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..lib.outreach import OUTCOMES
from ..models.mail_activity import REACTIVATION_NEXT_DATE_KEY, REACTIVATION_OUTCOME_KEY

# "Not recorded" is what a program gets without an outcome; people choose one.
CHOSEN_OUTCOMES = [(key, label) for key, label in OUTCOMES if key != "not_recorded"]


class CrmRankReactivationOutcome(models.TransientModel):
    """Mark reactivation activities (or activities on dormant customers) done with
    what the customer said."""

    _name = "crm.rank.reactivation.outcome"
    _inherit = ["crm.rank.outcome.wizard"]
    _description = "Outcome of a Reactivation Activity"

    partner_ids = fields.Many2many("res.partner", string="Customers", compute="_compute_partner_ids")
    outcome = fields.Selection(CHOSEN_OUTCOMES, required=True)
    next_contact_date = fields.Date(
        string="Contact Again On",
        default=lambda self: fields.Date.context_today(self) + relativedelta(months=3),
        help="A follow-up activity is scheduled on this day; the customer stays dormant.",
    )
    note = fields.Text(help="What the customer said; kept with the outcome and in the chatter.")

    @api.depends("activity_ids")
    def _compute_partner_ids(self):
        for wizard in self:
            wizard.partner_ids = wizard._documents("res.partner")

    def action_confirm(self):
        activities = self._open_activities()
        if self.outcome == "not_now" and (
            not self.next_contact_date or self.next_contact_date <= fields.Date.context_today(self)
        ):
            raise UserError(self.env._("Choose the day to contact the customer again: a day after today."))
        activities = activities.with_context(
            **{
                REACTIVATION_OUTCOME_KEY: self.outcome,
                REACTIVATION_NEXT_DATE_KEY: self.next_contact_date if self.outcome == "not_now" else False,
            }
        )
        note = self.note or False
        if self.schedule_next and len(activities) == 1 and self.outcome not in ("interested", "not_now"):
            return activities.action_feedback_schedule_next(feedback=note) or {"type": "ir.actions.act_window_close"}
        activity_ids = activities.ids
        activities.action_feedback(feedback=note)
        # the opportunity just created for these activities (the rows are the report's)
        reasons_sudo = self.env["crm.rank.quiet.reason"].sudo().search(
            [("activity_id", "in", activity_ids), ("lead_id", "!=", False)]
        )
        leads = reasons_sudo.lead_id.with_env(self.env)
        if len(leads) == 1 and leads.has_access("read"):
            return {
                "type": "ir.actions.act_window",
                "res_model": "crm.lead",
                "res_id": leads.id,
                "view_mode": "form",
                "views": [(False, "form")],
                "target": "current",
            }
        return {"type": "ir.actions.act_window_close"}
