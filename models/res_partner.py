"""Customers: the rank and the facts staff see about them.

Fields on top; the work is done by service models: ``crm.rank.engine`` (ranks),
``crm.rank.defection``, ``crm.rank.referral``, ``crm.rank.guidance``, and the
facts of ``lib/facts.py``.
"""

import unicodedata

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain

from ..lib import facts as rank_facts
from ..lib import rules
from ..lib.address import address_line
from ..lib.orm import check_selection_values
from ..lib.phone_search import PHONE_STRIP_PATTERN, phone_search_domain, phone_search_patterns
from ..lib.tracking import track_in_partner_language
from .crm_lost_reason import LOST_CATEGORIES
from .crm_rank_defection import DEFECTION_FIELDS, DEFECTION_ORIGINS, DEFECTION_REASONS
from .crm_rank_engine import ENGINE_FIELDS
from .crm_rank_suppression import PARTNER_ADDRESS_FIELDS, PARTNER_FAMILY_FIELDS
from .crm_rank_suppression import PENDING_KEY as SUPPRESSION_PENDING_KEY
from .survey_user_input import SURVEY_SATISFACTIONS

USER, SALESMAN = "base.group_user", "sales_team.group_sale_salesman"  # who may read the fields
# What the engine's own rank writes carry (see _fields_sync).
ENGINE_WRITE_FIELDS = ENGINE_FIELDS | {"write_date", "write_uid"}
# How a customer prefers to be approached (engine/outreach.py chooses among them;
# each has its activity type, crm.rank.reactivation.CHANNEL_ACTIVITY_TYPES).
CONTACT_CHANNELS = [
    ("phone", "Phone"),
    ("email", "Email"),
    ("line", "LINE"),
    ("sms", "SMS"),
    ("visit", "Visit"),
    ("direct_mail", "Direct Mail"),
    ("fax", "Fax"),
]
# Partner fields whose change can move a customer's rank at once (declared with the facts).
RANK_TRIGGER_FIELDS = rank_facts.RANK_TRIGGERS["res.partner"]
# Context key of Odoo's merge wizard (wizards/base_partner_merge_automatic_wizard.py): its
# copy of the merged customers' fields leaves the defection out, which the wizard carries over.
MERGE_CONTEXT_KEY = "crm_rank_merge"
# Printed after the name when the partner's honorific title is empty (Japanese usage).
HONORIFIC_PERSON, HONORIFIC_COMPANY = "様", "御中"
# Hiragana -> katakana (ぁ..ゖ -> ァ..ヶ), for sorting readings stored in either.
HIRAGANA_TO_KATAKANA = str.maketrans({chr(code): chr(code + 0x60) for code in range(0x3041, 0x3097)})


def reading_sort_key(reading):
    """Sort key of a reading in あいうえお順: full-width katakana whatever form it
    was stored in (the kana format of l10n_jp_kana may change), readings first."""
    if not reading or not reading.strip():
        return (1, "")
    return (0, unicodedata.normalize("NFKC", reading).translate(HIRAGANA_TO_KATAKANA).replace(" ", ""))



