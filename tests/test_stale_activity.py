"""Activities a rank change made pointless are cancelled, with a note saying why."""

from unittest.mock import patch

from odoo.tests import tagged

from ..models import crm_rank_engine as engine_module
from .common import CrmRankCase

CALL = "crm_customer_rank.mail_activity_type_reactivation_call"
REFERRAL_ASK = "crm_customer_rank.mail_activity_type_referral_ask"


@tagged("post_install", "-at_install")
class TestStaleActivity(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.budget = cls.env.ref("crm_customer_rank.crm_lost_reason_budget")
        cls.complaint = cls.env.ref("crm_customer_rank.crm_lost_reason_complaint")

    def _activities(self, records, **domain):
        return self.env["mail.activity"].search(
            [("res_model", "=", records._name), ("res_id", "in", records.ids)]
            + [(key, "=", value) for key, value in domain.items()]
        )

    def _dormant_with_call(self, name="Dormant Customer"):
        customer = self._customer(name, phone="+81 3-1111-2222")
        self._won(customer, completion=0)
        with self._at(366):
            self._run_scheduled_actions()
        self.assertRank(customer, "dormant")
        call = self._activities(customer, activity_type_id=self.env.ref(CALL).id)
        self.assertEqual(len(call), 1)
        return customer

    def _logged(self, record, text):
        return record.message_ids.filtered(lambda message: text in (message.body or ""))

    def assertCancelled(self, record, rank_label):
        messages = self._logged(record, "cancelled")
        self.assertEqual(len(messages), 1, record.message_ids.mapped("body"))
        self.assertIn(f"the customer is now {rank_label}", messages.body)
        # a log, not a contact: no done activity, no outcome
        self.assertEqual(messages.message_type, "notification")
        self.assertFalse(messages.mail_activity_type_id)

    def test_defected_dormant_customer_call_cancelled(self):
        customer = self._dormant_with_call()
        with self._at(367):
            customer._crm_rank_mark_defected("complaint")
        self.assertRank(customer, "defected")
        self.assertFalse(self._activities(customer))
        self.assertCancelled(customer, "Defected")
        self.assertFalse(self.env["crm.rank.quiet.reason"].search([("partner_id", "=", customer.id)]))

    def test_reactivated_customer_call_cancelled(self):
        customer = self._dormant_with_call()
        with self._at(367):
            self._deal(customer, name="New kitchen")
        self.assertRank(customer, "prospect")
        self.assertFalse(self._activities(customer))
        self.assertCancelled(customer, "Prospect")

    def test_other_activities_stay(self):
        """Only the activities the change made pointless go: a to-do stays."""
        customer = self._dormant_with_call()
        todo = customer.activity_schedule("mail.mail_activity_data_todo", summary="Send the brochure")
        with self._at(367):
            self._deal(customer, name="New kitchen")
        self.assertEqual(self._activities(customer), todo)

    def test_referral_ask_cancelled_when_defected(self):
        customer = self._customer("Referral Ask Customer")
        deal = self._won(customer, completion=0)
        ask = deal.activity_schedule(REFERRAL_ASK, user_id=self.salesman.id)
        customer._crm_rank_mark_defected("competitor")
        self._flush()
        self.assertFalse(ask.exists())
        self.assertCancelled(deal, "Defected")

    def test_referral_ask_cancelled_when_lost(self):
        customer = self._customer("Lost Again")
        deal = self._won(customer, completion=0)
        ask = deal.activity_schedule(REFERRAL_ASK, user_id=self.salesman.id)
        self._lost(customer, name="Garden")
        self.assertRank(customer, "lost")
        self._flush()  # the commit: what the change causes
        self.assertFalse(ask.exists())
        self.assertCancelled(deal, "Lost")

    def test_lost_followup_cancelled_when_defected(self):
        customer = self._customer("Lost Budget")
        deal = self._lost(customer, reason=self.budget)
        followup = self._activities(deal).filtered("crm_lost_reason_id")
        self.assertTrue(followup)
        customer._crm_rank_mark_defected("moved")
        self._flush()
        self.assertFalse(followup.exists())
        self.assertCancelled(deal, "Defected")

    def test_lost_followup_survives_a_restore(self):
        """The deal is open again: its follow-up stays for when it is lost again."""
        customer = self._customer("Back Again")
        deal = self._lost(customer, reason=self.budget)
        followup = self._activities(deal).filtered("crm_lost_reason_id")
        deal.action_unarchive()
        self.assertRank(customer, "prospect")
        self.assertTrue(followup.exists())

    def test_complaint_visit_stays_for_the_defected(self):
        """A past customer lost for a complaint is defected: the manager's visit is the point."""
        customer = self._customer("Complaining Customer")
        self._won(customer, completion=0)
        deal = self._lost(customer, reason=self.complaint, name="Repair")
        self.assertRank(customer, "defected")
        self.assertTrue(self._activities(deal).filtered("crm_lost_reason_id"))

    def test_bulk_path(self):
        """Many customers at once (set-based writes): the calls are cancelled too."""
        customers = self._dormant_with_call("Bulk One") | self._dormant_with_call("Bulk Two")
        with patch.object(engine_module, "BULK_MIN_CHANGES", 1), self._at(367):
            customers._crm_rank_mark_defected("other")
        self.assertEqual(set(customers.mapped("crm_rank")), {"defected"})
        self.assertFalse(self._activities(customers))
        for customer in customers:
            self.assertCancelled(customer, "Defected")
