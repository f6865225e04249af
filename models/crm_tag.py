from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..lib import aftercare, outreach
from ..lib.orm import parse_or_refuse
from .res_company import MAX_DORMANCY_DAYS


class CrmTag(models.Model):
    """A CRM tag on a deal names its kind of work (bathroom, exterior painting,
    water heater...); each kind comes back after its own period."""

    _inherit = "crm.tag"

    crm_rank_dormancy_days = fields.Integer(
        string="Dormancy Period (days)",
        default=0,
        help="A customer whose last completed work has this tag becomes dormant after "
        "this many days without contact. 0 uses the company's dormancy period; with "
        "several tags, the shortest period counts.",
    )
    crm_rank_outreach_months = fields.Char(
        string="Outreach Months",
        help="Months in which to approach dormant customers for this kind of work, as "
        "numbers separated by commas (e.g. 3,4,9,10 for spring and autumn). The "
        "reactivation activity is due on the first day of the next such month. Empty: "
        "any month.",
    )

    crm_inspection_plan = fields.Char(
        string="Inspection Plan",
        help="When to inspect a job of this kind after its completion, e.g. "
        "\"1m,6m,1y,2y,5y,10y\" (m: months, y: years; 6ヶ月 and 1年 work too). "
        "Empty: the company's plan.",
    )
    crm_warranty_years = fields.Integer(
        string="Warranty (years)", help="Length of the construction warranty of a job of this kind."
    )
    crm_equipment_life_years = fields.Integer(
        string="Equipment Life (years)",
        help="Expected life of the equipment installed by a job of this kind (e.g. 10 for a water heater).",
    )

    @api.constrains("crm_inspection_plan", "crm_warranty_years", "crm_equipment_life_years")
    def _check_crm_aftercare(self):
        for tag in self:
            parse_or_refuse(
                aftercare.parse_offsets,
                tag.crm_inspection_plan,
                lambda value, tag=tag: self.env._(
                    'The inspection plan of %(tag)s must list offsets such as "1m,6m,1y,10y" '
                    '("%(value)s" is not one).',
                    tag=tag.name,
                    value=value,
                ),
            )
            if not 0 <= tag.crm_warranty_years <= 100 or not 0 <= tag.crm_equipment_life_years <= 100:
                raise ValidationError(
                    self.env._("Warranty and equipment life of %(tag)s must be between 0 and 100 years.", tag=tag.name)
                )

    @api.constrains("crm_rank_dormancy_days", "crm_rank_outreach_months")
    def _check_crm_rank_reactivation(self):
        for tag in self:
            if not 0 <= tag.crm_rank_dormancy_days <= MAX_DORMANCY_DAYS:
                raise ValidationError(
                    self.env._(
                        "The dormancy period of %(tag)s must be between 0 (the company's period) and %(max)s days.",
                        tag=tag.name,
                        max=MAX_DORMANCY_DAYS,
                    )
                )
            parse_or_refuse(
                outreach.parse_months,
                tag.crm_rank_outreach_months,
                lambda value, tag=tag: self.env._(
                    "The outreach months of %(tag)s must be month numbers from 1 to 12 "
                    'separated by commas, e.g. "3,4,9,10" ("%(value)s" is not a month).',
                    tag=tag.name,
                    value=value,
                ),
            )

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("crm_rank_dormancy_days") for vals in vals_list):
            self.env.registry.clear_cache()  # res.company._crm_rank_threshold_settings
        return super().create([self._crm_rank_normalize_months(vals) for vals in vals_list])

    def write(self, vals):
        if "crm_rank_dormancy_days" in vals:
            self.env.registry.clear_cache()  # res.company._crm_rank_threshold_settings
        return super().write(self._crm_rank_normalize_months(vals))

    def unlink(self):
        if any(self.mapped("crm_rank_dormancy_days")):
            self.env.registry.clear_cache()  # res.company._crm_rank_threshold_settings
        return super().unlink()

    @api.model
    def _crm_rank_normalize_months(self, vals):
        """Store "３、4 ,9" as "3,4,9"; invalid text is kept for the constraint to refuse."""
        if not vals.get("crm_rank_outreach_months"):
            return vals
        try:
            months = outreach.parse_months(vals["crm_rank_outreach_months"])
        except ValueError:
            return vals
        return {**vals, "crm_rank_outreach_months": outreach.format_months(months) or False}

    def _crm_rank_outreach_months(self):
        """Union of the outreach months of these tags (empty: any month)."""
        months = set()
        for tag in self:
            months |= outreach.parse_months(tag.crm_rank_outreach_months)
        return frozenset(months)
