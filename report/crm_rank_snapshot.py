from odoo import fields, models
from odoo.tools import SQL

from ..models.res_partner import CRM_RANKS


class CrmRankSnapshot(models.Model):
    """Customers per rank at the end of each month, rebuilt from the rank history.

    A history row holds a customer's rank from its date until the next row of
    the same customer: a month counts the rows that hold at its last day.
    """

    _name = "crm.rank.snapshot"
    _description = "Customers per Rank by Month"
    _auto = False
    _rec_name = "partner_id"
    _order = "month desc"

    month = fields.Date(readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    crm_rank = fields.Selection(CRM_RANKS, string="Customer Rank", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    customer_count = fields.Integer(string="Customers", readonly=True)

    @property
    def _table_query(self):
        return SQL(
            """
            WITH spans AS (
                SELECT h.id, h.partner_id, h.new_rank, h.company_id, h.date AS date_from,
                       LEAD(h.date) OVER (PARTITION BY h.partner_id ORDER BY h.date, h.id)
                           AS date_to
                  FROM crm_rank_history h
            ), months AS (
                SELECT generate_series(
                           date_trunc('month', (SELECT MIN(date) FROM crm_rank_history)),
                           date_trunc('month', now()),
                           interval '1 month'
                       )::date AS month
            )
            SELECT s.id::bigint * 100000 + EXTRACT(YEAR FROM m.month)::int * 12
                   + EXTRACT(MONTH FROM m.month)::int AS id,
                   m.month AS month,
                   s.partner_id AS partner_id,
                   s.new_rank AS crm_rank,
                   s.company_id AS company_id,
                   1 AS customer_count
              FROM spans s
              JOIN months m
                ON s.date_from < m.month + interval '1 month'
               AND (s.date_to IS NULL OR s.date_to >= m.month + interval '1 month')
             WHERE s.new_rank IS NOT NULL
            """
        )
