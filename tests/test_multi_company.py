"""Thresholds, history and ranks stay within their company."""

import datetime

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import CrmRankCase


@tagged("post_install", "-at_install")
class TestRankMultiCompany(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create(
            {"name": "Reform B", "crm_rank_dormancy_days": 30}
        )
        cls.user_a = new_test_user(
            cls.env,
            login="rank_user_a",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
        cls.customer_a = cls._customer("Customer of A", company_id=cls.company.id)
        cls.customer_b = cls._customer("Customer of B", company_id=cls.company_b.id)
        cls._won(cls.customer_a, completion=0)
        cls._won(
            cls.customer_b, completion=0, company_id=cls.company_b.id, team_id=False, user_id=False
        )

    def test_dormancy_period_of_the_customers_company(self):
        moment = datetime.datetime.combine(self.today, datetime.time(12))
        with self._frozen(moment + datetime.timedelta(days=40)):
            self._update_all()
        self.assertRank(self.customer_b, "dormant")
        self.assertRank(self.customer_a, "contracted")

    def test_user_of_a_sees_nothing_of_b(self):
        History = self.env["crm.rank.history"].with_user(self.user_a)
        visible = History.search([("partner_id", "in", (self.customer_a | self.customer_b).ids)])
        self.assertEqual(visible.partner_id, self.customer_a)
        history_b = self._history(self.customer_b)
        self.assertTrue(history_b)
        with self.assertRaises(AccessError):
            history_b.with_user(self.user_a).read(["new_rank"])
        with self.assertRaises(AccessError):
            self.customer_b.with_user(self.user_a).read(["crm_rank"])
        report = self.env["crm.rank.report"].with_user(self.user_a)
        self.assertFalse(report.search([("partner_id", "=", self.customer_b.id)]))
        snapshot = self.env["crm.rank.snapshot"].with_user(self.user_a)
        self.assertFalse(snapshot.search([("company_id", "=", self.company_b.id)]))
        self.assertTrue(self.env["crm.rank.snapshot"].search([("company_id", "=", self.company_b.id)]))
