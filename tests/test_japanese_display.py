"""Addresses and amounts shown the Japanese way on the screens the addon owns."""

from odoo.tests import tagged

from .common import CrmRankCase


@tagged("post_install", "-at_install")
class TestJapaneseDisplay(CrmRankCase):
    def test_address_line_in_japanese_order(self):
        customer = self._customer(
            "森 由美",
            zip="154-0015",
            state_id=self.env.ref("base.state_jp_jp-13").id,
            city="世田谷区",
            street="桜新町8-3-3",
            country_id=self.env.ref("base.jp").id,
        )
        self.assertEqual(customer.crm_address_line, "〒154-0015 東京都世田谷区桜新町8-3-3")
        customer.zip = False
        self.assertEqual(customer.crm_address_line, "東京都世田谷区桜新町8-3-3")

    def test_address_line_elsewhere(self):
        customer = self._customer("Emily Forest", city="Brussels", country_id=self.env.ref("base.be").id)
        self.assertEqual(customer.crm_address_line, "Brussels, Belgium")
        self.assertFalse(self._customer("No address").crm_address_line)

    def test_customer_cards_show_the_address_line(self):
        view = self.env.ref("crm_customer_rank.res_partner_view_kanban_rank")
        arch = self.env["res.partner"].get_views([(view.id, "kanban")])["views"]["kanban"]["arch"]
        self.assertIn('name="crm_address_line"', arch)

    def test_contract_amounts_in_the_company_currency(self):
        """A yen company's report shows yen, with yen's rounding (no decimals)."""
        yen = self.env.ref("base.JPY")
        yen.active = True
        self.company.currency_id = yen
        customer = self._customer("Kitchen")
        self._won(customer, expected_revenue=1_800_000)
        self._flush()
        Report = self.env["crm.rank.report"]
        self.assertEqual(Report._fields["won_amount"].type, "monetary")
        row = Report.search([("partner_id", "=", customer.id), ("won_count", "=", 1)])
        self.assertEqual(row.currency_id, yen)
        self.assertEqual(yen.decimal_places, 0)
        self.assertEqual(row.won_amount, 1_800_000)
