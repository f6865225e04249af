from odoo import fields, models
from odoo.tools import SQL

from ..models.period_labels import localized_period_formatter
from ..models.res_partner import CRM_RANKS


class CrmRankSnapshot(models.Model):
    """Customers per rank at the end of each month.

    Closed months come from ``crm.rank.snapshot.month`` (stored, a few rows per
    month); the current month is counted live from the customers' ranks, so
    the report reads the same number of rows whatever the length of the history.
    """

    _name = "crm.rank.snapshot"
    _description = "Customers per Rank by Month"
    _auto = False
    _order = "month desc"

    month = fields.Date(readonly=True)
    crm_rank = fields.Selection(CRM_RANKS, string="Customer Rank", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    customer_count = fields.Integer(string="Customers", readonly=True, aggregator="sum")

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT ROW_NUMBER() OVER (ORDER BY month, company_id, crm_rank) AS id, *
              FROM (
                SELECT month, company_id, crm_rank, customer_count
                  FROM crm_rank_snapshot_month
                 UNION ALL
                SELECT %s::date, p.company_id, p.crm_rank, COUNT(*)
                  FROM res_partner p
                 WHERE p.id = p.commercial_partner_id AND p.crm_rank IS NOT NULL
              GROUP BY p.company_id, p.crm_rank
              ) AS counts
            """,
            # the reader's month (Odoo's today, not the database server's clock)
            fields.Date.context_today(self).replace(day=1),
        )

    def _web_read_group_groupby_formatter(self, groupby_spec, values):
        """Month and quarter labels in the reader's word order (2026年1月)."""
        formatter = super()._web_read_group_groupby_formatter(groupby_spec, values)
        return localized_period_formatter(self, groupby_spec, formatter)
