"""Properties (物件/邸): the house, apart from the customer who owns it.

One customer may own several houses, and a house changes owners; the jobs done
on it, its installed equipment and its after-care stay with the house. A deal
names its property (``crm_property_id``): created from the deal's address when
it has one (``_crm_assign_leads``). After-care items and equipment follow the
property: the planned ones go to its current owner (``crm.aftercare.item``),
so a change of owner hands the next inspection to the new owner, while the
former owner keeps their deals, and so their rank.
"""

import datetime
from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import split_every

from ..lib.address import address_key, address_line

BUILDING_TYPES = [
    ("house", "Detached House"),
    ("apartment", "Condominium"),
]
STRUCTURES = [
    ("wood", "Wooden"),
    ("steel", "Steel Frame"),
    ("rc", "Reinforced Concrete (RC)"),
    ("src", "Steel-Reinforced Concrete (SRC)"),
    ("other", "Other Structure"),
]
YEAR_BUILT_MIN = 1800
# Deal fields whose change may give a deal its property.
ASSIGN_TRIGGER_FIELDS = frozenset({"partner_id", "street", "street2", "zip", "city", "state_id"})
# Deals given their property at a time by the upgrade and the install.
ASSIGN_CHUNK = 1000


class CrmProperty(models.Model):
    _name = "crm.property"
    _inherit = ["mail.thread", "format.address.mixin"]
    _description = "Property"
    _order = "name, id"
    _rec_names_search = ["name", "street", "city", "partner_id"]

    name = fields.Char(
        compute="_compute_name",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        tracking=True,
        help="How the company calls the house; by default the owner's name (山田様邸).",
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    partner_id = fields.Many2one(
        "res.partner",
        string="Owner",
        index="btree_not_null",
        tracking=True,
        domain="['|', ('is_company', '=', True), ('parent_id', '=', False)]",
        help="The current owner: the next inspections and replacements of the house go to them. "
        "Changing it keeps the house's history and hands the planned after-care to the new owner.",
    )
    owner_ids = fields.One2many("crm.property.owner", "property_id", string="Owners")
    # the address in Japanese order on the form (format.address.mixin)
    zip = fields.Char(string="Postal Code")
    state_id = fields.Many2one("res.country.state", string="Prefecture", domain="[('country_id', '=?', country_id)]")
    city = fields.Char()
    street = fields.Char()
    street2 = fields.Char()
    country_id = fields.Many2one("res.country", default=lambda self: self.env.company.country_id)
    address_line = fields.Char(string="Address", compute="_compute_address_line")
    building_type = fields.Selection(BUILDING_TYPES, tracking=True)
    structure = fields.Selection(STRUCTURES)
    year_built = fields.Integer(help="The year the house was built (築年).")
    floor_plan = fields.Char(help="The floor plan, as the trade writes it: 3LDK, 4SLDK...")
    note = fields.Text()
    lead_ids = fields.One2many("crm.lead", "crm_property_id", string="Jobs")
    lead_count = fields.Integer(string="Jobs Count", compute="_compute_counts")
    equipment_ids = fields.One2many(
        "crm.aftercare.equipment", "property_id", string="Installed Equipment", readonly=True
    )
    aftercare_item_ids = fields.One2many("crm.aftercare.item", "property_id", string="After-care", readonly=True)

    @api.depends("partner_id", "street")
    def _compute_name(self):
        """The house is named once, in its owner's language (山田様邸 for a Japanese
        customer, whoever typed the deal and in whatever language their screen is),
        else in the language new customers get (the database's default)."""
        default_lang = self.env["res.partner"].default_get(["lang"]).get("lang")
        for prop in self:
            if prop.name:
                continue
            if prop.partner_id:
                lang = prop.partner_id.lang or default_lang or self.env.lang
                prop.name = self.with_context(lang=lang).env._("%(owner)s Residence", owner=prop.partner_id.name)
            else:
                prop.name = " ".join(filter(None, (prop.city, prop.street))) or False

    @api.depends("zip", "state_id", "city", "street", "street2", "country_id")
    def _compute_address_line(self):
        for prop in self:
            prop.address_line = address_line(
                prop.zip,
                prop.state_id.name,
                prop.city,
                prop.street,
                prop.street2,
                prop.country_id.code,
                prop.country_id.name,
            )

    def _compute_counts(self):
        groups = self.env["crm.lead"].with_context(active_test=False)._read_group(
            [("crm_property_id", "in", self.ids)], ["crm_property_id"], ["__count"]
        )
        counts = {prop.id: count for prop, count in groups}
        for prop in self:
            prop.lead_count = counts.get(prop.id, 0)

    @api.constrains("year_built")
    def _check_year_built(self):
        latest = fields.Date.context_today(self).year + 5  # a house planned, sold before it is built
        for prop in self:
            if prop.year_built and not YEAR_BUILT_MIN <= prop.year_built <= latest:
                raise ValidationError(
                    self.env._(
                        "The year %(property)s was built (%(year)s) must be between %(min)s and %(max)s.",
                        property=prop.display_name,
                        year=prop.year_built,
                        min=YEAR_BUILT_MIN,
                        max=latest,
                    )
                )

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        properties = super().create(vals_list)
        owned = properties.filtered("partner_id")
        day = self._owner_date()
        self.env["crm.property.owner"].create(
            [{"property_id": prop.id, "partner_id": prop.partner_id.id, "date_from": day} for prop in owned]
        )
        return properties

    def write(self, vals):
        changed = self.browse()
        if "partner_id" in vals:
            changed = self.filtered(lambda prop: prop.partner_id.id != (vals["partner_id"] or False))
            former = {prop.id: prop.partner_id for prop in changed}
        res = super().write(vals)
        if changed:
            changed._hand_over(former)
        return res

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_open_leads(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm.crm_lead_opportunities")
        action.update(
            {
                "domain": [("crm_property_id", "=", self.id)],
                "context": {"default_crm_property_id": self.id, "default_partner_id": self.partner_id.id},
            }
        )
        return action

    # ------------------------------------------------------------
    # BUSINESS (hooks another addon may extend)
    # ------------------------------------------------------------

    @api.model
    def _owner_date(self):
        """The day a change of owner takes effect: ``crm_property_owner_date`` in the
        context (a sale recorded late; ``False``: unknown, as for a house found from a
        deal's address), else today."""
        if "crm_property_owner_date" in self.env.context:
            return self.env.context["crm_property_owner_date"]
        return fields.Date.context_today(self)

    def _hand_over(self, former):
        """The houses changed owners: the history says since when, the planned
        after-care goes to the new owner (recomputed on the items, see
        ``crm.aftercare.item._compute_partner_id``): their activities, handed to
        the former owner, are removed and handed out again by the daily job; the
        new owner gets an introduction deal (an inquiry: information gathering).
        The former owner keeps their deals, and so their rank.

        :param former: ``{property id: the former owner}``
        """
        day = self._owner_date()
        Owner = self.env["crm.property.owner"]
        Owner.search([("property_id", "in", self.ids), ("date_to", "=", False)]).write({"date_to": day})
        owned = self.filtered("partner_id")
        Owner.create([{"property_id": prop.id, "partner_id": prop.partner_id.id, "date_from": day} for prop in owned])
        # the after-care follows the house, whoever changes its owner
        items_sudo = self.env["crm.aftercare.item"].sudo()
        planned_sudo = items_sudo.search([("property_id", "in", self.ids), ("state", "=", "planned")])
        planned_sudo.activity_id.unlink()
        if owned:
            self.env["crm.lead"].create([prop._prepare_owner_lead_values() for prop in owned])
        for prop in self:
            prop.message_post(
                body=Markup("<p>%s</p>")
                % self.env._(
                    "New owner: %(new)s (before: %(old)s). The planned after-care goes to the new owner.",
                    new=prop.partner_id.display_name or "-",
                    old=former[prop.id].display_name or "-",
                ),
                message_type="notification",
                subtype_xmlid="mail.mt_note",
            )

    def _prepare_owner_lead_values(self):
        """The introduction deal of the new owner of this house: an inquiry (the new
        owner starts in information gathering), for the salesperson of its last job."""
        self.ensure_one()
        last_job = self.lead_ids.sorted(lambda lead: (lead.completion_date or datetime.date.min, lead.id))[-1:]
        return {
            "name": self.env._("New owner of %(property)s", property=self.name),
            "type": "lead",
            "partner_id": self.partner_id.id,
            "crm_property_id": self.id,
            "user_id": (last_job.user_id or self.env.user).id,
            "team_id": last_job.team_id.id,
            "company_id": self.company_id.id,
        }

    @api.model
    def _crm_follow_leads(self, leads, fnames=None):
        """These deals were created (``fnames`` ``None``) or their fields ``fnames``
        written: those without a property get the house at their address; a deal
        not completed whose customer was corrected leaves the former customer's
        house for the new customer's (a completed job stays on the house it was
        done on, whoever owns it now)."""
        if fnames is not None:
            if ASSIGN_TRIGGER_FIELDS.isdisjoint(fnames):
                return
            if "partner_id" in fnames and "crm_property_id" not in fnames:
                leads_sudo = leads.sudo()  # the house follows the deal, whoever corrects it
                stale = leads_sudo.filtered(
                    lambda lead: lead.crm_property_id
                    and not lead.completion_date
                    and lead.crm_property_id.partner_id != lead.partner_id.commercial_partner_id
                )
                stale.crm_property_id = False
        self._crm_assign_leads(leads)

    @api.model
    def _crm_assign_leads(self, leads):
        """Give the deals without a property the house at their address (set-based).

        A deal with a customer and an address (a street) names the customer's
        property at that address, created when the customer has none there. The
        same house typed twice (全角/半角, hyphens, spaces) is one property.
        """
        # the property is found or created whoever records the deal
        leads_sudo = leads.sudo().filtered(lambda lead: not lead.crm_property_id and lead.partner_id)
        keyed = {}
        for lead in leads_sudo:
            key = address_key(lead.zip, lead.state_id.id, lead.city, lead.street, lead.street2)
            if key:
                company = lead.company_id or lead.partner_id.company_id or self.env.company
                keyed[lead] = (lead.partner_id.commercial_partner_id.id, company.id, key)
        if not keyed:
            return
        props_sudo = self.sudo().with_context(active_test=False)
        found = {}
        for prop in props_sudo.search([("partner_id", "in", list({owner for owner, _c, _k in keyed.values()}))]):
            key = address_key(prop.zip, prop.state_id.id, prop.city, prop.street, prop.street2)
            found.setdefault((prop.partner_id.id, prop.company_id.id, key), prop)
        missing = {}
        for lead, full_key in keyed.items():
            if full_key not in found and full_key not in missing:
                missing[full_key] = lead
        if missing:
            # owners since an unknown day: the deal tells the house, not since when it is theirs
            created = props_sudo.with_context(mail_create_nolog=True, crm_property_owner_date=False).create(
                [self._prepare_property_values(lead) for lead in missing.values()]
            )
            found.update(zip(missing, created, strict=True))
        by_property = defaultdict(list)
        for lead, full_key in keyed.items():
            by_property[found[full_key].id].append(lead.id)
        for prop_id, lead_ids in by_property.items():
            leads_sudo.browse(lead_ids).write({"crm_property_id": prop_id})

    @api.model
    def _prepare_property_values(self, lead):
        """The values of the property created for ``lead`` from its address."""
        return {
            "partner_id": lead.partner_id.commercial_partner_id.id,
            "company_id": (lead.company_id or lead.partner_id.company_id or self.env.company).id,
            "zip": lead.zip,
            "state_id": lead.state_id.id,
            "city": lead.city,
            "street": lead.street,
            "street2": lead.street2,
            "country_id": lead.country_id.id or self.env.company.country_id.id,
        }

    @api.model
    def _crm_assign_all(self):
        """Every deal without a property gets its house (the install, the upgrade to
        19.0.1.5.0): in chunks, the cache emptied between them."""
        lead_ids = self.env["crm.lead"].sudo().with_context(active_test=False).search(
            [("crm_property_id", "=", False), ("partner_id", "!=", False), ("street", "!=", False)], order="id"
        ).ids
        for chunk in split_every(ASSIGN_CHUNK, lead_ids):
            self._crm_assign_leads(self.env["crm.lead"].with_context(active_test=False).browse(chunk))
            self.env.flush_all()
            self.env.invalidate_all()
        return len(lead_ids)
