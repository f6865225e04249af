from odoo import models


class ProjectProjectStage(models.Model):
    _inherit = "project.project.stage"

    def write(self, vals):
        res = super().write(vals)
        if "fold" in vals:
            # folding a stage closes (or reopens) the constructions in it
            # every project of the stage, whether or not the user may see it
            projects_sudo = self.env["project.project"].sudo().search(
                [("stage_id", "in", self.ids)]
            )
            projects_sudo._crm_construction_refresh()
        return res
