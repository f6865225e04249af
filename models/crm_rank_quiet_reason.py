from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.tools import format_date

from ..lib import facts as rank_facts
from ..lib import rules
from ..lib.orm import cached_ref
from ..lib.outreach import OUTCOMES
from .crm_rank_defection import DEFECTION_REASON_OF_OUTCOME

# Outcomes that propose the customer for defection to a sales manager.
DEFECTION_OUTCOMES = tuple(DEFECTION_REASON_OF_OUTCOME)
DEFECTION_REVIEW_TYPE = "crm_customer_rank.mail_activity_type_defection_review"


class CrmRankQuietReason(models.Model):
    """A reactivation outcome: what a salesperson learnt approaching a dormant customer.

    Users know it as *Reactivation Outcome* (the customer's tab, the form); the
    report of them is *Why Customers Went Quiet*. One row each time a reactivation
    activity (or any activity on a dormant customer) is marked done, with its
    outcome. The rows say why customers went quiet, per kind of work, salesperson
    and period; the outcomes other than "interested" and "not recorded" are no
    contact for the rank engine (``lib/facts.py``), so the customer stays dormant.
    """

    _name = "crm.rank.quiet.reason"
    _description = "Reactivation Outcome"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    date = fields.Date(required=True, default=fields.Date.context_today, readonly=True, index=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True, ondelete="cascade"
    )
    outcome = fields.Selection(OUTCOMES, required=True, readonly=True, index=True)
    note = fields.Text(readonly=False)
    user_id = fields.Many2one("res.users", string="Recorded By", readonly=True, default=lambda self: self.env.user)
    salesperson_id = fields.Many2one(
        "res.users",
        readonly=True,
        help="Salesperson of the customer's last completed work (else the customer's own).",
    )
    tag_ids = fields.Many2many(
        "crm.tag",
        string="Kind of Work",
        readonly=True,
        help="Kinds of work of the customer's last completed work.",
    )
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    activity_type_id = fields.Many2one("mail.activity.type", readonly=True)
    activity_id = fields.Many2one(
        "mail.activity", readonly=True, index="btree_not_null", ondelete="set null"
    )
    message_id = fields.Many2one(
        "mail.message",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The chatter message of the completed activity.",
    )
    next_contact_date = fields.Date(string="Contact Again On", readonly=True)
    lead_id = fields.Many2one(
        "crm.lead", string="New Opportunity", readonly=True, index="btree_not_null", ondelete="set null"
    )
    defection_activity_id = fields.Many2one(
        "mail.activity",
        string="Defection Review",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The activity asking a sales manager to decide on the defection.",
    )
    count = fields.Integer(default=1, readonly=True, aggregator="sum")

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    @api.model
    def _record_outcomes(self, activities, messages, outcome, note=False, next_date=False):
        """Record the outcome of these done activities (on customers) and act on it.

        - interested: an opportunity for the customer, for the activity's user;
          the rank engine makes the customer a prospect;
        - not now: a follow-up activity on ``next_date``; the customer stays dormant;
        - went to a competitor, dissatisfied: an activity for a sales manager to
          decide on the defection (never defected automatically);
        - unreachable, not recorded: nothing more.

        Set-based: one query for the facts and one ``create`` per kind of record.

        :param activities: the done activities (``mail.activity`` on res.partner)
        :param messages: ``{activity id: mail.message}`` posted when they were done
        :return: the created rows
        """
        today = fields.Date.context_today(self)
        # the outcome is kept whoever marks the activity done (salespeople, assistants)
        activities_sudo = activities.sudo()
        contacts_sudo = self.env["res.partner"].sudo().browse(activities_sudo.mapped("res_id"))
        customers_sudo = contacts_sudo.commercial_partner_id
        last_work = rank_facts.last_completed_deals(self.env, customers_sudo.ids, today)
        vals_list = []
        for activity in activities_sudo:
            customer = contacts_sudo.browse(activity.res_id).commercial_partner_id
            work = last_work.get(customer.id, {})
            vals_list.append(
                {
                    "date": today,
                    "partner_id": customer.id,
                    "outcome": outcome,
                    "note": note or False,
                    "user_id": self.env.uid,
                    "salesperson_id": work.get("last_deal_user_id") or customer.user_id.id,
                    "tag_ids": [Command.set(work.get("last_deal_tag_ids") or [])],
                    "company_id": customer.company_id.id or self.env.company.id,
                    "activity_type_id": activity.activity_type_id.id,
                    "activity_id": activity.id,
                    "message_id": messages.get(activity.id, self.env["mail.message"]).id,
                    "next_contact_date": next_date if outcome == "not_now" else False,
                }
            )
        if outcome == "interested":
            leads = self._create_opportunities(activities_sudo, note)
            for vals, lead in zip(vals_list, leads, strict=True):
                vals["lead_id"] = lead.id
        elif outcome == "not_now":
            self._schedule_followups(activities_sudo, next_date, note)
        elif outcome in DEFECTION_OUTCOMES:
            reviews = self._schedule_defection_reviews(activities_sudo, vals_list, outcome, note)
            for vals, review in zip(vals_list, reviews, strict=True):
                vals["defection_activity_id"] = review.id
        return self.sudo().create(vals_list)

    @api.model
    def _create_opportunities(self, activities_sudo, note):
        """One opportunity per activity, for the customer and the activity's user."""
        return (
            self.env["crm.lead"]
            .sudo()  # for the activity's user, whoever records the outcome
            .create(
                [
                    {
                        "name": self.env._(
                            "Reactivation: %(customer)s",
                            customer=self.env["res.partner"].sudo().browse(activity.res_id).display_name,
                        ),
                        "type": "opportunity",
                        "partner_id": activity.res_id,
                        "user_id": activity.user_id.id or self.env.uid,
                        "description": note or False,
                    }
                    for activity in activities_sudo
                ]
            )
        )

    @api.model
    def _schedule_followups(self, activities_sudo, next_date, note):
        """A follow-up on ``next_date``, of the same channel when it was a reactivation."""
        channel_types = self.env["crm.rank.reactivation"]._activity_types()
        reactivation_types = self.env["mail.activity.type"].union(*channel_types.values())
        call = channel_types.get("phone")
        model_id = self.env["ir.model"]._get_id("res.partner")
        assignees = {activity.id: activity.user_id.id or self.env.uid for activity in activities_sudo}
        langs = self.env["mail.activity"]._crm_rank_reader_langs(set(assignees.values()))
        summaries = {
            lang: self.with_context(lang=lang).env._("Contact again: the customer said not now")
            for lang in set(langs.values())
        }
        vals_list = []
        for activity in activities_sudo:
            activity_type = activity.activity_type_id
            if activity_type not in reactivation_types:
                activity_type = call or activity_type
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": activity.res_id,
                    "activity_type_id": activity_type.id,
                    "user_id": assignees[activity.id],
                    "date_deadline": next_date,
                    # in the language of the person who calls again
                    "summary": summaries[langs[assignees[activity.id]]],
                    "note": Markup("<p>%s</p>") % note if note else False,
                    "automated": True,
                }
            )
        return self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(vals_list)

    @api.model
    def _schedule_defection_reviews(self, activities_sudo, vals_list, outcome, note):
        """An activity for a sales manager per customer: decide on the defection."""
        review_type = self.env.ref(DEFECTION_REVIEW_TYPE)
        managers = self._defection_reviewers(vals_list)
        model_id = self.env["ir.model"]._get_id("res.partner")
        today = fields.Date.context_today(self)
        langs = self.env["mail.activity"]._crm_rank_reader_langs(set(managers.values()))
        activity_vals = []
        for activity, vals in zip(activities_sudo, vals_list, strict=True):
            # in the language of the manager who decides
            env = self.with_context(lang=langs[managers[activity.id]]).env
            label = dict(self._fields["outcome"]._description_selection(env))[outcome]
            body = Markup("<p>%s</p>") % env._(
                "%(user)s proposes to mark this customer defected: %(outcome)s (%(date)s). "
                'Use "Review Defection" on the customer to mark them defected, or mark '
                "this activity done to keep them.",
                user=self.env.user.name,
                outcome=label,
                date=format_date(env, today),
            )
            if note:
                body += Markup("<p>%s</p>") % note
            activity_vals.append(
                {
                    "res_model_id": model_id,
                    "res_id": vals["partner_id"],
                    "activity_type_id": review_type.id,
                    "user_id": managers[activity.id],
                    "date_deadline": today,
                    "summary": env._("Proposed for defection: %(outcome)s", outcome=label),
                    "note": body,
                    "automated": True,
                }
            )
        # a manager's task, created on behalf of whoever recorded the outcome
        return self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(activity_vals)

    @api.model
    def _defection_reviewers(self, vals_list):
        """``{activity id: user id}``: the sales manager who decides on each defection.

        The leader of the sales team of the customer's last completed work when
        they are a sales manager, else the first sales manager of the customer's
        company (by id), else nobody.
        """
        today = fields.Date.context_today(self)
        partner_ids = [vals["partner_id"] for vals in vals_list]
        last_work = rank_facts.last_completed_deals(self.env, partner_ids, today)
        # who may decide is a question of settings, not of the caller's rights
        manager_group = self.env.ref("sales_team.group_sale_manager")
        managers_sudo = (
            self.env["res.users"]
            .sudo()
            .search([("all_group_ids", "in", manager_group.ids), ("share", "=", False)], order="id")
        )
        teams_sudo = (
            self.env["crm.team"].sudo().browse({work["last_deal_team_id"] for work in last_work.values()} - {None})
        )
        leaders = {team.id: team.user_id for team in teams_sudo}
        result = {}
        for vals in vals_list:
            team_id = last_work.get(vals["partner_id"], {}).get("last_deal_team_id")
            leader = leaders.get(team_id)
            if leader and leader in managers_sudo:
                result[vals["activity_id"]] = leader.id
                continue
            company_id = vals["company_id"]
            manager = next((user for user in managers_sudo if company_id in user.company_ids.ids), managers_sudo[:1])
            result[vals["activity_id"]] = manager.id or False
        return result

    @api.model
    def _open_proposals(self, partner_ids):
        """``{commercial id: row}``: the latest defection proposal still to review."""
        if not partner_ids:
            return {}
        # proposals are shown to the managers, whoever the review activity is assigned to
        proposals_sudo = self.sudo().search(
            [
                ("partner_id", "in", list(partner_ids)),
                ("outcome", "in", DEFECTION_OUTCOMES),
                ("defection_activity_id.active", "=", True),
            ],
            order="date desc, id desc",
        )
        result = {}
        for proposal in proposals_sudo:
            result.setdefault(proposal.partner_id.id, proposal.with_env(self.env))
        return result

    @api.model
    def _close_defection_reviews(self, defected_ids):
        """The defection reviews about these customers, now defected, are done."""
        if not defected_ids:
            return
        review_type = cached_ref(self.env, DEFECTION_REVIEW_TYPE)
        if not review_type:
            return
        # the reviews are closed whoever marked the customer defected
        reviews_sudo = (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", defected_ids),
                    ("activity_type_id", "=", review_type.id),
                ]
            )
        )
        if reviews_sudo:
            reviews_sudo.action_feedback(feedback=self.env._("Marked defected"))

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_open_defection_wizard(self):
        """The defection wizard for this proposal's customer, reason and note filled in."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_customer_rank.crm_rank_defection_wizard_action")
        action["context"] = {
            "default_partner_ids": [Command.set(self.partner_id.ids)],
            "default_reason": DEFECTION_REASON_OF_OUTCOME.get(self.outcome, "other"),
            "default_note": self.note or False,
        }
        return action

# ------------------------------------------------------------
# THE ENGINE'S HOOK (as another addon would hang on it)
# ------------------------------------------------------------


class CrmRankEngine(models.AbstractModel):
    _inherit = "crm.rank.engine"

    @api.model
    def _on_rank_changes(self, changes, cause):
        """A customer marked defected: the defection reviews about them are done."""
        res = super()._on_rank_changes(changes, cause)
        self.env["crm.rank.quiet.reason"]._close_defection_reviews(rules.entering(changes, "defected"))
        return res
