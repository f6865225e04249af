import datetime
from collections import defaultdict

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, format_date, sql

from ..engine import facts as rank_facts
from ..engine import rules
from .crm_rank_tools import check_selection_values
from .period_labels import localized_period_formatter
from .phone_search import phone_search_domain
from .res_partner import CRM_RANKS

# Lead fields whose change can move the customer's rank at once (declared with the facts).
RANK_TRIGGER_FIELDS = rank_facts.RANK_TRIGGERS["crm.lead"]
# The rank a lead ``l`` gets from its own state: the set-based twin of
# ``_crm_rank_own`` (test_rank_bulk checks that both agree).
# Lead fields whose change can make a deal lost for a reason (playbook follow-up).
LOST_FOLLOWUP_FIELDS = frozenset({"lost_reason_id", "active", "probability", "stage_id"})
# Lead fields whose change can plan, re-plan or cancel the after-care of a job.
# (a deal reopened, lost or archived after its completion loses its planned items
# at the daily update, so that moving deals through stages costs no query here)
AFTERCARE_FIELDS = frozenset({"completion_date", "partner_id", "project_id", "tag_ids", "warranty_years"})
# Lead fields whose change can win a deal (its salesperson then takes care of the customer).
WON_FIELDS = frozenset({"stage_id", "probability", "active"})
# Lead fields whose change can give a customer a referrer.
REFERRER_FIELDS = frozenset({"partner_id", "referrer_partner_id"})
REFERRAL_ASK_OUTCOMES = [
    ("asked", "Asked"),
    ("referred", "Referred Someone"),
    ("declined", "Declined"),
]
# A referral request more than this many days late is not made any more (old
# constructions typed in later, customers who were lost or defected then).
REFERRAL_ASK_GRACE_DAYS = 60
# Completion dates outside these bounds are typos (see ``_check_completion_date``).
COMPLETION_DATE_MIN = datetime.date(1950, 1, 1)
COMPLETION_MAX_YEARS_AHEAD = 10
CONSTRUCTION_STATES = [
    ("not_started", "Not Started"),
    ("in_progress", "In Progress"),
    ("done", "Done"),
]


