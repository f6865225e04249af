from odoo import fields, models
from odoo.tools import SQL

from ..lib import rules
from ..lib.period_labels import localized_period_formatter
from ..models.crm_lost_reason import LOST_CATEGORIES


class CrmRankReport(models.Model):
    """One row per inquiry (crm.lead, archived and lost included).

    Answers the three first questions of a renovation company: how many asked,
    how many signed (and the conversion rate), who did not sign and why.
    """

    _name = "crm.rank.report"
    _description = "Inquiries and Contracts Analysis"
    _auto = False
    _rec_name = "lead_id"
    _order = "date desc"

    lead_id = fields.Many2one("crm.lead", string="Deal", readonly=True)
    date = fields.Datetime(string="Inquiry Date", readonly=True)
    date_closed = fields.Datetime(string="Closed Date", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    crm_rank = fields.Selection(rules.RANKS, string="Customer Rank", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    source_id = fields.Many2one("utm.source", readonly=True)
    medium_id = fields.Many2one("utm.medium", readonly=True)
    campaign_id = fields.Many2one("utm.campaign", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    lost_reason_id = fields.Many2one("crm.lost.reason", readonly=True)
    lost_reason_category = fields.Selection(
        LOST_CATEGORIES, string="Lost Category", readonly=True
    )
    won_status = fields.Selection(
        [("won", "Signed"), ("lost", "Deal Lost"), ("pending", "Open")],
        string="Signing Status",
        readonly=True,
    )
    inquiry_count = fields.Integer(string="Inquiries", readonly=True)
    won_count = fields.Integer(string="Contracts", readonly=True)
    lost_count = fields.Integer(string="Lost Deals", readonly=True)
    won_amount = fields.Monetary(string="Contract Amount", readonly=True)
    # the company's currency: yen shown as yen (no decimals) in lists, pivots and graphs
    currency_id = fields.Many2one("res.currency", readonly=True)
    conversion_rate = fields.Float(
        string="Conversion Rate (%)",
        readonly=True,
        aggregator="avg",
        help="Share of the inquiries that were signed.",
    )

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT l.id AS id,
                   l.id AS lead_id,
                   l.create_date AS date,
                   l.date_closed AS date_closed,
                   p.commercial_partner_id AS partner_id,
                   l.crm_rank AS crm_rank,
                   l.user_id AS user_id,
                   l.team_id AS team_id,
                   l.source_id AS source_id,
                   l.medium_id AS medium_id,
                   l.campaign_id AS campaign_id,
                   l.company_id AS company_id,
                   l.lost_reason_id AS lost_reason_id,
                   l.lost_reason_category AS lost_reason_category,
                   l.won_status AS won_status,
                   1 AS inquiry_count,
                   CASE WHEN l.won_status = 'won' THEN 1 ELSE 0 END AS won_count,
                   CASE WHEN l.won_status = 'lost' THEN 1 ELSE 0 END AS lost_count,
                   CASE WHEN l.won_status = 'won' THEN l.expected_revenue ELSE 0 END
                       AS won_amount,
                   CASE WHEN l.won_status = 'won' THEN 100.0 ELSE 0.0 END AS conversion_rate,
                   COALESCE(c.currency_id, %(currency_id)s) AS currency_id
              FROM crm_lead l
         LEFT JOIN res_partner p ON p.id = l.partner_id
         LEFT JOIN res_company c ON c.id = l.company_id
            """,
            currency_id=self.env.company.currency_id.id,
        )

    def action_open_lead(self):
        """Click-through from a figure to the deal behind it."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.lead",
            "res_id": self.lead_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "context": {"active_test": False},
        }

    def _web_read_group_groupby_formatter(self, groupby_spec, values):
        """Month and quarter labels in the reader's word order (2026年1月)."""
        formatter = super()._web_read_group_groupby_formatter(groupby_spec, values)
        return localized_period_formatter(self, groupby_spec, formatter)
