from odoo import fields, models


class MailingTrace(models.Model):
    _inherit = "mailing.trace"

    failure_type = fields.Selection(
        selection_add=[("crm_defected", "Defected Customer")],
        ondelete={"crm_defected": "set null"},
    )
