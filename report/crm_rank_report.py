import datetime
import re

import pytz

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.orm.domains import DomainAnd, DomainCondition
from odoo.tools import SQL

from ..lib import rules
from ..lib.period_labels import localized_period_formatter
from ..models.crm_lost_reason import LOST_CATEGORIES
from .crm_rank_report_summary import DIMENSIONS, PERIODS

# what the summary answers (crm.rank.report.summary): group-bys, measures, the
# periods of the inquiry and closed dates (a month's bounds: the search view's periods)
SUMMARY_DATE_GROUPBY = tuple(
    f"{period}{granularity}" for period in PERIODS for granularity in ("", ":month", ":quarter", ":year")
)
SUMMARY_AGGREGATES = (
    "__count",
    "inquiry_count:sum",
    "won_count:sum",
    "lost_count:sum",
    "won_amount:sum",
    "won_amount:sum_currency",
    "lost_amount:sum",
    "lost_amount:sum_currency",
    "conversion_rate:avg",
    # the pivot's and graph's currency of a monetary measure (one currency a company)
    "currency_id:array_agg_distinct",
)
# Lost Analysis (crm.lead, lost deals) answered by this report: crm.lead's columns
# the summary keeps, as the report names them, and the measures of the lost deals
LEAD_FIELDS = {**{name: name for name in DIMENSIONS}, "date_closed": "date_closed", "create_date": "date"}
LOST_LEAD_AGGREGATES = {
    "__count": "__count",
    "expected_revenue:sum": "lost_amount:sum",
    "expected_revenue:sum_currency": "lost_amount:sum_currency",
    "company_currency:array_agg_distinct": "currency_id:array_agg_distinct",
}


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
    lost_amount = fields.Monetary(readonly=True)
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
        if self.env.context.get("crm_rank_report_summary"):
            return self._summary_query()
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
                   CASE WHEN l.won_status = 'lost' THEN l.expected_revenue ELSE 0 END
                       AS lost_amount,
                   CASE WHEN l.won_status = 'won' THEN 100.0 ELSE 0.0 END AS conversion_rate,
                   COALESCE(c.currency_id, %(currency_id)s) AS currency_id
              FROM crm_lead l
         LEFT JOIN res_partner p ON p.id = l.partner_id
         LEFT JOIN res_company c ON c.id = l.company_id
            """,
            currency_id=self.env.company.currency_id.id,
        )

    def _summary_query(self):
        """The rows of the summary as of now (``crm.rank.report.summary``), in the
        report's columns: each row a month and dimensions, its measures the sums of
        its deals; what the summary does not keep is empty (read by ``_read_group``
        only, when ``_summary_serves``)."""
        return SQL(
            """
            SELECT NULL::integer AS id,
                   NULL::integer AS lead_id,
                   s.date AS date,
                   s.date_closed AS date_closed,
                   NULL::integer AS partner_id,
                   NULL::varchar AS crm_rank,
                   %(dimensions)s,
                   s.inquiry_count, s.won_count, s.lost_count, s.won_amount, s.lost_amount,
                   NULL::numeric AS conversion_rate,
                   COALESCE(c.currency_id, %(currency_id)s) AS currency_id
              FROM (%(rows)s) AS s
         LEFT JOIN res_company c ON c.id = s.company_id
            """,
            dimensions=SQL(", ").join(SQL.identifier("s", name) for name in DIMENSIONS),
            rows=self.env["crm.rank.report.summary"]._current_rows(),
            currency_id=self.env.company.currency_id.id,
        )

    @api.model
    def _summary_serves(self, domain, groupbys, aggregates):
        """Whether the summary answers this grouping exactly as the per-deal rows would:
        built, grouped and filtered by its dimensions only (the user's record rules
        included), the inquiry and closed dates by month, quarter or year in the
        summary's time zone and filtered on whole months, the measures sums (the
        conversion rate from them)."""
        watermark, tz = self.env["crm.rank.report.summary"]._built()
        if watermark is None or self.env.context.get("crm_rank_report_per_deal"):
            return False
        if any(aggregate not in SUMMARY_AGGREGATES for aggregate in aggregates):
            return False
        reader_tz = self.env.context.get("tz")
        reader_tz = reader_tz if reader_tz in pytz.all_timezones_set else "UTC"
        for groupby in groupbys:
            if groupby in SUMMARY_DATE_GROUPBY:
                if reader_tz != tz:
                    return False
            elif groupby not in DIMENSIONS:
                return False
        rules = self.env["ir.rule"]._compute_domain(self._name, "read")
        conditions = [*Domain(domain).iter_conditions(), *Domain(rules).iter_conditions()]
        return all(self._summary_filters(condition, pytz.timezone(tz)) for condition in conditions)

    @api.model
    def _summary_filters(self, condition, tz):
        """Whether the summary's rows filter on ``condition`` as the deals' rows do."""
        fname = condition.field_expr.split(".")[0]
        if fname in DIMENSIONS:
            return True
        if fname not in PERIODS or condition.field_expr != fname:
            return False
        if condition.operator not in (">=", "<", ">", "<="):
            return False
        try:
            value = fields.Datetime.to_datetime(condition.value)
        except (TypeError, ValueError):
            return False
        if not isinstance(value, datetime.datetime):
            return False
        if condition.operator in (">", "<="):
            # "until 23:59:59": Odoo compares with the next second (whole seconds)
            value = value.replace(microsecond=0) + datetime.timedelta(seconds=1)
        local = pytz.utc.localize(value).astimezone(tz)
        return (local.day, local.hour, local.minute, local.second, local.microsecond) == (1, 0, 0, 0, 0)

    @api.model
    def _read_group(self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None):
        """Answered from the summary when it serves the grouping, from the deals otherwise."""
        having_aggregates = [item[0] for item in having if isinstance(item, (list, tuple))]
        if not self._summary_serves(domain, groupby, [*aggregates, *having_aggregates]):
            return super()._read_group(domain, groupby, aggregates, having, offset, limit, order)
        # the summary's rows are signed (a deal changed since the count: its counted row
        # negated, its row as it is now added): a group summing to no deal has none
        having = [*having, ("__count", "!=", 0)]
        report = self.with_context(crm_rank_report_summary=True)
        return super(CrmRankReport, report)._read_group(domain, groupby, aggregates, having, offset, limit, order)

    @api.model
    def _read_grouping_sets(self, domain, grouping_sets, aggregates=(), order=None):
        """The pivot's groupings at once: from the summary when it serves them all."""
        groupbys = {groupby for grouping_set in grouping_sets for groupby in grouping_set}
        if not self._summary_serves(domain, groupbys, aggregates):
            return super()._read_grouping_sets(domain, grouping_sets, aggregates, order)
        # a group summing to no deal has none (see _read_group): counted, then left out
        report = self.with_context(crm_rank_report_summary=True)
        results = super(CrmRankReport, report)._read_grouping_sets(
            domain, grouping_sets, [*aggregates, "__count"], order
        )
        return [[row[:-1] for row in rows if row[-1]] for rows in results]

    def _read_group_select(self, aggregate_spec, query):
        """On the summary's rows, a row counts its deals: the count is their sum, the
        conversion rate the share of contracts in it."""
        if not self.env.context.get("crm_rank_report_summary"):
            return super()._read_group_select(aggregate_spec, query)
        if aggregate_spec == "__count":
            return SQL("SUM(%s)", self._field_to_sql(self._table, "inquiry_count", query))
        if aggregate_spec == "conversion_rate:avg":
            return SQL(
                "SUM(%s) * 100.0 / NULLIF(SUM(%s), 0)",
                self._field_to_sql(self._table, "won_count", query),
                self._field_to_sql(self._table, "inquiry_count", query),
            )
        return super()._read_group_select(aggregate_spec, query)

    # ------------------------------------------------------------------
    # Lost Analysis: crm.lead's lost deals grouped from the summary
    # ------------------------------------------------------------------

    @api.model
    def _lost_deals_read(self, leads, domain, grouping_sets, aggregates, order=None, offset=0, limit=None):
        """*Lost Analysis* (``leads``: crm.lead in its action's context) grouped from the
        summary: ``_read_grouping_sets``' answer for crm.lead, or ``None`` where the
        summary does not serve it (the caller then reads the deals). The deals' own
        record rules of the reader filter the summary's rows in place of the report's
        (which copy them)."""
        mapped = self._lost_deals_mapping(leads, domain, grouping_sets, aggregates, order)
        if mapped is None:
            return None
        report_domain, report_sets, report_aggregates, report_order = mapped
        leads.browse().check_access("read")
        # the report reads the deals' table: the changes pending in this transaction first
        self.env.flush_all()
        # sudo: the reader's rules on the deals are in the domain, the report's not added
        report_sudo = self.sudo()
        groupbys = {groupby for grouping_set in report_sets for groupby in grouping_set}
        if not report_sudo._summary_serves(report_domain, groupbys, report_aggregates):
            return None
        if len(report_sets) == 1:
            results = [
                report_sudo._read_group(
                    report_domain, report_sets[0], report_aggregates, offset=offset, limit=limit, order=report_order
                )
            ]
        else:
            results = report_sudo._read_grouping_sets(report_domain, report_sets, report_aggregates, report_order)
        return [
            [tuple(v.with_env(leads.env) if isinstance(v, models.BaseModel) else v for v in row) for row in rows]
            for rows in results
        ]

    @api.model
    def _lost_deals_mapping(self, leads, domain, grouping_sets, aggregates, order):
        """The report's ``(domain, grouping sets, aggregates, order)`` equal to crm.lead's,
        or ``None``: archived deals included (``active_test`` off: the report has them
        all), lost deals only (their expected revenue is the report's lost amount),
        the reader's rules on the deals added, every condition, group-by, measure and
        sort on a column the summary keeps."""
        if leads.env.context.get("active_test", True):
            return None
        lead_domain = Domain(domain) & self.env["ir.rule"]._compute_domain(leads._name, "read")
        parts = lead_domain.children if isinstance(lead_domain, DomainAnd) else (lead_domain,)
        if not any(self._lost_only(part) for part in parts):
            return None
        unmapped = []

        def field_spec(spec):
            fname = re.split(r"[.:]", spec, maxsplit=1)[0]
            if fname not in LEAD_FIELDS:
                unmapped.append(spec)
                return spec
            return LEAD_FIELDS[fname] + spec[len(fname) :]

        def condition(cond):
            return Domain(field_spec(cond.field_expr), cond.operator, cond.value)

        def order_term(term):
            spec, _space, direction = term.strip().partition(" ")
            spec = LOST_LEAD_AGGREGATES.get(spec) or field_spec(spec)
            return f"{spec} {direction}".strip()

        report_domain = lead_domain.map_conditions(condition)
        report_sets = [[field_spec(groupby) for groupby in grouping_set] for grouping_set in grouping_sets]
        report_order = ", ".join(order_term(term) for term in order.split(",")) if order else None
        if unmapped or any(aggregate not in LOST_LEAD_AGGREGATES for aggregate in aggregates):
            return None
        report_aggregates = [LOST_LEAD_AGGREGATES[aggregate] for aggregate in aggregates]
        return report_domain, report_sets, report_aggregates, report_order

    @api.model
    def _lost_only(self, domain):
        """Whether ``domain`` (one part of an AND) keeps the lost deals only."""
        if not isinstance(domain, DomainCondition) or domain.field_expr != "won_status":
            return False
        if domain.operator == "=":
            return domain.value == "lost"
        return domain.operator == "in" and not isinstance(domain.value, str) and set(domain.value) == {"lost"}

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
