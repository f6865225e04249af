"""The guidance of a lost customer shows the playbook of their last lost reason."""

from odoo.tests import tagged

from .common import CrmRankCase


@tagged("post_install", "-at_install")
class TestGuidancePlaybook(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.budget = cls.env["crm.lost.reason"].create(
            {
                "name": "Over budget",
                "category": "budget",
                "followup_channel": "phone",
                "followup_delay_days": 120,
                "followup_instruction": "Offer the smaller plan with the spring discount",
            }
        )
        cls.lost_guidance = cls.env.ref("crm_customer_rank.guidance_lost").guidance

    def test_lost_guidance_ends_with_the_playbook(self):
        customer = self._customer("Lost on budget", is_company=True)
        contact = self._customer("Contact person", parent_id=customer.id)
        deal = self._lost(customer, reason=self.budget)
        self.assertRank(customer, "lost")
        guidance = customer.crm_rank_guidance
        self.assertTrue(guidance.startswith(self.lost_guidance))
        self.assertIn("Over budget", guidance)
        self.assertIn("Offer the smaller plan with the spring discount", guidance)
        self.assertIn("Phone Call, 120 days after the loss", guidance)
        deal.invalidate_recordset()
        self.assertEqual(deal.crm_rank_guidance, guidance, "the deal shows its customer's guidance")
        contact.invalidate_recordset()
        self.assertEqual(contact.crm_rank_guidance, guidance)

    def test_the_last_lost_reason_counts(self):
        customer = self._customer("Lost twice")
        self._lost(customer, reason=self.budget)
        self._lost(customer, name="Roof", reason=self.lost_reason)
        customer.invalidate_recordset()
        self.assertIn("Too expensive", customer.crm_rank_guidance)
        self.assertNotIn("spring discount", customer.crm_rank_guidance)

    def test_other_ranks_have_no_playbook(self):
        customer = self._customer("Lost then signed")
        self._lost(customer, reason=self.budget)
        self._won(customer)
        customer.invalidate_recordset()
        self.assertRank(customer, "contracted")
        self.assertNotIn("spring discount", customer.crm_rank_guidance)

    def test_same_queries_for_3_or_9_customers(self):
        customers = self.env["res.partner"].create([{"name": f"Lost {i}"} for i in range(12)])
        for customer in customers:
            self._lost(customer, reason=self.budget)
        counts = []
        for batch in (customers[:3], customers[3:]):
            texts, count = self._count_queries(batch.mapped, "crm_rank_guidance")
            counts.append(count)
            self.assertTrue(all("spring discount" in text for text in texts))
        self.assertEqual(counts[0], counts[1], f"queries for 3 and 9 customers: {counts}")

    def test_reading_the_customer_writes_nothing(self):
        """The facts of the customer form are read, never written (a read-only request
        must not have to retry with a read/write cursor)."""
        customer = self._customer("Read only")
        self._lost(customer, reason=self.budget)
        self._flush()
        self.env.invalidate_all()
        customer.read(
            ["crm_rank_guidance", "crm_last_lost_reason_id", "crm_days_since_contact", "crm_last_work_tag_ids"]
        )
        self.assertEqual(customer.crm_last_lost_reason_id, self.budget)
        self.assertFalse(self.env.transaction.field_dirty, "reading the customer wrote to it")
