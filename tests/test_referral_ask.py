"""Asking for a referral once per completed construction, and keeping the answer."""

import datetime

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import CrmRankCase

REFERRAL_ASK = "crm_customer_rank.mail_activity_type_referral_ask"


@tagged("post_install", "-at_install")
class TestReferralAsk(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.crm_rank_referral_ask_days = 30
        cls.ask_type = cls.env.ref(REFERRAL_ASK)
        Stage = cls.env["project.project.stage"]
        cls.project_running = Stage.create({"name": "Under construction", "sequence": 1})
        cls.project_done = Stage.create({"name": "Handed over", "sequence": 2, "fold": True})


    def _cron(self):
        self._run_scheduled_actions()

    def _asks(self, deals):
        return (
            self.env["mail.activity"]
            .with_context(active_test=False)
            .search(
                [
                    ("res_model", "=", "crm.lead"),
                    ("res_id", "in", deals.ids),
                    ("activity_type_id", "=", self.ask_type.id),
                ]
            )
        )

    def _record(self, activity, outcome, note=False):
        action = activity.with_context(crm_outcome_prompt=True).action_done()
        self.assertEqual(action["res_model"], "crm.rank.referral.outcome")
        wizard = Form(self.env[action["res_model"]].with_context(**action["context"]))
        wizard.outcome = outcome
        if note:
            wizard.note = note
        return wizard.save().action_confirm()

    def test_asked_once_per_completed_construction(self):
        customer = self._customer("Suzuki Ichiro")
        deal = self._won(customer, completion=0)
        with self._at(29):
            self._cron()
        self.assertFalse(self._asks(deal), "not before the number of days")
        with self._at(30):
            self._cron()
            ask = self._asks(deal)
            self.assertEqual(len(ask), 1)
            self.assertEqual(ask.user_id, self.salesman)
            self.assertEqual(ask.date_deadline, self.today + datetime.timedelta(days=30))
            self.assertEqual(deal.referral_ask_date, self.today + datetime.timedelta(days=30))
            self.assertIn("Suzuki Ichiro", str(ask.note))
            self._cron()
        with self._at(31):
            self._cron()
            self.env["crm.rank.referral.ask"]._cron_schedule()
        self.assertEqual(self._asks(deal), ask, "a rerun adds none")
        ask.action_feedback()
        with self._at(60):
            self._cron()
        self.assertEqual(self._asks(deal), ask, "a done request is not repeated")

    def test_reopened_and_completed_again(self):
        customer = self._customer("Reopened project")
        deal = self._won(customer)
        project = self.env["project.project"].create({"name": "Kitchen", "stage_id": self.project_running.id})
        deal.project_id = project
        with self._at(0):
            project.stage_id = self.project_done
        self.assertEqual(deal.completion_date, self.today)
        with self._at(30):
            self._cron()
        first = self._asks(deal)
        self.assertEqual(len(first), 1)
        with self._at(35):
            project.stage_id = self.project_running  # a defect: the work starts again
            self.assertFalse(deal.completion_date)
            self.assertRank(customer, "contracted", "construction")
        with self._at(40):
            project.stage_id = self.project_done
        self.assertEqual(deal.completion_date, self.today + datetime.timedelta(days=40))
        with self._at(70):
            self._cron()
        with self._at(71):
            self._cron()
        self.assertEqual(self._asks(deal), first, "one request per construction, however often it is completed")

    def test_one_request_per_completed_deal(self):
        customer = self._customer("Two constructions")
        bathroom = self._won(customer, completion=0, name="Bathroom")
        roof = self._won(customer, completion=10, name="Roof")
        with self._at(40):
            self._cron()
        self.assertEqual(len(self._asks(bathroom)), 1)
        self.assertEqual(len(self._asks(roof)), 1)

    def test_not_for_defected_or_lost_customers(self):
        defected = self._customer("Complained")
        defected_deal = self._won(defected, completion=0)
        defected.is_defected = True
        lost = self._customer("Lost the next deal")
        lost_deal = self._won(lost, completion=0)
        with self._at(5):
            self._lost(lost, name="Garden")
        self.assertRank(lost, "lost")
        with self._at(30):
            self._cron()
        self.assertFalse(self._asks(defected_deal | lost_deal))
        self.assertFalse(any((defected_deal | lost_deal).mapped("referral_ask_date")))

    def test_off_and_late(self):
        customer = self._customer("Off")
        deal = self._won(customer, completion=0)
        self.company.crm_rank_referral_ask_days = 0
        with self._at(30):
            self._cron()
        self.assertFalse(self._asks(deal), "0 turns the requests off")
        self.company.crm_rank_referral_ask_days = 30
        with self._at(30 + 61):
            self._cron()
        self.assertFalse(self._asks(deal), "more than 60 days late: not asked any more")
        with self._at(30 + 60):
            self._cron()
        self.assertEqual(len(self._asks(deal)), 1)

    def test_salesperson_fallback(self):
        leader = self.sales_manager
        team = self.env["crm.team"].create({"name": "Led", "user_id": leader.id})
        customer = self._customer("Salesperson left")
        deal = self._won(customer, completion=0, team_id=team.id)
        self.salesman.action_archive()
        with self._at(30):
            self._cron()
        self.assertEqual(self._asks(deal).user_id, leader)

    def test_outcomes_recorded_on_the_deal(self):
        deals = {}
        for outcome in ("asked", "declined", "referred"):
            deals[outcome] = self._won(self._customer(f"Answer {outcome}"), completion=0)
        with self._at(30):
            self._cron()
        for outcome, deal in deals.items():
            with self.subTest(outcome=outcome):
                ask = self._asks(deal)
                self.assertEqual(ask.crm_outcome_kind, "referral")
                result = self._record(ask, outcome, note="Asked at the handover party")
                self.assertFalse(ask.active, "done")
                self.assertEqual(deal.referral_ask_outcome, outcome)
                if outcome == "referred":
                    self.assertEqual(result["res_model"], "crm.lead")
                else:
                    self.assertEqual(result["type"], "ir.actions.act_window_close")

    def test_referred_someone_opens_a_new_inquiry(self):
        """How a contracted customer becomes a referral customer."""
        customer = self._customer("Referrer")
        deal = self._won(customer, completion=0)
        with self._at(30):
            self._cron()
            self.assertRank(customer, "contracted", "after_care")
            action = self._record(self._asks(deal), "referred")
            self.assertEqual(action["context"]["default_referrer_partner_id"], customer.id)
            with Form(self.env["crm.lead"].with_context(**action["context"])) as form:
                form.name = "Neighbour's bathroom"
                form.partner_id = self._customer("Neighbour")
            self.assertEqual(form.record.referrer_partner_id, customer)
            self.assertRank(customer, "referral", "referrals")

    def test_server_side_done_means_asked(self):
        customer = self._customer("Through the API")
        deal = self._won(customer, completion=0)
        with self._at(30):
            self._cron()
        self._asks(deal).action_feedback(feedback="Called")
        self.assertEqual(deal.referral_ask_outcome, "asked")
        other = self._won(self._customer("API with outcome"), completion=0)
        with self._at(30):
            self._cron()
        self._asks(other).with_context(crm_referral_ask_outcome="declined").action_feedback()
        self.assertEqual(other.referral_ask_outcome, "declined")

    def test_no_query_per_deal(self):
        """Scheduling 9 requests takes as many queries as scheduling 3."""
        deals = [self._won(self._customer(f"Batch {i}"), completion=0) for i in range(13)]
        for deal in deals:
            deal.referral_ask_date = self.today
        with self._at(30):
            self.env["crm.rank.referral.ask"]._cron_schedule()  # other due deals (demo data)
        counts = []
        # the first round (one deal) warms the caches up; then 3 and 9 deals
        for start, stop in ((12, 13), (0, 3), (3, 12)):
            for deal in deals[start:stop]:
                deal.referral_ask_date = False
            with self._at(30):
                created, count = self._count_queries(self.env["crm.rank.referral.ask"]._cron_schedule)
            counts.append(count)
            self.assertEqual(len(created), stop - start)
            created.unlink()
        self.assertEqual(counts[1], counts[2], f"queries for 1, 3 and 9 deals: {counts}")

    def test_setting(self):
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.crm_rank_referral_ask_days, 30)
        settings.crm_rank_referral_ask_days = 45
        settings.execute()
        self.assertEqual(self.company.crm_rank_referral_ask_days, 45)
        with self.assertRaises(ValidationError):
            self.company.crm_rank_referral_ask_days = -1
