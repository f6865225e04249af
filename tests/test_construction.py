"""Construction progress: the deal's project drives completion, hence the rank."""

import datetime
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import Form, tagged, users

from odoo.addons.crm_customer_rank.models.res_partner import ResPartner

from .common import CrmRankCase


@tagged("post_install", "-at_install")
class TestConstruction(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Stage = cls.env["project.project.stage"]
        cls.stage_todo = Stage.create({"name": "Ordering", "sequence": 1})
        cls.stage_running = Stage.create({"name": "Under construction", "sequence": 2})
        cls.stage_done = Stage.create({"name": "Handed over", "sequence": 3, "fold": True})
        cls.customer = cls._customer("Tanaka Koji")
        cls.deal = cls._won(cls.customer, name="Full renovation")


    def _project(self, **vals):
        return self.env["project.project"].create(
            {"name": "Existing project", "stage_id": self.stage_todo.id, **vals}
        )

    def _create_project(self, deal=None):
        deal = deal or self.deal
        action = deal.action_create_construction_project()
        return deal.project_id, action

    def test_create_project_from_won_deal(self):
        project, action = self._create_project()
        self.assertEqual(project.name, "Full renovation")
        self.assertEqual(project.partner_id, self.customer)
        self.assertEqual(project.user_id, self.salesman)
        self.assertEqual(project.crm_lead_ids, self.deal)
        self.assertEqual(project.crm_lead_count, 1)
        self.assertEqual((action["res_model"], action["res_id"]), ("project.project", project.id))
        back = project.action_open_crm_leads()
        self.assertEqual(back["res_id"], self.deal.id)
        with self.assertRaises(UserError):
            self.deal.action_create_construction_project()
        with self.assertRaises(UserError):
            self._deal(self._customer("Still negotiating")).action_create_construction_project()

    @users("rank_salesman")
    def test_salesman_creates_project(self):
        self.assertFalse(self.env.user.has_group("project.group_project_manager"))
        deal = self.deal.with_user(self.env.user)
        project, _action = self._create_project(deal)
        self.assertTrue(project)
        self.assertEqual(deal.construction_state, "not_started")
        self.assertEqual(deal.construction_progress, 0)

    def test_project_life_cycle_moves_rank(self):
        project, _action = self._create_project()
        self.assertRank(self.customer, "contracted", "construction")
        self.assertEqual(self.deal.construction_state, "not_started")
        self.assertEqual(self.customer.crm_construction_ids, project)
        tasks = self.env["project.task"].create(
            [{"name": name, "project_id": project.id} for name in ("Demolition", "Plumbing")]
        )
        tasks[0].state = "1_done"
        self.env.invalidate_all()
        self.assertEqual(self.deal.construction_state, "in_progress")
        self.assertEqual(self.deal.construction_progress, 50)
        project.stage_id = self.stage_running
        self.assertRank(self.customer, "contracted", "construction")
        self.assertFalse(self.deal.completion_date)
        with self._at(30):
            project.stage_id = self.stage_done
            self.assertEqual(project.construction_done_date, self.today + datetime.timedelta(days=30))
            self.assertEqual(self.deal.completion_date, project.construction_done_date)
            self.assertRank(self.customer, "contracted", "after_care")
            self.deal.invalidate_recordset()
            self.assertEqual(self.deal.construction_state, "done")
            self.assertEqual(self.deal.construction_progress, 100)
            self.customer.invalidate_recordset()
            self.assertFalse(self.customer.crm_construction_ids)
        with self._at(30 + 364):
            self._update_all()
            self.assertRank(self.customer, "contracted", "after_care")
        with self._at(30 + 365):
            self._run_scheduled_actions()
            self.assertRank(self.customer, "dormant", "quiet")
            # warranty work reopens the construction
            project.stage_id = self.stage_running
            self.assertRank(self.customer, "contracted", "construction")
            history = self._history(self.customer)[-1]
            self.assertEqual((history.old_rank, history.cause), ("dormant", "construction"))

    def test_reopened_project_is_running_again(self):
        project, _action = self._create_project()
        project.stage_id = self.stage_done
        self.assertRank(self.customer, "contracted", "after_care")
        project.stage_id = self.stage_running
        self.assertFalse(self.deal.completion_date)
        self.assertRank(self.customer, "contracted", "construction")

    def test_status_update_complete_closes_project(self):
        project, _action = self._create_project()
        self.env["project.update"].create(
            {"name": "Weekly", "project_id": project.id, "status": "on_track"}
        )
        self.deal.invalidate_recordset()
        self.assertEqual(self.deal.construction_state, "in_progress")
        project.write({"last_update_status": "done"})  # the form's status selector
        self.assertEqual(project.last_update_status, "done")
        self.assertEqual(self.deal.completion_date, self.today)
        self.assertRank(self.customer, "contracted", "after_care")
        project.last_update_id.status = "at_risk"
        self.assertRank(self.customer, "contracted", "construction")

    def test_folding_a_stage_completes_its_projects(self):
        project, _action = self._create_project()
        project.stage_id = self.stage_running
        self.stage_running.fold = True
        self.assertEqual(project.construction_done_date, self.today)
        self.assertRank(self.customer, "contracted", "after_care")

    def test_end_date_is_completion_even_before_won(self):
        project = self._project(date_start=self.today - datetime.timedelta(days=60))
        project.date = self.today - datetime.timedelta(days=5)
        project.stage_id = self.stage_done
        self.assertEqual(project.construction_done_date, project.date)
        # linking an existing project (editable field) on a deal won today
        with Form(self.deal) as form:
            form.project_id = project
        self.assertEqual(self.deal.completion_date, project.date)
        self.assertRank(self.customer, "contracted", "after_care")

    def test_end_date_used_when_past(self):
        earlier = self._customer("Earlier customer")
        deal = self._won(earlier)
        deal.date_closed = datetime.datetime.combine(
            self.today - datetime.timedelta(days=100), datetime.time(9)
        )
        project = self._project(
            date_start=self.today - datetime.timedelta(days=90),
            date=self.today - datetime.timedelta(days=10),
        )
        deal.project_id = project
        self.assertRank(earlier, "contracted", "construction")
        project.stage_id = self.stage_done
        self.assertEqual(deal.completion_date, self.today - datetime.timedelta(days=10))
        self.assertRank(earlier, "contracted", "after_care")

    def test_deal_without_project_keeps_hand_set_date(self):
        other = self._won(self._customer("Hand set"), completion=0)
        self.env["project.project"].create({"name": "Unrelated", "stage_id": self.stage_done.id})
        other.invalidate_recordset()
        self.assertEqual(other.completion_date, self.today)
        self.assertEqual(other.construction_state, "done")
        with Form(other) as form:
            form.completion_date = self.today + datetime.timedelta(days=20)
        self.assertEqual(other.completion_date, self.today + datetime.timedelta(days=20))
        self.assertEqual(other.construction_state, "in_progress")

    def test_task_closing_shows_progress_without_a_rank_run(self):
        """No rank fact reads tasks: closing one moves the deal's progress, not the engine."""
        project, _action = self._create_project()
        tasks = self.env["project.task"].create(
            [{"name": "Tiles", "project_id": project.id}, {"name": "Paint", "project_id": project.id}]
        )
        self._flush()
        causes = []
        original = ResPartner._crm_rank_refresh

        def spy(partners, cause="deal"):
            causes.append((partners.commercial_partner_id, cause))
            return original(partners, cause)

        with patch.object(ResPartner, "_crm_rank_refresh", spy):
            tasks[0].state = "1_done"
            self._flush()
        self.assertEqual(causes, [])
        self.env.invalidate_all()
        self.assertEqual(self.deal.construction_state, "in_progress")
        self.assertEqual(self.deal.construction_progress, 50.0)
        self.assertRank(self.customer, "contracted", "construction")

    def test_project_user_moves_stage(self):
        project, _action = self._create_project()
        project_manager = self.env["res.users"].create(
            {
                "name": "Site Manager",
                "login": "site_manager",
                "group_ids": [
                    (6, 0, [self.env.ref("project.group_project_manager").id,
                            self.env.ref("project.group_project_stages").id])
                ],
            }
        )
        self.assertFalse(project_manager.has_group("sales_team.group_sale_salesman"))
        project.with_user(project_manager).stage_id = self.stage_done
        self.assertRank(self.customer, "contracted", "after_care")
