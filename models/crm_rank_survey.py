"""The completion survey (完工アンケート): Odoo's survey after a completed job.

A service model with a daily job of its own. The customer of a won deal whose
construction is completed gets the company's completion survey
(``res.company._crm_survey``): by e-mail, through the survey app's invitation
(its answer token and its "Survey: Invite" template), sent from the deal's
*Send Survey* button or by the daily job when the company turns it on; or on
paper, the survey's printable page for the handover visit (*Print Survey*).

The answer is linked to the deal (``survey.user_input.crm_lead_id``). When it
is completed it is judged by its score (the points of the chosen answers over
the maximum, Odoo's ``scoring_percentage``) against the company's threshold:

- satisfied: the deal's "Ask for a referral" activity is scheduled at once
  (``crm.rank.referral.ask``, the same request the daily job makes);
- dissatisfied: the deal's sales team leader gets a "Call a Dissatisfied
  Customer" activity, an open referral request of the deal is removed and none
  is made afterwards (``crm.lead.crm_survey_satisfaction`` is ``bad``).

The invitation is an e-mail of no allowed kind (``crm.rank.exit``): it reaches
a customer in good standing and is cancelled at the exit for a defected one,
whoever sends it.
"""

import datetime

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date

from .crm_rank_referral_ask import REFERRAL_ASK_TYPE, after_sale_deals

SURVEY_CALL_TYPE = "crm_customer_rank.mail_activity_type_survey_call"
SURVEY_INVITE_TEMPLATE = "survey.mail_template_user_input_invite"
# The daily job sends the survey of constructions completed up to this many days
# ago (a job typed in later, a company that has just turned the sending on).
SURVEY_SEND_GRACE_DAYS = 14


