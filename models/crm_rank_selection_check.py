"""Unknown values of the addon's selection fields, refused clearly on create and write."""

from odoo import api, models

from ..lib.orm import check_selection_values


class CrmRankSelectionCheck(models.AbstractModel):
    """Mixed into the addon's models (and the models it extends) whose create and
    write have nothing else to check: an RPC client or an import sending an unknown
    value of one of the addon's selection fields gets a clear error in the user's
    language instead of the ORM's technical one (``lib.orm.check_selection_values``)."""

    _name = "crm.rank.selection.check"
    _description = "Checked Selection Values"

    @api.model_create_multi
    def create(self, vals_list):
        check_selection_values(self, vals_list)
        return super().create(vals_list)

    def write(self, vals):
        check_selection_values(self, [vals])
        return super().write(vals)
