"""Demo data only: dates that make the demo's story, set after it is loaded.

Odoo creates every demo record at the install's moment; these methods, called
by ``demo/crm_customer_rank_demo.xml`` only, spread the demo deals and the rank
history over the past as a company's real data would be. No production code
calls them.
"""

import datetime

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib import facts as rank_facts
from ..lib import rules


class CrmRankDemo(models.AbstractModel):
    """Date the demo's deals and rank history (no table of its own)."""

    _name = "crm.rank.demo"
    _description = "Customer Rank Demo Dates"

    @api.model
    def _describe_property(self, lead_id, values):
        """Demo data only: describe the house a demo deal named (created from its address)."""
        self.env["crm.lead"].browse(lead_id).crm_property_id.write(values)

    @api.model
    def _sell_property(self, lead_id, new_owner_id, days_ago):
        """Demo data only: the house of a demo deal was sold ``days_ago`` days ago."""
        day = fields.Date.context_today(self) - datetime.timedelta(days=days_ago)
        prop = self.env["crm.lead"].browse(lead_id).crm_property_id
        prop.with_context(crm_property_owner_date=day).partner_id = new_owner_id

    @api.model
    def _answer_survey(self, lead_id, answer_xmlids, comment, days_ago):
        """Demo data only: the customer of a demo deal answered its completion survey
        ``days_ago`` days ago, choosing ``answer_xmlids`` (one per question) and writing
        ``comment``; the answer is judged as any completed one (crm.rank.survey)."""
        lead = self.env["crm.lead"].browse(lead_id)
        answer = self.env["crm.rank.survey"]._answers_for(lead)[lead.id]
        choices = [self.env.ref(xmlid) for xmlid in answer_xmlids]
        lines = [
            {
                "user_input_id": answer.id,
                "question_id": choice.question_id.id,
                "answer_type": "suggestion",
                "suggested_answer_id": choice.id,
            }
            for choice in choices
        ]
        if comment:
            lines.append(
                {
                    "user_input_id": answer.id,
                    "question_id": self.env.ref("crm_customer_rank.survey_completion_q_comment").id,
                    "answer_type": "text_box",
                    "value_text_box": comment,
                }
            )
        self.env["survey.user_input.line"].create(lines)
        moment = fields.Datetime.now() - datetime.timedelta(days=days_ago)
        answer.write(
            {"start_datetime": moment - datetime.timedelta(minutes=4), "end_datetime": moment, "state": "done"}
        )

    @api.model
    def _print_survey(self, lead_id):
        """Demo data only: the completion survey of a demo deal was printed for the handover."""
        lead = self.env["crm.lead"].browse(lead_id)
        self.env["crm.rank.survey"]._answers_for(lead)

    @api.model
    def _backdate_leads(self, lead_ids):
        """Demo data only: a closed deal was created some weeks before it closed.

        The open demo inquiries of the addon are spread evenly over the three
        months before the install day, the first of the demo file the most
        recent (so every month of the reports has some, up to this week).
        """
        self.env.flush_all()
        self.env.execute_query(
            SQL(
                "UPDATE crm_lead SET create_date = date_closed - INTERVAL '45 days'"
                " WHERE id = ANY(%s) AND date_closed IS NOT NULL",
                list(lead_ids),
            )
        )
        open_demo_ids = (
            self.env["ir.model.data"]
            .search([("module", "=", "crm_customer_rank"), ("model", "=", "crm.lead")])
            .mapped("res_id")
        )
        self.env.execute_query(
            SQL(
                """UPDATE crm_lead l
                      SET create_date = l.create_date - spread.days_ago * INTERVAL '1 day'
                     FROM (SELECT id, (ROW_NUMBER() OVER (ORDER BY id) - 1) * 89
                                      / GREATEST(COUNT(*) OVER () - 1, 1) AS days_ago
                             FROM crm_lead WHERE id = ANY(%s) AND date_closed IS NULL) AS spread
                    WHERE l.id = spread.id""",
                open_demo_ids,
            )
        )
        self.env.invalidate_all()

    @api.model
    def _vary_lead_times(self, lead_ids=None):
        """Demo data only: inquiries came in at different times of an office day.

        Loaded in one install, every demo inquiry would show the same minute. Each
        keeps its day (in the company's time zone) and gets a time between 9:00
        and 18:00 spread by its id; it is opened a few minutes after it came in and
        closed (if closed) at another time of its day, never later than now.
        """
        if lead_ids is None:
            lead_ids = (
                self.env["ir.model.data"]
                .search([("module", "=", "crm_customer_rank"), ("model", "=", "crm.lead")])
                .mapped("res_id")
            )
        tz = self.env.company.partner_id.tz or self.env.user.tz or "Asia/Tokyo"
        now = self.env.cr.now()  # the transaction's moment, as create_date

        def office_time(column, spread):
            # the column's local day at 9:00 + (id * spread mod 9 h), back to UTC
            return SQL(
                "LEAST((date_trunc('day', (%(col)s AT TIME ZONE 'UTC') AT TIME ZONE %(tz)s)"
                " + (540 + (id * %(spread)s) %% 540) * INTERVAL '1 minute')"
                " AT TIME ZONE %(tz)s AT TIME ZONE 'UTC', %(now)s)",
                col=SQL.identifier(column),
                tz=tz,
                spread=spread,
                now=now,
            )

        self.env.flush_all()
        self.env.execute_query(
            SQL(
                """UPDATE crm_lead
                      SET create_date = %(created)s,
                          date_open = LEAST(%(created)s + (id %% 45 + 2) * INTERVAL '1 minute', %(now)s),
                          date_closed = CASE WHEN date_closed IS NULL THEN NULL ELSE %(closed)s END
                    WHERE id = ANY(%(ids)s) AND create_date IS NOT NULL""",
                created=office_time("create_date", 97),
                closed=office_time("date_closed", 131),
                now=now,
                ids=list(lead_ids),
            )
        )
        self.env.invalidate_all()

    @api.model
    def _backdate_history(self):
        """Demo data only: date the demo customers' history along their deals.

        Demo records are all created at install; without this the history (and
        the customers-per-rank report) would start on the day of the demo.
        """
        self.env.cr.flush()  # as committed: the history rows of the ranks just decided
        demo_partner_ids = (
            self.env["ir.model.data"]
            .search([("module", "=", "crm_customer_rank"), ("model", "=", "res.partner")])
            .mapped("res_id")
        )
        self.env.execute_query(
            SQL(
                """
                WITH facts AS (
                    SELECT p.commercial_partner_id AS partner_id,
                           MIN(l.create_date) AS first_lead,
                           MAX(l.date_closed) FILTER (WHERE l.won_status = 'won') AS last_won,
                           MAX(l.date_closed) FILTER (WHERE l.won_status = 'lost') AS last_lost,
                           MAX(l.completion_date) FILTER (WHERE l.won_status = 'won')
                               AS last_completion
                      FROM crm_lead l
                      JOIN res_partner p ON p.id = l.partner_id
                     WHERE p.commercial_partner_id = ANY(%(ids)s)
                  GROUP BY 1
                ), referred AS (
                    -- when each referrer's referred customers first came to us
                    SELECT ref.commercial_partner_id AS partner_id, MIN(l.create_date) AS first_referred
                      FROM res_partner p
                      JOIN res_partner ref ON ref.id = p.referrer_partner_id
                      JOIN crm_lead l ON l.partner_id = p.id
                     WHERE ref.commercial_partner_id = ANY(%(ids)s)
                  GROUP BY 1
                )
                UPDATE crm_rank_history h
                   SET date = LEAST(h.date, CASE
                       WHEN h.new_rank IN ('gathering', 'prospect') THEN f.first_lead
                       WHEN h.new_rank = 'contracted' AND h.reason = 'construction'
                           THEN f.last_won
                       WHEN h.new_rank = 'contracted' THEN f.last_completion::timestamp
                       WHEN h.new_rank = 'lost' THEN f.last_lost
                       WHEN h.new_rank = 'dormant'
                           THEN f.last_completion::timestamp + %(dormancy)s * INTERVAL '1 day'
                       -- a past customer became a referral customer when the one they
                       -- referred came; a defected one on the day of the defection
                       WHEN h.new_rank = 'referral' THEN GREATEST(f.last_won, r.first_referred)
                       WHEN h.new_rank = 'defected' THEN CASE WHEN cp.defection_origin = 'lost_deal'
                           THEN f.last_lost ELSE cp.defection_date::timestamp END
                   END)
                  FROM facts f
                  JOIN res_partner cp ON cp.id = f.partner_id
             LEFT JOIN referred r ON r.partner_id = f.partner_id
                 WHERE h.partner_id = f.partner_id
                """,
                ids=demo_partner_ids,
                dormancy=self.env.company.crm_rank_dormancy_days or rules.DEFAULT_DORMANCY_DAYS,
            )
        )
        self.env.execute_query(
            SQL(
                """
                UPDATE res_partner p
                   SET crm_rank_date = last.date::date
                  FROM (SELECT DISTINCT ON (partner_id) partner_id, date
                          FROM crm_rank_history
                      ORDER BY partner_id, date DESC, id DESC) AS last
                 WHERE p.commercial_partner_id = last.partner_id
                   AND p.id = ANY(%(ids)s)
                """,
                ids=demo_partner_ids,
            )
        )
        self.env.invalidate_all()
        self.env["crm.rank.history"]._store_spans(set(demo_partner_ids))

    @api.model
    def _rebuild_history(self):
        """Demo data only: the demo customers' past moves, replayed from their deals
        (``crm.rank.history.rebuild``), not the rows of the demo's load day.

        Their history is what loading the demo wrote (its first ranks, and the
        daily update's dormant customers): it is replaced whole.
        """
        self.env.cr.flush()  # as committed: the history rows of the ranks just decided
        demo_partner_ids = (
            self.env["ir.model.data"]
            .search([("module", "=", "crm_customer_rank"), ("model", "=", "res.partner")])
            .mapped("res_id")
        )
        self.env["crm.rank.history"].search([("partner_id", "in", demo_partner_ids)]).unlink()
        self.env["crm.rank.history.rebuild"]._rebuild(demo_partner_ids)

    @api.model
    def _record_past_aftercare(self, skip_lead_ids=(), open_days=14):
        """Demo data only: the company did its after-care before today.

        Every inspection, warranty end or replacement of the demo's jobs due more
        than ``open_days`` ago gets an outcome recorded a few days after it was due,
        as the salesperson would have: *fine*, with its note on the deal dated that
        day (a visit is a contact). A dormant customer's visits stopped: the items
        due within their dormancy period before today were missed, or tried and
        the customer was unreachable (no contact), so they stay dormant. What
        came due in the last ``open_days`` days stays open (overdue): this week's
        work. The jobs ``skip_lead_ids`` were never visited: their past items stay
        missed (the demo's customer at risk of going dormant).
        """
        today = fields.Date.context_today(self)
        items = (
            self.env["crm.aftercare.item"]
            .sudo()
            .search(
                [
                    ("state", "in", ["planned", "missed"]),
                    ("due_date", "<", today - datetime.timedelta(days=open_days)),
                    ("lead_id", "not in", list(skip_lead_ids)),
                ]
            )
        )
        if not items:
            return
        customers = items.partner_id
        facts = rank_facts.gather(self.env, customers.ids, today, self.env["crm.rank.engine"]._thresholds())
        dormant = set(customers.filtered(lambda partner: partner.crm_rank == "dormant").ids)
        ids, outcomes, dates = [], [], []
        visits = []  # (item, day) of the visits: a note on the deal
        for item in items:
            day = min(item.due_date + datetime.timedelta(days=item.id % 5), today - datetime.timedelta(days=1))
            fact = facts.get(item.partner_id.id) or rules.CustomerFacts()
            wakes = item.partner_id.id in dormant and day + datetime.timedelta(days=fact.dormancy_days) > today
            if wakes and item.state == "missed":
                continue  # never tried: kept as missed
            ids.append(item.id)
            outcomes.append("unreachable" if wakes else "fine")
            dates.append(day)
            if not wakes:
                visits.append((item, day))
        self.env.flush_all()
        self.env.execute_query(
            SQL(
                """
                UPDATE crm_aftercare_item i
                   SET state = 'done', outcome = v.outcome, done_date = v.day
                  FROM unnest(%(ids)s::int[], %(outcomes)s::varchar[], %(dates)s::date[]) AS v(id, outcome, day)
                 WHERE i.id = v.id
                """,
                ids=ids,
                outcomes=outcomes,
                dates=dates,
            )
        )
        self.env.invalidate_all()
        message_ids, message_dates = [], []
        for item, day in visits:
            item_lang = item.with_context(lang=item.user_id.lang or "ja_JP")
            labels = dict(item_lang._fields["outcome"]._description_selection(item_lang.env))
            message = item.lead_id.message_post(
                body=Markup("<p>%s</p>") % f"{item_lang.name}: {labels['fine']}",
                message_type="comment",
                subtype_xmlid="mail.mt_note",
                author_id=item.user_id.partner_id.id or self.env.user.partner_id.id,
            )
            message_ids.append(message.id)
            message_dates.append(datetime.datetime.combine(day, datetime.time(2)))  # 11:00 in Tokyo
        self.env.flush_all()
        self.env.execute_query(
            SQL(
                """
                UPDATE mail_message m SET date = v.day
                  FROM unnest(%(ids)s::int[], %(dates)s::timestamp[]) AS v(id, day)
                 WHERE m.id = v.id
                """,
                ids=message_ids,
                dates=message_dates,
            )
        )
        self.env.invalidate_all()

    @api.model
    def _archive_odoo_demo_contacts(self):
        """Demo data only: archive Odoo's own demo contacts (US furniture companies and
        their people), which would open Contacts next to the renovation company's customers.

        Only partners carrying another module's external id (Odoo's demo data) are
        touched, and never one of a user or a company (or the company of such a partner).
        """
        data = self.env["ir.model.data"].search([("model", "=", "res.partner"), ("module", "!=", "crm_customer_rank")])
        partners = self.env["res.partner"].browse(data.mapped("res_id")).exists()
        # the users and companies among them (archived ones too)
        users = (
            self.env["res.users"]
            .with_context(active_test=False)
            .search(["|", ("partner_id", "in", partners.ids), ("partner_id.parent_id", "in", partners.ids)])
        )
        companies = (
            self.env["res.company"].with_context(active_test=False).search([("partner_id", "in", partners.ids)])
        )
        kept = users.partner_id | companies.partner_id
        kept |= kept.parent_id
        (partners - kept).action_archive()

