from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import format_date, sql

from ..engine import facts as rank_facts
from ..engine import rules
from .crm_lost_reason import LOST_CATEGORIES
from .crm_rank_defection import DEFECTION_FIELDS
from .crm_rank_engine import ENGINE_FIELDS
from .crm_rank_tools import check_selection_values
from .phone_search import phone_search_domain, phone_search_patterns

# Selections of the rank and its reason (declared in engine/rules.py).
CRM_RANKS = list(rules.RANKS)
CRM_RANK_REASONS = list(rules.REASONS)
# What the engine's own rank writes carry (see _fields_sync).
ENGINE_WRITE_FIELDS = ENGINE_FIELDS | {"write_date", "write_uid"}
# Partner fields whose change can move a customer's rank at once.
RANK_TRIGGER_FIELDS = frozenset({"parent_id", "is_company", "referrer_partner_id", "is_defected"})
DEFECTION_REASONS = [
    ("complaint", "Complaint"),
    ("competitor", "Went to a competitor"),
    ("moved", "Moved away"),
    ("no_contact", "Asked not to be contacted"),
    ("other", "Other"),
]
DEFECTION_ORIGINS = [
    ("manual", "Marked by a sales manager"),
    ("import", "Imported"),
    ("lost_deal", "Deal lost for a defection reason"),
    ("left_customer", "Left a defected customer"),
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Counting a mailing's recipients reads the active partners; with this
    # index, leaving the defected out costs an index-only scan, not a table scan.
    _crm_rank_active_idx = models.Index("(crm_rank) WHERE active IS TRUE")

    # The three engine fields are "computed" only so that the ORM defers the
    # engine: _crm_rank_refresh marks them, _compute_crm_rank runs the engine
    # once for everything marked, when a rank is read or searched, or at the
    # latest at the flush before commit.
    crm_rank = fields.Selection(
        CRM_RANKS,
        string="Customer Rank",
        compute="_compute_crm_rank",
        store=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
        group_expand=True,
        groups="base.group_user",
        help="Kept up to date from the customer's deals, constructions, referrals "
        "and contacts; shared by a company and its contact persons.",
    )
    crm_rank_reason = fields.Selection(
        CRM_RANK_REASONS,
        string="Rank Reason",
        compute="_compute_crm_rank",
        store=True,
        readonly=True,
        copy=False,
        groups="base.group_user",
    )
    crm_rank_date = fields.Date(
        string="Rank Since",
        compute="_compute_crm_rank",
        store=True,
        readonly=True,
        copy=False,
        groups="base.group_user",
    )
    crm_rank_history_ids = fields.One2many(
        "crm.rank.history",
        "partner_id",
        string="Rank History",
        readonly=True,
        groups="sales_team.group_sale_salesman",
    )
    is_defected = fields.Boolean(
        string="Defected",
        readonly=True,
        copy=False,
        tracking=True,
        groups="sales_team.group_sale_salesman",
        help="Set by a sales manager; a defected customer receives no marketing.",
    )
    crm_rank_reinstated_date = fields.Datetime(
        string="Reinstated On",
        readonly=True,
        copy=False,
        groups="sales_team.group_sale_salesman",
        help="Deals lost for a defection reason before this moment no longer make the customer defected.",
    )
    referrer_partner_id = fields.Many2one(
        "res.partner",
        string="Referred By",
        index="btree_not_null",
        tracking=True,
        groups="base.group_user",
        help="The customer who referred this customer to us.",
    )
    # Facts shown on the form (not stored: read in one batch from the engine).
    crm_open_deal_count = fields.Integer(
        string="Open Deals", compute="_compute_crm_rank_facts", groups="base.group_user"
    )
    crm_won_deal_count = fields.Integer(string="Won Deals", compute="_compute_crm_rank_facts", groups="base.group_user")
    crm_last_completion_date = fields.Date(
        string="Last Completion", compute="_compute_crm_rank_facts", groups="base.group_user"
    )
    crm_last_contact_date = fields.Date(
        string="Last Contact", compute="_compute_crm_rank_facts", groups="base.group_user"
    )
    crm_referral_count = fields.Integer(
        string="Referral Count", compute="_compute_crm_rank_facts", groups="base.group_user"
    )
    # Defection (is_defected above): set and cleared by the defection wizards.
    defection_reason = fields.Selection(
        DEFECTION_REASONS, readonly=True, copy=False, groups="sales_team.group_sale_salesman"
    )
    defection_date = fields.Date(
        string="Defected On", readonly=True, copy=False, groups="sales_team.group_sale_salesman"
    )
    defection_note = fields.Text(readonly=True, copy=False, groups="sales_team.group_sale_salesman")
    defection_user_id = fields.Many2one(
        "res.users",
        string="Marked Defected By",
        readonly=True,
        copy=False,
        groups="sales_team.group_sale_salesman",
    )
    defection_origin = fields.Selection(
        DEFECTION_ORIGINS,
        readonly=True,
        copy=False,
        groups="sales_team.group_sale_salesman",
        help="What made the customer defected. Whatever the origin, only a sales "
        "manager's reinstatement ends a defection.",
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("commercial_partner_id")
    @api.depends_context("uid", "allowed_company_ids")  # the reader's companies' deals only
    def _compute_crm_rank_facts(self):
        commercial_ids = [pid for pid in self.commercial_partner_id.ids if pid]
        today = fields.Date.context_today(self)
        facts = (
            rank_facts.gather(
                self.env, commercial_ids, today, self.env["crm.rank.engine"]._thresholds(), self.env.companies.ids
            )
            if commercial_ids
            else {}
        )
        for partner in self:
            fact = facts.get(partner.commercial_partner_id.id) or rules.CustomerFacts()
            partner.crm_open_deal_count = fact.open_leads + fact.open_opportunities
            partner.crm_won_deal_count = fact.won_count
            partner.crm_last_completion_date = fact.last_completion
            partner.crm_last_contact_date = fact.last_contact
            partner.crm_referral_count = fact.referral_count

    def _compute_crm_rank(self):
        """The engine runs for the marked partners among ``self`` (``crm.rank.engine._run_pending``)."""
        self.env["crm.rank.engine"]._run_pending(self)

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    def _auto_init(self):
        """Create the rank columns by hand on install: the ORM would otherwise
        mark every existing partner to compute; the post-init hook fills the
        ranks set-based instead."""
        cr = self.env.cr
        for fname, column_type in (("crm_rank", "varchar"), ("crm_rank_reason", "varchar"), ("crm_rank_date", "date")):
            if not sql.column_exists(cr, self._table, fname):
                sql.create_column(cr, self._table, fname, column_type)
        return super()._auto_init()

    @api.model_create_multi
    def create(self, vals_list):
        self._crm_rank_check_engine_write(vals_list)
        check_selection_values(self, vals_list)
        self._crm_rank_check_defection_write(
            [{key: value for key, value in vals.items() if value} for vals in vals_list]
        )
        defection = self.env["crm.rank.defection"]
        vals_list = [defection._defaults(vals) for vals in vals_list]
        partners = super().create(vals_list)
        defection._defect_customers(partners.filtered(lambda p: p.sudo().is_defected))
        if any(vals.get("referrer_partner_id") for vals in vals_list):
            partners.referrer_partner_id._crm_rank_refresh("referral")
        # a contact person added to a ranked customer shares its rank, whoever adds it
        partners_sudo = partners.sudo()  # the rank is for internal users only; a portal user may add a contact
        partners_sudo.filtered(lambda p: p.parent_id and p.commercial_partner_id.crm_rank)._crm_rank_refresh("manual")
        return partners

    def write(self, vals):
        self._crm_rank_check_engine_write([vals])
        check_selection_values(self, [vals])
        self._crm_rank_check_defection_write([vals])
        engine = self.env.su and self.env.context.get("crm_rank_engine")
        trigger = not engine and not RANK_TRIGGER_FIELDS.isdisjoint(vals)
        before = self._crm_rank_affected() if trigger else self.browse()
        defection = self.env["crm.rank.defection"]
        leaving = defection._defected_customers(self) if trigger and {"parent_id", "is_company"} & set(vals) else {}
        if not engine:
            vals = defection._defaults(vals)
        res = super().write(vals)
        if vals.get("is_defected") and not engine:
            defection._defect_customers(self)
        if leaving:
            defection._keep_defection(leaving)
        if trigger:
            cause = "referral" if "referrer_partner_id" in vals else "manual"
            (before | self | self._crm_rank_affected())._crm_rank_refresh(cause)
        return res

    def unlink(self):
        self._crm_rank_block_defected_addresses()
        return super().unlink()

    def _crm_rank_block_defected_addresses(self):
        """Deleting a defected customer keeps their e-mail and phone numbers out of
        marketing: they go to Odoo's blacklists, which every mailing respects."""
        # the blacklists are written whoever deletes (a manager with contact rights)
        defected_sudo = (
            self.sudo().with_context(active_test=False).filtered(lambda p: p.is_defected or p.crm_rank == "defected")
        )
        if not defected_sudo:
            return
        message = self.env._("Defected customer deleted: kept out of marketing.")
        for email in set(filter(None, defected_sudo.mapped("email_normalized"))):
            self.env["mail.blacklist"].sudo()._add(email, message=message)
        numbers = set(filter(None, defected_sudo.mapped("phone_sanitized")))
        if numbers:
            self.env["phone.blacklist"].sudo()._add(list(numbers), message=message)

    def _crm_rank_check_engine_write(self, vals_list):
        # the context key alone could come from a client: the engine also runs as superuser
        if self.env.su and self.env.context.get("crm_rank_engine"):
            return
        if any(not ENGINE_FIELDS.isdisjoint(vals) for vals in vals_list):
            raise UserError(
                self.env._(
                    "The customer rank is computed from the customer's deals, "
                    "constructions, referrals and contacts and cannot be set by hand. "
                    "To stop all contact with a customer, mark them defected."
                )
            )

    def _crm_rank_check_defection_write(self, vals_list):
        """Only sales managers set or clear a defection, whatever the client sends.

        The superuser passes too: the engine, data files and tests.
        """
        if not any(not DEFECTION_FIELDS.isdisjoint(vals) for vals in vals_list):
            return
        if self.env.su or self.env.user.has_group("sales_team.group_sale_manager"):
            return
        raise AccessError(
            self.env._("Only sales managers can mark a customer defected or reinstate a defected customer.")
        )

    def _crm_rank_affected(self):
        """Commercial partners whose rank may depend on these partners."""
        partners_sudo = self.sudo()  # referrers count whoever edits (e.g. a portal user)
        return partners_sudo.commercial_partner_id | partners_sudo.referrer_partner_id.commercial_partner_id

    # ------------------------------------------------------------
    # DEFECTION
    # ------------------------------------------------------------

    def _crm_rank_mark_defected(self, reason, note=False):
        """Mark the commercial customers of ``self`` defected (``crm.rank.defection``)."""
        self.env["crm.rank.defection"]._mark_defected(self, reason, note)

    def _crm_rank_reinstate(self, note=False):
        """Reinstate the commercial customers of ``self`` (``crm.rank.defection``)."""
        self.env["crm.rank.defection"]._reinstate(self, note)

    # ------------------------------------------------------------
    # RANK ENGINE (entry points: the engine is crm.rank.engine)
    # ------------------------------------------------------------

    def _crm_rank_refresh(self, cause="deal"):
        """Mark the rank of these partners and of their customers to recompute
        (no query: ``crm.rank.engine._mark``); deals, projects, lost reasons
        and partner changes call it."""
        self.env["crm.rank.engine"]._mark(self, cause)

    @api.model
    def _crm_rank_update_all(self, cause="scheduled", batch_size=None):
        """Bring every rank up to date (``crm.rank.engine._update_all``): the
        install hook, the demo data and tests call it."""
        return self.env["crm.rank.engine"]._update_all(cause=cause, batch_size=batch_size)

    @api.model
    def _cron_update_crm_rank(self):
        """The daily scheduled action (``crm.rank.engine._cron_daily``)."""
        return self.env["crm.rank.engine"]._cron_daily()

    # ------------------------------------------------------------
    # GUIDANCE
    # ------------------------------------------------------------

    crm_rank_hint = fields.Char(string="Rank Hint", compute="_compute_crm_rank_guidance", groups="base.group_user")
    crm_rank_guidance = fields.Text(
        string="How to Treat This Customer",
        compute="_compute_crm_rank_guidance",
        groups="base.group_user",
    )

    @api.depends("crm_rank", "company_id")
    @api.depends_context("lang", "company")
    def _compute_crm_rank_guidance(self):
        guidance = self.env["crm.rank.guidance"].sudo()._for_partners(self)  # shared texts
        lost = self.filtered(lambda partner: partner.crm_rank == "lost").commercial_partner_id
        playbooks = self.env["crm.lost.reason"]._crm_rank_playbooks(lost.ids)
        for partner in self:
            record = guidance.get(partner.id)
            partner.crm_rank_hint = record.hint if record else False
            texts = [
                record.guidance if record else False,
                playbooks.get(partner.commercial_partner_id.id),
                partner.crm_next_aftercare_name
                and self.env._(
                    "Next reason to call: %(item)s (%(date)s)",
                    item=partner.crm_next_aftercare_name,
                    date=format_date(self.env, partner.crm_next_aftercare_date),
                ),
            ]
            partner.crm_rank_guidance = "\n\n".join(filter(None, texts)) or False

    # ------------------------------------------------------------
    # REACTIVATION (subscribers of rank changes)
    # ------------------------------------------------------------

    crm_contact_channel = fields.Selection(
        [
            ("phone", "Phone"),
            ("email", "Email"),
            ("direct_mail", "Direct Mail"),
            ("fax", "Fax"),
        ],
        string="Preferred Channel",
        help="How the customer prefers to be approached. Empty: automatic (phone, else "
        "e-mail, else direct mail to the postal address, else fax, depending on the data "
        "we have).",
    )
    fax = fields.Char(help="Fax number, for customers who prefer to be approached by fax.")
    # Facts to judge why a customer went quiet (not stored: read in one batch).
    crm_days_since_contact = fields.Integer(string="Days Since Last Contact", compute="_compute_crm_reactivation_facts")
    crm_last_contract_date = fields.Date(string="Last Contract", compute="_compute_crm_reactivation_facts")
    crm_days_since_contract = fields.Integer(
        string="Days Since Last Contract", compute="_compute_crm_reactivation_facts"
    )
    crm_won_amount = fields.Monetary(
        string="Won Amount",
        currency_field="crm_currency_id",
        compute="_compute_crm_reactivation_facts",
        help="Sum of the expected revenue of the customer's won deals.",
    )
    crm_currency_id = fields.Many2one("res.currency", string="Currency", compute="_compute_crm_reactivation_facts")
    crm_first_source_id = fields.Many2one(
        "utm.source",
        string="Acquisition Source",
        compute="_compute_crm_reactivation_facts",
        help="Source of the customer's first inquiry.",
    )
    crm_first_medium_id = fields.Many2one(
        "utm.medium",
        string="Acquisition Medium",
        compute="_compute_crm_reactivation_facts",
        help="Medium of the customer's first inquiry.",
    )
    crm_last_work_tag_ids = fields.Many2many(
        "crm.tag",
        string="Last Work",
        compute="_compute_crm_reactivation_facts",
        help="Kinds of work of the customer's last completed deal.",
    )

    def _fields_sync(self, values):
        """The engine's own writes need no commercial or address sync: it writes
        every member of a customer's family itself (``crm.rank.engine._update_ids``)."""
        if self.env.su and self.env.context.get("crm_rank_engine") and ENGINE_WRITE_FIELDS.issuperset(values):
            return
        super()._fields_sync(values)

    @api.model
    def _commercial_fields(self):
        """Contact persons share their company's preferred channel, as they share its rank."""
        return [*super()._commercial_fields(), "crm_contact_channel"]

    @api.depends("commercial_partner_id")
    @api.depends_context("uid", "allowed_company_ids")  # the reader's companies' deals only
    def _compute_crm_reactivation_facts(self):
        commercial_ids = [pid for pid in self.commercial_partner_id.ids if pid]
        today = fields.Date.context_today(self)
        facts = (
            rank_facts.reactivation_facts(self.env, commercial_ids, today, self.env.companies.ids)
            if commercial_ids
            else {}
        )
        for partner in self:
            fact = facts.get(partner.commercial_partner_id.id) or {}
            partner.crm_days_since_contact = fact.get("days_since_contact") or 0
            partner.crm_last_contract_date = fact.get("last_contract")
            partner.crm_days_since_contract = fact.get("days_since_contract") or 0
            partner.crm_won_amount = fact.get("won_amount") or 0.0
            partner.crm_currency_id = self.env.company.currency_id
            partner.crm_first_source_id = fact.get("first_source_id")
            partner.crm_first_medium_id = fact.get("first_medium_id")
            partner.crm_last_work_tag_ids = [Command.set(fact.get("last_deal_tag_ids") or [])]

    def _crm_rank_has_postal_address(self):
        """Enough of an address for a direct mail: street and city, or a postal code."""
        self.ensure_one()
        return bool(((self.street or "").strip() and (self.city or "").strip()) or (self.zip or "").strip())

    crm_address_line = fields.Char(
        string="Address on One Line",
        compute="_compute_crm_address_line",
        help="The address as the customer's country writes it, for the customer cards: in "
        "Japan the postal mark and code, then prefecture, city and street.",
    )

    @api.depends("zip", "state_id", "city", "street", "street2", "country_id")
    def _compute_crm_address_line(self):
        for partner in self:
            if partner.country_id.code == "JP":
                # 〒154-0015 東京都世田谷区桜新町8-3-3: no separators between the parts
                place = "".join(filter(None, (partner.state_id.name, partner.city, partner.street, partner.street2)))
                partner.crm_address_line = " ".join(filter(None, (partner.zip and f"〒{partner.zip}", place)))
            else:
                partner.crm_address_line = ", ".join(filter(None, (partner.city, partner.country_id.name)))

    # ------------------------------------------------------------
    # REFERRALS, LAST LOST REASON, CONSTRUCTIONS
    # ------------------------------------------------------------

    # Sales facts: internal users only, like the rank itself.
    referral_partner_ids = fields.One2many(
        "res.partner",
        "referrer_partner_id",
        string="Referred Customers",
        readonly=True,
        groups="base.group_user",
    )
    referral_count = fields.Integer(
        string="Referred Customers Count",
        compute="_compute_referral_counts",
        groups="base.group_user",
        help="How many customers (companies or individuals) this customer referred.",
    )
    referral_won_count = fields.Integer(
        string="Referred Customers Signed",
        compute="_compute_referral_counts",
        groups="base.group_user",
        help="How many of the referred customers signed a deal.",
    )
    crm_last_lost_reason_id = fields.Many2one(
        "crm.lost.reason",
        string="Last Lost Reason",
        compute="_compute_crm_last_lost_reason",
        groups="base.group_user",
        help="Why the customer's most recently lost deal was lost.",
    )
    crm_last_lost_category = fields.Selection(
        selection=LOST_CATEGORIES,  # a list, so that Odoo translates its labels
        string="Last Lost Category",
        compute="_compute_crm_last_lost_reason",
        groups="base.group_user",
    )
    crm_construction_ids = fields.Many2many(
        "project.project",
        string="Constructions in Progress",
        compute="_compute_crm_construction_ids",
        groups="base.group_user",
        help="Construction projects of the customer's won deals that are not done yet.",
    )

    @api.depends("commercial_partner_id")
    def _compute_referral_counts(self):
        commercial_ids = [pid for pid in self.commercial_partner_id.ids if pid]
        referred = rank_facts.referred_customers(self.env, commercial_ids) if commercial_ids else {}
        for partner in self:
            signed = referred.get(partner.commercial_partner_id.id, {})
            partner.referral_count = len(signed)
            partner.referral_won_count = sum(signed.values())

    @api.depends("commercial_partner_id")
    def _compute_crm_last_lost_reason(self):
        commercial_ids = [pid for pid in self.commercial_partner_id.ids if pid]
        reasons = rank_facts.last_lost_reasons(self.env, commercial_ids) if commercial_ids else {}
        all_reasons = self.env["crm.lost.reason"].browse({rid for rid in reasons.values() if rid})
        for partner in self:
            reason = all_reasons.browse(reasons.get(partner.commercial_partner_id.id))
            reason = reason.with_prefetch(all_reasons._prefetch_ids)
            partner.crm_last_lost_reason_id = reason
            partner.crm_last_lost_category = reason.category

    @api.depends("commercial_partner_id")
    def _compute_crm_construction_ids(self):
        projects = self.env["project.project"]
        by_customer = projects._crm_constructions_by_customer(self.commercial_partner_id.ids)
        for partner in self:
            partner.crm_construction_ids = by_customer.get(partner.commercial_partner_id.id, projects)

    @api.constrains("referrer_partner_id", "parent_id", "is_company")
    def _check_referrer_partner_id(self):
        """Nobody refers themselves, and referrals never go round in a circle.

        Checked between commercial customers (a contact's referral is their
        company's), for these partners' links and, as a contact may have moved
        to another company, for the links of the customers they referred.
        """
        # the check must see every link, whatever the user may read
        partners_sudo = self.sudo().with_context(active_test=False)
        linked = partners_sudo.filtered("referrer_partner_id") | partners_sudo.referral_partner_ids
        for partner in linked:
            if partner.referrer_partner_id.commercial_partner_id == partner.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "%(customer)s cannot be their own referrer, nor be referred by a contact of the same company.",
                        customer=partner.commercial_partner_id.display_name,
                    )
                )
        if not linked:
            return
        in_cycle = rank_facts.referral_cycles(self.env, linked.commercial_partner_id.ids)
        for partner in linked:
            if partner.commercial_partner_id.id in in_cycle:
                raise ValidationError(
                    self.env._(
                        "%(customer)s cannot be referred by %(referrer)s: %(referrer)s was "
                        "already referred by %(customer)s, directly or through other "
                        "customers. A referral cannot go round in a circle.",
                        customer=partner.commercial_partner_id.display_name,
                        referrer=partner.referrer_partner_id.commercial_partner_id.display_name,
                    )
                )

    def action_open_referred_customers(self):
        self.ensure_one()
        commercial = self.commercial_partner_id
        referred = rank_facts.referred_customers(self.env, commercial.ids).get(commercial.id, {})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Referred by %(customer)s", customer=commercial.display_name),
            "res_model": "res.partner",
            "view_mode": "list,kanban,form",
            "views": [(False, "list"), (False, "kanban"), (False, "form")],
            "domain": [("id", "in", list(referred))],
            "context": {"default_referrer_partner_id": commercial.id},
        }

    # ------------------------------------------------------------
    # WHY CUSTOMERS WENT QUIET
    # ------------------------------------------------------------

    crm_quiet_reason_ids = fields.One2many(
        "crm.rank.quiet.reason",
        "partner_id",
        string="Reactivation Outcomes",
        readonly=True,
        groups="sales_team.group_sale_salesman",
    )
    crm_defection_proposal_id = fields.Many2one(
        "crm.rank.quiet.reason",
        string="Defection Proposal",
        compute="_compute_crm_defection_proposal_id",
        groups="sales_team.group_sale_manager",
        help="The customer went to a competitor or is dissatisfied, and a sales manager "
        "has not decided yet whether they are defected.",
    )

    # Not on crm_rank: a relational field depending on the rank would make every
    # rank write look for the dependents twice (before and after, see the ORM's
    # write); the proposals are read when the form is.
    @api.depends("commercial_partner_id")
    def _compute_crm_defection_proposal_id(self):
        proposals = self.env["crm.rank.quiet.reason"]._open_proposals(self.commercial_partner_id.ids)
        for partner in self:
            partner.crm_defection_proposal_id = proposals.get(partner.commercial_partner_id.id)

    def action_review_defection_proposal(self):
        """The defection wizard, filled in from the proposal."""
        self.ensure_one()
        return self.crm_defection_proposal_id.action_open_defection_wizard()

    # ------------------------------------------------------------
    # AFTER-CARE: THE NEXT REASON TO CALL
    # ------------------------------------------------------------

    crm_next_aftercare_date = fields.Date(
        string="Next After-care",
        compute="_compute_crm_next_aftercare",
        groups="sales_team.group_sale_salesman",
        help="When the customer's next inspection, warranty end or equipment replacement is due.",
    )
    crm_next_aftercare_name = fields.Char(
        string="Next Reason to Call",
        compute="_compute_crm_next_aftercare",
        groups="sales_team.group_sale_salesman",
    )

    @api.depends("commercial_partner_id")
    @api.depends_context("lang")
    def _compute_crm_next_aftercare(self):
        first = self.env["crm.aftercare.item"]._next_by_customer(self.commercial_partner_id.ids)
        for partner in self:
            item = first.get(partner.commercial_partner_id.id)
            partner.crm_next_aftercare_date = item.due_date if item else False
            partner.crm_next_aftercare_name = f"{item.name}: {item.lead_id.name}" if item else False

    crm_mourning_year = fields.Integer(
        string="Mourning Year (喪中)",
        groups="sales_team.group_sale_salesman",
        help="The year in which the household is in mourning: no New Year card for the "
        "following New Year, a winter greeting (寒中見舞い) instead.",
    )

    # ------------------------------------------------------------
    # CHATTER LANGUAGE
    # ------------------------------------------------------------

    def _message_track(self, fields_iter, initial_values_dict):
        """Write the rank's tracking lines in each customer's language.

        A rank moves in someone else's request (the scheduler's, a manager's, an
        import), but the line stays in the chatter of the people who serve the
        customer: it is written in the customer's language, like an e-mail to
        them would be, not in the language of whoever triggered the change.
        Other tracking is left as Odoo writes it.
        """
        current = self.env.lang or "en_US"  # no language: the source terms
        by_lang = defaultdict(list)
        for partner in self:
            if "crm_rank" in initial_values_dict.get(partner.id, {}):
                by_lang[partner.lang or current].append(partner.id)
        if set(by_lang) <= {current}:
            return super()._message_track(fields_iter, initial_values_dict)
        # Odoo pops the log bodies and authors of the whole model at its first call
        data = self.env.cr.precommit.data
        bodies = data.pop(f"mail.tracking.message.{self._name}", {})
        authors = data.pop(f"mail.tracking.author.{self._name}", {})
        groups = [(self.env.lang, self - self.browse([pid for ids in by_lang.values() for pid in ids]))]
        groups += [(lang, self.browse(ids)) for lang, ids in by_lang.items()]
        tracking = {}
        for lang, partners in groups:
            if not partners:
                continue
            data[f"mail.tracking.message.{self._name}"] = dict(bodies)
            data[f"mail.tracking.author.{self._name}"] = dict(authors)
            tracking.update(
                super(ResPartner, partners.with_context(lang=lang))._message_track(fields_iter, initial_values_dict)
            )
        return tracking

    # ------------------------------------------------------------
    # FINDING A CALLER BY PHONE (any format)
    # ------------------------------------------------------------

    crm_phone_search = fields.Char(
        "Phone (any format)",
        store=False,
        search="_search_crm_phone_search",
        help="Matches the phone number typed with or without hyphens, spaces or brackets, "
        "and with the country code (+81) or the leading 0.",
    )

    def _search_crm_phone_search(self, operator, value):
        return phone_search_domain(self, self._phone_get_number_fields(), operator, value)

    @api.model
    def _search_display_name(self, operator, value):
        """A number typed in a customer field or the contacts search finds its customer too."""
        domain = super()._search_display_name(operator, value)
        # internal users only: portal mentions and public forms keep Odoo's own search
        if operator in ("ilike", "like") and self.env.user._is_internal() and phone_search_patterns(value):
            domain = Domain(domain) | Domain("crm_phone_search", operator, value)
        return domain
