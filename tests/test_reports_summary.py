"""Inquiries and Contracts from its summary: the same figures as the deals' rows (#30).

The pivot and graph read ``crm.rank.report.summary`` (counted by the daily job,
the deals changed since added live) when they group and filter by its
dimensions; every figure must equal the per-deal report's, after the deals were
created, won, lost, reassigned or deleted since the summary was counted.
"""

import datetime

from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import CrmRankCase

DIMENSIONS = [
    "user_id",
    "team_id",
    "source_id",
    "company_id",
    "lost_reason_id",
    "lost_reason_category",
    "won_status",
    "date:month",
    "date:quarter",
    "date:year",
    "date_closed:month",
    "date_closed:quarter",
    "date_closed:year",
]
AGGREGATES = [
    "inquiry_count:sum",
    "won_count:sum",
    "lost_count:sum",
    "won_amount:sum",
    "lost_amount:sum",
    "conversion_rate:avg",
    # what the web client adds for a monetary measure (pivot_model.js)
    "currency_id:array_agg_distinct",
    "won_amount:sum_currency",
    "lost_amount:sum_currency",
    "__count",
]
# the pivot's groupings (pivot_model.js: every prefix of the rows with every prefix of the columns)
PIVOTS = [
    [["user_id", "lost_reason_category"], ["user_id"], ["lost_reason_category"], []],
    [["date:month"], []],
    [["user_id", "date:year"], ["user_id"], ["date:year"], []],
    [["date:month", "won_status"], ["date:month"], ["won_status"], []],
    *([[dimension], []] for dimension in DIMENSIONS),
]


