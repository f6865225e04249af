from odoo import fields, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    crm_lost_reason_id = fields.Many2one(
        "crm.lost.reason",
        string="Follow-up of Lost Reason",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
        copy=False,
        help="Set on the follow-up activity scheduled by a lost reason's playbook, so "
        "a deal gets only one open follow-up.",
    )