class ResPartner(models.Model):
    # The reading (フリガナ) of the name: the OCA's l10n_jp_kana mixins, applied
    # to the customers the way its l10n_jp_kana_partner_name does (that module
    # does not install on Odoo 19's current contacts list): normalised on create
    # and write, found whichever kana is typed (name.kana.mixin).
    _name = "res.partner"
    _inherit = ["res.partner", "kana.mixin", "name.kana.mixin"]

    # Counting a mailing's recipients reads the active partners; with this
    # index, leaving the defected out costs an index-only scan, not a table scan.
    _crm_rank_active_idx = models.Index("(crm_rank) WHERE active IS TRUE")
    # The duplicates looked for while a customer is typed in (crm.rank.duplicate): the fax
    # numbers digits-only, as Odoo indexes the phone numbers (phone_validation), and the
    # readings without their spaces. Partial: most customers have neither.
    _crm_fax_digits_idx = models.Index(
        lambda registry: f"USING gin (regexp_replace((fax::text), '{PHONE_STRIP_PATTERN}'::text, ''::text, "
        "'g'::text) gin_trgm_ops) WHERE fax IS NOT NULL"
        if registry.has_trigram
        else ""
    )
    _crm_name_kana_compact_idx = models.Index("(REPLACE(name_kana, ' ', '')) WHERE name_kana IS NOT NULL")

    # The rank. Its three fields are "computed" only so that the ORM defers the
    # engine: _crm_rank_refresh marks them, _compute_crm_rank runs the engine
    # once for everything marked, when a rank is read or searched, or at the
    # latest at the flush before commit.
    crm_rank = fields.Selection(
        rules.RANKS, string="Customer Rank", compute="_compute_crm_rank", store=True, readonly=True, copy=False,
        index=True, tracking=True, group_expand=True, groups=USER,
        help="Kept up to date from the customer's deals, constructions, referrals "
        "and contacts; shared by a company and its contact persons.")
    crm_rank_reason = fields.Selection(
        rules.REASONS, string="Rank Reason", compute="_compute_crm_rank", store=True, readonly=True,
        copy=False, groups=USER)
    crm_rank_date = fields.Date(
        string="Rank Since", compute="_compute_crm_rank", store=True, readonly=True, copy=False, groups=USER)
    crm_rank_history_ids = fields.One2many(
        "crm.rank.history", "partner_id", string="Rank History", readonly=True, groups=SALESMAN)
    # Time in rank (crm.rank.history): since when and how often, for lists and filters
    # ("in 見込み for more than 90 days"); searchable, not stored (read in one batch).
    crm_rank_days = fields.Integer(
        string="Days in Rank", compute="_compute_crm_rank_days", search="_search_crm_rank_days", groups=USER,
        help="Days since the customer entered their current rank (Rank Since).")
    crm_rank_dormant_count = fields.Integer(
        string="Times Dormant", compute="_compute_crm_rank_times", search="_search_crm_rank_dormant_count",
        groups=SALESMAN, help="How many times the customer became dormant (rank history).")
    crm_rank_lost_count = fields.Integer(
        string="Times Lost", compute="_compute_crm_rank_times", search="_search_crm_rank_lost_count",
        groups=SALESMAN, help="How many times the customer became a lost customer (rank history).")
    crm_rank_contracted_count = fields.Integer(
        string="Times Contracted", compute="_compute_crm_rank_times", search="_search_crm_rank_contracted_count",
        groups=SALESMAN, help="How many times the customer became a contracted customer (rank history).")
    crm_rank_hint = fields.Char(string="Rank Hint", compute="_compute_crm_rank_guidance", groups=USER)
    crm_rank_guidance = fields.Text(
        string="How to Treat This Customer", compute="_compute_crm_rank_guidance", groups=USER)

    # Defection: set and cleared by the defection wizards (crm.rank.defection).
    is_defected = fields.Boolean(
        string="Defected", readonly=True, copy=False, tracking=True, groups=SALESMAN,
        help="Set by a sales manager; a defected customer receives no marketing.")
    defection_reason = fields.Selection(DEFECTION_REASONS, readonly=True, copy=False, groups=SALESMAN)
    defection_date = fields.Date(string="Defected On", readonly=True, copy=False, groups=SALESMAN)
    defection_note = fields.Text(readonly=True, copy=False, groups=SALESMAN)
    defection_user_id = fields.Many2one(
        "res.users", string="Marked Defected By", readonly=True, copy=False, groups=SALESMAN)
    defection_origin = fields.Selection(
        DEFECTION_ORIGINS, readonly=True, copy=False, groups=SALESMAN,
        help="What made the customer defected. Whatever the origin, only a sales "
        "manager's reinstatement ends a defection.")
    crm_rank_reinstated_date = fields.Datetime(
        string="Reinstated On", readonly=True, copy=False, groups=SALESMAN,
        help="Deals lost for a defection reason before this moment no longer make the customer defected.")
    crm_defection_proposal_id = fields.Many2one(
        "crm.rank.quiet.reason", string="Defection Proposal", compute="_compute_crm_defection_proposal_id",
        groups="sales_team.group_sale_manager",
        help="The customer went to a competitor or is dissatisfied, and a sales manager "
        "has not decided yet whether they are defected.")

    # Referrals (crm.rank.referral). Sales facts: internal users only, like the rank.
    referrer_partner_id = fields.Many2one(
        "res.partner", string="Referred By", index="btree_not_null", tracking=True, groups=USER,
        help="The customer who referred this customer to us.")
    referral_partner_ids = fields.One2many(
        "res.partner", "referrer_partner_id", string="Referred Customers", readonly=True, groups=USER)
    referral_count = fields.Integer(
        string="Referred Customers Count", compute="_compute_referral_counts", groups=USER,
        help="How many customers (companies or individuals) this customer referred.")
    referral_won_count = fields.Integer(
        string="Referred Customers Signed", compute="_compute_referral_counts", groups=USER,
        help="How many of the referred customers signed a deal.")

    # Facts shown on the form (not stored: read in one batch, lib/facts.py).
    crm_open_deal_count = fields.Integer(string="Open Deals", compute="_compute_crm_rank_facts", groups=USER)
    crm_won_deal_count = fields.Integer(string="Won Deals", compute="_compute_crm_rank_facts", groups=USER)
    crm_last_completion_date = fields.Date(string="Last Completion", compute="_compute_crm_rank_facts", groups=USER)
    crm_last_contact_date = fields.Date(string="Last Contact", compute="_compute_crm_rank_facts", groups=USER)
    crm_referral_count = fields.Integer(string="Referral Count", compute="_compute_crm_rank_facts", groups=USER)
    crm_last_lost_reason_id = fields.Many2one(
        "crm.lost.reason", string="Last Lost Reason", compute="_compute_crm_last_lost_reason", groups=USER,
        help="Why the customer's most recently lost deal was lost.")
    crm_last_lost_category = fields.Selection(
        selection=LOST_CATEGORIES,  # a list, so that Odoo translates its labels
        string="Last Lost Category", compute="_compute_crm_last_lost_reason", groups=USER)
    crm_construction_ids = fields.Many2many(
        "project.project", string="Constructions in Progress", compute="_compute_crm_construction_ids",
        groups=USER, help="Construction projects of the customer's won deals that are not done yet.")

    # Reactivation (crm.rank.reactivation): how to approach the customer, and
    # the facts to judge why they went quiet.
    crm_contact_channel = fields.Selection(
        CONTACT_CHANNELS,
        string="Preferred Channel",
        help="How the customer prefers to be approached; each channel gives its own kind of "
        "activity. LINE, SMS and visit are used only when chosen here (SMS needs a phone "
        "number, a visit a postal address). Empty: automatic (phone, else e-mail, else "
        "direct mail to the postal address, else fax, depending on the data we have).")
    # deal facts (the won amount): for sales users, not the reception
    crm_days_since_contact = fields.Integer(
        string="Days Since Last Contact", compute="_compute_crm_reactivation_facts", groups=SALESMAN)
    crm_last_contract_date = fields.Date(
        string="Last Contract", compute="_compute_crm_reactivation_facts", groups=SALESMAN)
    crm_days_since_contract = fields.Integer(
        string="Days Since Last Contract", compute="_compute_crm_reactivation_facts", groups=SALESMAN)
    crm_won_amount = fields.Monetary(
        string="Won Amount", currency_field="crm_currency_id", compute="_compute_crm_reactivation_facts",
        groups=SALESMAN,
        help="Sum of the expected revenue of the customer's won deals.")
    crm_currency_id = fields.Many2one(
        "res.currency", string="Currency", compute="_compute_crm_reactivation_facts", groups=SALESMAN)
    crm_first_source_id = fields.Many2one(
        "utm.source", string="Acquisition Source", compute="_compute_crm_reactivation_facts", groups=SALESMAN,
        help="Source of the customer's first inquiry.")
    crm_first_medium_id = fields.Many2one(
        "utm.medium", string="Acquisition Medium", compute="_compute_crm_reactivation_facts", groups=SALESMAN,
        help="Medium of the customer's first inquiry.")
    crm_last_work_tag_ids = fields.Many2many(
        "crm.tag", string="Last Work", compute="_compute_crm_reactivation_facts", groups=SALESMAN,
        help="Kinds of work of the customer's last completed deal.")
    crm_quiet_reason_ids = fields.One2many(
        "crm.rank.quiet.reason", "partner_id", string="Reactivation Outcomes", readonly=True, groups=SALESMAN)

    # After-care (crm.aftercare.item): the next reason to call, the seasons' greetings.
    crm_next_aftercare_date = fields.Date(
        string="Next After-care", compute="_compute_crm_next_aftercare", groups=SALESMAN,
        help="When the customer's next inspection, warranty end or equipment replacement is due.")
    crm_next_aftercare_name = fields.Char(
        string="Next Reason to Call", compute="_compute_crm_next_aftercare", groups=SALESMAN)
    crm_next_aftercare_overdue = fields.Boolean(
        string="Next Reason to Call Overdue", compute="_compute_crm_next_aftercare", groups=SALESMAN)
    crm_mourning_year = fields.Integer(
        string="Mourning Year (喪中)", groups=SALESMAN,
        help="The year in which the household is in mourning: no New Year card for the "
        "following New Year, a winter greeting (寒中見舞い) instead.")

    # Japanese usage: the honorific printed after the name, duplicates caught at the door.
    crm_honorific_default = fields.Char(
        string="Default Honorific", compute="_compute_crm_addressee",
        help="Printed when the honorific title is empty: 御中 for a company, 様 for a person.")
    crm_addressee = fields.Char(
        string="Addressee", compute="_compute_crm_addressee",
        help="The name with its honorific title, as printed on certificates, direct mail, "
        "fax lists and greeting cards.")
    crm_duplicate_ids = fields.Many2many(
        "res.partner", string="Possible Duplicates", compute="_compute_crm_duplicate_ids", groups=USER,
        help="Other customers with the same phone or fax number (whatever its format) or the "
        "same reading: the same family registered twice splits its deals, rank and defection.")
    # Who takes care of the customer: the company's salesperson for a contact person
    # (crm.rank.responsible keeps it in step with the deals).
    crm_user_id = fields.Many2one(
        "res.users", string="Responsible Salesperson", related="commercial_partner_id.user_id", groups=USER,
        help="The salesperson who takes care of this customer: calls, after-care and reactivation go "
        "to them, and the receptionist transfers callers to them. Set by the customer's first deal, "
        "then by each deal they sign; change it on the customer (Sales & Purchase tab).")

    # Properties (crm.property) and the household (crm.household).
    crm_property_count = fields.Integer(
        string="Properties Owned", compute="_compute_crm_property_count", groups=SALESMAN)
    crm_survey_satisfaction = fields.Selection(
        SURVEY_SATISFACTIONS, string="Survey Satisfaction", compute="_compute_crm_survey", groups=SALESMAN,
        help="The latest completed completion survey of this customer's jobs.")
    crm_survey_score = fields.Float(string="Survey Score (%)", compute="_compute_crm_survey", groups=SALESMAN)
    crm_survey_date = fields.Datetime(string="Survey Answered On", compute="_compute_crm_survey", groups=SALESMAN)
    crm_survey_count = fields.Integer(string="Surveys", compute="_compute_crm_survey", groups=SALESMAN)
    crm_household_id = fields.Many2one(
        "crm.household", string="Household", index="btree_not_null", ondelete="set null", groups=SALESMAN,
        help="The family this person lives with: one greeting card and one direct mail per household, "
        "the others as joint addressees (連名). Each person keeps their own rank.")
    crm_household_member_ids = fields.One2many(
        related="crm_household_id.partner_ids", string="Household Members", groups=SALESMAN)

    # Cards and search.
    crm_address_line = fields.Char(
        string="Address on One Line", compute="_compute_crm_address_line",
        help="The address as the customer's country writes it, for the customer cards: in "
        "Japan the postal mark and code, then prefecture, city and street.")
    crm_phone_search = fields.Char(
        "Phone (any format)", store=False, search="_search_crm_phone_search",
        help="Matches the phone number typed with or without hyphens, spaces or brackets, "
        "and with the country code (+81) or the leading 0.")

    # ------------------------------------------------------------
    # COMPUTES (they only assign: the facts are read in one batch by services)
    # ------------------------------------------------------------

    def _compute_crm_rank(self):
        """The engine runs for the marked partners among ``self`` (``crm.rank.engine._run_pending``)."""
        self.env["crm.rank.engine"]._run_pending(self)

    def _crm_assign(self, values):
        """Assign each partner its ``{partner id: field values}`` of a service's batch read."""
        for partner in self:
            partner.update(values[partner.id])

    @api.depends("crm_rank_date")
    def _compute_crm_rank_days(self):
        today = fields.Date.context_today(self)
        for partner in self:
            partner.crm_rank_days = (today - partner.crm_rank_date).days if partner.crm_rank_date else 0

    def _search_crm_rank_days(self, operator, value):
        return self.env["crm.rank.history"]._rank_days_domain(operator, value)

    @api.depends("commercial_partner_id")
    def _compute_crm_rank_times(self):
        times = self.env["crm.rank.history"]._times_entered(self.commercial_partner_id.ids)
        for partner in self:
            counts = times.get(partner.commercial_partner_id.id, {})
            partner.crm_rank_dormant_count = counts.get("dormant", 0)
            partner.crm_rank_lost_count = counts.get("lost", 0)
            partner.crm_rank_contracted_count = counts.get("contracted", 0)

    def _search_crm_rank_dormant_count(self, operator, value):
        return self.env["crm.rank.history"]._times_entered_domain("dormant", operator, value)

    def _search_crm_rank_lost_count(self, operator, value):
        return self.env["crm.rank.history"]._times_entered_domain("lost", operator, value)

    def _search_crm_rank_contracted_count(self, operator, value):
        return self.env["crm.rank.history"]._times_entered_domain("contracted", operator, value)

    @api.depends("crm_rank", "company_id")
    @api.depends_context("lang", "company")
    def _compute_crm_rank_guidance(self):
        texts = self.env["crm.rank.guidance"]._partner_texts(self)
        for partner in self:
            partner.crm_rank_hint, partner.crm_rank_guidance = texts[partner.id]

    @api.depends("commercial_partner_id")
    @api.depends_context("uid", "allowed_company_ids")  # the reader's companies' deals only
    def _compute_crm_rank_facts(self):
        self._crm_assign(self.env["crm.rank.engine"]._form_facts(self))

    @api.depends("commercial_partner_id")
    def _compute_referral_counts(self):
        counts = self.env["crm.rank.referral"]._counts(self)
        for partner in self:
            partner.referral_count, partner.referral_won_count = counts[partner.id]

    @api.depends("commercial_partner_id")
    def _compute_crm_last_lost_reason(self):
        reasons = rank_facts.last_lost_reasons(self.env, [pid for pid in self.commercial_partner_id.ids if pid])
        all_reasons = self.env["crm.lost.reason"].browse({rid for rid in reasons.values() if rid})
        for partner in self:
            reason = all_reasons.browse(reasons.get(partner.commercial_partner_id.id))
            partner.crm_last_lost_reason_id = reason.with_prefetch(all_reasons._prefetch_ids)
            partner.crm_last_lost_category = partner.crm_last_lost_reason_id.category

    @api.depends("commercial_partner_id")
    def _compute_crm_construction_ids(self):
        projects = self.env["project.project"]
        by_customer = projects._crm_constructions_by_customer(self.commercial_partner_id.ids)
        for partner in self:
            partner.crm_construction_ids = by_customer.get(partner.commercial_partner_id.id, projects)

    @api.depends("commercial_partner_id")
    @api.depends_context("uid", "allowed_company_ids")  # the reader's companies' deals only
    def _compute_crm_reactivation_facts(self):
        self._crm_assign(self.env["crm.rank.reactivation"]._partner_facts(self))

    # Not on crm_rank: a relational field depending on the rank would make every
    # rank write look for the dependents twice (before and after, see the ORM's
    # write); the proposals are read when the form is.
    @api.depends("commercial_partner_id")
    def _compute_crm_defection_proposal_id(self):
        proposals = self.env["crm.rank.quiet.reason"]._open_proposals(self.commercial_partner_id.ids)
        for partner in self:
            partner.crm_defection_proposal_id = proposals.get(partner.commercial_partner_id.id)

    @api.depends("commercial_partner_id")
    @api.depends_context("lang")
    def _compute_crm_next_aftercare(self):
        first = self.env["crm.aftercare.item"]._next_by_customer(self.commercial_partner_id.ids)
        for partner in self:
            item = first.get(partner.commercial_partner_id.id)
            partner.crm_next_aftercare_date = item.due_date if item else False
            partner.crm_next_aftercare_name = item._reason_to_call() if item else False
            partner.crm_next_aftercare_overdue = bool(item) and item.due_date < fields.Date.context_today(partner)

    @api.depends("commercial_partner_id")
    def _compute_crm_property_count(self):
        groups = self.env["crm.property"]._read_group(
            [("partner_id", "in", self.commercial_partner_id.ids)], ["partner_id"], ["__count"]
        )
        counts = {partner.id: count for partner, count in groups}
        for partner in self:
            partner.crm_property_count = counts.get(partner.commercial_partner_id.id, 0)

    def _compute_crm_survey(self):
        """The customer's completion survey answers (of their deals): how many, and the latest
        completed one's result (one query for the batch)."""
        # sudo: the result is shown to whoever reads the customer; the answers stay protected
        answers_sudo = self.env["survey.user_input"].sudo().search_fetch(
            [("crm_customer_id", "in", self.commercial_partner_id.ids), ("test_entry", "=", False)],
            ["crm_customer_id", "state", "end_datetime", "crm_satisfaction", "scoring_percentage"],
            order="end_datetime desc nulls last, id desc",
        )
        counts, latest = {}, {}
        for answer in answers_sudo:
            customer_id = answer.crm_customer_id.id
            counts[customer_id] = counts.get(customer_id, 0) + 1
            if answer.state == "done":
                latest.setdefault(customer_id, answer)
        for partner in self:
            customer_id = partner.commercial_partner_id.id
            answer = latest.get(customer_id)
            partner.crm_survey_count = counts.get(customer_id, 0)
            partner.crm_survey_satisfaction = answer.crm_satisfaction if answer else False
            partner.crm_survey_score = answer.scoring_percentage if answer else 0.0
            partner.crm_survey_date = answer.end_datetime if answer else False

    @api.depends("zip", "state_id", "city", "street", "street2", "country_id")
    def _compute_crm_address_line(self):
        for partner in self:
            partner.crm_address_line = address_line(
                partner.zip, partner.state_id.name, partner.city, partner.street, partner.street2,
                partner.country_id.code, partner.country_id.name,
            )

    @api.depends("name", "is_company", "honorific_title", "honorific_title_position")
    def _compute_crm_addressee(self):
        for partner in self:
            default = HONORIFIC_COMPANY if partner.is_company else HONORIFIC_PERSON
            title = (partner.honorific_title or "").strip() or default
            name = partner.name or ""
            partner.crm_honorific_default = default
            if partner.honorific_title and partner.honorific_title_position == "before":
                partner.crm_addressee = f"{title} {name}"
            else:
                partner.crm_addressee = f"{name} {title}"

    @api.depends("phone", "fax", "name_kana", "parent_id", "is_company")
    def _compute_crm_duplicate_ids(self):
        duplicates = self.env["crm.rank.duplicate"]._find(self)
        for partner in self:
            partner.crm_duplicate_ids = duplicates[partner]

    def _search_crm_phone_search(self, operator, value):
        return phone_search_domain(self, self._phone_get_number_fields(), operator, value)

    @api.constrains("referrer_partner_id", "parent_id", "is_company")
    def _check_referrer_partner_id(self):
        """Nobody refers themselves, no circle (``crm.rank.referral._check_links``)."""
        self.env["crm.rank.referral"]._check_links(self)

    @api.constrains("crm_household_id", "is_company")
    def _check_crm_household_id(self):
        """A household is people, not a company (a company's people are its contacts)."""
        for partner in self:
            if partner.crm_household_id and partner.is_company:
                raise ValidationError(
                    self.env._(
                        "%(company)s is a company: only people belong to a household (%(household)s).",
                        company=partner.display_name,
                        household=partner.crm_household_id.name,
                    )
                )

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        self.env["crm.rank.engine"]._check_write(vals_list)
        check_selection_values(self, vals_list)
        defection = self.env["crm.rank.defection"]
        defection._check_write([{key: value for key, value in vals.items() if value} for vals in vals_list])
        partners = super().create([defection._defaults(vals) for vals in vals_list])
        defected = partners.filtered(lambda p: p.sudo().is_defected)
        defection._defect_customers(defected)
        defected._crm_rank_refresh("manual")  # a customer imported or created defected is defected at once
        self.env["crm.rank.suppression"]._mark(partners._crm_rank_defected_family())
        if any(vals.get("referrer_partner_id") for vals in vals_list):
            partners.referrer_partner_id._crm_rank_refresh("referral")
        # a contact person added to a ranked customer shares its rank, whoever adds it
        partners_sudo = partners.sudo()  # the rank is for internal users only; a portal user may add a contact
        partners_sudo.filtered(lambda p: p.parent_id and p.commercial_partner_id.crm_rank)._crm_rank_refresh("manual")
        return partners

    def write(self, vals):
        if self.env.context.get(MERGE_CONTEXT_KEY):
            # Odoo's merge wizard copies every field of the merged customers: the
            # defection is carried over by the server instead (whoever merges)
            vals = {key: value for key, value in vals.items() if key not in DEFECTION_FIELDS}
        engine, defection = self.env["crm.rank.engine"], self.env["crm.rank.defection"]
        engine._check_write([vals])
        check_selection_values(self, [vals])
        defection._check_write([vals])
        by_engine = engine._is_engine_write()
        trigger = not by_engine and not RANK_TRIGGER_FIELDS.isdisjoint(vals)
        before = self._crm_rank_affected() if trigger else self.browse()
        leaving = defection._defected_customers(self) if trigger and {"parent_id", "is_company"} & set(vals) else {}
        suppression = self.env["crm.rank.suppression"]
        if not PARTNER_ADDRESS_FIELDS.isdisjoint(vals):
            suppression._keep_replaced(self)  # the addresses about to be replaced
        res = super().write(vals if by_engine else defection._defaults(vals))
        if vals.get("is_defected") and not by_engine:
            defection._defect_customers(self)
        if not (PARTNER_ADDRESS_FIELDS | PARTNER_FAMILY_FIELDS).isdisjoint(vals):
            # listed before commit: the engine stores a defection by loss inside the rank's compute
            suppression._mark(self._crm_rank_defected_family())
        if leaving:
            defection._keep_defection(leaving)
        if trigger:
            cause = "referral" if "referrer_partner_id" in vals else "manual"
            (before | self | self._crm_rank_affected())._crm_rank_refresh(cause)
        return res

    def unlink(self):
        """A deleted (or merged away) defected customer's addresses stay on the suppression list."""
        # a defection waiting in a rank to decide (a loss) is stored first: deciding it now
        if defected := self._crm_rank_defected_family(decide=True):
            self.env["crm.rank.suppression"]._list(defected.ids, deleting=True)
        return super().unlink()

    def _fields_sync(self, values):
        """The engine's own writes need no commercial or address sync: it writes
        every member of a customer's family itself (``crm.rank.engine._update_ids``)."""
        if self.env["crm.rank.engine"]._is_engine_write() and ENGINE_WRITE_FIELDS.issuperset(values):
            return
        super()._fields_sync(values)

    @api.model
    def _commercial_fields(self):
        """Contact persons share their company's preferred channel, as they share its rank."""
        return [*super()._commercial_fields(), "crm_contact_channel"]

    def _message_track(self, fields_iter, initial_values_dict):
        """The rank's tracking lines in each customer's language (``track_in_partner_language``)."""

        def track(partners, lang):
            return super(ResPartner, partners.with_context(lang=lang))._message_track(fields_iter, initial_values_dict)

        return track_in_partner_language(self, initial_values_dict, track)

    @api.model
    def _search_display_name(self, operator, value):
        """A number typed in a customer field or the contacts search finds its customer too."""
        domain = super()._search_display_name(operator, value)
        # internal users only: portal mentions and public forms keep Odoo's own search
        if operator in ("ilike", "like") and self.env.user._is_internal() and phone_search_patterns(value):
            domain = Domain(domain) | Domain("crm_phone_search", operator, value)
        return domain

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_open_referred_customers(self):
        self.ensure_one()
        return self.env["crm.rank.referral"]._action_referred(self)

    def action_crm_merge_duplicates(self):
        """Odoo's merge wizard, with this customer and its possible duplicates
        (``crm.rank.duplicate._action_merge``)."""
        self.ensure_one()
        return self.env["crm.rank.duplicate"]._action_merge(self)

    def action_open_crm_surveys(self):
        """The completion survey answers of this customer's jobs."""
        self.ensure_one()
        return self.env["survey.user_input"]._crm_action([("crm_customer_id", "=", self.commercial_partner_id.id)])

    def action_open_crm_properties(self):
        """The properties this customer owns."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_customer_rank.crm_property_action")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def action_review_defection_proposal(self):
        """The defection wizard, filled in from the proposal."""
        self.ensure_one()
        return self.crm_defection_proposal_id.action_open_defection_wizard()

    # ------------------------------------------------------------
    # BUSINESS (entry points; the work is in the service models)
    # ------------------------------------------------------------

    def _crm_rank_refresh(self, cause="deal"):
        """Mark the rank of these partners and of their customers to recompute: it is
        decided when next read or searched, at the latest before the commit (no
        query here: ``crm.rank.engine._mark``)."""
        self.env["crm.rank.engine"]._mark(self, cause)

    @api.model
    def _crm_rank_update_all(self, cause="scheduled", batch_size=None):
        """Bring every rank up to date (``crm.rank.engine._update_all``)."""
        return self.env["crm.rank.engine"]._update_all(cause=cause, batch_size=batch_size)

    def _crm_rank_defected_family(self, decide=False):
        """The partners among ``self`` that are, or belong to, a defected customer.

        :param decide: decide their ranks waiting to be decided first: deciding
            one may store a defection (a past customer's loss for a reason that
            marks defection). Not on the way of every write: the engine runs
            once per transaction, at the latest before commit.
        """
        partners_sudo = self.sudo()  # defections are read whoever edits the partner
        if decide:
            partners_sudo.flush_recordset(["crm_rank"])
        pending = self.env.cr.precommit.data.get(SUPPRESSION_PENDING_KEY) or ()

        def defected(partner):
            customer = partner.commercial_partner_id
            return (
                partner.is_defected
                or customer.is_defected
                or partner.id in pending
                or (decide and customer.crm_rank == "defected")
            )

        return partners_sudo.filtered(defected).sudo(False)

    def _crm_rank_affected(self):
        """Commercial partners whose rank may depend on these partners."""
        partners_sudo = self.sudo()  # referrers count whoever edits (e.g. a portal user)
        return partners_sudo.commercial_partner_id | partners_sudo.referrer_partner_id.commercial_partner_id

    def _crm_rank_mark_defected(self, reason, note=False):
        """Mark the commercial customers of ``self`` defected (``crm.rank.defection``)."""
        self.env["crm.rank.defection"]._mark_defected(self, reason, note)

    def _crm_rank_reinstate(self, note=False):
        """Reinstate the commercial customers of ``self`` (``crm.rank.defection``)."""
        self.env["crm.rank.defection"]._reinstate(self, note)

    def _crm_sorted_by_reading(self):
        """These partners in あいうえお順: by reading (whatever kana it is stored in),
        those without one after, by name."""
        return self.sorted(lambda partner: (*reading_sort_key(partner.name_kana), partner.name or "", partner.id))

    def _crm_rank_has_postal_address(self):
        """Enough of an address for a direct mail: street and city, or a postal code."""
        self.ensure_one()
        return bool(((self.street or "").strip() and (self.city or "").strip()) or (self.zip or "").strip())
