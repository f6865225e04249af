"""Guidance per rank, shown where staff meet the customer."""

from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common import CrmRankCase


@tagged("post_install", "-at_install")
class TestRankGuidance(CrmRankCase):
    def test_every_rank_has_default_guidance(self):
        Guidance = self.env["crm.rank.guidance"]
        ranks = {key for key, _label in self.env["res.partner"]._fields["crm_rank"].selection}
        shipped = Guidance.search([("company_id", "=", False)])
        self.assertEqual(set(shipped.mapped("rank")), ranks)
        self.assertTrue(all(shipped.mapped("hint")) and all(shipped.mapped("guidance")))

    def test_guidance_follows_the_rank(self):
        customer = self._customer("Guided")
        self.assertFalse(customer.crm_rank_guidance)
        deal = self._deal(customer)
        customer.invalidate_recordset()
        prospect = self.env.ref("crm_customer_rank.guidance_prospect")
        self.assertEqual(customer.crm_rank_guidance, prospect.guidance)
        self.assertEqual(customer.crm_rank_hint, prospect.hint)
        self.assertEqual(deal.crm_rank_guidance, prospect.guidance)
        customer.is_defected = True
        customer.invalidate_recordset()
        deal.invalidate_recordset()
        defected = self.env.ref("crm_customer_rank.guidance_defected")
        self.assertEqual(customer.crm_rank_hint, defected.hint)
        self.assertEqual(deal.crm_rank_hint, defected.hint)

    def test_company_text_overrides_default(self):
        customer = self._customer("Local", company_id=self.company.id)
        self._deal(customer)
        own = self.env["crm.rank.guidance"].create(
            {
                "rank": "prospect",
                "company_id": self.company.id,
                "hint": "Our own way",
                "guidance": "Call the branch manager.",
            }
        )
        customer.invalidate_recordset()
        self.assertEqual(customer.crm_rank_guidance, own.guidance)

    def test_lead_without_customer(self):
        lead = self.env["crm.lead"].create({"name": "Web form", "type": "lead"})
        gathering = self.env.ref("crm_customer_rank.guidance_gathering")
        self.assertEqual(lead.crm_rank_hint, gathering.hint)

    def test_shown_on_the_forms(self):
        customer = self._customer("Form guidance")
        deal = self._deal(customer)
        customer.invalidate_recordset()
        form = Form(customer)
        self.assertEqual(form.crm_rank_guidance, customer.crm_rank_guidance)
        self.assertTrue(Form(deal).crm_rank_guidance)

    def test_managers_edit_guidance_users_read(self):
        guidance = self.env.ref("crm_customer_rank.guidance_dormant")
        guidance.with_user(self.sales_manager).hint = "Call in spring"
        self.assertEqual(guidance.with_user(self.salesman).hint, "Call in spring")
        with self.assertRaises(AccessError):
            guidance.with_user(self.salesman).hint = "No"
