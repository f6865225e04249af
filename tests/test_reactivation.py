"""Dormant customers found on time, handed to the right person, with the facts."""

import datetime
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import format_date

from odoo.addons.crm_customer_rank.lib import facts as rank_facts

from .common import CrmRankCase

CALL = "crm_customer_rank.mail_activity_type_reactivation_call"
EMAIL = "crm_customer_rank.mail_activity_type_reactivation_email"
DIRECT_MAIL = "crm_customer_rank.mail_activity_type_direct_mail"
FAX = "crm_customer_rank.mail_activity_type_fax"


class ReactivationCase(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.painting = cls.env["crm.tag"].create(
            {
                "name": "Exterior painting",
                "crm_rank_dormancy_days": 100,
                "crm_rank_outreach_months": "3,4,9,10",
            }
        )
        cls.water_heater = cls.env["crm.tag"].create({"name": "Water heater", "crm_rank_dormancy_days": 200})
        cls.kitchen = cls.env["crm.tag"].create({"name": "Kitchen"})  # company's period
        cls.activity_types = {xmlid: cls.env.ref(xmlid) for xmlid in (CALL, EMAIL, DIRECT_MAIL, FAX)}


    def _cron(self):
        self._run_scheduled_actions()

    def _activities(self, partners):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "in", partners.ids),
                ("activity_type_id", "in", [t.id for t in self.activity_types.values()]),
            ]
        )


@tagged("post_install", "-at_install")
class TestReactivationThresholds(ReactivationCase):
    def test_period_of_the_kind_of_work(self):
        customer = self._customer("Painted house")
        self._won(customer, completion=0, tag_ids=[Command.set(self.painting.ids)])
        with self._at(99):
            self._cron()
        self.assertRank(customer, "contracted")
        with self._at(100):
            self._cron()
        self.assertRank(customer, "dormant", "quiet")

    def test_shortest_period_of_several_kinds(self):
        customer = self._customer("Painted house with a new heater")
        tags = self.painting | self.water_heater | self.kitchen
        self._won(customer, completion=0, tag_ids=[Command.set(tags.ids)])
        with self._at(100):
            self._cron()
        self.assertRank(customer, "dormant")

    def test_period_of_the_last_completed_work(self):
        """An older painting job does not shorten the period of a later kitchen."""
        customer = self._customer("Kitchen after painting")
        self._won(customer, completion=5, name="Painting", tag_ids=[Command.set(self.painting.ids)])
        self._won(customer, completion=10, name="Kitchen", tag_ids=[Command.set(self.kitchen.ids)])
        with self._at(200):
            self._cron()
            self.assertRank(customer, "contracted", "after_care")
        with self._at(375):
            self._cron()
            self.assertRank(customer, "dormant")

    def test_tag_without_period_uses_company_period(self):
        customer = self._customer("Kitchen only")
        self._won(customer, completion=0, tag_ids=[Command.set(self.kitchen.ids)])
        with self._at(364):
            self._cron()
        self.assertRank(customer, "contracted")
        with self._at(365):
            self._cron()
        self.assertRank(customer, "dormant")

    def test_outreach_months_validated_and_normalized(self):
        self.water_heater.crm_rank_outreach_months = "１１、 12 ,1"
        self.assertEqual(self.water_heater.crm_rank_outreach_months, "1,11,12")
        with self.assertRaisesRegex(ValidationError, "13"):
            self.water_heater.crm_rank_outreach_months = "11,13"
        with self.assertRaises(ValidationError):
            self.water_heater.crm_rank_dormancy_days = -1
        with Form(self.env["crm.tag"]) as form:
            form.name = "Bathroom"
            form.crm_rank_outreach_months = "6"
        self.assertEqual(form.record.crm_rank_outreach_months, "6")

    def _dormant_on(self, day, tags):
        """A customer whose dormancy (100 days for painting) starts on ``day``."""
        customer = self._customer(f"Seasonal {day}")
        deal = self._won(customer, tag_ids=[Command.set(tags.ids)])
        deal.completion_date = day - datetime.timedelta(days=100)
        with self._frozen(datetime.datetime.combine(day, datetime.time(9))):
            self._cron()
            self.assertRank(customer, "dormant")
        return self._activities(customer)

    def _next(self, month, day=1, after=200):
        """The first ``month``/``day`` at least ``after`` days from today."""
        start = self.today + datetime.timedelta(days=after)
        candidate = datetime.date(start.year, month, day)
        return candidate if candidate >= start else candidate.replace(year=start.year + 1)

    def test_seasonal_deadline_moves_to_next_outreach_month(self):
        january = self._next(1, 15)
        activity = self._dormant_on(january, self.painting)
        self.assertEqual(activity.date_deadline, datetime.date(january.year, 3, 1))
        november = self._next(11, 20)
        activity = self._dormant_on(november, self.painting)
        self.assertEqual(activity.date_deadline, datetime.date(november.year + 1, 3, 1))

    def test_seasonal_deadline_today_in_outreach_month(self):
        april = self._next(4, 10)
        activity = self._dormant_on(april, self.painting)
        self.assertEqual(activity.date_deadline, april)

    def test_deadline_today_without_outreach_months(self):
        january = self._next(1, 15)
        activity = self._dormant_on(january, self.painting | self.water_heater)
        self.assertEqual(activity.date_deadline, datetime.date(january.year, 3, 1), "months of any tag count")
        self.water_heater.crm_rank_dormancy_days = 100
        activity = self._dormant_on(january, self.water_heater)
        self.assertEqual(activity.date_deadline, january)


