from odoo import models

# Task fields whose change can move a construction's progress.
TASK_TRIGGER_FIELDS = frozenset({"state", "stage_id", "project_id", "active"})


class ProjectTask(models.Model):
    _inherit = "project.task"

    def write(self, vals):
        if TASK_TRIGGER_FIELDS.isdisjoint(vals):
            return super().write(vals)
        before = self.project_id
        res = super().write(vals)
        (before | self.project_id)._crm_construction_refresh()
        return res