class CrmRankSurvey(models.AbstractModel):
    """Send and print the completion survey, and act on its answers (no table of its own)."""

    _name = "crm.rank.survey"
    _description = "Completion Surveys"

    # ------------------------------------------------------------
    # SENDING
    # ------------------------------------------------------------

    @api.model
    def _check_leads(self, leads):
        """Refuse, in the user's language, deals whose customer may not get the survey."""
        for lead in leads:
            if lead.won_status != "won" or not lead.completion_date:
                raise UserError(
                    self.env._(
                        'The completion survey is for a won deal with a completion date ("%(deal)s" has none).',
                        deal=lead.name,
                    )
                )
            if lead.partner_id.commercial_partner_id.crm_rank == "defected":
                raise UserError(
                    self.env._(
                        "%(customer)s is a defected customer: they get no completion survey.",
                        customer=lead.partner_id.commercial_partner_id.display_name,
                    )
                )

    @api.model
    def _answers_for(self, leads, create=True):
        """``{lead id: survey.user_input}``: each deal's pending answer (not completed) to its
        company's survey, created for its customer when it has none (``create``)."""
        # sudo: salespeople have no survey rights; the caller checked the deals
        leads_sudo = leads.sudo()
        pending = self.env["survey.user_input"].sudo().search(
            [("crm_lead_id", "in", leads_sudo.ids), ("state", "!=", "done"), ("test_entry", "=", False)],
            order="id desc",
        )
        answers = {}
        for answer in pending:
            answers.setdefault(answer.crm_lead_id.id, answer)
        for lead in leads_sudo:
            survey = (lead.company_id or self.env.company)._crm_survey()
            if lead.id in answers and answers[lead.id].survey_id == survey:
                continue
            if not create:
                continue
            if not survey:
                raise UserError(self.env._("No completion survey is set in the CRM settings."))
            answers[lead.id] = survey._create_answer(
                partner=lead.partner_id, check_attempts=False, crm_lead_id=lead.id
            )
        return answers

    @api.model
    def _send(self, leads):
        """E-mail each deal's customer the invitation to its completion survey, through the
        survey app's invitation (one wizard per survey, language and sender, one e-mail per answer).

        :returns: the answers invited
        """
        # the invitation comes from the salesperson who presses the button, or from the
        # deal's salesperson when the daily job sends it (not from OdooBot); the survey
        # app's template needs the sender's e-mail address
        scheduled = self.env.su or self.env.user._is_superuser()
        senders = {}
        for lead in leads.filtered(lambda lead: lead.partner_id.email):
            candidates = (lead.user_id | self.env.user) if scheduled else self.env.user
            sender = candidates.filtered("email")[:1]
            if sender:
                senders[lead] = sender
            elif not scheduled:
                raise UserError(self.env._("Set your e-mail address in your preferences to send the survey."))
            # else: the daily job tries again tomorrow
        answers = self._answers_for(self.env["crm.lead"].union(*senders))
        template = self.env.ref(SURVEY_INVITE_TEMPLATE, raise_if_not_found=False)
        invited = self.env["survey.user_input"].sudo()
        groups = {}
        for lead, sender in senders.items():
            answer = answers[lead.id]
            key = (answer.survey_id, lead.partner_id.lang or self.env.lang, sender)
            groups.setdefault(key, []).append(answer)
        for (survey, lang, sender), group in groups.items():
            # sudo: the survey app's invitation, which salespeople may not open; it sends as
            # the survey app does (an e-mail of no allowed kind: crm.rank.exit)
            invite = (
                self.env["survey.invite"]
                .with_user(sender)
                .sudo()
                .with_context(lang=lang, default_email_layout_xmlid="mail.mail_notification_light")
                .create(
                    {
                        "survey_id": survey.id,
                        "template_id": template.id if template else False,
                        "author_id": sender.partner_id.id,
                        "existing_mode": "resend",
                    }
                )
            )
            for answer in group:
                invite._send_mail(answer)
                invited |= answer
        return invited

    @api.model
    def _due_lead_ids(self, today):
        """Won deals completed in the last ``SURVEY_SEND_GRACE_DAYS`` days, of companies that
        send the survey, never given one, for customers with an e-mail address who are
        neither defected nor lost (one query)."""
        self.env.flush_all()
        rows = self.env.execute_query(
            after_sale_deals(
                self.env.company.id,
                SQL(
                    """c.crm_survey_auto_send
                       AND l.completion_date <= %(today)s
                       AND l.completion_date >= %(oldest)s
                       AND COALESCE(p.email, '') != ''
                       AND NOT EXISTS (SELECT 1 FROM survey_user_input a WHERE a.crm_lead_id = l.id)""",
                    today=today,
                    oldest=today - datetime.timedelta(days=SURVEY_SEND_GRACE_DAYS),
                ),
            )
        )
        return [row[0] for row in rows]

    @api.model
    def _cron_send(self):
        """The scheduled action *CRM: Send Completion Surveys*, on the company's day."""
        self = self.with_context(tz=self.env.company._crm_day_tz())
        due_ids = self._due_lead_ids(fields.Date.context_today(self))
        # the daily job's work: every due deal, whoever runs it
        return self._send(self.env["crm.lead"].sudo().browse(due_ids))

    # ------------------------------------------------------------
    # ANSWERS
    # ------------------------------------------------------------

    @api.model
    def _answers_done(self, answers):
        """Judge the completed ``answers`` of deals and act on them: the referral request of
        the satisfied, the team leader's call for the dissatisfied (set-based)."""
        # sudo: the customer completes the survey as the public user
        answers = answers.sudo().filtered(lambda answer: answer.crm_lead_id and not answer.test_entry)
        if not answers:
            return
        good = answers.filtered(
            lambda answer: answer.scoring_percentage
            >= (answer.crm_lead_id.company_id or self.env.company).crm_survey_good_score
        )
        bad = answers - good
        good.write({"crm_satisfaction": "good"})
        bad.write({"crm_satisfaction": "bad"})
        bad_leads = bad.crm_lead_id
        good_leads = good.crm_lead_id - bad_leads
        if good_leads:
            self.env["crm.rank.referral.ask"].sudo()._schedule_due(good_leads.ids)
        if bad_leads:
            self._schedule_calls(bad.filtered(lambda answer: answer.crm_lead_id in bad_leads))

    @api.model
    def _call_assignees(self, leads):
        """``{lead id: user id}``: who calls a dissatisfied customer: the deal's sales team
        leader, else the company's first sales manager, else the deal's salesperson."""
        managers = (
            self.env.ref("sales_team.group_sale_manager").sudo().all_user_ids.filtered(lambda user: not user.share)
        ).sorted("id")
        assignees = {}
        for lead in leads:
            company = lead.company_id or self.env.company
            manager = managers.filtered(lambda user, company=company: company in user.company_ids)[:1]
            assignees[lead.id] = (lead.team_id.user_id or manager or lead.user_id).id
        return assignees

    @api.model
    def _schedule_calls(self, answers):
        """A "Call a Dissatisfied Customer" activity on each deal of ``answers`` (one per
        deal), and its open referral request removed: nobody asks an unhappy customer."""
        activity_type = self.env.ref(SURVEY_CALL_TYPE, raise_if_not_found=False)
        ask_type = self.env.ref(REFERRAL_ASK_TYPE, raise_if_not_found=False)
        leads = answers.crm_lead_id
        activities_sudo = self.env["mail.activity"].sudo()
        if ask_type:
            activities_sudo.search(
                [
                    ("res_model", "=", "crm.lead"),
                    ("res_id", "in", leads.ids),
                    ("activity_type_id", "=", ask_type.id),
                ]
            ).unlink()
        if not activity_type:
            return activities_sudo
        today = fields.Date.context_today(self)
        answer_by_lead = {answer.crm_lead_id.id: answer for answer in answers}
        assignees = self._call_assignees(leads)
        model_id = self.env["ir.model"]._get_id("crm.lead")
        vals_list = []
        for lang, lead_ids in self.env["mail.activity"]._crm_rank_group_by_reader(assignees).items():
            leads_lang = leads.with_context(lang=lang).browse(lead_ids)
            env = leads_lang.env
            for lead in leads_lang:
                answer = answer_by_lead[lead.id]
                vals_list.append(
                    {
                        "res_model_id": model_id,
                        "res_id": lead.id,
                        "activity_type_id": activity_type.id,
                        "user_id": assignees[lead.id],
                        "date_deadline": today,
                        "summary": env._("Call the dissatisfied customer"),
                        "note": Markup("<p>%s</p>")
                        % env._(
                            "%(customer)s answered the completion survey of %(deal)s with a score of "
                            "%(score)s%% on %(date)s. Call them to hear what went wrong; no referral is "
                            "asked for this job.",
                            customer=lead.partner_id.commercial_partner_id.name,
                            deal=lead.name,
                            score=round(answer.scoring_percentage),
                            date=format_date(env, fields.Datetime.context_timestamp(answer, answer.end_datetime)
                                             if answer.end_datetime else today),
                        ),
                        "automated": True,
                    }
                )
        return activities_sudo.with_context(mail_activity_quick_update=True).create(vals_list)
