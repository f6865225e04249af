"""After-care: inspections, warranty end and replacements planned from completion."""

import base64
import datetime
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..lib import aftercare
from ..models import crm_aftercare_item
from .common import CrmRankCase


class TestAftercarePure:
    """The plan arithmetic, without the ORM (collected by pytest as plain tests)."""

    def test_parse_offsets(self):
        assert aftercare.parse_offsets("1m, 6m,1y 2y、10年") == (1, 6, 12, 24, 120)
        assert aftercare.parse_offsets("６ヶ月,1y,18") == (6, 12, 18)
        assert aftercare.parse_offsets("") == ()
        for bad in ("0m", "1w", "601m", "abc"):
            try:
                aftercare.parse_offsets(bad)
            except ValueError as error:
                assert error.args[0] == bad.lower()
            else:
                raise AssertionError(bad)

    def test_add_months_keeps_the_end_of_month(self):
        assert aftercare.add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
        assert aftercare.add_months(datetime.date(2024, 2, 29), 12) == datetime.date(2025, 2, 28)
        assert aftercare.add_months(datetime.date(2026, 11, 15), 2) == datetime.date(2027, 1, 15)

    def test_plan_of_the_kinds_of_work_else_the_company(self):
        assert aftercare.plan_for(["1y", "6m,1y"], "1m,10y") == (6, 12)
        assert aftercare.plan_for([], "1m,10y") == (1, 120)

    def test_missed_after_the_grace_period(self):
        today = datetime.date(2026, 6, 10)
        assert aftercare.missed_before(today, 60) == datetime.date(2026, 4, 11)
        assert aftercare.initial_state(datetime.date(2026, 4, 11), today, 60) == "planned"
        assert aftercare.initial_state(datetime.date(2026, 4, 10), today, 60) == "missed"
        assert aftercare.initial_state(datetime.date(2026, 7, 1), today, 60) == "planned"

    def test_desired_items(self):
        completion = datetime.date(2026, 4, 1)
        items = aftercare.desired_items(completion, (1, 12), 10, {7: (None, 10), 8: (completion, 0)})
        assert items == {
            ("inspection", 1): datetime.date(2026, 5, 1),
            ("inspection", 12): datetime.date(2027, 4, 1),
            ("warranty", 0): datetime.date(2036, 4, 1),
            ("replacement", 7): datetime.date(2036, 4, 1),
        }


