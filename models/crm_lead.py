"""Deals: the rank they show, and the fields of the features that hang on them.

Fields on top; the work is done by the models of each feature, which the ORM
overrides and actions below call: ``crm.rank.engine`` (a deal's rank follows
its customer's), ``crm.lost.reason`` (lost-reason playbooks),
``crm.rank.referral`` and ``crm.rank.referral.ask`` (referrers and referral
requests), ``project.project`` (construction), ``crm.aftercare.item``
(after-care), ``crm.property`` (the house of the job) and ``crm.rank.guidance``.
"""

import datetime

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import format_date

from ..lib import facts as rank_facts
from ..lib import rules
from ..lib.orm import check_selection_values
from ..lib.period_labels import localized_period_formatter
from ..lib.phone_search import phone_search_domain
from .crm_rank_referral_ask import REFERRAL_ASK_OUTCOMES
from .survey_user_input import SURVEY_SATISFACTIONS

# Lead fields whose change can move the customer's rank at once (declared with the facts).
RANK_TRIGGER_FIELDS = rank_facts.RANK_TRIGGERS["crm.lead"]
# Lead fields whose change can win a deal (its salesperson then takes care of the customer).
WON_FIELDS = frozenset({"stage_id", "probability", "active"})
# Completion dates outside these bounds are typos (see ``_check_completion_date``).
COMPLETION_DATE_MIN = datetime.date(1950, 1, 1)
COMPLETION_MAX_YEARS_AHEAD = 10
CONSTRUCTION_STATES = [
    ("not_started", "Not Started"),
    ("in_progress", "In Progress"),
    ("done", "Done"),
]
MAX_WARRANTY_YEARS = 100


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

    # The rank (crm.rank.engine) and how to treat the customer (crm.rank.guidance).
    crm_rank = fields.Selection(
        rules.RANKS,
        string="Customer Rank",
        compute="_compute_crm_rank",
        store=True,
        index=True,
        group_expand=True,
        help="The customer's rank; for a lead without a customer, the rank its own state gives.",
    )
    crm_rank_hint = fields.Char(string="Rank Hint", compute="_compute_crm_rank_guidance")
    crm_rank_guidance = fields.Text(string="How to Treat This Customer", compute="_compute_crm_rank_guidance")

    # Lost-reason playbooks (crm.lost.reason).
    lost_reason_category = fields.Selection(related="lost_reason_id.category", string="Lost Category", store=True)

    # Referrals (crm.rank.referral) and referral requests (crm.rank.referral.ask).
    referrer_partner_id = fields.Many2one(
        "res.partner",
        string="Referrer",
        index="btree_not_null",
        tracking=True,
        help="The customer who referred this inquiry to us.",
    )
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

    # Construction (project.project).
    project_id = fields.Many2one(
        "project.project",
        string="Construction Project",
        index="btree_not_null",
        copy=False,
        tracking=True,
        domain="[('is_template', '=', False)]",
        help="The construction of this won deal; its progress and completion come from the project.",
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

    # After-care (crm.aftercare.item).
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
    warranty_number = fields.Char(
        string="Warranty Certificate No.",
        readonly=True,
        copy=False,
        help="Given when the warranty certificate is first printed; reprints keep it.",
    )
    warranty_issue_date = fields.Date(string="Warranty Certificate Issued", readonly=True, copy=False)

    # The house of the job (crm.property): created from the deal's address when it has one.
    crm_property_id = fields.Many2one(
        "crm.property",
        string="Property",
        index="btree_not_null",
        tracking=True,
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
        help="The house of this job: its after-care and equipment follow the house and its current owner. "
        "Found or created from the deal's address when it has a street.",
    )

    # The completion survey (crm.rank.survey): its answers, the latest completed one's result.
    crm_survey_input_ids = fields.One2many(
        "survey.user_input",
        "crm_lead_id",
        string="Completion Surveys",
        groups="sales_team.group_sale_salesman",
    )
    crm_survey_satisfaction = fields.Selection(
        SURVEY_SATISFACTIONS,
        string="Survey Satisfaction",
        compute="_compute_crm_survey",
        compute_sudo=True,  # salespeople read the survey answers of their deals only
        store=True,
        copy=False,
        help="The latest completed completion survey of this job: satisfied (the referral request "
        "is scheduled) or dissatisfied (the team leader calls; no referral is asked).",
    )
    crm_survey_score = fields.Float(
        string="Survey Score (%)",
        compute="_compute_crm_survey",
        compute_sudo=True,
        store=True,
        copy=False,
        aggregator="avg",
        help="The score of the latest completed completion survey of this job (the points of its "
        "answers over the maximum).",
    )
    crm_survey_count = fields.Integer(
        string="Survey Count", compute="_compute_crm_survey_count", groups="sales_team.group_sale_salesman"
    )

    # Finding a caller by phone, in any format (lib/phone_search.py).
    crm_phone_search = fields.Char(
        "Phone (any format)",
        store=False,
        search="_search_crm_phone_search",
        help="Matches the phone number of the inquiry or its customer, typed with or without "
        "hyphens, spaces or brackets, and with the country code (+81) or the leading 0.",
    )

    # ------------------------------------------------------------
    # COMPUTES / CONSTRAINTS (they only assign: the work is in the features)
    # ------------------------------------------------------------

    @api.depends("partner_id.crm_rank", "type", "won_status", "active")
    def _compute_crm_rank(self):
        for lead in self:
            lead.crm_rank = lead.partner_id.crm_rank or rules.lead_own_rank(lead.won_status, lead.type, lead.active)

    @api.depends(
        "crm_survey_input_ids.state",
        "crm_survey_input_ids.end_datetime",
        "crm_survey_input_ids.crm_satisfaction",
        "crm_survey_input_ids.scoring_percentage",
    )
    def _compute_crm_survey(self):
        for lead in self:
            done = lead.crm_survey_input_ids.filtered(lambda answer: answer.state == "done" and not answer.test_entry)
            latest = done.sorted(lambda answer: (answer.end_datetime or datetime.datetime.min, answer.id))[-1:]
            lead.crm_survey_satisfaction = latest.crm_satisfaction
            lead.crm_survey_score = latest.scoring_percentage

    def _compute_crm_survey_count(self):
        counts = dict(
            self.env["survey.user_input"]
            .sudo()
            ._read_group([("crm_lead_id", "in", self.ids)], ["crm_lead_id"], ["__count"])
        )
        for lead in self:
            lead.crm_survey_count = counts.get(lead._origin, 0)

    @api.depends("crm_rank", "partner_id.crm_rank", "company_id")
    @api.depends_context("lang", "company")
    def _compute_crm_rank_guidance(self):
        texts = self.env["crm.rank.guidance"]._lead_texts(self)
        for lead in self:
            lead.crm_rank_hint, lead.crm_rank_guidance = texts[lead.id]

    @api.depends("project_id.construction_done_date")
    def _compute_completion_date(self):
        """From the project when there is one; a hand-set date stays otherwise.

        The project is done on the day it was completed, even when that is
        before the deal was marked won (a win recorded after the work).
        """
        for lead in self.filtered("project_id"):
            lead.completion_date = lead.project_id.construction_done_date

    @api.depends(
        "project_id",
        "project_id.construction_done_date",
        "project_id.last_update_status",
        "completion_date",
        "won_status",
    )
    def _compute_construction(self):
        constructions = self.env["project.project"]._crm_lead_constructions(self)
        for lead in self:
            lead.construction_state, lead.construction_progress = constructions[lead.id]

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

    def _search_crm_phone_search(self, operator, value):
        domain = phone_search_domain(self, self._phone_get_number_fields(), operator, value)
        if domain is NotImplemented:
            return domain
        return domain | Domain("partner_id", "any", [("crm_phone_search", operator, value)])

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

    @api.constrains("warranty_years")
    def _check_warranty_years(self):
        for lead in self:
            if not 0 <= lead.warranty_years <= MAX_WARRANTY_YEARS:
                raise ValidationError(
                    self.env._("The warranty of %(deal)s must be between 0 and 100 years.", deal=lead.name)
                )

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        self._crm_rank_check_write(vals_list)
        leads = super().create(vals_list)
        leads._crm_features_follow()
        leads.partner_id._crm_rank_refresh("deal")
        self.env["crm.rank.responsible"]._sync_from_deals(leads, leads.filtered(lambda lead: lead.won_status == "won"))
        return leads

    def write(self, vals):
        self._crm_rank_check_write([vals])
        before = self.partner_id if not RANK_TRIGGER_FIELDS.isdisjoint(vals) else None
        won_before = self.filtered(lambda lead: lead.won_status == "won") if not WON_FIELDS.isdisjoint(vals) else None
        # Inquiries and Contracts' summary: the row these deals were counted with
        self.env["crm.rank.report.summary"]._keep_counted(self)
        res = super().write(vals)
        self._crm_features_follow(vals)
        if before is not None:
            (before | self.partner_id)._crm_rank_refresh("deal")
        won = self.browse()
        if won_before is not None:
            won = self.filtered(lambda lead: lead.won_status == "won") - won_before
        if won or "partner_id" in vals:
            # the customer's salesperson follows the deals (crm.rank.responsible)
            self.env["crm.rank.responsible"]._sync_from_deals(self if "partner_id" in vals else won, won)
        return res

    def unlink(self):
        partners = self.partner_id
        self.env["crm.rank.report.summary"]._keep_counted(self)
        res = super().unlink()
        partners.exists()._crm_rank_refresh("deal")
        return res

    @api.model
    def _read_group(self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None):
        """*Lost Analysis* (its action's context ``crm_rank_lost_analysis``): the lost
        deals grouped from the summary of *Inquiries and Contracts* where it serves."""
        if self.env.context.get("crm_rank_lost_analysis") and not having:
            results = self.env["crm.rank.report"]._lost_deals_read(
                self, domain, [groupby], aggregates, order, offset=offset, limit=limit
            )
            if results is not None:
                return results[0]
        return super()._read_group(domain, groupby, aggregates, having, offset, limit, order)

    @api.model
    def _read_grouping_sets(self, domain, grouping_sets, aggregates=(), order=None):
        """*Lost Analysis*' pivot: its groupings at once from the summary (see ``_read_group``)."""
        if self.env.context.get("crm_rank_lost_analysis"):
            results = self.env["crm.rank.report"]._lost_deals_read(self, domain, grouping_sets, aggregates, order)
            if results is not None:
                return results
        return super()._read_grouping_sets(domain, grouping_sets, aggregates, order)

    def _crm_rank_check_write(self, vals_list):
        if any("crm_rank" in vals for vals in vals_list):
            raise UserError(self.env._("The rank of a deal follows its customer and cannot be set by hand."))
        check_selection_values(self, vals_list)

    def _crm_features_follow(self, fnames=None):
        """The features follow these deals' change (``fnames`` written; ``None``: created):
        the lost reason's follow-up, the customer's referrer, the job's house, its after-care."""
        self.env["crm.lost.reason"]._crm_schedule_followups(self, fnames)
        self.env["crm.rank.referral"]._carry_over(self, fnames)
        self.env["crm.property"]._crm_follow_leads(self, fnames)
        if fnames is not None:
            self.env["crm.aftercare.item"]._sync_changed_leads(self, fnames)

    def _web_read_group_groupby_formatter(self, groupby_spec, values):
        """Month and quarter labels in the reader's word order (2026年1月)."""
        formatter = super()._web_read_group_groupby_formatter(groupby_spec, values)
        return localized_period_formatter(self, groupby_spec, formatter)

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_create_construction_project(self):
        """Create the construction project of won deals (one each) and link it."""
        leads = self.env["project.project"]._crm_create_for_leads(self)
        return leads.action_open_construction_project() if len(leads) == 1 else True

    def action_open_construction_project(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "project.project",
            "res_id": self.project_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def action_crm_survey_send(self):
        """E-mail the customer the completion survey (the survey app's invitation)."""
        self.check_access("write")
        survey = self.env["crm.rank.survey"]
        survey._check_leads(self)
        no_email = self.filtered(lambda lead: not lead.partner_id.email)
        if no_email:
            raise UserError(
                self.env._(
                    "%(customer)s has no e-mail address: print the completion survey for the handover visit.",
                    customer=no_email[0].partner_id.display_name,
                )
            )
        survey._send(self)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("The completion survey was sent."),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_crm_survey_print(self):
        """The completion survey to print for the handover visit, with the customer's name."""
        self.ensure_one()
        self.check_access("write")
        self.env["crm.rank.survey"]._check_leads(self)
        answer = self.env["crm.rank.survey"]._answers_for(self)[self.id]
        return {
            "type": "ir.actions.act_url",
            "name": self.env._("Print Survey"),
            "target": "new",
            "url": answer.get_print_url(),
        }

    def action_open_crm_surveys(self):
        """The completion survey answers of this deal."""
        self.ensure_one()
        return self.env["survey.user_input"]._crm_action([("crm_lead_id", "=", self.id)])

    def action_open_crm_property(self):
        self.ensure_one()
        return self.crm_property_id.get_formview_action()

    def action_print_warranty(self):
        """The construction warranty certificate (工事保証書) of a completed job."""
        leads = self.filtered(lambda lead: lead.won_status == "won" and lead.completion_date)
        if not leads:
            raise UserError(self.env._("A warranty certificate is printed for a won deal with a completion date."))
        leads._crm_warranty_issue()
        # config=False: no layout dialog for an administrator whose company has not
        # chosen a document layout (Odoo's standard layout is used)
        return self.env.ref("crm_customer_rank.action_report_crm_warranty").report_action(leads, config=False)

    def _crm_warranty_issue(self):
        """Number and date the certificates printed for the first time (sequence
        ``crm.warranty.certificate`` of the deal's company); reprints keep both."""
        today = fields.Date.context_today(self)
        for lead in self.filtered(lambda lead: not lead.warranty_number):
            sequence = self.env["ir.sequence"].with_company(lead.company_id or self.env.company)
            lead.write(
                {
                    "warranty_number": sequence.next_by_code("crm.warranty.certificate", sequence_date=today),
                    "warranty_issue_date": today,
                }
            )

    # ------------------------------------------------------------
    # BUSINESS (hooks another addon may extend)
    # ------------------------------------------------------------

    def _crm_aftercare_customer(self):
        """Whom this job's after-care is for: the current owner of its house (crm.property),
        else its customer."""
        self.ensure_one()
        return (self.crm_property_id.partner_id or self.partner_id).commercial_partner_id

    def _prepare_construction_project_values(self):
        """The values of this won deal's construction project."""
        self.ensure_one()
        return {
            "name": self.name,
            "partner_id": self.partner_id.id,
            "user_id": self.user_id.id,
            "company_id": self.company_id.id,
        }
