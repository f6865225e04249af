"""Why customers went quiet: the outcome of approaching a dormant customer."""

import datetime

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged

from .test_reactivation import CALL, ReactivationCase

REVIEW = "crm_customer_rank.mail_activity_type_defection_review"


@tagged("post_install", "-at_install")
class TestQuietOutcome(ReactivationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.review_type = cls.env.ref(REVIEW)
        cls.assistant = new_test_user(
            cls.env, login="rank_assistant", groups="sales_team.group_sale_salesman", name="Assistant"
        )

    def _dormant(self, name, **vals):
        """A customer who became dormant 365 days from today, with their reactivation call."""
        customer = self._customer(name, phone="03-1234-5678")
        self._won(customer, completion=0, tag_ids=[Command.set(self.kitchen.ids)], **vals)
        with self._at(365):
            self._cron()
        self.assertRank(customer, "dormant")
        activity = self._activities(customer)
        self.assertEqual(len(activity), 1)
        return customer, activity

    def _record(self, activities, outcome, next_date=None, note="Talked at the door", user=None):
        """Mark done through the outcome wizard, as the "Done" buttons do."""
        activities = activities.with_user(user or self.salesman)
        action = activities.with_context(crm_outcome_prompt=True).action_done()
        self.assertEqual(action["res_model"], "crm.rank.reactivation.outcome")
        self.assertTrue(all(activities.mapped("active")), "still open until the outcome is given")
        with Form(activities.env[action["res_model"]].with_context(**action["context"])) as form:
            form.outcome = outcome
            if next_date:
                form.next_contact_date = next_date
            form.note = note
        return form.record.action_confirm()

    def _reasons(self, customers):
        return self.env["crm.rank.quiet.reason"].search([("partner_id", "in", customers.ids)])

    def _day(self, days):
        return self.today + datetime.timedelta(days=days)

    def test_interested_creates_an_opportunity(self):
        customer, activity = self._dormant("Interested again")
        with self._at(370):
            action = self._record(activity, "interested", note="Wants a new bathroom")
            self.assertRank(customer, "prospect", "open_opportunity")
        reason = self._reasons(customer)
        self.assertEqual(reason.outcome, "interested")
        lead = reason.lead_id
        self.assertEqual((action["res_model"], action["res_id"]), ("crm.lead", lead.id))
        self.assertEqual(lead.partner_id, customer)
        self.assertEqual(lead.user_id, self.salesman)
        self.assertEqual(lead.type, "opportunity")
        self.assertFalse(activity.active)
        self.assertTrue(self._history(customer)[-1].is_reactivation)

    def test_not_now_stays_dormant_with_a_followup(self):
        customer, activity = self._dormant("Not now")
        with self._at(370):
            self._record(activity, "not_now", next_date=self._day(460))
        with self._at(371):
            self._cron()
        self.assertRank(customer, "dormant", "quiet")
        followup = self._activities(customer)
        self.assertEqual(len(followup), 1)
        self.assertEqual(followup.date_deadline, self._day(460))
        self.assertEqual(followup.user_id, self.salesman)
        self.assertEqual(followup.activity_type_id, self.activity_types[CALL])
        self.assertEqual(followup.crm_outcome_kind, "reactivation", "the follow-up asks for an outcome too")
        reason = self._reasons(customer)
        self.assertEqual((reason.outcome, reason.next_contact_date), ("not_now", self._day(460)))
        self.assertEqual(reason.tag_ids, self.kitchen)
        self.assertEqual(reason.salesperson_id, self.salesman)
        self.assertEqual(reason.note, "Talked at the door")
        self.assertTrue(reason.message_id)

    def test_not_now_needs_a_day_after_today(self):
        _customer, activity = self._dormant("No date")
        with self._at(370), self.assertRaises(UserError):
            self._record(activity, "not_now", next_date=self._day(370))
        self.assertTrue(activity.active)

    def test_unreachable_stays_dormant(self):
        customer, activity = self._dormant("Unreachable")
        with self._at(370):
            self._record(activity, "unreachable")
        with self._at(371):
            self._cron()
        self.assertRank(customer, "dormant", "quiet")
        self.assertFalse(self._activities(customer))
        self.assertEqual(self._reasons(customer).outcome, "unreachable")

    def test_server_side_done_counts_as_contact(self):
        """Without an outcome (a program calling action_feedback), "not recorded": the
        completed activity is a contact as before, the customer is in after-care again."""
        customer, activity = self._dormant("Through the API")
        with self._at(370):
            activity.action_feedback("Called")
        with self._at(371):
            self._cron()
        self.assertRank(customer, "contracted", "after_care")
        self.assertEqual(self._reasons(customer).outcome, "not_recorded")
        other, activity = self._dormant("API with an outcome")
        with self._at(370):
            activity.with_context(crm_reactivation_outcome="unreachable").action_feedback("No answer")
        with self._at(371):
            self._cron()
        self.assertRank(other, "dormant")

    def test_competitor_proposed_for_defection(self):
        leader = new_test_user(
            self.env, login="rank_quiet_leader", groups="sales_team.group_sale_manager", name="Leader"
        )
        team = self.env["crm.team"].create({"name": "Led by a manager", "user_id": leader.id})
        customer, activity = self._dormant("Went elsewhere", team_id=team.id)
        with self._at(370):
            self._record(activity, "competitor", note="Their nephew's company did the roof")
        with self._at(371):
            self._cron()
        self.assertRank(customer, "dormant")
        self.assertFalse(customer.is_defected, "never defected automatically")
        review = self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", customer.id),
                ("activity_type_id", "=", self.review_type.id),
            ]
        )
        self.assertEqual(len(review), 1)
        self.assertEqual(review.user_id, leader)
        self.assertFalse(review.crm_outcome_kind, "the manager's review is not a reactivation")
        self.assertIn("nephew", str(review.note))
        reason = self._reasons(customer)
        self.assertEqual(reason.defection_activity_id, review)
        # the manager reviews the proposal from the customer
        customer_as_manager = customer.with_user(leader)
        self.assertEqual(customer_as_manager.crm_defection_proposal_id, reason)
        action = customer_as_manager.action_review_defection_proposal()
        self.assertEqual(action["res_model"], "crm.rank.defection.wizard")
        with Form(self.env[action["res_model"]].with_user(leader).with_context(**action["context"])) as form:
            self.assertEqual(form.reason, "competitor")
            self.assertIn("nephew", form.note)
        form.record.action_confirm()
        self.assertRank(customer, "defected")
        self._flush()  # the commit: what the change causes
        self.assertFalse(review.active, "the review is done once the customer is defected")
        customer.invalidate_recordset()
        self.assertFalse(customer.with_user(leader).crm_defection_proposal_id)

    def test_dissatisfied_goes_to_a_sales_manager(self):
        """Without a leader who is a manager, the first sales manager of the company."""
        customer, activity = self._dormant("Unhappy")
        with self._at(370):
            self._record(activity, "dissatisfied")
        review = self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", customer.id),
                ("activity_type_id", "=", self.review_type.id),
            ]
        )
        self.assertEqual(len(review), 1)
        self.assertTrue(review.user_id.has_group("sales_team.group_sale_manager"))
        self.assertRank(customer, "dormant")
        reason = self._reasons(customer)
        self.assertEqual(reason.action_open_defection_wizard()["context"]["default_reason"], "complaint")
        # the manager keeps the customer: done, still dormant
        review.action_feedback("Talked to them, they stay with us")
        self.assertRank(customer, "dormant")
        customer.invalidate_recordset()
        self.assertFalse(customer.crm_defection_proposal_id)

    def test_any_activity_on_a_dormant_customer(self):
        customer, reactivation = self._dormant("Dormant with a to-do")
        reactivation.unlink()
        todo = customer.activity_schedule("mail.mail_activity_data_todo", summary="Send the warranty papers")
        self.assertEqual(todo.crm_outcome_kind, "reactivation")
        active = self._customer("Active customer")
        self._deal(active)
        other = active.activity_schedule("mail.mail_activity_data_todo")
        self.assertFalse(other.crm_outcome_kind)
        message_id = other.with_context(crm_outcome_prompt=True).action_done()
        self.assertFalse(other.active, "done at once, no outcome wizard")
        done = self.env["mail.message"].browse(message_id)
        self.assertEqual((done.model, done.res_id), ("res.partner", active.id), "Odoo's own done message")
        self.assertEqual(done.mail_activity_type_id, self.env.ref("mail.mail_activity_data_todo"))
        with self._at(370):
            self._record(todo, "unreachable", user=self.assistant)
        reason = self._reasons(customer)
        self.assertEqual(reason.user_id, self.assistant)
        self.assertEqual(reason.salesperson_id, self.salesman)

    def test_mark_done_on_a_new_activity(self):
        """The chatter's "Activity" dialog, "Mark Done": the outcome wizard opens."""
        customer, reactivation = self._dormant("Logged call")
        reactivation.unlink()
        schedule = Form(
            self.env["mail.activity.schedule"]
            .with_user(self.salesman)
            .with_context(active_model="res.partner", active_id=customer.id, active_ids=customer.ids)
        )
        schedule.activity_type_id = self.env.ref("mail.mail_activity_data_call")
        action = schedule.save().action_schedule_activities_done()
        self.assertEqual(action["res_model"], "crm.rank.reactivation.outcome")
        [activity_id] = action["context"]["default_activity_ids"]
        self.assertTrue(self.env["mail.activity"].browse(activity_id).active)

    def test_web_client_gets_the_kind(self):
        _customer, activity = self._dormant("Web client")
        data = activity.activity_format()
        [values] = [row for row in data["mail.activity"] if row["id"] == activity.id]
        self.assertEqual(values["crm_outcome_kind"], "reactivation")
        action = activity.action_crm_record_outcome(feedback="From the popover", schedule_next=True)
        self.assertEqual(action["context"]["default_note"], "From the popover")
        self.assertTrue(action["context"]["default_schedule_next"])

    def test_done_and_schedule_next(self):
        _customer, activity = self._dormant("Schedule next")
        action = activity.action_crm_record_outcome(schedule_next=True)
        with Form(self.env[action["res_model"]].with_context(**action["context"])) as form:
            form.outcome = "unreachable"
        result = form.record.action_confirm()
        self.assertEqual(result["res_model"], "mail.activity", "Odoo's schedule dialog follows")
        self.assertFalse(activity.active)

    def test_several_customers_at_once(self):
        """The list view's "Done" on several activities: one wizard, set-based."""
        pairs = [self._dormant(f"Batch {i}") for i in range(3)]
        activities = self.env["mail.activity"].union(*(activity for _customer, activity in pairs))
        customers = self.env["res.partner"].union(*(customer for customer, _activity in pairs))
        with self._at(370):
            self._record(activities, "interested")
        self.assertEqual(len(self._reasons(customers).lead_id), 3)
        for customer in customers:
            self.assertRank(customer, "prospect")

    def test_report_by_kind_of_work_and_salesperson(self):
        results = {"interested": 1, "competitor": 2, "unreachable": 1}
        for outcome, count in results.items():
            for i in range(count):
                _customer, activity = self._dormant(f"{outcome} {i}")
                with self._at(370):
                    self._record(activity, outcome)
        self._flush()
        groups = self.env["crm.rank.quiet.reason"]._read_group(
            [("tag_ids", "in", self.kitchen.ids)], ["tag_ids", "salesperson_id", "outcome"], ["count:sum"]
        )
        self.assertEqual(
            {(tag, user, outcome): count for tag, user, outcome, count in groups},
            {(self.kitchen, self.salesman, outcome): count for outcome, count in results.items()},
        )
        action = self.env.ref("crm_customer_rank.crm_rank_quiet_reason_action")
        for view_type in ("graph", "pivot", "list", "search"):
            self.env["crm.rank.quiet.reason"].get_view(view_type=view_type)
        self.assertIn("graph", action.view_mode)