@tagged("post_install", "-at_install")
class TestAftercare(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a month of notice whatever the month: the 1-month inspection of a job
        # completed today is due in 28 to 31 days, and handed out at once
        cls.company.write({"crm_inspection_plan": "1m,6m,1y", "crm_aftercare_notice_days": 31})
        cls.water_heater = cls.env["crm.tag"].create(
            {
                "name": "Water heater",
                "crm_inspection_plan": "1m,1y",
                "crm_warranty_years": 5,
                "crm_equipment_life_years": 10,
            }
        )
        cls.Item = cls.env["crm.aftercare.item"]

    def _items(self, deal, state="planned"):
        return self.Item.search([("lead_id", "=", deal.id), ("state", "=", state)], order="due_date")

    def test_completion_plans_the_inspections_of_the_company(self):
        customer = self._customer("Inspected")
        deal = self._won(customer)
        self.assertFalse(self._items(deal))
        deal.completion_date = self.today
        items = self._items(deal)
        self.assertEqual(items.mapped("key"), [1, 6, 12])
        self.assertEqual(items[0].due_date, aftercare.add_months(self.today, 1))
        self.assertEqual(items[0].partner_id, customer)
        self.assertEqual(items.mapped("name"), ["1-month inspection", "6-month inspection", "1-year inspection"])
        # in the reader's language, on the list and as the customer's next reason to call
        self.assertEqual(items.with_context(lang="ja_JP").mapped("name"), ["1ヶ月点検", "6ヶ月点検", "1年点検"])
        self.assertRegex(customer.with_context(lang="ja_JP").crm_next_aftercare_name, r"^1ヶ月点検: ")
        # never twice
        deal.write({"completion_date": self.today})
        self.Item._cron_sync()
        self.assertEqual(len(self.Item.search([("lead_id", "=", deal.id)])), 3)

    def test_kind_of_work_plan_warranty_and_equipment(self):
        deal = self._won(self._customer("Heater"), tag_ids=[(4, self.water_heater.id)])
        self.assertEqual(deal.warranty_years, 5)
        deal.completion_date = self.today
        equipment = self.env["crm.aftercare.equipment"].create({"name": "Eco water heater", "lead_id": deal.id})
        self.assertEqual(equipment.life_years, 10)
        self.assertEqual(equipment.replacement_date, aftercare.add_months(self.today, 120))  # 29 Feb: 28 Feb
        items = self._items(deal)
        self.assertEqual(
            sorted((item.kind, item.key) for item in items),
            [("inspection", 1), ("inspection", 12), ("replacement", equipment.id), ("warranty", 0)],
        )
        self.assertEqual(deal.warranty_end_date, aftercare.add_months(self.today, 60))

    def test_moved_completion_replans_and_a_reopened_deal_cancels(self):
        deal = self._won(self._customer("Moved"), completion=0)
        first = self._items(deal)[0]
        deal.completion_date = self.today - datetime.timedelta(days=10)
        self.assertEqual(first.due_date, aftercare.add_months(self.today - datetime.timedelta(days=10), 1))
        deal.write({"stage_id": self.stage_quote.id, "probability": 50})  # reopened: no longer won
        self.Item._cron_sync()  # the daily update cancels its planned items
        self.assertFalse(self._items(deal))
        self.assertEqual(len(self._items(deal, "cancel")), 3)

    def test_catch_up_in_chunks(self):
        """The first scheduled run after years of jobs the addon never planned (imported, or
        completed before it was installed) plans and hands them out chunk by chunk, each job
        once, and re-plans a job that has items in the same run."""
        deals = [self._won(self._customer(f"Imported job {n}"), completion=-10) for n in range(5)]
        reopened = self._won(self._customer("Reopened"), completion=0)
        self.Item.search([("lead_id", "in", [deal.id for deal in deals])]).unlink()  # as before the addon
        reopened.write({"stage_id": self.stage_quote.id, "probability": 50})
        with (
            patch.object(crm_aftercare_item, "SYNC_CHUNK", 2),
            patch.object(crm_aftercare_item, "SCHEDULE_CHUNK", 2),
        ):
            self.Item._cron_sync()
            activities = self.Item._cron_schedule_activities()
        for deal in deals:
            self.assertEqual(self._items(deal).mapped("key"), [1, 6, 12], deal.name)
            # the 1-month inspection is due in 20 days, within the notice
            self.assertEqual(len(self._items(deal).activity_id), 1, deal.name)
        self.assertFalse(self._items(reopened))
        self.assertEqual(len(self._items(reopened, "cancel")), 3)
        self.assertEqual(sorted(activities.mapped("res_id")), sorted(deal.id for deal in deals))

    def test_defected_customer_gets_no_aftercare(self):
        customer = self._customer("Defected later")
        deal = self._won(customer, completion=0)
        self.Item._cron_schedule_activities()
        activity = self._items(deal)[0].activity_id
        self.assertTrue(activity)
        customer._crm_rank_mark_defected("complaint")
        self._flush()
        self.assertFalse(self._items(deal))
        self.assertFalse(activity.exists())
        self.Item._cron_sync()
        self.assertFalse(self._items(deal))

    def test_activity_when_due_for_the_salesperson_with_the_channel(self):
        customer = self._customer("Due soon", phone="090-1234-5678")
        deal = self._won(customer, completion=0)
        activities = self.Item._cron_schedule_activities()
        first = self._items(deal)[0]  # the 1-month inspection, due within the notice
        self.assertEqual(first.activity_id, activities.filtered(lambda a: a.res_id == deal.id))
        self.assertEqual(first.activity_id.user_id, self.salesman)
        self.assertIn("Phone", first.activity_id.summary)
        self.assertEqual(len(self._items(deal).activity_id), 1)  # 6 months is not due yet
        self.assertFalse(self.Item._cron_schedule_activities().filtered(lambda a: a.res_id == deal.id))

    def test_repair_needed_opens_an_opportunity_and_the_customer_becomes_prospect(self):
        customer = self._customer("Needs repair")
        deal = self._won(customer, completion=0)
        self.Item._cron_schedule_activities()
        item = self._items(deal)[0]
        item.with_user(self.salesman).action_done_repair()
        self._flush()
        self.assertEqual(item.state, "done")
        self.assertEqual(item.outcome, "repair")
        self.assertTrue(item.repair_lead_id)
        self.assertEqual(item.repair_lead_id.partner_id, customer)
        self.assertRank(customer, "prospect")
        self.assertFalse(item.activity_id.active)  # marked done: a contact

    def test_unreachable_is_no_contact(self):
        customer = self._customer("Unreachable")
        deal = self._won(customer, completion=0)
        self.Item._cron_schedule_activities()
        item = self._items(deal)[0]
        activity = item.activity_id
        item.action_done_unreachable()
        self.assertEqual(item.outcome, "unreachable")
        self.assertFalse(activity.exists())
        contact = self.env["res.partner"].browse(customer.id).crm_last_contact_date
        self.assertEqual(contact, fields.Date.context_today(deal, deal.create_date))  # the inquiry only

    def test_activity_done_from_the_chatter_closes_the_item(self):
        deal = self._won(self._customer("Chatter"), completion=0)
        self.Item._cron_schedule_activities()
        item = self._items(deal)[0]
        item.activity_id.action_feedback(feedback="All fine")
        self.assertEqual(item.state, "done")
        self.assertEqual(item.outcome, "fine")

    def test_next_reason_to_call_on_the_customer(self):
        customer = self._customer("Next reason")
        deal = self._won(customer, completion=0)
        customer.invalidate_recordset()
        self.assertEqual(customer.crm_next_aftercare_date, aftercare.add_months(self.today, 1))
        self.assertIn("1-month inspection", customer.crm_next_aftercare_name)
        self.assertIn(deal.name, customer.crm_next_aftercare_name)
        self.assertIn("Next reason to call", customer.crm_rank_guidance)

    def test_warranty_certificate_pdf(self):
        deal = self._won(self._customer("Certificate"), completion=0, warranty_years=10)
        self.env.company.external_report_layout_id = self.env.ref("web.external_layout_standard")
        action = deal.action_print_warranty()
        self.assertEqual(action["report_name"], "crm_customer_rank.report_crm_warranty")
        html = self.env["ir.actions.report"]._render_qweb_html("crm_customer_rank.report_crm_warranty", deal.ids)[0]
        self.assertIn(b"Construction Warranty Certificate", html)
        self.assertIn(b"Certificate", html)

    def test_bad_plans_are_refused(self):
        with self.assertRaises(ValidationError):
            self.water_heater.crm_inspection_plan = "1 week"
        with self.assertRaises(ValidationError):
            self.company.crm_inspection_plan = "0m"
        with self.assertRaises(ValidationError):
            self.env["crm.aftercare.equipment"].create(
                {"name": "Forever", "lead_id": self._won(self._customer("X")).id, "life_years": 500}
            )

    def test_salesperson_sees_own_aftercare_only(self):
        other = self.env["res.users"].create(
            {
                "name": "Other",
                "login": "rank_other_aftercare",
                "group_ids": [(4, self.env.ref("sales_team.group_sale_salesman").id)],
            }
        )
        mine = self._won(self._customer("Mine"), completion=0)
        theirs = self._won(self._customer("Theirs"), completion=0, user_id=other.id)
        visible = self.Item.with_user(self.salesman).search([("lead_id", "in", (mine | theirs).ids)])
        self.assertEqual(visible.lead_id, mine)

    def test_at_risk_customers_have_nothing_planned(self):
        self.company.crm_rank_dormancy_days = 40
        self.company.crm_inspection_plan = "1y"
        at_risk = self._customer("Quiet soon")
        self._won(at_risk, completion=0)
        planned = self._customer("Inspection soon")
        deal = self._won(planned, completion=0)
        deal.tag_ids = [(4, self.env["crm.tag"].create({"name": "Quick", "crm_inspection_plan": "1m"}).id)]
        called = self._customer("Call planned")
        self._won(called, completion=0)
        called.activity_schedule("mail.mail_activity_data_call", user_id=self.salesman.id)
        self._flush()
        ids = self.Item._at_risk_partner_ids()
        self.assertIn(at_risk.id, ids)
        self.assertNotIn(planned.id, ids)
        self.assertNotIn(called.id, ids)
        action = self.Item.action_open_at_risk()
        self.assertEqual(action["domain"], [("id", "in", ids)])

    def test_items_due_long_ago_are_missed(self):
        """A job completed years ago (history entered late): its old inspections are missed from
        the start (kept for the record, off the work list, no activity); a job whose 1-month
        inspection is 10 days late still has it as overdue work, with its activity."""
        customer = self._customer("Completed long ago")
        deal = self._won(customer, completion=-3 * 365)  # 1m, 6m, 1y: all long overdue
        recent = self._won(self._customer("Completed last month"), completion=-40)  # 1m: 10 days late
        activities = self.Item._cron_schedule_activities()
        self.assertFalse(self.Item.search([("lead_id", "=", deal.id)]).activity_id)
        self.assertFalse(activities.filtered(lambda a: a.res_id == deal.id))
        self.assertFalse(self._items(deal), "nothing left on the work list")
        self.assertEqual(self._items(deal, "missed").mapped("key"), [1, 6, 12])
        first = self._items(recent)[0]
        self.assertEqual((first.key, first.is_current), (1, True))
        self.assertEqual(first.activity_id.res_id, recent.id)
        customer.invalidate_recordset()
        self.assertFalse(customer.crm_next_aftercare_name, "a missed inspection is no reason to call")

    def test_activities_in_each_salespersons_language_go_to_their_items(self):
        """Items of salespeople with different languages each get their own activity."""
        japanese = self.env["res.users"].create(
            {"name": "Ja Sales", "login": "rank_ja_sales", "lang": "ja_JP",
             "group_ids": [(4, self.env.ref("sales_team.group_sale_salesman").id)]}
        )
        english_deal = self._won(self._customer("English side"), completion=0)
        japanese_deal = self._won(self._customer("Japanese side"), completion=0, user_id=japanese.id)
        english_deal_2 = self._won(self._customer("English again"), completion=0)
        self.Item._cron_schedule_activities()
        for deal in (english_deal, japanese_deal, english_deal_2):
            item = self._items(deal)[0]
            self.assertEqual(item.activity_id.res_id, deal.id, deal.name)
        self.assertIn("点検", self._items(japanese_deal)[0].activity_id.summary)

    def test_activity_of_a_job_without_salesperson_in_the_team_leaders_language(self):
        """Without a salesperson the activity goes to the sales team's leader, written in their language."""
        leader = self.env["res.users"].create(
            {"name": "Ja Leader", "login": "rank_ja_leader", "lang": "ja_JP",
             "group_ids": [(4, self.env.ref("sales_team.group_sale_salesman").id)]}
        )
        self.team.user_id = leader
        deal = self._won(self._customer("No salesperson"), completion=0, user_id=False)
        self.Item._cron_schedule_activities()
        activity = self._items(deal)[0].activity_id
        self.assertEqual(activity.user_id, leader)
        self.assertIn("点検", activity.summary)

    def test_job_without_company_follows_the_current_company_s_settings(self):
        """A deal without a company (shared) gets the notice and grace period of the company that
        runs the scheduled actions, not built-in defaults (30 days of notice missed every 1-month
        inspection of a 31-day month even where the company had set 31)."""
        self.company.write({"crm_aftercare_notice_days": 0, "crm_aftercare_grace_days": 10})
        soon = self._won(self._customer("Shared soon"), completion=-10, user_id=False, company_id=False)
        late = self._won(self._customer("Shared late"), completion=-45, user_id=False, company_id=False)
        self.assertFalse(soon.company_id | late.company_id)
        self.Item._cron_schedule_activities()
        self.assertFalse(self._items(soon)[0].activity_id, "20 days away, the company's notice is 0 days")
        # the 1-month inspection was due about 15 days ago: past the company's 10 days of grace
        self.assertEqual(self._items(late, state="missed").mapped("key"), [1])

    def test_campaign_picks_customers_by_due_item(self):
        """The campaign wizard takes the customers with an after-care item coming due."""
        roof = self.env["crm.tag"].create({"name": "Roof", "crm_inspection_plan": "1y"})
        soon = self._customer("Inspection next month")
        self._won(soon, completion=0)  # the company's plan: 1 month first
        later = self._customer("Inspection next year")
        self._won(later, completion=0, tag_ids=[(4, roof.id)])
        heater = self._customer("Heater warranty")
        self._won(heater, completion=0, tag_ids=[(4, self.water_heater.id)])  # 5-year warranty
        Campaign = self.env["crm.rank.campaign"].with_user(self.salesman)
        within_3 = Campaign.create({"crm_rank": False, "aftercare_kind": "inspection", "aftercare_months": 3})
        self.assertIn(soon, within_3.customer_ids)
        self.assertIn(heater, within_3.customer_ids)  # the heater's 1-month inspection
        self.assertNotIn(later, within_3.customer_ids)
        line = within_3.line_ids.filtered(lambda line: line.partner_id == soon)
        self.assertRegex(line.next_aftercare_name, r"^1-month inspection: ")
        within_12 = Campaign.create({"crm_rank": False, "aftercare_kind": "inspection", "aftercare_months": 12})
        self.assertIn(later, within_12.customer_ids)
        warranty = Campaign.create({"crm_rank": False, "aftercare_kind": "warranty", "aftercare_months": 60})
        self.assertEqual(warranty.customer_ids, heater)
        # overdue items count: the 1-month inspection of a job completed two months ago
        late = self._customer("Overdue inspection")
        self._won(late, completion=-62)
        self.assertIn(late, Campaign.create({"crm_rank": False, "aftercare_kind": "inspection"}).customer_ids)

    def test_campaign_due_item_bad_input(self):
        Campaign = self.env["crm.rank.campaign"].with_user(self.salesman)
        for vals in ({"aftercare_kind": "inspection", "aftercare_months": -1}, {"aftercare_months": 1201}):
            with self.subTest(vals=vals), self.assertRaisesRegex(ValidationError, "within 0 to 120 months"):
                Campaign.create(vals)
        with self.assertRaisesRegex(ValidationError, "not a valid value"):
            Campaign.create({"aftercare_kind": "season"})



@tagged("post_install", "-at_install")
class TestGreetingCards(CrmRankCase):
    def test_new_year_list_skips_mourning_and_defected(self):
        address = {"zip": "150-0001", "city": "渋谷区", "street": "神宮前1-1"}
        past = self._customer("Past customer", **address)
        self._won(past)
        mourning = self._customer("In mourning", crm_mourning_year=2026, **address)
        self._won(mourning)
        defected = self._customer("Defected", **address)
        self._won(defected)
        defected._crm_rank_mark_defected("complaint")
        prospect = self._customer("Only asked", **address)
        self._deal(prospect)
        self._flush()
        wizard = self.env["crm.rank.greeting"].with_user(self.salesman).create({"season": "new_year", "year": 2027})
        self.assertIn(past, wizard.customer_ids)
        self.assertNotIn(mourning, wizard.customer_ids)
        self.assertEqual(wizard.mourning_ids, mourning)
        self.assertNotIn(defected, wizard.customer_ids | wizard.mourning_ids)
        self.assertNotIn(prospect, wizard.customer_ids)
        action = wizard.action_export()
        attachment_id = int(action["url"].split("/web/content/")[1].split("?")[0])
        content = base64.b64decode(self.env["ir.attachment"].browse(attachment_id).datas).decode("utf-8-sig")
        self.assertIn("寒中見舞い", content)
        self.assertIn("Past customer 様", content)
        summer = self.env["crm.rank.greeting"].create({"season": "summer", "year": 2027})
        self.assertIn(mourning, summer.customer_ids)
