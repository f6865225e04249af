"""One meaning of "last lost reason": the form, the playbook and the reactivation note agree."""

import datetime

from odoo import fields
from odoo.tests import tagged

from .common import CrmRankCase


@tagged("post_install", "-at_install")
class TestLastLostReason(CrmRankCase):
    def test_a_later_loss_without_reason_does_not_hide_the_reason(self):
        """A salesperson in a hurry loses a second deal without a reason: every
        screen still names the reason the customer gave last."""
        customer = self._customer("Lost twice, once without a word")
        now = fields.Datetime.now()
        reasoned = self._lost(customer, name="Roof")
        unreasoned = self._deal(customer, name="Gutter")
        unreasoned.action_set_lost()
        self.assertFalse(unreasoned.lost_reason_id)
        (reasoned | unreasoned).invalidate_recordset()
        reasoned.date_closed = now - datetime.timedelta(days=60)
        unreasoned.date_closed = now - datetime.timedelta(days=30)
        self.assertRank(customer, "lost", "last_deal_lost")
        customer.invalidate_recordset()
        self.assertEqual(customer.crm_last_lost_reason_id, self.lost_reason, "the form")
        self.assertIn(f"Last lost reason: {self.lost_reason.name}", customer.crm_rank_guidance, "the playbook")
        # then the customer signs, the work is completed, and they go quiet
        won = self._won(customer, completion=0, name="Bathroom")
        won.date_closed = now - datetime.timedelta(days=10)
        with self._at(400):
            self._run_scheduled_actions()
            self.assertRank(customer, "dormant", "quiet")
        activity = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", customer.id), ("automated", "=", True)]
        )
        self.assertEqual(len(activity), 1)
        self.assertIn(f"<b>Last lost reason</b>: {self.lost_reason.name}", str(activity.note), "the note")
        customer.invalidate_recordset()
        self.assertEqual(customer.crm_last_lost_reason_id, self.lost_reason, "the form, still")

    def test_never_lost_with_a_reason(self):
        customer = self._customer("Lost without a word")
        deal = self._deal(customer)
        deal.action_set_lost()
        self.assertRank(customer, "lost", "last_deal_lost")
        self.assertFalse(customer.crm_last_lost_reason_id)
        self.assertFalse(customer.crm_last_lost_category)