class ReportSummaryCase(CrmRankCase):
    """Inquiries over two years, a few a month, in every state."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_salesman = cls.env["res.users"].create(
            {
                "name": "Summary Salesman",
                "login": "rank_summary_salesman",
                "group_ids": [(6, 0, cls.env.ref("sales_team.group_sale_salesman").ids)],
            }
        )
        cls.web = cls.env["utm.source"].create({"name": "Summary web form"})
        cls.deals = cls.env["crm.lead"]
        # inquiries over two years, a few a month, in every state
        for months_ago in (1, 2, 7, 13, 14, 20):
            moment = datetime.datetime(2026, 6, 10, 3) - datetime.timedelta(days=30 * months_ago)
            with cls._class_frozen(moment):
                customer = cls._customer(f"Summary customer {months_ago}")
                cls.deals |= cls._won(customer, expected_revenue=1_000_000 + months_ago)
                cls.deals |= cls._lost(customer, source_id=cls.web.id)
                cls.deals |= cls._deal(customer, user_id=cls.other_salesman.id)
                cls.deals |= cls._lost(customer, reason=cls.complaint_reason, user_id=cls.other_salesman.id)
        cls.env.flush_all()

    @classmethod
    def _class_frozen(cls, moment):
        from freezegun import freeze_time  # noqa: PLC0415

        return freeze_time(moment)

    def _report(self, **context):
        return self.env["crm.rank.report"].with_context(**context)

    def _rebuild(self):
        self.env["crm.rank.report.summary"]._rebuild()
        self.env.flush_all()

    def _year(self, year, fname="date"):
        """The search view's *Inquiry Date: year* (the reader's year, in UTC)."""
        import pytz  # noqa: PLC0415

        tz = pytz.timezone(self.env.context["tz"])
        start = tz.localize(datetime.datetime(year, 1, 1)).astimezone(pytz.utc).replace(tzinfo=None)
        end = tz.localize(datetime.datetime(year + 1, 1, 1)).astimezone(pytz.utc).replace(tzinfo=None)
        end -= datetime.timedelta(seconds=1)
        return ["&", (fname, ">=", str(start)), (fname, "<=", str(end))]

    def _rounded(self, grouping_sets):
        return [
            sorted(
                (tuple(round(value, 6) if isinstance(value, float) else value for value in row) for row in rows),
                key=repr,
            )
            for rows in grouping_sets
        ]


@tagged("post_install", "-at_install")
class TestReportSummary(ReportSummaryCase):
    def assertSummaryMatchesDeals(self, domains=((),), user=None):
        """Every pivot and ``_read_group`` the summary serves gives the per-deal figures."""
        report = self._report() if user is None else self._report().with_user(user)
        for domain in domains:
            for grouping_sets in PIVOTS:
                with self.subTest(domain=domain, grouping_sets=grouping_sets):
                    groupbys = {groupby for grouping_set in grouping_sets for groupby in grouping_set}
                    self.assertTrue(report._summary_serves(list(domain), groupbys, AGGREGATES))
                    from_summary = report._read_grouping_sets(list(domain), grouping_sets, AGGREGATES)
                    from_deals = report.with_context(crm_rank_report_per_deal=True)._read_grouping_sets(
                        list(domain), grouping_sets, AGGREGATES
                    )
                    self.assertEqual(self._rounded(from_summary), self._rounded(from_deals))
                    self.assertTrue(from_deals[-1], "the total counts deals")
                    one = report._read_group(list(domain), grouping_sets[0], AGGREGATES)
                    one_deals = report.with_context(crm_rank_report_per_deal=True)._read_group(
                        list(domain), grouping_sets[0], AGGREGATES
                    )
                    self.assertEqual(self._rounded([one]), self._rounded([one_deals]))

    def test_summary_equals_the_deals_after_todays_changes(self):
        self._rebuild()
        summary = self.env["crm.rank.report.summary"]
        self.assertFalse(summary.search_count([("lead_id", "!=", False)]))
        domains = [
            (),
            self._year(2025),
            self._year(2026),
            [("won_status", "=", "won")],
            [("user_id", "=", self.salesman.id)],
        ]
        self.assertSummaryMatchesDeals(domains)

        # today: a new inquiry, an old one won, one lost, one reassigned, one deleted,
        # one reopened, a lost reason given another category
        open_deals = self.deals.filtered(lambda deal: deal.won_status == "pending")
        lost_deals = self.deals.filtered(lambda deal: deal.won_status == "lost")
        self._deal(self._customer("Summary newcomer"), source_id=self.web.id)
        open_deals[0].action_set_won()
        open_deals[1].action_set_lost(lost_reason_id=self.lost_reason.id)
        open_deals[2].user_id = self.salesman
        open_deals[2].user_id = self.other_salesman  # changed twice: counted once
        open_deals[3].write({"user_id": self.salesman.id, "expected_revenue": 5})
        lost_deals[0].action_unarchive()
        self.deals.filtered(lambda deal: deal.won_status == "won")[-1].unlink()
        self.lost_reason.category = "competitor"
        self.env.flush_all()
        self.assertTrue(summary.search_count([("lead_id", "!=", False)]))
        self.assertSummaryMatchesDeals(domains)

        # the daily job counts again: the same figures, nothing kept per deal
        summary._cron_rebuild()
        self.env.flush_all()
        self.assertFalse(summary.search_count([("lead_id", "!=", False)]))
        self.assertSummaryMatchesDeals(domains)

    def test_salesperson_sees_own_deals_from_the_summary(self):
        """The record rule of a salesperson (own deals) filters the summary's rows too."""
        self._rebuild()
        self.deals.filtered(lambda deal: deal.user_id == self.other_salesman)[:2].user_id = self.salesman
        self.assertSummaryMatchesDeals([(), self._year(2026)], user=self.salesman)

    def test_a_reassigned_salesperson_leaves_no_empty_group(self):
        """The summary still counts the old salesperson's deals, the kept rows take
        them away: no group of zero deals where the deals' rows have none."""
        self._rebuild()
        theirs = self.env["crm.lead"].with_context(active_test=False).search([("user_id", "=", self.other_salesman.id)])
        self.assertTrue(theirs)
        theirs.user_id = self.salesman
        self.env.flush_all()
        report = self._report()
        per_deal = report.with_context(crm_rank_report_per_deal=True)
        self.assertNotIn(self.other_salesman, [user for (user,) in per_deal._read_group([], ["user_id"])])
        self.assertNotIn(
            self.other_salesman, [user for (user, _count) in report._read_group([], ["user_id"], ["__count"])]
        )
        self.assertSummaryMatchesDeals()

    def test_last_second_of_a_month(self):
        """A period ends at 23:59:59 and counts the whole of its last second (Odoo
        compares datetimes to the second): in the deals' rows and in the summary's."""
        with self._frozen(datetime.datetime(2025, 12, 31, 23, 59, 59, 500000)):
            late = self._deal(self._customer("Summary late"))
        with self._frozen(datetime.datetime(2025, 12, 31, 23, 59, 59)):
            on_time = self._deal(self._customer("Summary on time"))
        self.env.flush_all()
        self.env.cr.execute("SELECT create_date FROM crm_lead WHERE id = %s", [late.id])
        self.assertEqual(self.env.cr.fetchone()[0].microsecond, 500000)
        report = self._report(tz="UTC")
        self.env["crm.rank.report.summary"].with_context(tz="UTC")._rebuild()
        year = ["&", ("date", ">=", "2025-01-01 00:00:00"), ("date", "<=", "2025-12-31 23:59:59")]
        self.assertTrue(report._summary_serves(year, ["user_id"], ["__count"]))
        per_deal = report.with_context(crm_rank_report_per_deal=True)
        [(count,)] = report._read_group(year, [], ["__count"])
        [(deals,)] = per_deal._read_group(year, [], ["__count"])
        self.assertEqual(count, deals)
        self.assertEqual(per_deal.search_count([*year, ("lead_id", "in", (late | on_time).ids)]), 2)
        self.assertEqual(report._read_group(year, [], ["__count"]), [(deals,)])

    def test_what_the_summary_does_not_answer(self):
        """Groupings and filters finer than the summary are answered from the deals."""
        self._rebuild()
        report = self._report()
        serves = report._summary_serves
        self.assertTrue(serves([], ["user_id", "lost_reason_category"], ["__count"]))
        self.assertFalse(serves([], ["partner_id"], ["__count"]))
        self.assertFalse(serves([], ["crm_rank"], ["__count"]))
        self.assertFalse(serves([], ["date:day"], ["__count"]))
        self.assertFalse(serves([], ["user_id"], ["won_amount:max"]))
        self.assertFalse(serves([("lead_id", "=", self.deals[0].id)], ["user_id"], ["__count"]))
        self.assertFalse(serves([("date", ">=", "2026-03-15 00:00:00")], ["user_id"], ["__count"]))
        other_tz = "Asia/Tokyo" if self.env.context["tz"] != "Asia/Tokyo" else "Europe/Brussels"
        self.assertFalse(report.with_context(tz=other_tz)._summary_serves([], ["date:month"], ["__count"]))
        self.assertTrue(report.with_context(tz=other_tz)._summary_serves([], ["user_id"], ["__count"]))
        # a day's inquiries, a customer's: the deals' rows
        rows = report._read_group([("partner_id", "=", self.deals[0].partner_id.id)], ["user_id"], ["__count"])
        self.assertEqual(
            sum(count for _user, count in rows),
            len(self.deals.filtered(lambda d: d.partner_id == self.deals[0].partner_id)),
        )

    def test_daily_job(self):
        cron = self.env.ref("crm_customer_rank.ir_cron_crm_rank_report_summary")
        self.assertEqual(cron.code.strip(), "model._cron_rebuild()")
        self.env["crm.rank.report.summary"]._cron_rebuild()
        watermark, tz = self.env["crm.rank.report.summary"]._built()
        self.assertEqual(watermark, max(self.env["crm.lead"].with_context(active_test=False).search([]).ids))
        self.assertEqual(tz, self.company._crm_day_tz())


