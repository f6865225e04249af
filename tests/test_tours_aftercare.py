"""Browser tour: an inspection that finds a repair opens an opportunity."""

from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestAftercareTour(HttpCase):
    """On the real clock: the browser keeps its own, which a frozen Python clock
    would contradict (tools/test_awkward_days.sh moves both)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.crm_inspection_plan = "1m,1y"
        cls.salesman = new_test_user(
            cls.env, login="rank_tour_aftercare", name="Tour Aftercare", groups="sales_team.group_sale_salesman"
        )
        cls.customer = cls.env["res.partner"].create({"name": "Tour Aftercare Sato"})
        cls.deal = cls.env["crm.lead"].create(
            {
                "name": "Tour Aftercare Bath",
                "type": "opportunity",
                "partner_id": cls.customer.id,
                "user_id": cls.salesman.id,
            }
        )
        cls.deal.action_set_won()
        cls.deal.completion_date = cls.deal.date_closed.date()
        cls.env.cr.flush()  # as the setup's commit would: what the ranks' changes cause

    def test_repair_needed_opens_an_opportunity(self):
        item = self.env["crm.aftercare.item"].search([("lead_id", "=", self.deal.id), ("key", "=", 1)])
        self.assertEqual(item.state, "planned")
        self.start_tour("/odoo", "crm_rank_aftercare_tour", login="rank_tour_aftercare")
        self.assertEqual(item.outcome, "repair")
        self.assertEqual(item.repair_lead_id.partner_id, self.customer)
        self.assertEqual(self.customer.crm_rank, "prospect")
