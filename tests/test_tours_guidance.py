"""Browser tours: guidance at the point of contact, outcome of a reactivation call."""

import datetime

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import SQL


@tagged("post_install", "-at_install")
class TestGuidanceTours(HttpCase):
    """On the real clock: the browser keeps its own, which a frozen Python clock
    would contradict (tools/test_awkward_days.sh moves both)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(
            cls.env, login="rank_tour_seller", name="Tour Seller", groups="sales_team.group_sale_salesman"
        )
        # reception rights only: the caller lookup, no deals
        cls.receptionist = new_test_user(
            cls.env,
            login="rank_receptionist",
            name="Tour Receptionist",
            groups="crm_customer_rank.group_crm_rank_reception",
        )
        cls.env.company.country_id = cls.env.ref("base.jp")
        Partner = cls.env["res.partner"]
        # stored in the international form, typed by the receptionist in the national one
        cls.caller = Partner.create({"name": "Tour Caller Sato", "phone": "+81 3-5555-0101"})
        cls.other = Partner.create({"name": "Tour Other Caller", "phone": "03-9999-0202"})
        reason = cls.env["crm.lost.reason"].create(
            {
                "name": "Tour: timing",
                "category": "timing",
                "followup_channel": "direct_mail",
                "followup_instruction": "Invite them to the autumn campaign",
            }
        )
        Lead = cls.env["crm.lead"]
        for partner in (cls.caller, cls.other):
            deal = Lead.create(
                {
                    "name": f"{partner.name} roof",
                    "type": "opportunity",
                    "partner_id": partner.id,
                    "user_id": cls.salesman.id,
                }
            )
            deal.action_set_lost(lost_reason_id=reason.id)
        cls.env.cr.flush()  # as the setup's commit would: what the ranks' changes cause

    def test_receptionist_finds_the_caller_by_phone(self):
        self.assertEqual(self.caller.crm_rank, "lost")
        self.assertEqual(self.caller.crm_user_id, self.salesman, "the salesperson of their deal takes care of them")
        self.assertFalse(self.receptionist.has_group("sales_team.group_sale_salesman"))
        self.start_tour("/odoo", "crm_rank_receptionist_tour", login="rank_receptionist")

    def test_reactivation_outcome_from_the_chatter(self):
        customer = self.env["res.partner"].create({"name": "Tour Dormant Ito", "phone": "03-5555-0303"})
        deal = self.env["crm.lead"].create(
            {"name": "Tour bathroom", "type": "opportunity", "partner_id": customer.id, "user_id": self.salesman.id}
        )
        deal.action_set_won()
        # a construction completed long ago, and nothing since
        self.env.cr.flush()  # as a commit would
        now = fields.Datetime.now()
        self.env.execute_query(
            SQL(
                "UPDATE crm_lead SET create_date = %s, date_closed = %s, completion_date = %s WHERE id = %s",
                now - datetime.timedelta(days=600),
                now - datetime.timedelta(days=550),
                (now - datetime.timedelta(days=500)).date(),
                deal.id,
            )
        )
        self.env.invalidate_all()
        customer._crm_rank_refresh("scheduled")
        self.assertEqual(customer.crm_rank, "dormant")
        self.env.cr.flush()  # the commit: the rank change hands out the activity
        activity = customer.activity_ids
        self.assertEqual(activity.user_id, self.salesman)
        self.start_tour(f"/odoo/res.partner/{customer.id}", "crm_rank_outcome_tour", login="rank_tour_seller")
        reason = self.env["crm.rank.quiet.reason"].search([("partner_id", "=", customer.id)])
        self.assertEqual(reason.outcome, "not_now")
        self.assertEqual(reason.note, "Maybe next spring")
        self.assertEqual(reason.user_id, self.salesman)
        self.assertFalse(activity.active)
        customer._crm_rank_refresh("scheduled")
        self.assertEqual(customer.crm_rank, "dormant")
