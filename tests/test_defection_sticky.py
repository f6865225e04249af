"""A defection is a stored fact of the customer: only a manager's reinstatement ends it.

Each test tries to undo a defection the way a hurried salesperson, an RPC
script or an import would.
"""

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged

from .common import CrmRankCase


@tagged("post_install", "-at_install")
class TestDefectionSticky(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.own_salesman = new_test_user(
            cls.env, login="rank_own_salesman", groups="sales_team.group_sale_salesman", name="Own Salesman"
        )

    def _mailing_recipients(self, model="res.partner"):
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "Spring campaign",
                "body_html": "<p>Hello</p>",
                "mailing_model_id": self.env["ir.model"]._get_id(model),
                "mailing_domain": "[]",
            }
        )
        return self.env[model].search(mailing._get_recipients_domain())

    def _complaint_loss(self):
        """A past customer loses a deal over a complaint, on the salesperson's own deal."""
        customer = self._customer("Complaining Customer", email="complaint@example.jp")
        self._won(customer, completion=0)
        deal = self._deal(customer, name="Second job", user_id=self.own_salesman.id)
        deal.with_user(self.own_salesman).action_set_lost(lost_reason_id=self.complaint_reason.id)
        self._flush()
        self.assertRank(customer, "defected", "defected_lost")
        return customer, deal

    # -- a defection caused by a loss ----------------------------------------

    def test_loss_stores_the_defection(self):
        customer, _deal = self._complaint_loss()
        self._flush()  # the chatter line is logged at commit
        self.assertTrue(customer.is_defected)
        self.assertEqual(customer.defection_origin, "lost_deal")
        self.assertEqual(customer.defection_reason, "other")
        self.assertEqual(customer.defection_date, fields.Date.context_today(customer))
        self.assertIn("Second job", customer.message_ids[0].body)

    def test_loss_logged_in_the_customers_language(self):
        """An English-speaking salesperson loses a Japanese customer's deal over a
        complaint: the defection's chatter line is in Japanese, as the rank's is."""
        if self.env["res.lang"]._activate_lang("ja_JP"):
            self.env["ir.module.module"]._load_module_terms(["crm_customer_rank"], ["ja_JP"])
        self.complaint_reason.with_context(lang="ja_JP").name = "施工へのクレーム"
        customer = self._customer("森田 聡", lang="ja_JP")
        self._won(customer, completion=0)
        deal = self._deal(customer, name="追加工事", user_id=self.own_salesman.id)
        deal.with_user(self.own_salesman).action_set_lost(lost_reason_id=self.complaint_reason.id)
        self._flush()
        self.assertRank(customer, "defected", "defected_lost")
        body = str(customer.message_ids[0].body)
        self.assertIn("離反に設定", body)
        self.assertIn("「施工へのクレーム」", body)
        self.assertIn("追加工事", body)

    def test_restore_by_the_salesperson_keeps_it(self):
        customer, deal = self._complaint_loss()
        deal.with_user(self.own_salesman).action_restore()
        self._flush()
        self.assertEqual(deal.won_status, "pending")
        self.assertRank(customer, "defected", "defected_lost")
        self.assertNotIn(customer, self._mailing_recipients())

    def test_other_lost_reason_keeps_it(self):
        customer, deal = self._complaint_loss()
        deal.with_user(self.own_salesman).write({"lost_reason_id": self.lost_reason.id})
        self._flush()
        self.assertRank(customer, "defected")
        self.assertNotIn(customer, self._mailing_recipients())

    def test_redating_over_rpc_keeps_it(self):
        customer, deal = self._complaint_loss()
        # before the first win: the loss would no longer be "a past customer's"
        deal.with_user(self.own_salesman).write({"date_closed": "2001-01-01 00:00:00"})
        self._flush()
        self.assertRank(customer, "defected")
        self.assertNotIn(customer, self._mailing_recipients())

    def test_only_a_reinstatement_ends_it(self):
        customer, deal = self._complaint_loss()
        customer.with_user(self.sales_manager)._crm_rank_reinstate("Talked it over")
        self._flush()
        self.assertFalse(customer.is_defected)
        self.assertFalse(customer.defection_origin)
        self.assertRank(customer, "lost")
        self.assertIn(customer, self._mailing_recipients())

    def test_flag_ticked_on_a_used_reason_applies_at_once(self):
        customer = self._customer("Past customer")
        self._won(customer, completion=0)
        self._lost(customer, reason=self.lost_reason)
        self._flush()
        self.assertRank(customer, "lost")
        self.lost_reason.with_user(self.sales_manager).marks_defected = True
        self._flush()
        self.assertRank(customer, "defected", "defected_lost")
        # unticking does not end a defection already made
        self.lost_reason.marks_defected = False
        self._flush()
        self.assertRank(customer, "defected")

    # -- people who move ------------------------------------------------------

    def test_defected_individual_moved_into_a_company_stays_defected(self):
        person = self._customer("Defected Person", email="person@example.jp")
        self._won(person, completion=0)
        person._crm_rank_mark_defected("complaint")
        company = self._customer("Other Koumuten", is_company=True)
        self._won(company, completion=0)
        person.with_user(self.own_salesman).write({"parent_id": company.id})
        self._flush()
        self.assertTrue(person.is_defected)
        self.assertRank(person, "defected")
        self.assertRank(company, "contracted")
        self.assertNotIn(person, self._mailing_recipients())
        self.assertIn(company, self._mailing_recipients())

    def test_contact_detached_from_a_defected_company_stays_defected(self):
        company = self._customer("Defected Koumuten", is_company=True)
        contact = self._customer("Contact", parent_id=company.id, email="contact@example.jp")
        self._won(company, completion=0)
        company._crm_rank_mark_defected("competitor")
        self._flush()
        self.assertRank(contact, "defected")
        contact.with_user(self.own_salesman).write({"parent_id": False})
        self._flush()
        self.assertTrue(contact.is_defected)
        self.assertEqual(contact.defection_origin, "left_customer")
        self.assertEqual(contact.defection_reason, "competitor")
        self.assertRank(contact, "defected")
        self.assertNotIn(contact, self._mailing_recipients())
        contact.with_user(self.sales_manager)._crm_rank_reinstate()
        self._flush()
        self.assertFalse(contact.is_defected)

    def test_contact_moved_to_another_company_stays_defected(self):
        company = self._customer("Defected Koumuten", is_company=True)
        contact = self._customer("Contact", parent_id=company.id, email="contact@example.jp")
        self._won(company, completion=0)
        company._crm_rank_mark_defected("complaint")
        other = self._customer("Friendly Koumuten", is_company=True)
        self._won(other, completion=0)
        contact.with_user(self.own_salesman).write({"parent_id": other.id})
        self._flush()
        self.assertRank(contact, "defected")
        self.assertRank(other, "contracted")
        self.assertNotIn(contact, self._mailing_recipients())
        self.assertNotIn(self._deal(contact, name="New job").id, self._mailing_recipients("crm.lead").ids)

    def test_reinstating_the_company_reinstates_its_marked_contact(self):
        company = self._customer("Koumuten", is_company=True)
        contact = self._customer("Contact", parent_id=company.id)
        self._won(company, completion=0)
        contact.with_user(self.sales_manager).write({"is_defected": True})
        self._flush()
        self.assertTrue(company.is_defected)
        company.with_user(self.sales_manager)._crm_rank_reinstate()
        self._flush()
        self.assertFalse(contact.is_defected)
        self.assertRank(contact, "contracted")

    # -- imports --------------------------------------------------------------

    def test_manager_import_on_a_contact_marks_the_customer(self):
        company = self._customer("Imported Koumuten", is_company=True)
        contact = self._customer("Imported Contact", parent_id=company.id, email="imported@example.jp")
        self._won(company, completion=0)
        xmlid = contact._export_rows([["id"]])[0][0]
        Partner = self.env["res.partner"].with_user(self.sales_manager).with_context(import_file=True)
        result = Partner.load(["id", "is_defected"], [[xmlid, "1"]])
        self.assertFalse([m for m in result["messages"] if m["type"] == "error"], result["messages"])
        self._flush()
        self.assertTrue(company.is_defected)
        self.assertEqual(company.defection_origin, "import")
        self.assertEqual(company.defection_user_id, self.sales_manager)
        self.assertRank(company, "defected")
        self.assertRank(contact, "defected")
        self.assertNotIn(contact, self._mailing_recipients())

    def test_import_of_a_new_defected_contact(self):
        company = self._customer("Koumuten", is_company=True)
        self._won(company, completion=0)
        Partner = self.env["res.partner"].with_user(self.sales_manager).with_context(import_file=True)
        result = Partner.load(["name", "parent_id/.id", "is_defected"], [["New Contact", str(company.id), "1"]])
        self.assertEqual(len(result["ids"]), 1, result["messages"])
        self._flush()
        self.assertTrue(company.is_defected)
        self.assertRank(company, "defected")

    # -- deletion, referrals, companies ---------------------------------------

    def test_deleting_a_defected_customer_keeps_the_address_out(self):
        customer = self._customer("Gone", email="Gone@Example.jp", phone="+81 90-3333-0001")
        self._won(customer, completion=0)
        customer._crm_rank_mark_defected("no_contact")
        self._flush()
        customer.unlink()
        # the address is kept out of every mailing, whatever contact carries it (the suppression list)
        list_contact = self.env["mailing.contact"].create(
            {"name": "Gone", "email": "gone@example.jp", "mobile": "+81 90-3333-0001"}
        )
        self.assertTrue(list_contact.crm_is_defected)
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "Spring campaign",
                "body_html": "<p>Hello</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("mailing.contact"),
                "mailing_domain": repr([("id", "=", list_contact.id)]),
            }
        )
        self.assertFalse(self.env["mailing.contact"].search(mailing._get_recipients_domain()))

    def test_marked_defected_and_deleted_in_one_request(self):
        """A script (or an import) marks a customer defected and deletes it: the commit does not fail."""
        customer = self._customer("Short Lived", email="short@example.jp")
        deal = self._won(customer, completion=0)
        self._flush()
        customer._crm_rank_mark_defected("complaint")
        self.assertRank(customer, "defected")  # decided in the request: the history waits for the commit
        deal.unlink()
        customer.unlink()
        self._flush()  # the commit
        self.assertFalse(self.env["crm.rank.history"].search([("partner_id", "=", customer.id)]))

    def test_lost_for_a_complaint_and_deleted_in_one_request(self):
        """The defection stored by a loss logs a line at commit: not on a customer deleted meanwhile."""
        customer = self._customer("Lost Then Gone")
        self._won(customer, completion=0)
        self._flush()
        deal = self._lost(customer, reason=self.complaint_reason)
        self.assertRank(customer, "defected", "defected_lost")
        deal.unlink()
        customer.unlink()
        self._flush()  # the commit

    def test_referral_circle_by_unticking_is_a_company(self):
        parent = self._customer("Parent Koumuten", is_company=True)
        branch = self._customer("Branch", is_company=True, parent_id=parent.id)
        referred = self._customer("Referred", referrer_partner_id=branch.id)
        parent.referrer_partner_id = referred
        with self.assertRaises(ValidationError):
            branch.is_company = False
            self._flush()
        self.assertEqual(branch.commercial_partner_id, branch)


@tagged("post_install", "-at_install")
class TestSharedPartnerFacts(CrmRankCase):
    """A partner shared by two companies shows each company only its own deals."""

    def test_each_company_sees_its_own_amount(self):
        company_b = self.env["res.company"].create({"name": "Reform B"})
        user_a = new_test_user(
            self.env,
            login="rank_shared_a",
            groups="sales_team.group_sale_salesman_all_leads",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        shared = self._customer("Shared Customer", company_id=False)
        self._won(shared, completion=0, expected_revenue=1_000_000)
        self._won(
            shared, completion=0, expected_revenue=5_000_000, company_id=company_b.id, team_id=False, user_id=False
        )
        self._flush()
        seen_by_a = shared.with_user(user_a)
        self.assertEqual(seen_by_a.crm_won_amount, 1_000_000)
        self.assertEqual(seen_by_a.crm_won_deal_count, 1)
        seen_by_both = shared.with_context(allowed_company_ids=[self.company.id, company_b.id])
        self.assertEqual(seen_by_both.crm_won_amount, 6_000_000)
