"""One customer, one responsible salesperson: the customer's own salesperson, kept in
step with the deals, gets every piece of work on the customer and is shown everywhere."""

from odoo import Command
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import SQL

from .test_reactivation import ReactivationCase


@tagged("post_install", "-at_install")
class TestResponsibleSalesperson(ReactivationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = new_test_user(
            cls.env, login="rank_other_seller", groups="sales_team.group_sale_salesman", name="Other Seller"
        )
        cls.third = new_test_user(
            cls.env, login="rank_third_seller", groups="sales_team.group_sale_salesman", name="Third Seller"
        )

    # -- kept in step ----------------------------------------------------

    def test_first_deal_gives_the_customer_a_salesperson(self):
        customer = self._customer("New customer")
        self.assertFalse(customer.user_id)
        self._deal(customer, user_id=self.other.id)
        self.assertEqual(customer.user_id, self.other)
        self._deal(customer, name="Second inquiry", user_id=self.third.id)
        self.assertEqual(customer.user_id, self.other, "an open deal of someone else changes nothing")

    def test_the_salesperson_who_signs_takes_care_of_the_customer(self):
        customer = self._customer("Signs with another salesperson", user_id=self.other.id)
        deal = self._deal(customer, user_id=self.third.id)
        self.assertEqual(customer.user_id, self.other)
        deal.action_set_won()
        self.assertEqual(customer.user_id, self.third)
        self.assertEqual(customer.crm_user_id, self.third)

    def test_a_manager_reassignment_stays_until_the_next_contract(self):
        customer = self._customer("Reassigned")
        self._won(customer, completion=0, user_id=self.other.id)
        customer.user_id = self.third
        self._deal(customer, name="A new inquiry", user_id=self.other.id).action_set_lost(
            lost_reason_id=self.lost_reason.id
        )
        self.assertEqual(customer.user_id, self.third)
        self._won(customer, name="Second job", user_id=self.other.id)
        self.assertEqual(customer.user_id, self.other)

    def test_contact_persons_show_their_company_salesperson(self):
        company = self._customer("Kobayashi Komuten", is_company=True)
        person = self._customer("Kobayashi Jiro", parent_id=company.id, user_id=self.third.id)
        self._won(person, completion=0, user_id=self.other.id)
        self.assertEqual(company.user_id, self.other, "the company's salesperson, not the person's")
        self.assertEqual(person.crm_user_id, self.other)

    def test_fill_missing_at_install(self):
        """Customers without a salesperson get the one of their latest won deal (install, upgrade)."""
        customer = self._customer("Imported without salesperson")
        self._won(customer, completion=0, user_id=self.other.id)
        self._deal(customer, name="Later inquiry", user_id=self.third.id)
        assigned = self._customer("Keeps theirs")
        self._won(assigned, completion=0, user_id=self.other.id)
        assigned.user_id = self.third
        self._flush()
        self.env.execute_query(SQL("UPDATE res_partner SET user_id = NULL WHERE id = %s", customer.id))
        self.env.invalidate_all()
        self.env["crm.rank.responsible"]._fill_missing()
        self.assertEqual(customer.user_id, self.other)
        self.assertEqual(assigned.user_id, self.third)

    # -- everywhere the addon assigns or shows a person ------------------

    def test_reactivation_goes_to_the_customer_salesperson(self):
        customer = self._customer("Dormant, reassigned", phone="03-1234-5678")
        self._won(customer, completion=0, user_id=self.other.id)
        customer.user_id = self.third
        with self._at(365):
            self._cron()
        self.assertEqual(self._activities(customer).user_id, self.third)
        dormant = self.env["crm.rank.history"].search([("partner_id", "=", customer.id), ("became_dormant", "=", True)])
        self.assertEqual(dormant.salesperson_id, self.third, "the reactivation report counts them for the same person")

    def test_referral_request_and_lost_followup_go_to_the_customer_salesperson(self):
        self.company.crm_rank_referral_ask_days = 30
        customer = self._customer("Referral asked")
        deal = self._won(customer, completion=0, user_id=self.other.id)
        customer.user_id = self.third
        with self._at(30):
            activities = self.env["crm.rank.referral.ask"]._schedule_due()
        self.assertEqual(activities.filtered(lambda a: a.res_id == deal.id).user_id, self.third)
        reason = self.env["crm.lost.reason"].create(
            {
                "name": "Budget, call later",
                "followup_activity_type_id": self.env.ref("mail.mail_activity_data_call").id,
                "followup_delay_days": 10,
            }
        )
        lost = self._lost(customer, reason=reason, name="Roof, too expensive", user_id=self.other.id)
        followup = self.env["mail.activity"].search([("res_model", "=", "crm.lead"), ("res_id", "=", lost.id)])
        self.assertEqual(followup.user_id, self.third)

    def test_aftercare_items_and_activities_go_to_the_customer_salesperson(self):
        customer = self._customer("After-care, reassigned", phone="03-2222-3333")
        deal = self._won(customer, completion=-20, user_id=self.other.id)
        self.env["crm.aftercare.item"]._sync_leads(deal)
        items = self.env["crm.aftercare.item"].search([("lead_id", "=", deal.id)])
        self.assertTrue(items)
        self.assertEqual(items.user_id, self.other)
        customer.user_id = self.third
        self.assertEqual(items.user_id, self.third, "the items follow the customer's salesperson")
        self.env["crm.aftercare.item"]._cron_schedule_activities()
        self.assertEqual(items.activity_id.user_id, self.third)

    def test_campaign_filters_and_shows_the_customer_salesperson(self):
        mine = self._customer("Mine")
        self._won(mine, completion=0, user_id=self.other.id)
        theirs = self._customer("Signed with me, reassigned")
        self._won(theirs, completion=0, user_id=self.other.id)
        theirs.user_id = self.third
        with Form(self.env["crm.rank.campaign"]) as form:
            form.crm_rank = False
            form.user_ids.add(self.other)
        wizard = form.record
        self.assertIn(mine, wizard.customer_ids)
        self.assertNotIn(theirs, wizard.customer_ids, "one customer, one salesperson")
        self.assertEqual(wizard.line_ids.filtered(lambda line: line.partner_id == mine).user_id, self.other)

    def test_customer_form_shows_the_responsible_salesperson_at_the_top(self):
        arch = self.env["res.partner"].get_view(self.env.ref("base.view_partner_form").id, "form")["arch"]
        top = arch[arch.index("o_crm_rank_guidance") : arch.index("<sheet")]
        self.assertIn('name="crm_user_id"', top, "before the sheet and its tabs")

    def test_contact_change_moves_nothing_else(self):
        """Tag changes and ordinary edits of a deal do not touch the customer's salesperson."""
        customer = self._customer("Untouched")
        deal = self._won(customer, completion=0, user_id=self.other.id)
        customer.user_id = self.third
        deal.write({"tag_ids": [Command.set(self.kitchen.ids)], "user_id": self.other.id})
        self.assertEqual(customer.user_id, self.third)
