from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..lib.orm import cached_ref
from .crm_rank_quiet_reason import DEFECTION_REVIEW_TYPE
from .crm_rank_referral_ask import REFERRAL_ASK_TYPE

# Context keys: the outcome recorded when activities are marked done (set by the
# outcome wizards; programs may pass them to ``action_feedback`` too).
REACTIVATION_OUTCOME_KEY = "crm_reactivation_outcome"
REACTIVATION_NEXT_DATE_KEY = "crm_reactivation_next_date"
REFERRAL_OUTCOME_KEY = "crm_referral_ask_outcome"
# Context key of the "Mark Done" buttons of the activity views: open the outcome
# wizard instead of marking done (see views/mail_activity_views.xml).
OUTCOME_PROMPT_KEY = "crm_outcome_prompt"


class MailActivity(models.Model):
    _inherit = "mail.activity"

    crm_lost_reason_id = fields.Many2one(
        "crm.lost.reason",
        string="Follow-up of Lost Reason",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
        copy=False,
        help="Set on the follow-up activity scheduled by a lost reason's playbook, so "
        "a deal gets only one open follow-up.",
    )
    crm_outcome_kind = fields.Selection(
        [("reactivation", "Reactivation"), ("referral", "Referral Request")],
        string="Outcome to Record",
        compute="_compute_crm_outcome_kind",
        help="Reactivation: a reactivation activity, or any activity on a dormant "
        "customer; referral request: the \"Ask for a referral\" activity of a deal. "
        "Marking it done asks for the outcome.",
    )

    crm_partner_name_kana = fields.Char(
        string="Reading",
        compute="_compute_crm_partner_name_kana",
        help="The reading (フリガナ) of the customer of an activity on a customer: the call "
        "list is in あいうえお順 within each day.",
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("res_model", "res_id")
    def _compute_crm_partner_name_kana(self):
        on_partners = self.filtered(lambda activity: activity.res_model == "res.partner" and activity.res_id)
        # the reading of the activity's customer, whose name the activity shows anyway (res_name)
        partners_sudo = self.env["res.partner"].sudo().browse(set(on_partners.mapped("res_id"))).exists()
        readings = dict(zip(partners_sudo.ids, partners_sudo.mapped("name_kana"), strict=True))
        for activity in self:
            activity.crm_partner_name_kana = readings.get(activity.res_id) if activity in on_partners else False

    @api.depends("res_model", "res_id", "activity_type_id")
    def _compute_crm_outcome_kind(self):
        channel_types = self.env["crm.rank.reactivation"]._activity_types()
        reactivation_type_ids = {activity_type.id for activity_type in channel_types.values()}
        referral_type = cached_ref(self.env, REFERRAL_ASK_TYPE)
        review_type = cached_ref(self.env, DEFECTION_REVIEW_TYPE)
        on_partners = self.filtered(lambda activity: activity.res_model == "res.partner" and activity.res_id)
        # the rank decides what is asked, whatever the user may read of the customer
        partners_sudo = self.env["res.partner"].sudo().browse(set(on_partners.mapped("res_id"))).exists()
        dormant_ids = {partner.id for partner in partners_sudo if partner.commercial_partner_id.crm_rank == "dormant"}
        for activity in self:
            kind = False
            type_id = activity.activity_type_id.id
            if activity.res_model == "crm.lead" and referral_type and type_id == referral_type.id:
                kind = "referral"
            elif (
                activity in on_partners
                and activity.activity_category != "upload_file"
                and not (review_type and type_id == review_type.id)
                and (type_id in reactivation_type_ids or activity.res_id in dormant_ids)
            ):
                kind = "reactivation"
            activity.crm_outcome_kind = kind

    def _order_field_to_sql(self, alias, field_name, direction, nulls, query):
        """The call list is ordered by its customers' readings (not stored on the activity)."""
        if field_name == "crm_partner_name_kana":
            reading = SQL(
                "(SELECT partner.name_kana FROM res_partner partner WHERE partner.id = %s AND %s = 'res.partner')",
                SQL.identifier(alias, "res_id"),
                SQL.identifier(alias, "res_model"),
            )
            return SQL("%s %s %s", reading, direction, nulls)
        return super()._order_field_to_sql(alias, field_name, direction, nulls, query)

    def _to_store_defaults(self, target):
        """The web client opens the outcome wizard for these activities."""
        return [*super()._to_store_defaults(target), "crm_outcome_kind"]

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_done(self):
        """With the context key of the views' "Done" buttons, activities that need an
        outcome open the outcome wizard; the others are marked done. Without it (a
        program), they are all marked done with the default outcome."""
        if not self.env.context.get(OUTCOME_PROMPT_KEY):
            return super().action_done()
        activities = self.filtered("active")
        prompted = activities.filtered("crm_outcome_kind")
        res = super(MailActivity, activities - prompted).action_done() if activities - prompted else False
        if prompted:
            return prompted.action_crm_record_outcome()
        return res

    def action_crm_record_outcome(self, feedback=False, schedule_next=False):
        """The outcome wizard of these activities (all of one kind)."""
        activities = self.filtered("active")
        kinds = set(activities.mapped("crm_outcome_kind"))
        if not activities or len(kinds) != 1 or False in kinds:
            raise UserError(
                self.env._(
                    "Record the outcome of reactivation activities and of referral requests "
                    "separately, and only for activities that are not done yet."
                )
            )
        wizard_model = {
            "reactivation": "crm.rank.reactivation.outcome",
            "referral": "crm.rank.referral.outcome",
        }[kinds.pop()]
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Record the Outcome"),
            "res_model": wizard_model,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_activity_ids": activities.ids,
                "default_note": feedback or False,
                "default_schedule_next": bool(schedule_next) and len(activities) == 1,
            },
        }

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    def _action_done(self, feedback=False, attachment_ids=None):
        """Keep the outcome of the activities that need one.

        The outcome comes from the context (the outcome wizards); without one,
        reactivation activities get "not recorded" and referral requests "asked".
        """
        # an after-care activity marked done from the chatter: the item is done, "fine"
        aftercare_sudo = self.env["crm.aftercare.item"].sudo().search(
            [("activity_id", "in", self.ids), ("state", "=", "planned")]
        )
        aftercare_sudo.write({"state": "done", "outcome": "fine", "done_date": fields.Date.context_today(self)})
        todo = self.filtered("crm_outcome_kind")
        kinds = {activity.id: activity.crm_outcome_kind for activity in todo}
        keys = {activity.id: (activity.res_model, activity.res_id, activity.activity_type_id.id) for activity in todo}
        messages, next_activities = super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
        # the visit is a contact (the done message): the customer's rank is decided again at once
        aftercare_sudo.partner_id._crm_rank_refresh("aftercare")
        todo = todo.exists()  # activities of deleted records are removed
        if not todo:
            return messages, next_activities
        # the done messages, in the order of the activities of each record and type
        by_key = defaultdict(list)
        for message in messages.sudo():
            by_key[(message.model, message.res_id, message.mail_activity_type_id.id)].append(message)
        message_of = {}
        for activity in todo:
            queue = by_key.get(keys[activity.id])
            if queue:
                message_of[activity.id] = queue.pop(0)
        context = self.env.context
        quiet = todo.filtered(lambda activity: kinds[activity.id] == "reactivation")
        if quiet:
            self.env["crm.rank.quiet.reason"]._record_outcomes(
                quiet,
                message_of,
                context.get(REACTIVATION_OUTCOME_KEY) or "not_recorded",
                note=feedback,
                next_date=context.get(REACTIVATION_NEXT_DATE_KEY),
            )
        referral = todo.filtered(lambda activity: kinds[activity.id] == "referral")
        if referral:
            leads = self.env["crm.lead"].browse(referral.mapped("res_id")).exists()
            self.env["crm.rank.referral.ask"]._record_outcome(leads, context.get(REFERRAL_OUTCOME_KEY) or "asked")
        return messages, next_activities

    @api.model
    def _crm_rank_reader_langs(self, user_ids):
        """``{user id: language code}``: the language to write each assignee's activities in.

        An activity the addon creates is read by the person it is assigned to, not
        by whoever (or whichever scheduled action) triggered it: their own language
        when it is active, else the request's language, else the current user's.
        ``False`` (nobody assigned) gets that fallback too.
        """
        active = {code for code, _name in self.env["res.lang"].get_installed()}
        fallback = next(
            (lang for lang in (self.env.lang, self.env.user.lang) if lang in active),
            "en_US",
        )
        # a colleague's language is a preference, read whoever schedules the activity
        users_sudo = self.env["res.users"].sudo().with_context(active_test=False).browse(set(user_ids) - {False, None})
        langs = dict.fromkeys(user_ids, fallback)
        for user in users_sudo:
            if user.lang in active:
                langs[user.id] = user.lang
        return langs

    @api.model
    def _crm_rank_group_by_reader(self, assignees):
        """``{language code: [key, ...]}`` for ``assignees`` (``{key: user id or False}``),
        to render each group once with ``with_context(lang=...)``."""
        langs = self._crm_rank_reader_langs(set(assignees.values()))
        groups = defaultdict(list)
        for key, user_id in assignees.items():
            groups[langs[user_id]].append(key)
        return groups
