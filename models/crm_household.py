"""Households (世帯): the people of one family linked, not as a company.

Each person keeps their own deals and their own rank; the household is what
greeting cards and direct mail are sent to (once, to the main contact, with the
others as joint addressees: 連名), and what a defection covers by default
(``crm.rank.defection.wizard``).
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..lib.household import joint_addressee


class CrmHousehold(models.Model):
    _name = "crm.household"
    _inherit = ["mail.thread"]
    _description = "Household"
    _order = "name, id"

    name = fields.Char(required=True, tracking=True, help="How the family is called: 山田家.")
    company_id = fields.Many2one("res.company", index=True, default=lambda self: self.env.company)
    partner_ids = fields.One2many("res.partner", "crm_household_id", string="Members")
    main_partner_id = fields.Many2one(
        "res.partner",
        string="Main Contact",
        index="btree_not_null",
        ondelete="set null",
        tracking=True,
        domain="[('crm_household_id', '=', id)]",
        help="The card and the direct mail of the household are addressed to them, the others "
        "printed beside them (連名). Empty: the first member in あいうえお順.",
    )
    member_count = fields.Integer(string="Members Count", compute="_compute_member_count")

    @api.depends("partner_ids")
    def _compute_member_count(self):
        for household in self:
            household.member_count = len(household.partner_ids)

    @api.constrains("main_partner_id", "partner_ids")
    def _check_main_partner_id(self):
        for household in self:
            if household.main_partner_id and household.main_partner_id not in household.partner_ids:
                raise ValidationError(
                    self.env._(
                        "The main contact of %(household)s must be one of its members.", household=household.name
                    )
                )

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    @api.model
    def _mailing_lines(self, partners):
        """One line per household among ``partners`` (sorted in あいうえお順 by the caller):
        ``[(partner, addressee)]``, the partner the main contact of their household
        among ``partners`` (else its first one), the addressee the joint addressees
        (連名) of the household's members among ``partners``; a person without a
        household is a line of their own. In the order of ``partners``.
        """
        members = {}
        for partner in partners:
            if partner.crm_household_id:
                members.setdefault(partner.crm_household_id, []).append(partner)
        lines, done = [], set()
        for partner in partners:
            household = partner.crm_household_id
            if not household:
                lines.append((partner, partner.crm_addressee))
                continue
            if household in done:
                continue
            done.add(household)
            listed = members[household]
            main = household.main_partner_id if household.main_partner_id in listed else listed[0]
            others = [member for member in listed if member != main]
            addressee = joint_addressee(
                (main.name, main.crm_addressee), [(other.name, other.crm_addressee) for other in others]
            )
            lines.append((main, addressee))
        return lines

    @api.model
    def _with_households(self, partners):
        """``partners`` and every member of their households."""
        return partners | partners.crm_household_id.partner_ids
