"""Referral links: the lead's referrer carries over to the customer; counts; no cycles."""

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import CrmRankCase


@tagged("post_install", "-at_install")
class TestReferralLinks(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.referrer = cls._customer("Watanabe Osamu")
        cls._won(cls.referrer, completion=0)

    def _convert(self, lead, action="create"):
        wizard = (
            self.env["crm.lead2opportunity.partner"]
            .with_context(active_model="crm.lead", active_id=lead.id, active_ids=lead.ids)
            .create({"name": "convert", "action": action})
        )
        wizard.action_apply()

    # -- carry-over --------------------------------------------------------

    def test_referrer_carried_over_on_create(self):
        friend = self._customer("Nakamura Yuki")
        self._deal(friend, referrer_partner_id=self.referrer.id)
        self.assertEqual(friend.referrer_partner_id, self.referrer)
        self.assertRank(self.referrer, "referral", "referrals")

    def test_referrer_carried_over_when_lead_gets_customer(self):
        lead = self.env["crm.lead"].create(
            {"name": "Phone inquiry", "type": "lead", "referrer_partner_id": self.referrer.id}
        )
        friend = self._customer("Yamada Taro")
        lead.partner_id = friend
        self.assertEqual(friend.referrer_partner_id, self.referrer)

    def test_referrer_carried_over_on_conversion(self):
        lead = self.env["crm.lead"].create(
            {
                "name": "Web form",
                "type": "lead",
                "contact_name": "Kimura Aiko",
                "email_from": "aiko@example.com",
                "referrer_partner_id": self.referrer.id,
            }
        )
        self._convert(lead)
        self.assertEqual(lead.partner_id.name, "Kimura Aiko")
        self.assertEqual(lead.partner_id.referrer_partner_id, self.referrer)
        self.assertRank(self.referrer, "referral")

    def test_referrer_carried_over_to_company(self):
        company = self._customer("Kobayashi Koumuten", is_company=True)
        contact = self._customer("Kobayashi Ichiro", parent_id=company.id)
        self._deal(contact, referrer_partner_id=self.referrer.id)
        self.assertEqual(company.referrer_partner_id, self.referrer)
        self.assertFalse(contact.referrer_partner_id)
        self.assertEqual(self.referrer.referral_count, 1)

    def test_existing_referrer_kept(self):
        first = self._customer("First referrer")
        friend = self._customer("Friend", referrer_partner_id=first.id)
        self._deal(friend, referrer_partner_id=self.referrer.id)
        self.assertEqual(friend.referrer_partner_id, first)

    # -- counts ------------------------------------------------------------

    def test_referral_counts_and_button(self):
        company = self._customer("Company", is_company=True)
        contacts = self.env["res.partner"].create(
            [
                {"name": name, "parent_id": company.id, "referrer_partner_id": self.referrer.id}
                for name in ("Contact 1", "Contact 2")
            ]
        )
        signed = self._customer("Signed", referrer_partner_id=self.referrer.id)
        asked = self._customer("Only asked", referrer_partner_id=self.referrer.id)
        self._won(signed)
        self._deal(asked)
        self._lost(self._customer("Unrelated"))
        self.referrer.invalidate_recordset()
        self.assertEqual(self.referrer.referral_count, 3)
        self.assertEqual(self.referrer.referral_won_count, 1)
        self.assertEqual(self.referrer.referral_partner_ids, contacts | signed | asked)
        action = self.referrer.action_open_referred_customers()
        self.assertEqual(
            self.env["res.partner"].search(action["domain"]), company | signed | asked
        )

    def test_referral_threshold_through_links(self):
        self.company.crm_rank_referral_threshold = 2
        self._deal(self._customer("Friend 1"), referrer_partner_id=self.referrer.id)
        self.assertRank(self.referrer, "contracted")
        self._deal(self._customer("Friend 2"), referrer_partner_id=self.referrer.id)
        self.assertRank(self.referrer, "referral", "referrals")
        self.assertEqual(self._history(self.referrer)[-1].cause, "referral")

    # -- self and cycles -----------------------------------------------------

    def test_self_referral_refused(self):
        with self.assertRaises(ValidationError):
            self.referrer.write({"referrer_partner_id": self.referrer.id})
        company = self._customer("Sato Koumuten", is_company=True)
        contact = self._customer("Sato Jiro", parent_id=company.id)
        with self.assertRaises(ValidationError):
            self.env["res.partner"].create(
                {"name": "Sato Hanako", "parent_id": company.id, "referrer_partner_id": contact.id}
            )
        with self.assertRaises(ValidationError):
            company.write({"referrer_partner_id": contact.id})
        self.assertFalse(company.referrer_partner_id)

    def test_self_referral_refused_in_form(self):
        form = Form(self.referrer)
        form.referrer_partner_id = self.referrer
        with self.assertRaises(ValidationError):
            form.save()

    def test_contact_joining_referrer_company_refused(self):
        company = self._customer("Ito Koumuten", is_company=True)
        newcomer = self._customer("Ito Ken", referrer_partner_id=company.id)
        with self.assertRaises(ValidationError):
            newcomer.parent_id = company

    def test_cycle_refused(self):
        a = self._customer("A")
        b = self._customer("B", referrer_partner_id=a.id)
        with self.assertRaises(ValidationError):
            a.write({"referrer_partner_id": b.id})
        c = self._customer("C", referrer_partner_id=b.id)
        d = self.env["res.partner"].create({"name": "D", "referrer_partner_id": c.id})
        with self.assertRaises(ValidationError) as error:
            a.write({"referrer_partner_id": d.id})
        self.assertIn("A", str(error.exception))
        self.assertIn("D", str(error.exception))
        self.assertFalse(a.referrer_partner_id)
        # a chain without a cycle is fine
        e = self._customer("E")
        a.write({"referrer_partner_id": e.id})
        self.assertEqual(a.referrer_partner_id, e)

    def test_cycle_refused_in_form(self):
        a = self._customer("A")
        b = self._customer("B", referrer_partner_id=a.id)
        c = self._customer("C", referrer_partner_id=b.id)
        form = Form(a)
        form.referrer_partner_id = c
        with self.assertRaises(ValidationError):
            form.save()

    def test_cycle_through_company_contacts_refused(self):
        company = self._customer("X Corp", is_company=True)
        contact = self._customer("X Employee", parent_id=company.id)
        other = self._customer("Y", referrer_partner_id=contact.id)
        with self.assertRaises(ValidationError):
            company.write({"referrer_partner_id": other.id})

    def test_cycle_through_contact_moving_refused(self):
        company = self._customer("Z Corp", is_company=True)
        person = self._customer("Z Newcomer")
        referred = self._customer("W", referrer_partner_id=person.id)
        company.referrer_partner_id = referred
        with self.assertRaises(ValidationError):
            person.parent_id = company

    def test_cycle_through_lead_refused(self):
        friend = self._customer("Friend", referrer_partner_id=self.referrer.id)
        with self.assertRaises(ValidationError):
            self._deal(self.referrer, name="Garden", referrer_partner_id=friend.id)

    def test_lead_self_referral_refused(self):
        with self.assertRaises(ValidationError):
            self._deal(self.referrer, name="Self", referrer_partner_id=self.referrer.id)
