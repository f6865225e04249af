"""Browser tours in headless Chromium (they must run: a skipped tour fails CI)."""

from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestRankTours(HttpCase):
    """On the real clock: the browser keeps its own, which a frozen Python clock
    would contradict (tools/test_awkward_days.sh moves both)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="rank_tour_manager",
            name="Rank Tour Salesman",
            groups="sales_team.group_sale_manager,base.group_user",
        )
        won_stage = cls.env["crm.stage"].create({"name": "Signed", "is_won": True, "sequence": 50})
        Lead = cls.env["crm.lead"].with_user(cls.manager)
        Partner = cls.env["res.partner"]
        cls.open_deal = Lead.create(
            {
                "name": "Tour Bathroom",
                "type": "opportunity",
                "partner_id": Partner.create({"name": "Tour Customer A"}).id,
                "user_id": cls.manager.id,
            }
        )
        cls.won_deal = Lead.create(
            {
                "name": "Tour Kitchen",
                "type": "opportunity",
                "partner_id": Partner.create({"name": "Tour Customer B"}).id,
                "user_id": cls.manager.id,
            }
        )
        cls.won_deal.write({"stage_id": won_stage.id})
        cls.lost_deal = Lead.create(
            {
                "name": "Tour Roof",
                "type": "opportunity",
                "partner_id": Partner.create({"name": "Tour Customer C"}).id,
                "user_id": cls.manager.id,
            }
        )
        cls.lost_deal.action_set_lost()
        cls.env.cr.flush()  # as the setup's commit would: what the ranks' changes cause

    def test_pipeline_by_rank(self):
        self.start_tour("/odoo", "crm_rank_pipeline_tour", login="rank_tour_manager")

    def test_report_click_through(self):
        self.start_tour("/odoo", "crm_rank_report_tour", login="rank_tour_manager")
