from odoo import fields, models
from odoo.tools import SQL

from ..lib import rules


class CrmRankDurationReport(models.Model):
    """One row per rank (and company): how long customers stay in it.

    The median needs every duration of the group, which a pivot's measures
    cannot aggregate: this small view computes it per rank with PostgreSQL's
    ``percentile_cont``, over the stored neighbouring changes of the history
    (``crm.rank.history._store_spans``). The averages by any other grouping
    are the *Rank Movements* report's measures.
    """

    _name = "crm.rank.duration.report"
    _description = "Time in Rank"
    _auto = False
    _rec_name = "crm_rank"
    _order = "company_id, crm_rank"
    _depends = {"crm.rank.history": ["date", "new_rank", "company_id", "next_date"]}

    crm_rank = fields.Selection(rules.RANKS, string="Customer Rank", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    left_count = fields.Integer(string="Customers Who Left", readonly=True, help="Moves out of the rank.")
    average_days = fields.Float(string="Average Days Before Leaving", readonly=True, digits=(16, 1), aggregator="avg")
    median_days = fields.Float(string="Median Days Before Leaving", readonly=True, digits=(16, 1), aggregator="avg")
    still_count = fields.Integer(string="Customers Still There", readonly=True)
    median_days_so_far = fields.Float(
        string="Median Days in Rank So Far",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Of the customers still in the rank: the median of the days since they entered it.",
    )

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT MIN(s.id) AS id,
                   s.crm_rank,
                   s.company_id,
                   COUNT(*) FILTER (WHERE s.has_left) AS left_count,
                   AVG(s.days) FILTER (WHERE s.has_left) AS average_days,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY s.days) FILTER (WHERE s.has_left) AS median_days,
                   COUNT(*) FILTER (WHERE NOT s.has_left) AS still_count,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY s.days) FILTER (WHERE NOT s.has_left)
                       AS median_days_so_far
              FROM (SELECT h.id, h.new_rank AS crm_rank, h.company_id, h.next_date IS NOT NULL AS has_left,
                           FLOOR(EXTRACT(EPOCH FROM COALESCE(h.next_date, %(now)s) - h.date) / 86400.0) AS days
                      FROM crm_rank_history h
                     WHERE h.new_rank IS NOT NULL) AS s
          GROUP BY s.crm_rank, s.company_id
            """,
            now=self.env.cr.now(),
        )
