"""Manager answers: inquiries, contracts, conversion rate, lost reasons, ranks over time."""

import datetime

from lxml import etree

from odoo.tests import tagged

from .common import CrmRankCase


@tagged("post_install", "-at_install")
class TestRankReports(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_salesman = cls.env["res.users"].create(
            {
                "name": "Second Salesman",
                "login": "rank_salesman_2",
                "group_ids": [(6, 0, cls.env.ref("sales_team.group_sale_salesman").ids)],
            }
        )
        cls.won_a = cls._won(cls._customer("Signed A"), expected_revenue=2_000_000)
        cls.won_b = cls._won(cls._customer("Signed B"), expected_revenue=1_000_000)
        cls.lost_a = cls._lost(cls._customer("Lost A"))
        cls.open_a = cls._deal(cls._customer("Open A"), user_id=cls.other_salesman.id)
        cls.deals = cls.won_a | cls.won_b | cls.lost_a | cls.open_a

    def _report(self, groupby, aggregates, domain=()):
        return self.env["crm.rank.report"]._read_group(
            [("lead_id", "in", self.deals.ids), *domain], groupby, aggregates
        )

    def test_inquiries_contracts_conversion_by_salesperson(self):
        rows = {
            user: (inquiries, contracts, rate, amount)
            for user, inquiries, contracts, rate, amount in self._report(
                ["user_id"],
                ["inquiry_count:sum", "won_count:sum", "conversion_rate:avg", "won_amount:sum"],
            )
        }
        self.assertEqual(rows[self.salesman], (3, 2, 200 / 3, 3_000_000))
        self.assertEqual(rows[self.other_salesman], (1, 0, 0.0, 0.0))

    def test_lost_by_reason_and_click_through(self):
        rows = self._report(["lost_reason_id"], ["lost_count:sum"], [("won_status", "=", "lost")])
        self.assertEqual(rows, [(self.lost_reason, 1)])
        line = self.env["crm.rank.report"].search([("lead_id", "=", self.lost_a.id)])
        action = line.action_open_lead()
        self.assertEqual((action["res_model"], action["res_id"]), ("crm.lead", self.lost_a.id))

    def test_rank_of_customer_in_report(self):
        rows = dict(self._report(["crm_rank"], ["__count"]))
        self.assertEqual(rows, {"contracted": 2, "lost": 1, "prospect": 1})

    def test_customers_per_rank_by_month(self):
        customer = self._customer("Monthly")
        start = datetime.datetime(2026, 1, 15, 10)
        with self._frozen(start):
            deal = self._deal(customer)
        with self._frozen(start + datetime.timedelta(days=40)):
            deal.action_set_won()
        snapshot = self.env["crm.rank.snapshot"]

        def counts():
            groups = snapshot._read_group([], ["month:month", "crm_rank"], ["customer_count:sum"])
            return {(month, rank): count for month, rank, count in groups}

        self.env["crm.rank.snapshot.month"]._rebuild()
        after = counts()
        jan, feb = datetime.date(2026, 1, 1), datetime.date(2026, 2, 1)
        self.assertEqual(after[(jan, "prospect")], 1)
        self.assertEqual(after[(feb, "contracted")], 1)
        self.assertNotIn((feb, "prospect"), after)
        # the current month is counted live from the ranks of today
        current = datetime.date.today().replace(day=1)
        partners = self.env["res.partner"].with_context(active_test=False).search([("crm_rank", "!=", False)])
        customers = partners.filtered(lambda p: p.commercial_partner_id == p)
        self.assertEqual(sum(count for (month, _rank), count in after.items() if month == current), len(customers))

    def test_closed_months_are_stored_once(self):
        """Opening the report does not replay the history: closed months are stored,
        and the daily update only adds the months that closed since."""
        Month = self.env["crm.rank.snapshot.month"]
        Month._rebuild()
        stored = Month.search_count([])
        Month._cron_close_months()
        self.assertEqual(Month.search_count([]), stored)
        last = Month.search([], order="month desc", limit=1)
        if last:
            Month.search([("month", "=", last.month)]).unlink()
            Month._cron_close_months()
            self.assertEqual(Month.search_count([]), stored)

    def test_inquiries_pivot_opens_readable(self):
        """One column group a year (months on demand), not eleven months by three measures."""
        arch = etree.fromstring(self.env["crm.rank.report"].get_view(view_type="pivot")["arch"])
        columns = arch.xpath("//field[@type='col']")
        self.assertEqual([(col.get("name"), col.get("interval")) for col in columns], [("date", "year")])
        action = self.env.ref("crm_customer_rank.crm_rank_report_action")
        self.assertEqual(action.view_mode.split(",")[0], "pivot")

    def test_lost_filter_says_lost(self):
        arch = etree.fromstring(self.env["crm.rank.report"].get_view(view_type="search")["arch"])
        [lost] = arch.xpath("//filter[@name='lost']")
        self.assertEqual(lost.get("string"), "Lost Deals")
        self.env["res.lang"]._activate_lang("ja_JP")
        self.env["ir.module.module"]._load_module_terms(["crm_customer_rank"], ["ja_JP"], overwrite=True)
        arch_ja = etree.fromstring(
            self.env["crm.rank.report"].with_context(lang="ja_JP").get_view(view_type="search")["arch"]
        )
        self.assertEqual(arch_ja.xpath("//filter[@name='lost']")[0].get("string"), "失注")

    def test_widgets_match_field_types(self):
        """The deal form uses no integer widget on a float (a console warning)."""
        Lead = self.env["crm.lead"]
        arch = etree.fromstring(Lead.get_view(view_type="form")["arch"])
        for node in arch.xpath("//field[@widget='integer']"):
            self.assertEqual(Lead._fields[node.get("name")].type, "integer", node.get("name"))
        [progress] = arch.xpath("//button[@name='action_open_construction_project']//field")
        self.assertEqual(progress.get("widget"), "float")
