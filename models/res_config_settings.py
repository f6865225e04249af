from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_rank_dormancy_days = fields.Integer(
        related="company_id.crm_rank_dormancy_days", readonly=False
    )
    crm_rank_referral_threshold = fields.Integer(
        related="company_id.crm_rank_referral_threshold", readonly=False
    )
    crm_rank_referral_ask_days = fields.Integer(
        related="company_id.crm_rank_referral_ask_days", readonly=False
    )
    crm_inspection_plan = fields.Char(related="company_id.crm_inspection_plan", readonly=False)
    crm_aftercare_notice_days = fields.Integer(related="company_id.crm_aftercare_notice_days", readonly=False)
    crm_aftercare_grace_days = fields.Integer(related="company_id.crm_aftercare_grace_days", readonly=False)
