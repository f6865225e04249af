from odoo import api, fields, models
from odoo.tools import SQL

from ..models.crm_lost_reason import LOST_CATEGORIES

# ir.config_parameter keys: the last deal the summary counts and the time zone of its months
WATERMARK_PARAM = "crm_customer_rank.report_summary_lead_id"
TZ_PARAM = "crm_customer_rank.report_summary_tz"

# the summary's months: the inquiry date (``date``, crm.lead's ``create_date``) and the
# closed date (``date_closed``, as Lost Analysis groups the lost deals)
PERIODS = ("date", "date_closed")
# the summary's dimensions: columns of the summary, of the report and of crm.lead alike
DIMENSIONS = (
    "user_id",
    "team_id",
    "source_id",
    "medium_id",
    "campaign_id",
    "company_id",
    "lost_reason_id",
    "lost_reason_category",
    "won_status",
)
MEASURES = ("inquiry_count", "won_count", "lost_count", "won_amount", "lost_amount")


class CrmRankReportSummary(models.Model):
    """The deals counted by month (inquiry and closed) and dimension, kept for the pivot and
    graph of *Inquiries and Contracts* and *Lost Analysis*.

    The daily job rebuilds it from every deal (``_rebuild``). The deals changed since
    keep here, once each, the row they were counted with, negated (``lead_id`` set, on
    their first ``write`` or ``unlink`` after the rebuild); the report adds their current
    rows and those of the deals created since (``_current_rows``). A closed month is
    not final (a deal created years ago can be lost today): the figures stay those of
    the deals as they are now, as the per-deal rows of the list show them.
    """

    _name = "crm.rank.report.summary"
    _description = "Inquiries and Contracts by Month"
    _log_access = False
    _order = "date desc"

    # the start of the month in the time zone of the summary (TZ_PARAM), in UTC
    date = fields.Datetime(string="Inquiry Month", readonly=True)
    date_closed = fields.Datetime(string="Closed Month", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    source_id = fields.Many2one("utm.source", readonly=True)
    medium_id = fields.Many2one("utm.medium", readonly=True)
    campaign_id = fields.Many2one("utm.campaign", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    lost_reason_id = fields.Many2one("crm.lost.reason", readonly=True)
    lost_reason_category = fields.Selection(LOST_CATEGORIES, string="Lost Category", readonly=True)
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
    currency_id = fields.Many2one(related="company_id.currency_id")
    # not a link: the row of a deleted deal stays until the next rebuild
    lead_id = fields.Integer(string="Deal Changed Since the Count", readonly=True, index="btree_not_null")

    _lead_changed_once = models.UniqueIndex("(lead_id) WHERE lead_id IS NOT NULL")

    # ------------------------------------------------------------------
    # The daily job
    # ------------------------------------------------------------------

    @api.model
    def _cron_rebuild(self):
        """The scheduled action: the summary counted again, months in the company's day."""
        return self.with_context(tz=self.env.company._crm_day_tz())._rebuild()

    @api.model
    def _rebuild(self):
        """Count every deal again, by month (in the context's time zone) and dimension."""
        tz = self.env.context.get("tz") or "UTC"
        self.env.flush_all()
        self.env.execute_query(SQL("DELETE FROM crm_rank_report_summary"))
        [(watermark,)] = self.env.execute_query(SQL("SELECT COALESCE(MAX(id), 0) FROM crm_lead"))
        dimensions = SQL(", ").join(SQL.identifier(name) for name in (*PERIODS, *DIMENSIONS))
        self.env.execute_query(
            SQL(
                """
                INSERT INTO crm_rank_report_summary (%(dimensions)s, %(measures)s)
                SELECT %(dimensions)s, %(sums)s
                  FROM (%(rows)s) AS deals
              GROUP BY %(dimensions)s
                """,
                dimensions=dimensions,
                measures=SQL(", ").join(SQL.identifier(name) for name in MEASURES),
                sums=SQL(", ").join(SQL("SUM(%s)", SQL.identifier(name)) for name in MEASURES),
                rows=self._deal_rows(tz, SQL("l.id <= %s", watermark)),
            )
        )
        # the summary's bookkeeping, read by any user who writes a deal (sudo: system parameters)
        params_sudo = self.env["ir.config_parameter"].sudo()
        params_sudo.set_param(WATERMARK_PARAM, str(watermark))
        params_sudo.set_param(TZ_PARAM, tz)
        self.env.invalidate_all()

    # ------------------------------------------------------------------
    # The deals changed since the rebuild
    # ------------------------------------------------------------------

    @api.model
    def _built(self):
        """``(last deal counted, time zone of the months)``, or ``(None, None)`` before the
        first rebuild (cached: no query on each deal's write)."""
        # system parameters, read for whoever writes a deal or opens the report
        params_sudo = self.env["ir.config_parameter"].sudo()
        watermark = params_sudo.get_param(WATERMARK_PARAM)
        if not watermark:
            return None, None
        return int(watermark), params_sudo.get_param(TZ_PARAM) or "UTC"

    @api.model
    def _keep_counted(self, leads):
        """Before ``leads`` change or go: keep the row each was counted with, negated
        (the first time only: later changes start from a row that was not counted)."""
        watermark, tz = self._built()
        ids = [lead_id for lead_id in leads._ids if isinstance(lead_id, int) and lead_id <= (watermark or 0)]
        if not ids:
            return
        negated = SQL(", ").join(
            [
                *(SQL.identifier(name) for name in (*PERIODS, *DIMENSIONS)),
                *(SQL("-%s", SQL.identifier(name)) for name in MEASURES),
                SQL.identifier("lead_id"),
            ]
        )
        # no flush: the rows these deals were counted with are in the table, and a change
        # of theirs pending in this transaction came through a write that kept them first
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_rank_report_summary (%(columns)s, lead_id)
                SELECT %(negated)s FROM (%(rows)s) AS deals
                ON CONFLICT (lead_id) WHERE lead_id IS NOT NULL DO NOTHING
                """,
                columns=SQL(", ").join(SQL.identifier(name) for name in (*PERIODS, *DIMENSIONS, *MEASURES)),
                negated=negated,
                rows=self._deal_rows(tz, SQL("l.id = ANY(%s)", ids)),
            )
        )

    @api.model
    def _keep_counted_for_reasons(self, reasons):
        """Before lost reasons change category: their deals' counted rows (the stored
        related field follows without a write on the deals)."""
        watermark, _tz = self._built()
        if watermark is None or not reasons:
            return
        leads = self.env["crm.lead"].with_context(active_test=False).search([("lost_reason_id", "in", reasons.ids)])
        self._keep_counted(leads)

    # ------------------------------------------------------------------
    # What the report reads
    # ------------------------------------------------------------------

    @api.model
    def _deal_rows(self, tz, where):
        """One row per deal of ``where`` (SQL on ``crm_lead l``): its months (inquiry and
        closed) and dimensions and what it counts for (the per-deal report's measures)."""
        return SQL(
            """
            SELECT l.id AS lead_id,
                   timezone('UTC', timezone(%(tz)s, date_trunc('month', timezone(%(tz)s,
                       timezone('UTC', l.create_date))))) AS date,
                   timezone('UTC', timezone(%(tz)s, date_trunc('month', timezone(%(tz)s,
                       timezone('UTC', l.date_closed))))) AS date_closed,
                   l.user_id, l.team_id, l.source_id, l.medium_id, l.campaign_id, l.company_id,
                   l.lost_reason_id, l.lost_reason_category, l.won_status,
                   1 AS inquiry_count,
                   CASE WHEN l.won_status = 'won' THEN 1 ELSE 0 END AS won_count,
                   CASE WHEN l.won_status = 'lost' THEN 1 ELSE 0 END AS lost_count,
                   CASE WHEN l.won_status = 'won' THEN l.expected_revenue ELSE 0 END AS won_amount,
                   CASE WHEN l.won_status = 'lost' THEN l.expected_revenue ELSE 0 END AS lost_amount
              FROM crm_lead l
             WHERE %(where)s
            """,
            tz=tz,
            where=where,
        )

    @api.model
    def _current_rows(self):
        """The summary as of now: its rows, the changed deals' counted rows negated, and
        the current rows of the deals changed or created since the rebuild. A row's
        counts are signed: a group of rows summing to no deal has none (the report
        leaves such groups out). Not grouped here: the reader's filters reach the
        summary's table and its statistics."""
        watermark, tz = self._built()
        columns = SQL(", ").join(SQL.identifier(name) for name in (*PERIODS, *DIMENSIONS, *MEASURES))
        changed = SQL("SELECT lead_id FROM crm_rank_report_summary WHERE lead_id IS NOT NULL")
        return SQL(
            """
            SELECT %(columns)s FROM crm_rank_report_summary
         UNION ALL
            SELECT %(columns)s FROM (%(new)s) AS new_deals
         UNION ALL
            SELECT %(columns)s FROM (%(changed)s) AS changed_deals
            """,
            columns=columns,
            new=self._deal_rows(tz, SQL("l.id > %s", watermark)),
            changed=self._deal_rows(tz, SQL("l.id = ANY(ARRAY(%s))", changed)),
        )
