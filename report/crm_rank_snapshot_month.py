from odoo import api, fields, models
from odoo.tools import SQL

from ..models.res_partner import CRM_RANKS


class CrmRankSnapshotMonth(models.Model):
    """Customers per rank and company at the end of each closed month, stored.

    Rebuilt once from the rank history (install, upgrade, demo data); the daily
    update adds each month as it closes, so opening *Customers per Rank* reads
    a few rows per month instead of replaying the whole history.
    """

    _name = "crm.rank.snapshot.month"
    _description = "Customers per Rank at the End of a Month"
    _order = "month desc"

    month = fields.Date(required=True, index=True, readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    crm_rank = fields.Selection(CRM_RANKS, string="Customer Rank", required=True, readonly=True)
    customer_count = fields.Integer(string="Customers", readonly=True)

    @api.model
    def _rebuild(self):
        """Recount every closed month from the rank history."""
        self.env.flush_all()
        self.env.execute_query(SQL("DELETE FROM crm_rank_snapshot_month"))
        self._insert_months(SQL("(SELECT MIN(date) FROM crm_rank_history)"))
        self.env.invalidate_all()

    @api.model
    def _close_months(self):
        """Add the months closed since the last run (daily update)."""
        self.env.flush_all()
        [(last,)] = self.env.execute_query(SQL("SELECT MAX(month) FROM crm_rank_snapshot_month"))
        if last is None:
            return self._rebuild()
        self._insert_months(SQL("%s::date + interval '1 month'", last))
        self.env.invalidate_all()
        return None

    @api.model
    def _insert_months(self, first_month):
        """Insert the counts of the closed months from ``first_month`` (SQL) to last month.

        A history row holds a customer's rank from its date until the next row of
        the same customer: a month counts the rows that hold at its end.
        """
        self.env.execute_query(
            SQL(
                """
                WITH months AS (
                    SELECT generate_series(date_trunc('month', %(first)s),
                                           date_trunc('month', %(today)s::date) - interval '1 month',
                                           interval '1 month')::date AS month
                ), spans AS (
                    SELECT h.partner_id, h.new_rank, h.company_id, h.date AS date_from,
                           LEAD(h.date) OVER (PARTITION BY h.partner_id ORDER BY h.date, h.id) AS date_to
                      FROM crm_rank_history h
                )
                INSERT INTO crm_rank_snapshot_month (month, company_id, crm_rank, customer_count,
                                                     create_uid, create_date, write_uid, write_date)
                SELECT m.month, s.company_id, s.new_rank, COUNT(*), %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM months m
                  JOIN spans s
                    ON s.date_from < m.month + interval '1 month'
                   AND (s.date_to IS NULL OR s.date_to >= m.month + interval '1 month')
                 WHERE s.new_rank IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM crm_rank_snapshot_month x WHERE x.month = m.month)
              GROUP BY m.month, s.company_id, s.new_rank
                """,
                first=first_month,
                # Odoo's today (the update's), not the database server's clock
                today=fields.Date.context_today(self),
                now=self.env.cr.now(),
                uid=self.env.uid,
            )
        )
