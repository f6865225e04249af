from odoo import fields, models


class CrmLostReason(models.Model):
    _inherit = "crm.lost.reason"

    marks_defected = fields.Boolean(
        string="Marks Defection",
        help="Losing a past customer's deal for this reason makes the customer "
        "defected (for example a complaint).",
    )
