from odoo import models


class ProjectUpdate(models.Model):
    _inherit = "project.update"

    def write(self, vals):
        res = super().write(vals)
        if "status" in vals:
            # a changed status of the last update can complete the construction
            self.project_id._crm_construction_refresh()
        return res
