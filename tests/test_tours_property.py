"""Browser tour: a salesperson walks a house's form and records its sale."""

import datetime

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestPropertyTour(HttpCase):
    """On the real clock (as the other tours): the browser keeps its own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.write({"crm_inspection_plan": "1m,1y"})
        cls.salesman = new_test_user(
            cls.env, login="rank_tour_property", name="Tour Property", groups="sales_team.group_sale_salesman"
        )
        cls.seller = cls.env["res.partner"].create(
            {"name": "Tour House Seller", "zip": "154-0015", "city": "世田谷区", "street": "桜新町8-3-3"}
        )
        cls.buyer = cls.env["res.partner"].create({"name": "Tour House Buyer"})
        cls.deal = cls.env["crm.lead"].create(
            {"name": "Tour House Bath", "type": "opportunity", "partner_id": cls.seller.id, "user_id": cls.salesman.id}
        )
        cls.deal.action_set_won()
        cls.deal.completion_date = fields.Date.context_today(cls.deal) - datetime.timedelta(days=10)
        cls.env.cr.flush()

    def test_property_form(self):
        house = self.deal.crm_property_id
        self.assertEqual(house.name, "Tour House Seller Residence")
        self.start_tour("/odoo", "crm_rank_property_tour", login="rank_tour_property")
        self.assertEqual((house.building_type, house.floor_plan), ("apartment", "3LDK"))
        self.assertEqual(house.partner_id, self.buyer)
        self.assertEqual(house.owner_ids.partner_id, self.seller | self.buyer)
        planned = house.aftercare_item_ids.filtered(lambda item: item.state == "planned")
        self.assertTrue(planned)
        self.assertEqual(planned.partner_id, self.buyer)
        self.assertEqual(self.seller.crm_rank, "contracted")
        self.assertEqual(self.buyer.crm_rank, "gathering")
