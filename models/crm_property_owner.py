from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmPropertyOwner(models.Model):
    """Who owned a property, from when to when (written by ``crm.property``
    when its owner changes; the dates may be corrected by hand)."""

    _name = "crm.property.owner"
    _description = "Property Owner"
    _order = "property_id, date_from desc, id desc"

    property_id = fields.Many2one("crm.property", required=True, index=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Owner", required=True, index=True, ondelete="restrict")
    company_id = fields.Many2one(related="property_id.company_id", store=True)
    date_from = fields.Date(string="Owner Since")
    date_to = fields.Date(string="Owner Until", help="Empty: the current owner.")
    is_current = fields.Boolean(string="Current Owner", compute="_compute_is_current")

    @api.depends("date_to")
    def _compute_is_current(self):
        for owner in self:
            owner.is_current = not owner.date_to

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for owner in self:
            if owner.date_from and owner.date_to and owner.date_to < owner.date_from:
                raise ValidationError(
                    self.env._(
                        "%(owner)s cannot stop owning %(property)s before they started.",
                        owner=owner.partner_id.display_name,
                        property=owner.property_id.display_name,
                    )
                )
