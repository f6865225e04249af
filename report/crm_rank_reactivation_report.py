from odoo import fields, models
from odoo.tools import SQL

from ..lib.outreach import REACHED_OUTCOMES
from ..lib.period_labels import localized_period_formatter

# What brought a dormant customer back: the last of these before the comeback.
REACTIVATION_TRIGGERS = [
    ("inspection", "Inspection"),
    ("warranty", "Warranty End"),
    ("replacement", "Equipment Replacement"),
    ("season", "Season of the Kind of Work"),
    ("reactivation", "Reactivation Activity"),
    ("campaign", "Campaign or Mailing"),
    ("own", "On Their Own"),
]


class CrmRankReactivationReport(models.Model):
    """One row each time a customer became dormant, and whether they came back.

    The reactivation rate of a period and a salesperson is the share of the
    customers who became dormant in that period (followed by that salesperson)
    who later came back with a new inquiry, opportunity or contract, before
    becoming dormant again. Each row weighs one, so the average of the rate is
    the rate of any group.
    """

    _name = "crm.rank.reactivation.report"
    _description = "Reactivation of Dormant Customers"
    _auto = False
    _rec_name = "partner_id"
    _order = "date desc"

    date = fields.Datetime(string="Became Dormant On", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        readonly=True,
        help="Salesperson of the customer's last completed work when they became dormant.",
    )
    company_id = fields.Many2one("res.company", readonly=True)
    reactivation_date = fields.Datetime(string="Came Back On", readonly=True)
    dormant_count = fields.Integer(string="Became Dormant", readonly=True)
    reactivated_count = fields.Integer(string="Came Back", readonly=True)
    reactivation_rate = fields.Float(
        string="Reactivation Rate (%)",
        readonly=True,
        aggregator="avg",
        help="Share of the customers who became dormant and came back.",
    )
    trigger = fields.Selection(
        REACTIVATION_TRIGGERS,
        readonly=True,
        help="What brought the customer back, the last before they came back: an after-care visit done "
        "(inspection, warranty end, replacement), a reactivation activity in which they were reached "
        "(in the season of their kind of work, or another time), a campaign's deal or a mailing sent "
        "to them; otherwise they came back on their own.",
    )
    days_to_reactivation = fields.Integer(
        string="Days to Come Back",
        readonly=True,
        aggregator="avg",
        help="Days between becoming dormant and coming back (reactivated customers only: empty for "
        "the others, and left out of the average).",
    )

    @property
    def _table_query(self):
        # The comeback of each dormant event is stored on its history row
        # (``crm.rank.history._store_comebacks``): no sub-query per row. What
        # brought them back is looked up for the customers who came back only,
        # in a join the planner sizes by them: a lateral join on every dormant
        # event ran its look-up for each of them, and its estimated cost made
        # PostgreSQL compile the query (JIT, over a second at 100,000 customers).
        return SQL(
            """
            SELECT d.id AS id,
                   d.date AS date,
                   d.partner_id AS partner_id,
                   d.salesperson_id AS user_id,
                   d.company_id AS company_id,
                   d.reactivation_date AS reactivation_date,
                   1 AS dormant_count,
                   CASE WHEN d.reactivation_id IS NULL THEN 0 ELSE 1 END AS reactivated_count,
                   CASE WHEN d.reactivation_id IS NULL THEN 0.0 ELSE 100.0 END AS reactivation_rate,
                   -- whole days, NULL for those still dormant (AVG leaves them out)
                   ROUND(EXTRACT(EPOCH FROM d.reactivation_date - d.date) / 86400.0)::integer
                       AS days_to_reactivation,
                   CASE WHEN d.reactivation_id IS NOT NULL THEN COALESCE(came_back.trigger, 'own') END AS trigger
              FROM crm_rank_history d
         LEFT JOIN (
                   SELECT h.id, why.trigger
                     FROM crm_rank_history h
                LEFT JOIN LATERAL (%s) AS why ON TRUE
                    WHERE h.became_dormant AND h.reactivation_id IS NOT NULL
                   ) AS came_back ON came_back.id = d.id
             WHERE d.became_dormant
            """,
            self._trigger_query(),
        )

    def _trigger_query(self):
        """The last event before the comeback (``h.reactivation_date``) since the
        customer became dormant (``h``), as ``trigger``; none: they came back on
        their own."""
        return SQL(
            """
            SELECT ev.trigger
              FROM (
                    SELECT i.done_date::timestamp AS at, i.kind AS trigger
                      FROM crm_aftercare_item i
                     WHERE i.partner_id = h.partner_id AND i.state = 'done'
                       AND i.done_date BETWEEN h.date::date AND h.reactivation_date::date
                     UNION ALL
                    SELECT q.date::timestamp,
                           CASE WHEN EXISTS (
                               SELECT 1
                                 FROM crm_rank_quiet_reason_crm_tag_rel qt
                                 JOIN crm_tag t ON t.id = qt.crm_tag_id
                                WHERE qt.crm_rank_quiet_reason_id = q.id
                                  AND EXTRACT(MONTH FROM q.date)::text
                                      = ANY(string_to_array(t.crm_rank_outreach_months, ','))
                           ) THEN 'season' ELSE 'reactivation' END
                      FROM crm_rank_quiet_reason q
                     WHERE q.partner_id = h.partner_id AND q.outcome IN %(reached)s
                       AND q.date BETWEEN h.date::date AND h.reactivation_date::date
                     UNION ALL
                    SELECT COALESCE(l.date_open, l.create_date), 'campaign'
                      FROM crm_lead l
                      JOIN res_partner p ON p.id = l.partner_id
                     WHERE p.commercial_partner_id = h.partner_id AND l.campaign_id IS NOT NULL
                       AND COALESCE(l.date_open, l.create_date) BETWEEN h.date AND h.reactivation_date
                     UNION ALL
                    SELECT t.create_date, 'campaign'
                      FROM mailing_trace t
                     WHERE t.model = 'res.partner' AND t.res_id = h.partner_id
                       AND t.trace_status IN ('pending', 'sent', 'open', 'reply')
                       AND t.create_date BETWEEN h.date AND h.reactivation_date
                   ) AS ev
          ORDER BY ev.at DESC
             LIMIT 1
            """,
            reached=REACHED_OUTCOMES,
        )

    def _web_read_group_groupby_formatter(self, groupby_spec, values):
        """Month and quarter labels in the reader's word order (2026年1月)."""
        formatter = super()._web_read_group_groupby_formatter(groupby_spec, values)
        return localized_period_formatter(self, groupby_spec, formatter)
