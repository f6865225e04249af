from odoo import fields, models


class MailNotification(models.Model):
    _inherit = "mail.notification"

    failure_type = fields.Selection(
        selection_add=[("crm_defected", "Defected Customer")],
        ondelete={"crm_defected": "set null"},
    )