class CrmLead(models.Model):
    _inherit = "crm.lead"

    # Mailings to leads leave the defected out by rank: with this index,
    # counting the active leads that are not defected is an index-only scan,
    # like counting the active leads is (crm_lead_default_order_idx).
    _crm_rank_active_idx = models.Index("(crm_rank) WHERE active IS TRUE")
    # *Pipeline by Rank* asks each rank column for its first deals in the deals'
    # order (priority desc, id desc) within the action's domain (open deals and
    # lost ones): with this index each column is an index range read of its
    # first rows, not a walk of the priority index filtered on the rank (hundreds
    # of milliseconds for a large column at 100,000 customers). With the company
    # (INCLUDE, for the multi-company rule) counting the columns is index-only.
    _crm_rank_kanban_idx = models.Index(
        "(crm_rank, priority DESC, id DESC) INCLUDE (company_id) WHERE active IS TRUE OR won_status = 'lost'"
    )

    crm_rank = fields.Selection(
        CRM_RANKS,
        string="Customer Rank",
        compute="_compute_crm_rank",
        store=True,
        index=True,
        group_expand=True,
        help="The customer's rank; for a lead without a customer, the rank its own state gives.",
    )
    completion_date = fields.Date(
        compute="_compute_completion_date",
        store=True,
        readonly=False,
        copy=False,
        tracking=True,
        help="Day the construction of this won deal was (or will be) completed. The "
        "dormancy period of the customer starts from it. Taken from the construction "
        "project when the deal has one, set by hand otherwise.",
    )
    referrer_partner_id = fields.Many2one(
        "res.partner",
        string="Referrer",
        index="btree_not_null",
        tracking=True,
        help="The customer who referred this inquiry to us.",
    )

    # ------------------------------------------------------------
    # COMPUTES / CONSTRAINTS
    # ------------------------------------------------------------

    @api.depends("partner_id.crm_rank", "type", "won_status", "active")
    def _compute_crm_rank(self):
        for lead in self:
            lead.crm_rank = lead.partner_id.crm_rank or lead._crm_rank_own()

    def _crm_rank_own(self):
        """The rank a lead without a ranked customer gets from its own state."""
        self.ensure_one()
        return rules.lead_own_rank(self.won_status, self.type, self.active)

    @api.constrains("completion_date")
    def _check_completion_date(self):
        """Refuse only what is clearly a typo: a completion date before
        ``COMPLETION_DATE_MIN`` or more than ``COMPLETION_MAX_YEARS_AHEAD`` years
        from today. A completion before the day the deal was marked won is fine:
        renovation companies often record the win after the work, and imported
        history carries the import's dates."""
        today = fields.Date.context_today(self)
        latest = today + relativedelta(years=COMPLETION_MAX_YEARS_AHEAD)  # 29 February: 28 February
        for lead in self:
            if lead.completion_date and not COMPLETION_DATE_MIN <= lead.completion_date <= latest:
                raise ValidationError(
                    self.env._(
                        "The completion date of %(deal)s (%(completion)s) looks like a typo: "
                        "it must be between %(earliest)s and %(latest)s (%(years)s years from today).",
                        deal=lead.display_name,
                        completion=format_date(self.env, lead.completion_date),
                        earliest=format_date(self.env, COMPLETION_DATE_MIN),
                        latest=format_date(self.env, latest),
                        years=COMPLETION_MAX_YEARS_AHEAD,
                    )
                )

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        self._crm_rank_check_write(vals_list)
        leads = super().create(vals_list)
        leads._crm_rank_after_change()
        leads.partner_id._crm_rank_refresh("deal")
        self.env["crm.rank.responsible"]._sync_from_deals(leads, leads.filtered(lambda lead: lead.won_status == "won"))
        return leads

    def write(self, vals):
        self._crm_rank_check_write([vals])
        if RANK_TRIGGER_FIELDS.isdisjoint(vals):
            res = super().write(vals)
            if not AFTERCARE_FIELDS.isdisjoint(vals):
                self._crm_aftercare_sync(vals)
            return res
        before = self.partner_id
        won_before = self.filtered(lambda lead: lead.won_status == "won") if not WON_FIELDS.isdisjoint(vals) else None
        res = super().write(vals)
        self._crm_rank_after_change(vals)
        (before | self.partner_id)._crm_rank_refresh("deal")
        won = self.browse()
        if won_before is not None:
            won = self.filtered(lambda lead: lead.won_status == "won") - won_before
        if won or "partner_id" in vals:
            self.env["crm.rank.responsible"]._sync_from_deals(self if "partner_id" in vals else won, won)
        return res

    def unlink(self):
        partners = self.partner_id
        res = super().unlink()
        partners.exists()._crm_rank_refresh("deal")
        return res

    def _crm_rank_check_write(self, vals_list):
        if any("crm_rank" in vals for vals in vals_list):
            raise UserError(self.env._("The rank of a deal follows its customer and cannot be set by hand."))
        check_selection_values(self, vals_list)

    # ------------------------------------------------------------
    # SET-BASED RANKS (install, large change sets)
    # ------------------------------------------------------------

    @api.model
    def _crm_rank_sync(self, partner_ids=None):
        """Set the rank of leads from their customer's rank with SQL.

        :param partner_ids: only the leads of these partners; all leads when
            ``None``. Same result as ``_compute_crm_rank``.
        """
        self.env.flush_all()
        rank = SQL("COALESCE(p.crm_rank, %s)", rank_facts.LEAD_OWN_RANK)
        only = SQL("l.partner_id = ANY(%s)", list(partner_ids)) if partner_ids is not None else SQL("TRUE")
        self.env.execute_query(
            SQL(
                """
                UPDATE crm_lead l SET crm_rank = %(rank)s
                  FROM res_partner p
                 WHERE p.id = l.partner_id AND %(only)s
                   AND l.crm_rank IS DISTINCT FROM %(rank)s
                """,
                rank=rank,
                only=only,
            )
        )
        if partner_ids is None:
            self.env.execute_query(
                SQL(
                    """
                    UPDATE crm_lead l SET crm_rank = %(own)s
                     WHERE l.partner_id IS NULL AND l.crm_rank IS DISTINCT FROM %(own)s
                    """,
                    own=rank_facts.LEAD_OWN_RANK,
                )
            )
        self.invalidate_model(["crm_rank"])

    @api.model
    def _crm_lost_category_sync(self):
        """Set every lost deal's category from its lost reason with SQL (at install,
        ``hooks.post_init_hook``). Same result as the related field."""
        self.env.flush_all()
        self.env.execute_query(
            SQL(
                """
                UPDATE crm_lead l SET lost_reason_category = r.category
                  FROM crm_lost_reason r
                 WHERE r.id = l.lost_reason_id AND l.lost_reason_category IS DISTINCT FROM r.category
                """
            )
        )
        self.invalidate_model(["lost_reason_category"])

    # ------------------------------------------------------------
    # GUIDANCE
    # ------------------------------------------------------------

    crm_rank_hint = fields.Char(string="Rank Hint", compute="_compute_crm_rank_guidance")
    crm_rank_guidance = fields.Text(string="How to Treat This Customer", compute="_compute_crm_rank_guidance")

    @api.depends("crm_rank", "partner_id.crm_rank", "company_id")
    @api.depends_context("lang", "company")
    def _compute_crm_rank_guidance(self):
        with_partner = self.filtered(lambda lead: lead.partner_id.crm_rank)
        for lead in with_partner:
            lead.crm_rank_hint = lead.partner_id.crm_rank_hint
            lead.crm_rank_guidance = lead.partner_id.crm_rank_guidance
        others = self - with_partner
        if not others:
            return
        records = (
            self.env["crm.rank.guidance"]
            .sudo()
            .search(  # shared texts
                [("rank", "in", others.mapped("crm_rank"))]
            )
        )
        for lead in others:
            candidates = records.filtered(
                lambda g, lead=lead: (
                    g.rank == lead.crm_rank and g.company_id in (lead.company_id, self.env["res.company"])
                )
            ).sorted(lambda g: not g.company_id)
            lead.crm_rank_hint = candidates[:1].hint
            lead.crm_rank_guidance = candidates[:1].guidance

    # LOST-REASON PLAYBOOKS, REFERRALS, CONSTRUCTION
    # ------------------------------------------------------------

    lost_reason_category = fields.Selection(
        related="lost_reason_id.category",
        string="Lost Category",
        store=True,
    )
    project_id = fields.Many2one(
        "project.project",
        string="Construction Project",
        index="btree_not_null",
        copy=False,
        tracking=True,
        domain="[('is_template', '=', False)]",
        help="The construction of this won deal; its progress and completion come from the project.",
    )
    construction_state = fields.Selection(
        CONSTRUCTION_STATES,
        compute="_compute_construction",
        compute_sudo=True,  # salespeople may have no project rights
        help="Not started, in progress or done, from the construction project (or, "
        "without a project, from the completion date).",
    )
    construction_progress = fields.Float(
        compute="_compute_construction",
        compute_sudo=True,  # salespeople may have no project rights
        help="Share of the project's closed tasks (or the progress of its last "
        "status update when it has no task); 100 when done.",
    )

    def _auto_init(self):
        """Create the new stored computed columns by hand on install.

        Otherwise the ORM would compute them for every existing deal, lead by
        lead, which takes minutes on a large database: the rank is filled
        set-based by the post-init hook (``_crm_rank_sync``), the completion
        date has nothing to compute before a project is linked, and the lost
        category is copied in one query.
        """
        cr = self.env.cr
        if not sql.column_exists(cr, self._table, "crm_rank"):
            sql.create_column(cr, self._table, "crm_rank", "varchar")
        if not sql.column_exists(cr, self._table, "completion_date"):
            sql.create_column(cr, self._table, "completion_date", "date")
        if not sql.column_exists(cr, self._table, "lost_reason_category"):
            sql.create_column(cr, self._table, "lost_reason_category", "varchar")
            if sql.column_exists(cr, "crm_lost_reason", "category"):
                cr.execute(
                    SQL(
                        "UPDATE crm_lead l SET lost_reason_category = r.category"
                        " FROM crm_lost_reason r WHERE r.id = l.lost_reason_id"
                    )
                )
        return super()._auto_init()

    @api.depends("project_id.construction_done_date")
    def _compute_completion_date(self):
        """From the project when there is one; a hand-set date stays otherwise.

        The project is done on the day it was completed, even when that is
        before the deal was marked won (a win recorded after the work).
        """
        for lead in self:
            if not lead.project_id:
                continue
            lead.completion_date = lead.project_id.construction_done_date

    @api.depends(
        "project_id",
        "project_id.construction_done_date",
        "project_id.last_update_status",
        "completion_date",
        "won_status",
    )
    def _compute_construction(self):
        today = fields.Date.context_today(self)
        for lead in self:
            project = lead.project_id
            if project:
                state, progress = project._crm_construction_state(today)
            elif lead.won_status == "won" and lead.completion_date:
                done = lead.completion_date <= today
                state, progress = ("done", 100.0) if done else ("in_progress", 0.0)
            else:
                state, progress = False, 0.0
            lead.construction_state = state
            lead.construction_progress = progress

    @api.constrains("referrer_partner_id", "partner_id")
    def _check_referrer_partner_id(self):
        for lead in self:
            customer = lead.partner_id.commercial_partner_id
            if customer and lead.referrer_partner_id.commercial_partner_id == customer:
                raise ValidationError(
                    self.env._(
                        "%(customer)s cannot be their own referrer (deal %(deal)s).",
                        customer=customer.display_name,
                        deal=lead.display_name,
                    )
                )

    def _crm_rank_after_change(self, fnames=None):
        """Side effects of a deal's change (``fnames`` written, None on create)."""
        if fnames is None or not LOST_FOLLOWUP_FIELDS.isdisjoint(fnames):
            self._crm_lost_followup_schedule()
        if fnames is None or not REFERRER_FIELDS.isdisjoint(fnames):
            self._crm_referrer_carry_over()
        if fnames is not None and not AFTERCARE_FIELDS.isdisjoint(fnames):
            self._crm_aftercare_sync(fnames)

    def _crm_lost_followup_schedule(self):
        """Schedule the follow-up of the lost reason's playbook on lost deals.

        One open follow-up per deal: losing again (or writing the same reason
        again) keeps the open one; losing for another reason replaces it.
        """
        if self.env.context.get("mail_activity_automation_skip"):
            return
        leads = self.filtered(lambda lead: lead.won_status == "lost" and lead.lost_reason_id.followup_activity_type_id)
        if not leads:
            return
        open_followups = self.env["mail.activity"].search(
            [
                ("res_model", "=", "crm.lead"),
                ("res_id", "in", leads.ids),
                ("crm_lost_reason_id", "!=", False),
            ]
        )
        reason_by_lead = {lead.id: lead.lost_reason_id for lead in leads}
        outdated = open_followups.filtered(lambda act: act.crm_lost_reason_id != reason_by_lead[act.res_id])
        outdated.unlink()
        kept = {act.res_id for act in open_followups - outdated}
        todo = leads.filtered(lambda lead: lead.id not in kept)
        if not todo:
            return
        today = fields.Date.context_today(self)
        model_id = self.env["ir.model"]._get_id("crm.lead")
        # the customer's responsible salesperson (crm.rank.responsible), else whoever lost it
        responsible = self.env["crm.rank.responsible"]._assign(
            {
                lead.id: (lead.partner_id.commercial_partner_id.user_id.id, lead.user_id.id, lead.team_id.id)
                for lead in todo
            }
        )
        assignees = {lead.id: responsible[lead.id] or self.env.uid for lead in todo}
        vals_list = []
        # written in the language of the salesperson who does the follow-up
        for lang, lead_ids in self.env["mail.activity"]._crm_rank_group_by_reader(assignees).items():
            env = self.with_context(lang=lang).env
            channels = dict(self.env["crm.lost.reason"]._fields["followup_channel"]._description_selection(env))
            for lead in todo.with_env(env).browse(lead_ids):
                reason = lead.lost_reason_id
                if reason.followup_channel:
                    note = env._(
                        "Lost reason: %(reason)s. Channel: %(channel)s.",
                        reason=reason.name,
                        channel=channels[reason.followup_channel],
                    )
                else:
                    note = env._("Lost reason: %(reason)s.", reason=reason.name)
                vals_list.append(
                    {
                        "res_model_id": model_id,
                        "res_id": lead.id,
                        "activity_type_id": reason.followup_activity_type_id.id,
                        "summary": reason.followup_instruction or reason.name,
                        "note": Markup("<p>%s</p>") % note,
                        "date_deadline": today + datetime.timedelta(days=reason.followup_delay_days),
                        "user_id": assignees[lead.id],
                        "automated": True,
                        "crm_lost_reason_id": reason.id,
                    }
                )
        self.env["mail.activity"].create(vals_list)

    def _crm_referrer_carry_over(self):
        """A customer without a referrer takes the referrer of their new lead."""
        customers_by_referrer = defaultdict(lambda: self.env["res.partner"])
        seen = self.env["res.partner"]
        for lead in self.filtered(lambda lead: lead.referrer_partner_id and lead.partner_id):
            customer = lead.partner_id.commercial_partner_id
            referrer = lead.referrer_partner_id
            if customer in seen or customer.referrer_partner_id or referrer.commercial_partner_id == customer:
                continue
            seen |= customer
            customers_by_referrer[referrer] |= customer
        for referrer, customers in customers_by_referrer.items():
            customers.write({"referrer_partner_id": referrer.id})

    def _prepare_construction_project_values(self):
        self.ensure_one()
        return {
            "name": self.name,
            "partner_id": self.partner_id.id,
            "user_id": self.user_id.id,
            "company_id": self.company_id.id,
        }

    def action_create_construction_project(self):
        """Create the construction project of won deals (one each) and link it."""
        leads = self.filtered(lambda lead: lead.won_status == "won" and not lead.project_id)
        if not leads:
            raise UserError(self.env._("Only a won deal without a project can get a construction project."))
        leads.check_access("write")
        # Salespeople hand their won deals over to construction without project
        # manager rights: only the projects of deals they may edit are created.
        projects_sudo = (
            self.env["project.project"].sudo().create([lead._prepare_construction_project_values() for lead in leads])
        )
        for lead, project_sudo in zip(leads, projects_sudo, strict=True):
            lead.project_id = project_sudo.id  # one value per deal
        if len(leads) == 1:
            return leads.action_open_construction_project()
        return True

    def action_open_construction_project(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "project.project",
            "res_id": self.project_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    # ------------------------------------------------------------
    # REFERRAL REQUESTS
    # ------------------------------------------------------------

    referral_ask_date = fields.Date(
        string="Referral Request On",
        readonly=True,
        copy=False,
        help='Day the salesperson was given the "Ask for a referral" activity for this '
        "completed construction. Set once: the request is never repeated for this deal.",
    )
    referral_ask_outcome = fields.Selection(
        REFERRAL_ASK_OUTCOMES,
        string="Referral Request Outcome",
        readonly=True,
        copy=False,
        tracking=True,
        help='Recorded when the "Ask for a referral" activity is marked done.',
    )

    @api.model
    def _crm_referral_ask_due_ids(self, today):
        """Won deals whose construction was completed the company's number of days
        ago and that never had a referral request, for customers neither defected
        nor lost (one query)."""
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT l.id
                  FROM crm_lead l
                  JOIN res_partner p ON p.id = l.partner_id
                  JOIN res_partner cp ON cp.id = p.commercial_partner_id
                  JOIN res_company c ON c.id = COALESCE(l.company_id, cp.company_id, %(company)s)
                 WHERE l.active
                   AND l.won_status = 'won'
                   AND l.referral_ask_date IS NULL
                   AND l.completion_date IS NOT NULL
                   AND c.crm_rank_referral_ask_days > 0
                   AND l.completion_date + c.crm_rank_referral_ask_days <= %(today)s
                   AND l.completion_date + c.crm_rank_referral_ask_days >= %(oldest)s
                   AND cp.is_defected IS NOT TRUE
                   AND cp.crm_rank IS DISTINCT FROM 'defected'
                   AND cp.crm_rank IS DISTINCT FROM 'lost'
              ORDER BY l.id
                """,
                company=self.env.company.id,
                today=today,
                oldest=today - datetime.timedelta(days=REFERRAL_ASK_GRACE_DAYS),
            )
        )
        return [row[0] for row in rows]

    @api.model
    def _crm_referral_ask_schedule(self):
        """Daily: give the salesperson of each newly due deal one "Ask for a referral"
        activity, and mark the deal so that it never gets a second one.

        Set-based: one query for the due deals, one ``create`` for the activities,
        one ``write`` for the marks. Returns the created activities.
        """
        activity_type = self.env.ref("crm_customer_rank.mail_activity_type_referral_ask", raise_if_not_found=False)
        today = fields.Date.context_today(self)
        due_ids = self._crm_referral_ask_due_ids(today)
        if not activity_type or not due_ids:
            return self.env["mail.activity"]
        # the daily update's side effect: every due deal, whoever runs it
        leads_sudo = self.sudo().browse(due_ids)
        assignees = self.env["crm.rank.reactivation"]._assignees(
            {
                lead.id: {"last_deal_user_id": lead.user_id.id, "last_deal_team_id": lead.team_id.id or None}
                for lead in leads_sudo
            },
            {lead.id: {"user_id": lead.partner_id.commercial_partner_id.user_id.id} for lead in leads_sudo},
        )
        model_id = self.env["ir.model"]._get_id("crm.lead")
        vals_list = []
        # written in the language of the salesperson who asks
        for lang, lead_ids in self.env["mail.activity"]._crm_rank_group_by_reader(assignees).items():
            leads_lang_sudo = leads_sudo.with_context(lang=lang).browse(lead_ids)
            env = leads_lang_sudo.env
            for lead in leads_lang_sudo:
                vals_list.append(
                    {
                        "res_model_id": model_id,
                        "res_id": lead.id,
                        "activity_type_id": activity_type.id,
                        "user_id": assignees[lead.id],
                        "date_deadline": today,
                        "summary": env._("Ask for a referral"),
                        "note": Markup("<p>%s</p>")
                        % env._(
                            "The construction for %(customer)s was completed on %(date)s. Ask "
                            "whether relatives, friends or neighbours are thinking about a "
                            "renovation, then record the answer when you mark this activity done.",
                            customer=lead.partner_id.commercial_partner_id.name,
                            date=format_date(env, lead.completion_date),
                        ),
                        "automated": True,
                    }
                )
        activities_sudo = self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True)
        activities = activities_sudo.create(vals_list)
        leads_sudo.write({"referral_ask_date": today})
        return activities

    def _crm_referral_ask_record(self, outcome):
        """Keep the outcome of the referral request of these deals."""
        # the salesperson records the outcome of their own activity, whoever owns the deal
        self.sudo().write({"referral_ask_outcome": outcome})

    def _crm_referral_new_lead_action(self):
        """The form of a new inquiry referred by this deal's customer."""
        self.ensure_one()
        referrer = self.partner_id.commercial_partner_id
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New referral from %(customer)s", customer=referrer.display_name),
            "res_model": "crm.lead",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
            "context": {
                "default_type": "opportunity",
                "default_referrer_partner_id": referrer.id,
                "default_user_id": self.env.uid,
            },
        }

    # ------------------------------------------------------------
    # AFTER-CARE
    # ------------------------------------------------------------

    crm_aftercare_item_ids = fields.One2many(
        "crm.aftercare.item", "lead_id", string="After-care", groups="sales_team.group_sale_salesman"
    )
    crm_equipment_ids = fields.One2many(
        "crm.aftercare.equipment", "lead_id", string="Installed Equipment", groups="sales_team.group_sale_salesman"
    )
    warranty_years = fields.Integer(
        string="Warranty (years)",
        compute="_compute_warranty_years",
        store=True,
        readonly=False,
        help="Length of the construction warranty, from the completion date; by default "
        "the longest warranty of the deal's kinds of work. 0: no warranty.",
    )
    warranty_scope = fields.Text(help="What the warranty covers (printed on the warranty certificate).")
    warranty_exclusions = fields.Text(help="What the warranty does not cover (printed on the certificate).")
    warranty_end_date = fields.Date(string="Warranty Ends", compute="_compute_warranty_end_date", store=True)

    @api.depends("tag_ids.crm_warranty_years")
    def _compute_warranty_years(self):
        for lead in self:
            if not lead.warranty_years:
                lead.warranty_years = max(lead.tag_ids.mapped("crm_warranty_years") or [0])

    @api.depends("completion_date", "warranty_years")
    def _compute_warranty_end_date(self):
        for lead in self:
            lead.warranty_end_date = (
                lead.completion_date + relativedelta(years=lead.warranty_years)
                if lead.completion_date and lead.warranty_years
                else False
            )

    @api.constrains("warranty_years")
    def _check_warranty_years(self):
        for lead in self:
            if not 0 <= lead.warranty_years <= 100:
                raise ValidationError(
                    self.env._("The warranty of %(deal)s must be between 0 and 100 years.", deal=lead.name)
                )

    def _crm_aftercare_sync(self, fnames):
        """Plan, re-plan or cancel the after-care of the completed jobs among these deals.

        Only a deal with a completion date has (or had) after-care items, unless
        the change is its completion date: a deal moving through its stages
        before completion costs no query here.
        """
        leads = self if "completion_date" in fnames else self.filtered("completion_date")
        if leads:
            self.env["crm.aftercare.item"]._sync_leads(leads)

    def action_print_warranty(self):
        """The construction warranty certificate (工事保証書) of a completed job."""
        leads = self.filtered(lambda lead: lead.won_status == "won" and lead.completion_date)
        if not leads:
            raise UserError(self.env._("A warranty certificate is printed for a won deal with a completion date."))
        return self.env.ref("crm_customer_rank.action_report_crm_warranty").report_action(leads)

    # ------------------------------------------------------------
    # FINDING A CALLER BY PHONE (any format)
    # ------------------------------------------------------------

    crm_phone_search = fields.Char(
        "Phone (any format)",
        store=False,
        search="_search_crm_phone_search",
        help="Matches the phone number of the inquiry or its customer, typed with or without "
        "hyphens, spaces or brackets, and with the country code (+81) or the leading 0.",
    )

    def _search_crm_phone_search(self, operator, value):
        domain = phone_search_domain(self, self._phone_get_number_fields(), operator, value)
        if domain is NotImplemented:
            return domain
        return domain | Domain("partner_id", "any", [("crm_phone_search", operator, value)])

    # ------------------------------------------------------------
    # PERIOD LABELS (pivot, graph)
    # ------------------------------------------------------------

    def _web_read_group_groupby_formatter(self, groupby_spec, values):
        formatter = super()._web_read_group_groupby_formatter(groupby_spec, values)
        return localized_period_formatter(self, groupby_spec, formatter)
