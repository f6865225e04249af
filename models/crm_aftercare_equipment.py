from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

MAX_LIFE_YEARS = 100


class CrmAftercareEquipment(models.Model):
    """Equipment installed by a job (a water heater, a bath, a kitchen...): when it
    wears out is a reason to propose its replacement."""

    _name = "crm.aftercare.equipment"
    _description = "Installed Equipment"
    _order = "replacement_date, id"

    name = fields.Char(required=True)
    lead_id = fields.Many2one("crm.lead", string="Deal", required=True, index=True, ondelete="cascade")
    # the house's current owner (crm.property): the equipment follows the house
    property_id = fields.Many2one(related="lead_id.crm_property_id", store=True, index="btree_not_null")
    partner_id = fields.Many2one(
        "res.partner", string="Customer", compute="_compute_partner_id", store=True, index="btree_not_null"
    )
    # the customer's responsible salesperson (crm.rank.responsible), else the job's
    user_id = fields.Many2one("res.users", string="Salesperson", compute="_compute_user_id", store=True)
    company_id = fields.Many2one("res.company", related="lead_id.company_id", store=True)
    # depends on the customer only: a rank change does not search the after-care
    # lists of the customer's deals (the engine moves ranks on every deal change)
    crm_rank = fields.Selection(related="partner_id.crm_rank", string="Customer Rank", depends=["partner_id"])
    maker = fields.Char()
    model = fields.Char(string="Model Number")
    installed_date = fields.Date(help="Empty: the job's completion date.")
    life_years = fields.Integer(
        string="Expected Life (years)",
        compute="_compute_life_years",
        store=True,
        readonly=False,
        help="By default the life of the job's kind of work.",
    )
    replacement_date = fields.Date(string="Replacement Due", compute="_compute_replacement_date", store=True)

    @api.depends("lead_id.partner_id.commercial_partner_id", "lead_id.crm_property_id.partner_id")
    def _compute_partner_id(self):
        for equipment in self:
            equipment.partner_id = equipment.lead_id._crm_aftercare_customer()

    @api.depends("partner_id.user_id", "lead_id.user_id")
    def _compute_user_id(self):
        for equipment in self:
            equipment.user_id = equipment.partner_id.user_id or equipment.lead_id.user_id

    @api.depends("lead_id.tag_ids.crm_equipment_life_years")
    def _compute_life_years(self):
        for equipment in self:
            if not equipment.life_years:
                lives = [
                    tag.crm_equipment_life_years for tag in equipment.lead_id.tag_ids if tag.crm_equipment_life_years
                ]
                equipment.life_years = min(lives) if lives else 0

    @api.depends("installed_date", "life_years", "lead_id.completion_date")
    def _compute_replacement_date(self):
        for equipment in self:
            start = equipment.installed_date or equipment.lead_id.completion_date
            equipment.replacement_date = (
                start + relativedelta(years=equipment.life_years) if start and equipment.life_years else False
            )

    @api.constrains("life_years")
    def _check_life_years(self):
        for equipment in self:
            if not 0 <= equipment.life_years <= MAX_LIFE_YEARS:
                raise ValidationError(
                    self.env._(
                        "The expected life of %(equipment)s must be between 0 and %(max)s years.",
                        equipment=equipment.name,
                        max=MAX_LIFE_YEARS,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        equipment = super().create(vals_list)
        self.env["crm.aftercare.item"]._sync_leads(equipment.lead_id)
        return equipment

    def write(self, vals):
        res = super().write(vals)
        if {"installed_date", "life_years", "lead_id"} & set(vals):
            self.env["crm.aftercare.item"]._sync_leads(self.lead_id)
        return res