# Lost Analysis (crm.lead, lost deals): its pivot as it opens (lost category x reason
# rows, closed quarter columns), its graph (lost category x salesperson), other groupings
LOST_PIVOTS = [
    [
        [],
        ["date_closed:quarter"],
        ["lost_reason_category"],
        ["lost_reason_category", "date_closed:quarter"],
        ["lost_reason_category", "lost_reason_id"],
        ["lost_reason_category", "lost_reason_id", "date_closed:quarter"],
    ],
    [["lost_reason_category", "user_id"], ["lost_reason_category"], []],
    *(
        [[groupby], []]
        for groupby in ("user_id", "team_id", "date_closed:month", "date_closed:year", "create_date:month")
    ),
]
# what the web client asks for the pivot's measure (expected revenue: a monetary field)
LOST_AGGREGATES = [
    "expected_revenue:sum",
    "company_currency:array_agg_distinct",
    "expected_revenue:sum_currency",
    "__count",
]


@tagged("post_install", "-at_install")
class TestLostAnalysisSummary(ReportSummaryCase):
    """*Lost Analysis* (crm.lead in its action's context) grouped from the summary:
    the same figures as the lost deals' own (#30)."""

    def _leads(self, user=None):
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_customer_rank.crm_lead_lost_analysis_action")
        leads = self.env["crm.lead"].with_context(**safe_eval(action["context"]))
        return (leads if user is None else leads.with_user(user)), safe_eval(action["domain"])

    def assertLostAnalysisMatchesDeals(self, domains=((),), user=None):
        """Every grouping of Lost Analysis comes from the summary with the deals' figures."""
        leads, action_domain = self._leads(user)
        per_deal = leads.with_context(crm_rank_lost_analysis=False)
        report = self.env["crm.rank.report"].with_user(leads.env.user)
        for domain in domains:
            domain = [*action_domain, *domain]
            for grouping_sets in LOST_PIVOTS:
                with self.subTest(domain=domain, grouping_sets=grouping_sets):
                    self.assertIsNotNone(report._lost_deals_read(leads, domain, grouping_sets, LOST_AGGREGATES))
                    from_summary = leads._read_grouping_sets(domain, grouping_sets, LOST_AGGREGATES)
                    from_deals = per_deal._read_grouping_sets(domain, grouping_sets, LOST_AGGREGATES)
                    self.assertEqual(self._rounded(from_summary), self._rounded(from_deals))
                    self.assertTrue(from_deals[0][0][-1], "lost deals counted")
                    one = leads._read_group(domain, grouping_sets[0], LOST_AGGREGATES)
                    self.assertEqual(
                        self._rounded([one]),
                        self._rounded([per_deal._read_group(domain, grouping_sets[0], LOST_AGGREGATES)]),
                    )
            # as the web client reads them: labels, order, figures
            self.assertEqual(
                leads.formatted_read_grouping_sets(domain, LOST_PIVOTS[0], LOST_AGGREGATES),
                per_deal.formatted_read_grouping_sets(domain, LOST_PIVOTS[0], LOST_AGGREGATES),
            )
            self.assertEqual(
                leads.formatted_read_group(domain, ["lost_reason_category", "user_id"], ["__count"]),
                per_deal.formatted_read_group(domain, ["lost_reason_category", "user_id"], ["__count"]),
            )

    def test_lost_analysis_equals_the_deals_after_todays_changes(self):
        self._rebuild()
        domains = [
            (),
            self._year(2025, "date_closed"),
            self._year(2026, "date_closed"),
            [("user_id", "=", self.salesman.id)],
            [("lost_reason_id", "=", self.complaint_reason.id)],
        ]
        self.assertLostAnalysisMatchesDeals(domains)

        # today: an old inquiry lost (closed this month, asked months ago), a lost deal
        # reopened, one deleted, one given another reason, a lost reason another category
        open_deals = self.deals.filtered(lambda deal: deal.won_status == "pending")
        lost_deals = self.deals.filtered(lambda deal: deal.won_status == "lost")
        open_deals[-1].action_set_lost(lost_reason_id=self.complaint_reason.id)
        lost_deals[0].action_unarchive()
        lost_deals[1].unlink()
        lost_deals[2].lost_reason_id = self.complaint_reason
        lost_deals[3].write({"user_id": self.other_salesman.id, "expected_revenue": 7})
        self._lost(self._customer("Lost today"), expected_revenue=3)
        self.lost_reason.category = "competitor"
        self.env.flush_all()
        self.assertEqual(open_deals[-1].won_status, "lost")
        self.assertEqual(lost_deals[0].won_status, "pending")
        self.assertLostAnalysisMatchesDeals(domains)

        # the daily job counts again: the same figures
        self.env["crm.rank.report.summary"]._cron_rebuild()
        self.env.flush_all()
        self.assertLostAnalysisMatchesDeals(domains)

    def test_lost_analysis_salesperson_sees_own_deals(self):
        """The deals' record rule of a salesperson (own deals) filters the summary's rows."""
        self._rebuild()
        self.deals.filtered(lambda deal: deal.user_id == self.other_salesman)[:2].user_id = self.salesman
        self.assertLostAnalysisMatchesDeals([(), self._year(2026, "date_closed")], user=self.salesman)

    def test_lost_analysis_not_from_the_summary(self):
        """What the summary does not keep is read from the deals, as before."""
        self._rebuild()
        leads, domain = self._leads()
        report = self.env["crm.rank.report"]
        sets = LOST_PIVOTS[0]
        self.assertIsNotNone(report._lost_deals_read(leads, domain, sets, LOST_AGGREGATES))
        for other_leads, other_domain, other_sets, aggregates in (
            (leads, [*domain, ("partner_id", "=", self.deals[0].partner_id.id)], sets, LOST_AGGREGATES),
            (leads.with_context(active_test=True), domain, sets, LOST_AGGREGATES),
            (leads, [], sets, LOST_AGGREGATES),
            (leads, [("won_status", "!=", "won")], sets, LOST_AGGREGATES),
            (leads, domain, [["stage_id"], []], LOST_AGGREGATES),
            (leads, domain, [["date_closed:day"], []], LOST_AGGREGATES),
            (leads, domain, sets, ["prorated_revenue:sum", "__count"]),
            (leads, [*domain, ("date_closed", ">=", "2026-03-15 00:00:00")], sets, LOST_AGGREGATES),
        ):
            with self.subTest(domain=other_domain, sets=other_sets, aggregates=aggregates):
                self.assertIsNone(report._lost_deals_read(other_leads, other_domain, other_sets, aggregates))
                # the deals answer: the figures of the lost deals as before
                self.assertEqual(
                    other_leads._read_grouping_sets(other_domain, other_sets, aggregates),
                    other_leads.with_context(crm_rank_lost_analysis=False)._read_grouping_sets(
                        other_domain, other_sets, aggregates
                    ),
                )
        # a customer's lost deals: the deals' rows
        partner = self.deals[0].partner_id
        [(count,)] = leads._read_group([*domain, ("partner_id", "=", partner.id)], [], ["__count"])
        self.assertEqual(count, len(self.deals.filtered(lambda d: d.partner_id == partner and d.won_status == "lost")))
