from odoo import models

from ..models.mail_activity import OUTCOME_PROMPT_KEY


class MailActivitySchedule(models.TransientModel):
    _inherit = "mail.activity.schedule"

    def action_schedule_activities_done(self):
        """"Mark Done" on a new activity: one that needs an outcome opens the outcome
        wizard (it stays open until the outcome is recorded)."""
        activities = self._action_schedule_activities()
        return activities.with_context(**{OUTCOME_PROMPT_KEY: True}).action_done()