@tagged("post_install", "-at_install")
class TestReactivationActivities(ReactivationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.leader = new_test_user(
            cls.env, login="rank_leader", groups="sales_team.group_sale_manager", name="Team Leader"
        )
        cls.gone = new_test_user(cls.env, login="rank_gone", groups="sales_team.group_sale_salesman", name="Gone")
        cls.own = new_test_user(cls.env, login="rank_own", groups="sales_team.group_sale_salesman", name="Own")
        cls.led_team = cls.env["crm.team"].create({"name": "Led Team", "user_id": cls.leader.id})

    def test_one_activity_per_newly_dormant_customer(self):
        customers = [self._customer(f"Quiet {i}", phone=f"03-1234-000{i}") for i in range(3)]
        for customer in customers:
            self._won(customer, completion=0)
        partners = self.env["res.partner"].union(*customers)
        with self._at(365):
            self._cron()
        activities = self._activities(partners)
        self.assertEqual(sorted(activities.mapped("res_id")), sorted(partners.ids))
        self.assertEqual(activities.activity_type_id, self.activity_types[CALL])
        self.assertEqual(activities.user_id, self.salesman)
        self.assertEqual(set(activities.mapped("date_deadline")), {self.today + datetime.timedelta(days=365)})
        self.assertTrue(all(activities.mapped("automated")))
        with self._at(366):
            self._cron()
            self.env["res.partner"]._crm_rank_update_all(cause="deal")
        self.assertEqual(self._activities(partners), activities, "a rerun adds none")

    def test_full_update_hands_its_facts_to_the_activities(self):
        """The activities of the customers the full update makes dormant are written from
        the facts the update has just read (not read again), as a fresh read writes them."""
        customers = self.env["res.partner"].create(
            [{"name": f"Read once {i}", "phone": "03-0000-0000"} for i in range(3)]
        )
        for customer in customers:
            self._won(customer, completion=0, tag_ids=[Command.set(self.kitchen.ids)])
        with self._at(20):
            customers[0].message_post(body="Asked about the warranty", message_type="comment")
        real_rows = rank_facts.customer_rows
        calls = []

        def customer_rows(env, partner_ids, *args, **kwargs):
            calls.append(sorted(partner_ids))
            return real_rows(env, partner_ids, *args, **kwargs)

        with self._at(400), patch.object(rank_facts, "customer_rows", customer_rows):
            self._update_all()
            self.assertEqual(len(calls), 1, "the facts are read once, by the engine")
            activities = self._activities(customers)
            self.assertEqual(sorted(activities.mapped("res_id")), sorted(customers.ids))
            notes = {activity.res_id: str(activity.note) for activity in activities}
            activities.unlink()
            self.env["crm.rank.reactivation"]._schedule(customers.ids)
            self.assertEqual(calls[1:], [sorted(customers.ids)], "read again outside the full update")
            fresh = {activity.res_id: str(activity.note) for activity in self._activities(customers)}
        self.assertEqual(notes, fresh)
        self.assertIn(format_date(self.env, self.today + datetime.timedelta(days=20)), notes[customers[0].id])
        self.assertIn("Kitchen", notes[customers[1].id])

    def test_no_second_open_activity(self):
        """A customer coming back to dormant while the last activity is still open gets none."""
        customer = self._customer("Twice dormant", phone="090-0000-0000")
        self._won(customer, completion=0)
        with self._at(365):
            self._cron()
        first = self._activities(customer)
        self.assertEqual(len(first), 1)
        with self._at(370):
            self._deal(customer, name="Quote for a roof").action_set_lost(lost_reason_id=self.lost_reason.id)
            self.assertRank(customer, "lost")
            self._lost_then_dormant(customer)
        self.assertEqual(self._activities(customer), first)
        first.action_feedback("Called, no answer")
        self.assertFalse(self._activities(customer), "done activities are not open")

    def _lost_then_dormant(self, customer):
        """Re-win and complete to put the customer back in dormant as the engine would."""
        self.env["crm.lead"].with_context(active_test=False).search(
            [("partner_id", "=", customer.id), ("won_status", "=", "lost")]
        ).unlink()
        self.env["res.partner"]._crm_rank_update_all(cause="deal")
        self.assertRank(customer, "dormant")

    def test_install_schedules_nothing(self):
        customer = self._customer("Old customer at install")
        self._won(customer, completion=0)
        with self._at(400):
            self.env["res.partner"]._crm_rank_update_all(cause="install")
        self.assertRank(customer, "dormant")
        self.assertFalse(self._activities(customer))

    def test_defected_customer_never_gets_one(self):
        customer = self._customer("Complained", phone="03-0000-0000")
        self._won(customer, completion=0)
        customer.is_defected = True
        self.assertRank(customer, "defected")
        with self._at(400):
            self._cron()
            activities = self.env["crm.rank.reactivation"]._schedule(customer.ids)
        self.assertFalse(activities)
        self.assertFalse(self._activities(customer))

    def test_salesperson_fallback(self):
        salesperson = self._customer("Followed by the salesperson")
        self._won(salesperson, completion=0)
        leader = self._customer("Salesperson left, team leader takes over")
        self._won(leader, completion=0, user_id=self.gone.id, team_id=self.led_team.id)
        own = self._customer("Reassigned by a manager after the win")
        self._won(own, completion=0, user_id=self.gone.id)
        own.user_id = self.own
        nobody = self._customer("Nobody left")
        self._won(nobody, completion=0, user_id=False, team_id=False)
        self.gone.action_archive()
        with self._at(365):
            self._cron()
        for partner, user in (
            (salesperson, self.salesman),
            (leader, self.leader),
            (own, self.own),
            (nobody, self.env["res.users"]),
        ):
            with self.subTest(partner=partner.name):
                activity = self._activities(partner)
                self.assertEqual(len(activity), 1)
                self.assertEqual(activity.user_id, user)

    def test_channel_choice(self):
        self.env["mail.blacklist"].create({"email": "blocked@example.com"})
        cases = {
            "phone": (self._customer("Phone", phone="03-1111-2222", email="a@example.com"), CALL),
            "email": (self._customer("Email", email="b@example.com", zip="100-0001"), EMAIL),
            "blacklisted": (
                self._customer("Blacklisted", email="blocked@example.com", street="1-1 Chiyoda", city="Tokyo"),
                DIRECT_MAIL,
            ),
            "street only": (self._customer("Street only", street="1-1", fax="03-9999-0000"), FAX),
            "nothing": (self._customer("No data"), CALL),
            "prefers fax": (
                self._customer("Prefers fax", phone="03-1111-3333", fax="03-1111-4444", crm_contact_channel="fax"),
                FAX,
            ),
            "prefers mail, no address": (
                self._customer("Prefers mail", email="c@example.com", crm_contact_channel="direct_mail"),
                EMAIL,
            ),
        }
        for partner, _xmlid in cases.values():
            self._won(partner, completion=0)
        with self._at(365):
            self._cron()
        for case, (partner, xmlid) in cases.items():
            with self.subTest(case=case):
                self.assertEqual(self._activities(partner).activity_type_id, self.activity_types[xmlid])

    def test_contact_persons_share_the_preference(self):
        company = self._customer("Kobayashi Komuten", is_company=True, crm_contact_channel="fax")
        person = self._customer("Kobayashi Jiro", parent_id=company.id)
        self.assertEqual(person.crm_contact_channel, "fax")

    def test_no_query_per_customer(self):
        """Scheduling for 9 customers takes as many queries as for 3."""
        customers = self.env["res.partner"].create(
            [{"name": f"Batch {i}", "phone": "03-0000-0000", "zip": "100-0001"} for i in range(13)]
        )
        for customer in customers:
            self._won(customer, completion=0, tag_ids=[Command.set((self.painting | self.kitchen).ids)])
        with self._at(365):
            self._cron()
            self._activities(customers).unlink()
            Reactivation = self.env["crm.rank.reactivation"]
            # the daily jobs changed a system parameter (Inquiries and Contracts' count), which
            # empties Odoo's caches of models and access rights: the first call refills them
            warm_up, customers = customers[-1:], customers[:-1]
            Reactivation._schedule(warm_up.ids)
            counts = []
            for batch in (customers[:3], customers[3:]):
                activities, count = self._count_queries(Reactivation._schedule, batch.ids)
                counts.append(count)
                self.assertEqual(len(activities), len(batch))
        self.assertEqual(counts[0], counts[1], f"queries for 3 and 9 customers: {counts}")

    def test_reactivation_and_rate(self):
        came_back = self._customer("Came back")
        self._won(came_back, completion=0)
        stayed = self._customer("Stayed away")
        self._won(stayed, completion=0)
        only_called = self._customer("Only called", phone="03-0000-0001")
        self._won(only_called, completion=0)
        with self._at(365):
            self._cron()
        dormant = self.env["crm.rank.history"].search(
            [("partner_id", "in", (came_back | stayed | only_called).ids), ("became_dormant", "=", True)]
        )
        self.assertEqual(len(dormant), 3)
        self.assertEqual(dormant.salesperson_id, self.salesman)
        with self._at(400):
            self._deal(came_back, name="New bathroom")
            self._activities(only_called).action_feedback("Talked, all fine")
        with self._at(401):
            self._cron()
        self.assertRank(only_called, "contracted", "after_care")
        self.assertTrue(self._history(came_back)[-1].is_reactivation)
        self.assertFalse(self._history(only_called)[-1].is_reactivation, "a call is not a reactivation")
        self._flush()
        Report = self.env["crm.rank.reactivation.report"]
        [(user, dormant_count, reactivated, rate)] = Report._read_group(
            [("partner_id", "in", (came_back | stayed | only_called).ids)],
            ["user_id"],
            ["dormant_count:sum", "reactivated_count:sum", "reactivation_rate:avg"],
        )
        self.assertEqual((user, dormant_count, reactivated), (self.salesman, 3, 1))
        self.assertAlmostEqual(rate, 100 / 3)
        row = Report.search([("partner_id", "=", came_back.id)])
        self.assertAlmostEqual(row.days_to_reactivation, 35, places=0)


@tagged("post_install", "-at_install")
class TestReactivationFacts(ReactivationCase):
    def test_facts_on_realistic_data(self):
        flyer = self.env["utm.source"].create({"name": "Newspaper flyer"})
        post = self.env["utm.medium"].create({"name": "Post"})
        customer = self._customer("Yamada Hanako", phone="045-123-4567")
        contact_person = self._customer("Yamada Taro", parent_id=customer.id)
        with self._at(-30):
            first = self._deal(
                customer, name="Bathroom inquiry", lead_type="lead", source_id=flyer.id, medium_id=post.id
            )
            first.action_set_lost(lost_reason_id=self.lost_reason.id)
        self._won(customer, completion=0, name="Bathroom", expected_revenue=1_200_000)
        self._won(
            contact_person,
            completion=3,
            name="Exterior painting",
            expected_revenue=800_000,
            tag_ids=[Command.set((self.painting | self.water_heater).ids)],
        )
        with self._at(20):
            customer.message_post(body="Thanked us for the painting", message_type="comment")
        with self._at(120):
            self._cron()
            self.assertRank(customer, "dormant")
            customer.invalidate_recordset()
            self.assertEqual(customer.crm_days_since_contact, 100)
            self.assertEqual(customer.crm_last_contract_date, self.today)
            self.assertEqual(customer.crm_days_since_contract, 120)
            self.assertEqual(customer.crm_won_deal_count, 2)
            self.assertEqual(customer.crm_won_amount, 2_000_000)
            self.assertEqual(customer.crm_first_source_id, flyer)
            self.assertEqual(customer.crm_first_medium_id, post)
            self.assertEqual(customer.crm_last_lost_reason_id, self.lost_reason)
            self.assertEqual(customer.crm_last_work_tag_ids, self.painting | self.water_heater)
            self.assertEqual(contact_person.crm_won_amount, 2_000_000, "contacts show their company's facts")
        activity = self._activities(customer)
        self.assertEqual(activity.activity_type_id, self.activity_types[CALL])
        note = str(activity.note)
        self.assertNotIn("days ago", note, "a day count in a note goes stale next to the live one")
        for text in (
            "Last contact",
            format_date(self.env, self.today + datetime.timedelta(days=20)),  # last contact
            format_date(self.env, self.today),  # last contract
            "Won deals</b>: 2",
            "2,000,000",
            "Exterior painting, Water heater",
            "Newspaper flyer / Post",
            "Too expensive",
            "Defected</b>: No",
        ):
            self.assertIn(text, note)

    def test_facts_of_a_new_customer(self):
        customer = self._customer("Just asked")
        self._deal(customer, lead_type="lead")
        self.assertEqual(customer.crm_days_since_contact, 0)
        self.assertFalse(customer.crm_last_contract_date)
        self.assertEqual(customer.crm_won_amount, 0)
        self.assertFalse(customer.crm_last_work_tag_ids)
        with Form(customer) as form:  # the "Reactivation Facts" group of the customer form
            self.assertEqual(form.crm_days_since_contact, 0)
            form.crm_contact_channel = "email"
            form.fax = "03-5555-0000"
        self.assertEqual((customer.crm_contact_channel, customer.fax), ("email", "03-5555-0000"))

    def test_note_escapes_names(self):
        customer = self._customer("Escaped")
        tag = self.env["crm.tag"].create({"name": "<b>Roof</b>"})
        self._won(customer, completion=0, tag_ids=[Command.set(tag.ids)])
        with self._at(365):
            self._cron()
        note = str(self._activities(customer).note)
        self.assertIn("&lt;b&gt;Roof&lt;/b&gt;", note)
        self.assertNotIn("<b>Roof</b>", note)
