from odoo import fields, models


class CrmRankCampaignLine(models.TransientModel):
    """A customer of a reactivation campaign, as listed in the wizard.

    The wizard lists these lines rather than the partners themselves: in a wizard
    not saved yet, the web client gets listed partners as new records, on which
    the stored rank (decided by the rank engine only) reads empty. A line points
    to the real partner, whose rank is read from the database.
    """

    _name = "crm.rank.campaign.line"
    _description = "Reactivation Campaign Customer"

    wizard_id = fields.Many2one("crm.rank.campaign", required=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True)
    name_kana = fields.Char(related="partner_id.name_kana")
    crm_rank = fields.Selection(related="partner_id.crm_rank")
    user_id = fields.Many2one(related="partner_id.user_id", string="Responsible Salesperson")
    phone = fields.Char(related="partner_id.phone")
    email = fields.Char(related="partner_id.email")
    zip = fields.Char(related="partner_id.zip")
    state_id = fields.Many2one(related="partner_id.state_id")
    city = fields.Char(related="partner_id.city")
    next_aftercare_name = fields.Char(related="partner_id.crm_next_aftercare_name")
    next_aftercare_date = fields.Date(related="partner_id.crm_next_aftercare_date")
