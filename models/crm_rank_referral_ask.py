"""Referral requests: a completed construction is a moment to ask for a referral.

A service model with a daily job of its own: ``crm.lead`` keeps the request's
date and outcome, the "Ask for a referral" activity carries it, and the outcome
wizard records the answer through ``_record_outcome``.
"""

import datetime

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL, format_date

from .crm_rank_defection import defected_sql

REFERRAL_ASK_TYPE = "crm_customer_rank.mail_activity_type_referral_ask"
REFERRAL_ASK_OUTCOMES = [
    ("asked", "Asked"),
    ("referred", "Referred Someone"),
    ("declined", "Declined"),
]
# A referral request more than this many days late is not made any more (old
# constructions typed in later, customers who were lost or defected then).
REFERRAL_ASK_GRACE_DAYS = 60


def after_sale_deals(company_id, where):
    """SQL: the ids, in order, of the active won deals ``l`` that meet ``where``, of
    customers ``cp`` neither defected nor lost: whom the after-sale requests (the
    referral request, the completion survey) may be made to.

    :param company_id: the company of a deal of no company whose customer has none
    :param where: an SQL condition on the deal ``l``, its partner ``p``, its
        customer ``cp`` and its company ``c``
    """
    return SQL(
        """
        SELECT l.id
          FROM crm_lead l
          JOIN res_partner p ON p.id = l.partner_id
          JOIN res_partner cp ON cp.id = p.commercial_partner_id
          JOIN res_company c ON c.id = COALESCE(l.company_id, cp.company_id, %(company)s)
         WHERE l.active
           AND l.won_status = 'won'
           AND %(where)s
           AND %(defected)s IS NOT TRUE
           AND cp.crm_rank IS DISTINCT FROM 'lost'
      ORDER BY l.id
        """,
        company=company_id,
        where=where,
        defected=defected_sql("cp"),
    )


class CrmRankReferralAsk(models.AbstractModel):
    """Hand out and record the referral requests of completed constructions (no table of its own)."""

    _name = "crm.rank.referral.ask"
    _description = "Referral Requests"

    @api.model
    def _due_lead_ids(self, today, lead_ids=None):
        """Won deals whose construction was completed the company's number of days
        ago and that never had a referral request, for customers neither defected
        nor lost, and whose completion survey was not answered badly (one query).

        :param lead_ids: instead of the deals due today, those of these deals that may
            be asked now (a good answer to the completion survey asks at once,
            whatever the number of days, when the company asks for referrals at all)
        """
        self.env.flush_all()
        if lead_ids is None:
            when = SQL(
                "l.completion_date + c.crm_rank_referral_ask_days <= %(today)s"
                " AND l.completion_date + c.crm_rank_referral_ask_days >= %(oldest)s",
                today=today,
                oldest=today - datetime.timedelta(days=REFERRAL_ASK_GRACE_DAYS),
            )
        else:
            when = SQL("l.id = ANY(%s) AND l.completion_date <= %s", list(lead_ids), today)
        rows = self.env.execute_query(
            after_sale_deals(
                self.env.company.id,
                SQL(
                    """l.referral_ask_date IS NULL
                       AND l.completion_date IS NOT NULL
                       AND c.crm_rank_referral_ask_days > 0
                       AND %s
                       AND l.crm_survey_satisfaction IS DISTINCT FROM 'bad'""",
                    when,
                ),
            )
        )
        return [row[0] for row in rows]

    @api.model
    def _cron_schedule(self):
        """The scheduled action *CRM: Ask for Referrals*, on the company's day."""
        return self.with_context(tz=self.env.company._crm_day_tz())._schedule_due()

    @api.model
    def _schedule_due(self, lead_ids=None):
        """Give the salesperson of each newly due deal one "Ask for a referral"
        activity, and mark the deal so that it never gets a second one.

        Set-based: one query for the due deals, one ``create`` for the activities,
        one ``write`` for the marks. Returns the created activities.

        :param lead_ids: ask now for those of these deals that may be asked
            (``_due_lead_ids``), not for the deals due today
        """
        activity_type = self.env.ref(REFERRAL_ASK_TYPE, raise_if_not_found=False)
        today = fields.Date.context_today(self)
        due_ids = self._due_lead_ids(today, lead_ids)
        if not activity_type or not due_ids:
            return self.env["mail.activity"]
        # the daily job's work: every due deal, whoever runs it
        leads_sudo = self.env["crm.lead"].sudo().browse(due_ids)
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

    @api.model
    def _record_outcome(self, leads, outcome):
        """Keep the outcome of the referral request of ``leads``."""
        # the salesperson records the outcome of their own activity, whoever owns the deal
        leads.sudo().write({"referral_ask_outcome": outcome})

    @api.model
    def _new_lead_action(self, lead):
        """The form of a new inquiry referred by ``lead``'s customer (the answer "referred someone")."""
        referrer = lead.partner_id.commercial_partner_id
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
