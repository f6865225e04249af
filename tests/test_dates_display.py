"""Dates as a Japanese reader expects them (issue 18.5)."""

import datetime

import pytz

from odoo.tests import tagged
from odoo.tools import SQL

from .common import CrmRankCase


@tagged("post_install", "-at_install")
class TestDatesDisplay(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("ja_JP")
        cls.customer = cls._customer("Date Customer")
        cls.deal = cls._deal(cls.customer, name="Date deal")
        cls.env.flush_all()
        cls.env.cr.execute("UPDATE crm_lead SET create_date = '2026-01-15 03:00:00' WHERE id = %s", (cls.deal.id,))
        cls.env.invalidate_all()

    def _labels(self, lang, groupby):
        Lead = self.env["crm.lead"].with_context(lang=lang, tz="Asia/Tokyo")
        groups = Lead.formatted_read_group([("id", "=", self.deal.id)], [groupby], ["__count"])
        return [group[groupby][1] for group in groups]

    def test_month_and_quarter_labels_in_japanese_order(self):
        self.assertEqual(self._labels("ja_JP", "create_date:month"), ["2026年1月"])
        self.assertEqual(self._labels("ja_JP", "create_date:quarter"), ["2026/Q1"])
        self.assertEqual(self._labels("ja_JP", "create_date:day"), ["2026年1月15日"])

    def test_english_labels_unchanged(self):
        self.assertEqual(self._labels("en_US", "create_date:month"), ["January 2026"])
        self.assertEqual(self._labels("en_US", "create_date:quarter"), ["Q1 2026"])

    def test_label_groups_still_filter_their_period(self):
        Lead = self.env["crm.lead"].with_context(lang="ja_JP", tz="Asia/Tokyo")
        (group,) = Lead.formatted_read_group([("id", "=", self.deal.id)], ["create_date:month"], ["__count"])
        self.assertEqual(Lead.search(group["__extra_domain"]) & self.deal, self.deal)

    def test_demo_inquiries_come_in_at_varied_office_hours(self):
        deals = self.deal | self._deal(self.customer, name="Second") | self._deal(self.customer, name="Third")
        won = self._deal(self.customer, name="Signed one")
        won.action_set_won()
        deals |= won
        self._flush()
        self.env.execute_query(
            SQL(
                "UPDATE crm_lead SET create_date = '2026-01-15 03:00:00', date_open = '2026-01-15 03:00:00'"
                " WHERE id = ANY(%s)",
                deals.ids,
            )
        )
        self.env.invalidate_all()
        self.company.partner_id.tz = "Asia/Tokyo"
        self.env["crm.rank.demo"]._vary_lead_times(deals.ids)
        tokyo = pytz.timezone("Asia/Tokyo")
        local = {deal: pytz.utc.localize(deal.create_date).astimezone(tokyo) for deal in deals}
        self.assertEqual(len({value.time() for value in local.values()}), len(deals), "every inquiry at its own time")
        now = datetime.datetime.now()
        for deal, value in local.items():
            self.assertEqual(value.date(), datetime.date(2026, 1, 15), "the day is kept")
            self.assertTrue(9 <= value.hour < 18, value)
            self.assertGreaterEqual(deal.date_open, deal.create_date)
        self.assertLessEqual(won.date_closed, now)


@tagged("post_install", "-at_install")
class TestPipelineByRankView(CrmRankCase):
    def test_rank_kanban_counts_and_no_repeated_badge(self):
        view = self.env.ref("crm_customer_rank.crm_lead_view_kanban_rank")
        arch = self.env["crm.lead"].get_view(view.id, "kanban")["arch"]
        self.assertIn("o_crm_rank_kanban", arch)
        self.assertNotIn("sum_field", arch, "the header shows the count, not a money total")
        self.assertRegex(arch, r'<field name="crm_rank" widget="crm_rank_badge"[^>]*invisible="True"')
        ordinary = self.env["crm.lead"].get_view(self.env.ref("crm.crm_case_kanban_view_leads").id, "kanban")["arch"]
        self.assertIn("sum_field", ordinary)
        self.assertNotRegex(ordinary, r'<field name="crm_rank" widget="crm_rank_badge"[^>]*invisible')
