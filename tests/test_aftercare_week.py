"""The after-care work list: one open inspection per job, missed after the grace period,
the next reason to call marked overdue, every recorded visit a contact."""

import datetime

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import CrmRankCase


@tagged("post_install", "-at_install")
class TestAftercareWeek(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {"crm_inspection_plan": "1m,6m,1y", "crm_aftercare_notice_days": 31, "crm_aftercare_grace_days": 60}
        )
        cls.Item = cls.env["crm.aftercare.item"]

    def _items(self, deal, state=None):
        domain = [("lead_id", "=", deal.id)] + ([("state", "=", state)] if state else [])
        return self.Item.search(domain, order="due_date")

    def _item(self, deal, key):
        return self.Item.search([("lead_id", "=", deal.id), ("kind", "=", "inspection"), ("key", "=", key)])

    # -- one open inspection per job --------------------------------------

    def test_one_open_inspection_per_job(self):
        """The later inspections of a job stay planned but wait: not current, no activity, until
        the earlier one is recorded."""
        deal = self._won(self._customer("One at a time"), completion=-40)  # 1m: 10 days late
        one, six, twelve = self._item(deal, 1), self._item(deal, 6), self._item(deal, 12)
        self.assertEqual((one | six | twelve).mapped("state"), ["planned"] * 3)
        self.assertEqual([one.is_current, six.is_current, twelve.is_current], [True, False, False])
        current = self.Item.search([("lead_id", "=", deal.id), ("is_current", "=", True)])
        self.assertEqual(current, one)
        waiting = self.Item.search([("lead_id", "=", deal.id), ("is_current", "=", False)])
        self.assertEqual(waiting, six | twelve)
        self.Item._cron_schedule_activities()
        self.assertTrue(one.activity_id)
        self.assertFalse((six | twelve).activity_id)
        one.with_user(self.salesman).action_done_fine()
        six.invalidate_recordset()
        self.assertTrue(six.is_current, "the next inspection takes its place")
        self.assertEqual(self.Item.search([("lead_id", "=", deal.id), ("is_current", "=", True)]), six)

    def test_warranty_and_replacement_are_not_held_back_by_inspections(self):
        tag = self.env["crm.tag"].create({"name": "Heater", "crm_inspection_plan": "1m,1y", "crm_warranty_years": 1})
        deal = self._won(self._customer("Warranty too"), completion=-370, tag_ids=[(4, tag.id)])
        warranty = self.Item.search([("lead_id", "=", deal.id), ("kind", "=", "warranty")])
        self.assertEqual((warranty.state, warranty.is_current), ("planned", True))

    def test_recording_a_later_inspection_misses_the_earlier(self):
        deal = self._won(self._customer("Out of order"), completion=-200)  # 1m missed, 6m due 17 days ago
        one, six = self._item(deal, 1), self._item(deal, 6)
        self.assertEqual(one.state, "missed", "171 days late: past the grace period at planning")
        self.assertEqual(six.state, "planned")
        deal2 = self._won(self._customer("Visited late"), completion=-40)
        self._item(deal2, 6).action_done_fine()  # the visit covers the 1-month inspection
        self.assertEqual(self._item(deal2, 1).state, "missed")
        self.assertEqual(self._item(deal2, 12).state, "planned")

    # -- missed after the grace period ------------------------------------

    def test_overdue_past_the_grace_period_is_missed_and_the_next_takes_its_place(self):
        customer = self._customer("Missed one", phone="090-1111-2222")
        deal = self._won(customer, completion=0)
        self.Item._cron_schedule_activities()
        one = self._item(deal, 1)
        activity = one.activity_id
        self.assertTrue(activity)
        due = one.due_date
        with self._frozen(due + datetime.timedelta(days=60)):
            self.Item._cron_sync()  # 60 days late: still within the grace period
            self.assertEqual(one.state, "planned")
            customer.invalidate_recordset()
            self.assertRegex(customer.crm_next_aftercare_name, r"^1-month inspection \(overdue\): ")
            self.assertIn("(overdue)", customer.crm_rank_guidance)
        with self._frozen(due + datetime.timedelta(days=61)):
            self._run_scheduled_actions()  # the daily scheduled actions
            self.assertEqual(one.state, "missed")
            self.assertFalse(activity.exists(), "its activity is removed")
            six = self._item(deal, 6)
            self.assertTrue(six.is_current)
            customer.invalidate_recordset()
            self.assertRegex(customer.crm_next_aftercare_name, r"^6-month inspection: ")
            self.assertEqual(customer.crm_next_aftercare_date, six.due_date)
            work = self.Item.search([("is_current", "=", True), ("lead_id", "=", deal.id)])
            self.assertEqual(work, six, "the missed one is off the work list")

    def test_grace_period_is_a_company_setting(self):
        self.company.crm_aftercare_grace_days = 10
        deal = self._won(self._customer("Short grace"), completion=-45)  # 1m: about 14 days late
        self.assertEqual(self._item(deal, 1).state, "missed")
        for bad in (0, 366, -5):
            with self.subTest(grace=bad), self.assertRaisesRegex(ValidationError, "grace period"):
                with self.env.cr.savepoint():
                    self.company.crm_aftercare_grace_days = bad
        self.company.invalidate_recordset()
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.crm_aftercare_grace_days, 10)

    def test_mark_missed_is_set_based(self):
        """The daily rule costs the same queries for 2 or 12 jobs (one UPDATE, activities removed in chunks)."""

        def jobs(count, tag):
            deals = [self._won(self._customer(f"{tag} {n}"), completion=0) for n in range(count)]
            self.Item._cron_schedule_activities()
            return deals

        self._count_queries(self.Item._mark_missed)  # warm-up: what is read once per registry
        few = jobs(2, "Few")
        with self._at(100):
            _missed, queries_few = self._count_queries(self.Item._mark_missed)
        self.assertEqual(self.Item.search_count([("lead_id", "in", [d.id for d in few]), ("state", "=", "missed")]), 2)
        many = jobs(12, "Many")
        with self._at(200):
            # the 1-month inspections of the 12 new jobs (their activities too); the 6-month ones are not late yet
            missed, queries_many = self._count_queries(self.Item._mark_missed)
        self.assertEqual(missed, 12)
        missed_items = self.Item.search([("lead_id", "in", [d.id for d in many]), ("state", "=", "missed")])
        self.assertFalse(missed_items.activity_id)
        self.assertLessEqual(queries_many, queries_few)

    def test_catch_up_plans_old_jobs_without_chatter(self):
        """The scheduled action's planning writes no chatter line, follower or tracking on the items
        (the catch-up plans hundreds of thousands of them)."""
        deal = self._won(self._customer("Imported long ago"), completion=-3 * 365)
        self.Item.search([("lead_id", "=", deal.id)]).unlink()
        self.Item._cron_sync()
        items = self._items(deal)
        self.assertEqual(items.mapped("state"), ["missed"] * 3)
        messages = self.env["mail.message"].search([("model", "=", "crm.aftercare.item"), ("res_id", "in", items.ids)])
        self.assertFalse(messages)
        self.assertFalse(items.message_follower_ids)

    # -- the next reason to call ------------------------------------------

    def test_next_reason_to_call_is_marked_overdue(self):
        customer = self._customer("Overdue reason", lang="en_US")
        self._won(customer, completion=-40)
        customer.invalidate_recordset()
        self.assertRegex(customer.crm_next_aftercare_name, r"^1-month inspection \(overdue\): ")
        self.assertIn("Next reason to call: 1-month inspection (overdue)", customer.crm_rank_guidance)
        self.assertTrue(customer.crm_next_aftercare_overdue)  # the card and the form show it in red
        japanese = customer.with_context(lang="ja_JP")
        self.assertRegex(japanese.crm_next_aftercare_name, r"^1ヶ月点検（期限切れ）: ")

    # -- recording: a contact, whatever the path --------------------------

    def _dormant_customer_with_an_inspection_due(self):
        """A customer completed a year ago, dormant, whose 1-year inspection was due
        yesterday and has no activity (the daily action never handed it out)."""
        customer = self._customer("Dormant, visited", phone="03-1234-5678")
        deal = self._won(customer, completion=0)
        with self._at(366):
            self.Item._mark_missed()  # the 1- and 6-month inspections were never recorded
            self.env["res.partner"]._crm_rank_update_all()
        self.assertRank(customer, "dormant", "quiet")
        item = self._item(deal, 12)
        self.assertEqual((item.state, item.is_current), ("planned", True))
        self.assertFalse(item.activity_id)
        return customer, deal, item

    def test_inspection_recorded_without_activity_is_contact(self):
        """Recorded from the due list when it had no activity: the note written on the deal is
        a contact, so the customer is in after-care again at once, as the rules say."""
        customer, deal, item = self._dormant_customer_with_an_inspection_due()
        with self._at(367):
            item.note = "Bath sealant checked, all fine."
            item.with_user(self.salesman).action_done_fine()
        self.assertRank(customer, "contracted", "after_care")
        note = self.env["mail.message"].search(
            [("model", "=", "crm.lead"), ("res_id", "=", deal.id), ("body", "ilike", "1-year inspection")]
        )
        self.assertEqual(note.message_type, "comment")
        self.assertIn("Bath sealant checked", note.body)
        self.assertEqual(customer.crm_last_contact_date, self.today + datetime.timedelta(days=367))
        history = self._history(customer)[-1]
        self.assertEqual((history.old_rank, history.new_rank, history.cause), ("dormant", "contracted", "aftercare"))
        with self._at(368):
            self._run_scheduled_actions()
        self.assertRank(customer, "contracted", "after_care")

    def test_activity_done_from_the_chatter_is_contact_at_once(self):
        customer, _deal, item = self._dormant_customer_with_an_inspection_due()
        with self._at(367):
            self.Item._cron_schedule_activities()  # overdue within the grace period: handed out
            self.assertTrue(item.activity_id)
            item.activity_id.with_user(self.salesman).action_feedback(feedback="All fine")
        self.assertEqual((item.state, item.outcome), ("done", "fine"))
        self.assertRank(customer, "contracted", "after_care")

    def test_unreachable_without_activity_stays_dormant(self):
        customer, _deal, item = self._dormant_customer_with_an_inspection_due()
        with self._at(367):
            item.action_done_unreachable()
            self._run_scheduled_actions()
        self.assertRank(customer, "dormant", "quiet")

    def test_fine_gives_feedback_and_is_tracked(self):
        customer = self._customer("Feedback")
        deal = self._won(customer, completion=0)
        self._flush()  # planned in an earlier transaction (planning leaves no chatter line)
        item = self._item(deal, 1)
        action = item.with_user(self.salesman).action_done_fine()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("1-month inspection of Feedback recorded: Fine", action["params"]["message"])
        self.assertEqual(action["params"]["next"], {"type": "ir.actions.act_window_close"})
        self._flush()
        tracking = item.message_ids.tracking_value_ids.filtered(lambda value: value.field_id.name == "state")
        self.assertTrue(tracking, "the item's chatter says it was recorded")
        action = self._item(deal, 6).action_done_unreachable()
        self.assertEqual(action["params"]["type"], "warning")

    def test_item_form_has_note_phone_address_and_chatter(self):
        arch = self.Item.get_views([(False, "form")])["views"]["form"]["arch"]
        for expected in ('name="note"', 'name="partner_phone"', "show_address", "chatter"):
            self.assertIn(expected, arch)
        customer = self._customer("Reachable", phone="045-123-4567", zip="220-0012", city="横浜市西区")
        item = self._item(self._won(customer, completion=0), 1)
        self.assertEqual(item.partner_phone, "045-123-4567")

    def test_due_list_opens_on_this_weeks_work(self):
        action = self.env.ref("crm_customer_rank.crm_aftercare_item_action")
        self.assertIn("'search_default_this_week': 1", action.context)
        soon = self._won(self._customer("Due in 5 days"), completion=-26)  # 1m due in 4-5 days
        late = self._won(self._customer("Overdue by 10 days"), completion=-40)
        later = self._won(self._customer("Due next month"), completion=-10)
        arch = self.Item.get_views([(False, "search")])["views"]["search"]["arch"]
        self.assertIn('name="this_week"', arch)
        # the filter's domain, as the web client evaluates it on the test's day
        week = [("is_current", "=", True), ("due_date", "<=", self.today + datetime.timedelta(days=6))]
        found = self.Item.search(week + [("lead_id", "in", (soon | late | later).ids)])
        self.assertEqual(found.lead_id, soon | late)
