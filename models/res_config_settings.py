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
    crm_survey_id = fields.Many2one(related="company_id.crm_survey_id", readonly=False)
    crm_survey_auto_send = fields.Boolean(related="company_id.crm_survey_auto_send", readonly=False)
    crm_survey_good_score = fields.Float(related="company_id.crm_survey_good_score", readonly=False)
    crm_rank_business_model_ids = fields.Many2many(
        "ir.model",
        string="Business Documents",
        domain=[("is_mail_thread", "=", True), ("transient", "=", False)],
        help="Messages about a record of these models (quotations and orders, invoices, meetings by default) "
        "reach every customer, defected ones included, whoever sends them. A mailing never does.",
    )

    def get_values(self):
        res = super().get_values()
        names = self.env["crm.rank.exit"]._business_models()
        res["crm_rank_business_model_ids"] = [(6, 0, [self.env["ir.model"]._get_id(name) for name in names])]
        return res

    def set_values(self):
        res = super().set_values()
        exit_ = self.env["crm.rank.exit"]
        names = set(self.crm_rank_business_model_ids.mapped("model"))
        # unchanged: the default list stays the default (an app installed later joins it)
        if names != exit_._business_models():
            exit_._set_business_models(names)
        return res
