"""Browser tours: a deal lost over the budget, a customer marked defected."""

from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestLostDefectTours(HttpCase):
    """On the real clock: the browser keeps its own, which a frozen Python clock
    would contradict (tools/test_awkward_days.sh moves both)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(
            cls.env, login="rank_tour_loser", name="Tour Loser", groups="sales_team.group_sale_salesman"
        )
        cls.manager = new_test_user(
            cls.env,
            login="rank_tour_defect_manager",
            name="Tour Defect Manager",
            groups="sales_team.group_sale_manager,base.group_user",
        )
        Partner = cls.env["res.partner"]
        Lead = cls.env["crm.lead"]
        cls.budget_reason = cls.env.ref("crm_customer_rank.crm_lost_reason_budget")
        cls.prospect = Partner.create({"name": "Tour Prospect Mori"})
        cls.open_deal = Lead.create(
            {
                "name": "Tour Lost Roof",
                "type": "opportunity",
                "partner_id": cls.prospect.id,
                "user_id": cls.salesman.id,
            }
        )
        cls.customer = Partner.create({"name": "Tour Defector Kato"})
        Lead.create(
            {
                "name": "Tour Defector Kitchen",
                "type": "opportunity",
                "partner_id": cls.customer.id,
                "user_id": cls.manager.id,
            }
        ).action_set_won()
        cls.env.cr.flush()  # as the setup's commit would: what the ranks' changes cause

    def test_lost_over_budget_plans_the_followup(self):
        self.assertEqual(self.prospect.crm_rank, "prospect")
        self.assertFalse(self.open_deal.activity_ids)
        self.start_tour("/odoo", "crm_rank_lost_budget_tour", login="rank_tour_loser")
        self.assertEqual(self.open_deal.won_status, "lost")
        self.assertEqual(self.open_deal.lost_reason_id, self.budget_reason)
        self.assertEqual(self.prospect.crm_rank, "lost")
        self.assertEqual(self.open_deal.crm_rank, "lost")
        activity = self.env["mail.activity"].search(
            [("res_model", "=", "crm.lead"), ("res_id", "=", self.open_deal.id)]
        )
        self.assertEqual(activity.crm_lost_reason_id, self.budget_reason)
        self.assertEqual(activity.summary, "Invite to the next campaign or discount event")
        self.assertEqual(activity.user_id, self.salesman)

    def test_manager_marks_a_customer_defected(self):
        self.assertEqual(self.customer.crm_rank, "contracted")
        self.start_tour(
            f"/odoo/res.partner/{self.customer.id}", "crm_rank_defection_tour", login="rank_tour_defect_manager"
        )
        self.assertTrue(self.customer.is_defected)
        self.assertEqual(self.customer.crm_rank, "defected")
        self.assertEqual(self.customer.defection_reason, "complaint")
        self.assertEqual(self.customer.defection_note, "Angry about the leaking bath")
        self.assertEqual(self.customer.defection_user_id, self.manager)
