"""Bad input is refused with a clear error and changes nothing."""

from odoo.tests import tagged

from .common import CrmRankCase


@tagged("post_install", "-at_install")
class TestRankBadInput(CrmRankCase):
    def test_import_of_rank_column_refused(self):
        Partner = self.env["res.partner"]
        before = Partner.search_count([])
        result = Partner.load(["name", "crm_rank"], [["Imported Customer", "referral"]])
        self.assertFalse(result["ids"])
        self.assertTrue(result["messages"])
        self.assertEqual(result["messages"][0]["type"], "error")
        self.assertEqual(Partner.search_count([]), before)

    def test_import_of_unknown_rank_value_refused(self):
        Partner = self.env["res.partner"]
        result = Partner.load(["name", "crm_rank"], [["Imported Customer", "vip"]])
        self.assertFalse(result["ids"])
        self.assertEqual(result["messages"][0]["type"], "error")
        self.assertFalse(Partner.search([("name", "=", "Imported Customer")]))

    def test_import_of_absurd_threshold_refused(self):
        Company = self.env["res.company"]
        result = Company.load(
            ["id", "crm_rank_dormancy_days"],
            [[self.company.get_external_id()[self.company.id] or "", "-5"]],
        )
        self.assertFalse(result["ids"])
        self.assertEqual(self.company.crm_rank_dormancy_days, 365)

    def test_import_of_completion_before_won_refused(self):
        deal = self._won(self._customer("Imported completion"))
        external_id = deal._export_rows([["id"]])[0][0]
        result = self.env["crm.lead"].load(
            ["id", "completion_date"], [[external_id, "2001-01-01"]]
        )
        self.assertFalse(result["ids"])
        self.assertFalse(deal.completion_date)
