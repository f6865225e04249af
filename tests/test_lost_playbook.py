"""Lost reasons: taxonomy, playbook follow-ups (once per deal), customer view, analysis."""

import ast
import datetime

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged, users

from .common import CrmRankCase

# Shipped reasons with a playbook, one per category (other has none).
PLAYBOOK_REASONS = {
    "budget": "crm_customer_rank.crm_lost_reason_budget",
    "competitor": "crm_customer_rank.crm_lost_reason_competitor",
    "timing": "crm_customer_rank.crm_lost_reason_timing",
    "plan_changed": "crm_customer_rank.crm_lost_reason_plan_changed",
    "complaint": "crm_customer_rank.crm_lost_reason_complaint",
    "no_response": "crm_customer_rank.crm_lost_reason_no_response",
}


@tagged("post_install", "-at_install")
class TestLostPlaybook(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.budget = cls.env.ref(PLAYBOOK_REASONS["budget"])
        cls.competitor = cls.env.ref(PLAYBOOK_REASONS["competitor"])
        cls.other = cls.env.ref("crm_customer_rank.crm_lost_reason_other")

    def _followups(self, deal):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "crm.lead"),
                ("res_id", "=", deal.id),
                ("crm_lost_reason_id", "!=", False),
            ]
        )

    def _lose_with_wizard(self, deal, reason):
        wizard = self.env["crm.lead.lost"].create(
            {"lead_ids": deal.ids, "lost_reason_id": reason.id}
        )
        wizard.action_lost_reason_apply()

    def test_taxonomy_shipped(self):
        categories = self.env["crm.lost.reason"].search([]).mapped("category")
        self.assertTrue(
            {key for key, _label in self.env["crm.lost.reason"]._fields["category"].selection}
            <= set(categories)
        )
        self.assertTrue(self.env.ref(PLAYBOOK_REASONS["complaint"]).marks_defected)
        for xmlid, category in (
            ("crm.lost_reason_1", "budget"),
            ("crm.lost_reason_2", "other"),
            ("crm.lost_reason_3", "timing"),
        ):
            reason = self.env.ref(xmlid, raise_if_not_found=False)
            if reason:  # a database may have deleted Odoo's own reasons
                self.assertEqual(reason.category, category)
        self.assertEqual(self.budget.followup_delay_days, 90)
        self.assertEqual(self.competitor.followup_delay_days, 180)

    def test_each_category_schedules_its_followup_once(self):
        for category, xmlid in PLAYBOOK_REASONS.items():
            with self.subTest(category=category):
                reason = self.env.ref(xmlid)
                self.assertEqual(reason.category, category)
                deal = self._deal(self._customer(f"Lost for {category}"))
                self._lose_with_wizard(deal, reason)
                followup = self._followups(deal)
                self.assertEqual(len(followup), 1)
                self.assertEqual(followup.activity_type_id, reason.followup_activity_type_id)
                self.assertEqual(followup.user_id, self.salesman)
                self.assertEqual(followup.summary, reason.followup_instruction)
                self.assertEqual(
                    followup.date_deadline,
                    self.today + datetime.timedelta(days=reason.followup_delay_days),
                )
                # writing the reason again, losing again, restoring and losing again
                deal.lost_reason_id = reason
                deal.write({"lost_reason_id": reason.id})
                deal.action_set_lost(lost_reason_id=reason.id)
                deal.action_restore()
                self.assertEqual(deal.won_status, "pending")
                self._lose_with_wizard(deal, reason)
                self.assertEqual(self._followups(deal), followup)

    def test_reason_without_playbook_schedules_nothing(self):
        deal = self._deal(self._customer("No playbook"))
        self._lose_with_wizard(deal, self.other)
        self.assertFalse(self._followups(deal))
        self.assertFalse(deal.activity_ids)

    def test_open_deal_with_reason_schedules_nothing(self):
        deal = self._deal(self._customer("Still open"), lost_reason_id=self.budget.id)
        self.assertFalse(self._followups(deal))

    def test_other_reason_replaces_the_followup(self):
        deal = self._deal(self._customer("Changed mind"))
        self._lose_with_wizard(deal, self.budget)
        deal.lost_reason_id = self.competitor
        followup = self._followups(deal)
        self.assertEqual(followup.crm_lost_reason_id, self.competitor)
        self.assertEqual(len(followup), 1)

    def test_done_followup_then_lost_again(self):
        deal = self._deal(self._customer("Second chance"))
        self._lose_with_wizard(deal, self.budget)
        self._followups(deal).action_feedback("Invited to the spring event")
        self.assertFalse(self._followups(deal))
        deal.action_restore()
        self._lose_with_wizard(deal, self.budget)
        self.assertEqual(len(self._followups(deal)), 1)

    def test_lost_on_create_and_without_salesperson(self):
        deal = self.env["crm.lead"].create(
            {
                "name": "Imported lost deal",
                "partner_id": self._customer("Imported").id,
                "active": False,
                "probability": 0,
                "lost_reason_id": self.budget.id,
                "user_id": False,
            }
        )
        self.assertEqual(deal.won_status, "lost")
        self.assertEqual(self._followups(deal).user_id, self.env.user)

    def test_playbook_skipped_on_request(self):
        deal = self._deal(self._customer("Silent"))
        deal.with_context(mail_activity_automation_skip=True).action_set_lost(
            lost_reason_id=self.budget.id
        )
        self.assertFalse(self._followups(deal))

    @users("rank_salesman")
    def test_salesman_loses_deal(self):
        deal = self._deal(self._customer("Salesman's deal")).with_user(self.env.user)
        self._lose_with_wizard(deal, self.competitor)
        self.assertEqual(len(self._followups(deal)), 1)

    def test_lost_reason_on_customer(self):
        customer = self._customer("Budget customer")
        self._lost(customer, reason=self.budget, name="Kitchen")
        self.assertRank(customer, "lost")
        self.assertEqual(customer.crm_last_lost_reason_id, self.budget)
        self.assertEqual(customer.crm_last_lost_category, "budget")
        contact = self._customer("Contact", parent_id=customer.id)
        self.assertEqual(contact.crm_last_lost_category, "budget")
        self._lost(customer, reason=self.competitor, name="Bathroom")
        customer.invalidate_recordset()
        self.assertEqual(customer.crm_last_lost_category, "competitor")
        self.assertFalse(self._customer("Never lost").crm_last_lost_reason_id)

    def test_customer_facts_are_set_based(self):
        """Reading the facts of 3 or 12 customers costs the same number of queries."""
        customers = self.env["res.partner"].create([{"name": f"Batch {index}"} for index in range(12)])
        for customer in customers:
            self._lost(customer, reason=self.budget)
            self._customer(f"Referred by {customer.name}", referrer_partner_id=customer.id)
        self.assertEqual(set(customers.mapped("crm_last_lost_category")), {"budget"})
        self.assertEqual(set(customers.mapped("referral_count")), {1})
        for fname in ("crm_last_lost_category", "referral_won_count", "crm_construction_ids"):
            with self.subTest(fname=fname):
                self._count_queries(customers[:1].mapped, fname)  # warm caches (groups, ...)
                _values, few = self._count_queries(customers[:3].mapped, fname)
                _values, many = self._count_queries(customers.mapped, fname)
                self.assertEqual(few, many)

    def test_unknown_category_refused(self):
        with self.assertRaisesRegex(ValidationError, "weather"):
            self.budget.write({"category": "weather"})
        self.assertEqual(self.budget.category, "budget")
        count = self.env["crm.lost.reason"].search_count([])
        result = self.env["crm.lost.reason"].load(
            ["name", "category"], [["Rain", "weather"], ["Too far", "other"]]
        )
        self.assertFalse(any(result["ids"] or []))
        errors = [m for m in result["messages"] if m["type"] == "error"]
        self.assertTrue(errors)
        self.assertIn("weather", errors[0]["message"])
        self.assertEqual(self.env["crm.lost.reason"].search_count([]), count)

    def test_negative_delay_refused(self):
        with self.assertRaises(ValidationError):
            self.budget.followup_delay_days = -1

    def test_manager_edits_playbook_in_form(self):
        with Form(self.env["crm.lost.reason"].with_user(self.sales_manager)) as form:
            form.name = "Neighbour complained about noise"
            form.category = "complaint"
            form.followup_activity_type_id = self.env.ref("mail.mail_activity_data_call")
            form.followup_delay_days = 7
            form.followup_channel = "phone"
            form.followup_instruction = "Call to apologise"
        reason = form.record
        deal = self._deal(self._customer("Noise"))
        self._lose_with_wizard(deal, reason)
        self.assertEqual(self._followups(deal).summary, "Call to apologise")

    def test_lost_analysis_action(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_customer_rank.crm_lead_lost_analysis_action"
        )
        self._lost(self._customer("Analysed 1"), reason=self.budget)
        self._lost(self._customer("Analysed 2"), reason=self.budget)
        self._lost(self._customer("Analysed 3"), reason=self.competitor)
        self._deal(self._customer("Open deal"))
        context = ast.literal_eval(action["context"])
        # archived deals included; the pivot and graph counted from the summary (#30)
        self.assertEqual(context, {"active_test": False, "crm_rank_lost_analysis": True})
        Lead = self.env["crm.lead"].with_context(**context)
        groups = dict(
            Lead._read_group(
                ast.literal_eval(action["domain"])
                + [("user_id", "=", self.salesman.id), ("lost_reason_category", "!=", False)],
                ["lost_reason_category"],
                ["__count"],
            )
        )
        self.assertEqual(groups, {"budget": 2, "competitor": 1})
