from odoo import fields, models


class CrmRankGreetingLine(models.TransientModel):
    """A customer of the greeting list, as listed in the wizard.

    Like the campaign's lines (``crm.rank.campaign.line``): in a wizard not saved
    yet, listed partners reach the web client as new records whose stored rank
    reads empty; a line points to the real partner, whose rank is read from the
    database.
    """

    _name = "crm.rank.greeting.line"
    _description = "Greeting Card Customer"

    # a New Year card (or summer greeting), or a winter greeting instead: one of the two is set
    wizard_id = fields.Many2one("crm.rank.greeting", ondelete="cascade")
    mourning_wizard_id = fields.Many2one("crm.rank.greeting", ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True)
    # the name with its honorific title; a household's members side by side (連名)
    addressee = fields.Char(readonly=True)
    name_kana = fields.Char(related="partner_id.name_kana")
    crm_rank = fields.Selection(related="partner_id.crm_rank")
    zip = fields.Char(related="partner_id.zip")
    state_id = fields.Many2one(related="partner_id.state_id")
    city = fields.Char(related="partner_id.city")
    crm_mourning_year = fields.Integer(related="partner_id.crm_mourning_year")
