"""Reports follow Odoo's own-documents rules, as crm's reports do for crm.lead."""

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged, users

from .common import CrmRankCase


@tagged("post_install", "-at_install")
class TestReportAccess(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # rank_salesman (common) sees only their own documents
        cls.colleague = new_test_user(
            cls.env, login="rank_colleague", groups="sales_team.group_sale_salesman", name="Colleague"
        )
        cls.all_docs = new_test_user(
            cls.env, login="rank_all_docs", groups="sales_team.group_sale_salesman_all_leads", name="All Docs"
        )
        cls.mine_won = cls._won(cls._customer("Mine Signed"), expected_revenue=3_000_000)
        cls.mine_lost = cls._lost(cls._customer("Mine Lost"))
        cls.theirs_won = cls._won(
            cls._customer("Theirs Signed"), expected_revenue=9_000_000, user_id=cls.colleague.id
        )
        cls.theirs_lost = cls._lost(cls._customer("Theirs Lost"), user_id=cls.colleague.id)
        cls.unassigned = cls._deal(cls._customer("Nobody's"), user_id=False)
        cls.mine = cls.mine_won | cls.mine_lost
        cls.theirs = cls.theirs_won | cls.theirs_lost
        cls.deals = cls.mine | cls.theirs | cls.unassigned

    def _report_lead_ids(self):
        rows = self.env["crm.rank.report"].search_read([("lead_id", "in", self.deals.ids)], ["lead_id"])
        return {row["lead_id"][0] for row in rows}

    @users("rank_salesman")
    def test_own_documents_salesperson_sees_own_and_unassigned_deals(self):
        self.assertEqual(self._report_lead_ids(), set((self.mine | self.unassigned).ids))
        groups = self.env["crm.rank.report"].formatted_read_group(
            [("lead_id", "in", self.deals.ids)], [], ["won_amount:sum", "inquiry_count:sum"]
        )
        self.assertEqual((groups[0]["won_amount:sum"], groups[0]["inquiry_count:sum"]), (3_000_000, 3))
        by_user = self.env["crm.rank.report"].formatted_read_group(
            [("lead_id", "in", self.deals.ids)], ["user_id"], ["__count"]
        )
        self.assertNotIn(self.colleague.id, [group["user_id"] and group["user_id"][0] for group in by_user])

    @users("rank_salesman")
    def test_own_documents_salesperson_lost_analysis(self):
        """The lost analysis reads crm.lead itself: crm's own rules apply."""
        lost = self.env["crm.lead"].with_context(active_test=False).search_read(
            [("id", "in", self.deals.ids), ("won_status", "=", "lost")], ["id"]
        )
        self.assertEqual({row["id"] for row in lost}, set(self.mine_lost.ids))

    @users("rank_all_docs")
    def test_all_documents_salesperson_sees_every_deal(self):
        self.assertEqual(self._report_lead_ids(), set(self.deals.ids))

    @users("rank_manager")
    def test_manager_sees_every_deal(self):
        self.assertEqual(self._report_lead_ids(), set(self.deals.ids))

    def test_reactivation_report_rules(self):
        """Managers only (access rights); the own-documents rule is there should the
        report ever be opened to salespeople."""
        history = self.env["crm.rank.history"].sudo()
        rows = history.create(
            [
                {"partner_id": self.mine_won.partner_id.id, "old_rank": "contracted", "new_rank": "dormant",
                 "reason": "quiet", "cause": "scheduled", "salesperson_id": self.salesman.id},
                {"partner_id": self.theirs_won.partner_id.id, "old_rank": "contracted", "new_rank": "dormant",
                 "reason": "quiet", "cause": "scheduled", "salesperson_id": self.colleague.id},
            ]
        )
        report = self.env["crm.rank.reactivation.report"]
        domain = [("id", "in", rows.ids)]
        with self.assertRaises(AccessError):
            report.with_user(self.salesman).search_read(domain, ["id"])
        self.assertEqual(len(report.with_user(self.sales_manager).search_read(domain, ["id"])), 2)
        # the rules themselves, evaluated for an own-documents salesperson
        rule_domain = self.env["ir.rule"].with_user(self.salesman)._compute_domain(report._name, "read")
        self.assertEqual(report.search(domain + list(rule_domain)).user_id, self.salesman)
        rule_domain = self.env["ir.rule"].with_user(self.all_docs)._compute_domain(report._name, "read")
        self.assertEqual(len(report.search(domain + list(rule_domain))), 2)

    @users("rank_salesman")
    def test_snapshot_counts_every_customer_of_the_company(self):
        """No salesperson per row: company-wide counts, like the ranks on the customers."""
        current = fields.Date.context_today(self.env.user).replace(day=1)
        domain = [("month", "=", current), ("crm_rank", "=", "contracted")]
        seen = self.env["crm.rank.snapshot"].search_read(domain, ["customer_count"])
        everyone = self.env["crm.rank.snapshot"].sudo().search_read(domain, ["customer_count"])
        self.assertEqual(sum(row["customer_count"] for row in seen), sum(row["customer_count"] for row in everyone))
        self.assertGreaterEqual(sum(row["customer_count"] for row in seen), 2)  # mine and theirs
