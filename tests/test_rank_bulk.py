"""Ranks at scale: set-based writes, one-pass reads, and the install hook give
the same ranks as the customer-by-customer path."""

import datetime
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.crm_customer_rank.hooks import post_init_hook
from odoo.addons.crm_customer_rank.lib import facts as rank_facts
from odoo.addons.crm_customer_rank.models import crm_rank_engine as engine_module
from odoo.addons.crm_customer_rank.models.crm_rank_reactivation import CHANNEL_ACTIVITY_TYPES

from .common import CrmRankCase


@tagged("post_install", "-at_install")
class TestRankBulk(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.prospect = cls._customer("Bulk Prospect")
        cls._deal(cls.prospect)
        cls.building = cls._customer("Bulk Building")
        cls._won(cls.building)
        cls.after_care = cls._customer("Bulk After-care")
        cls._won(cls.after_care, completion=0)
        cls.after_care_2 = cls._customer("Bulk After-care 2")
        cls._won(cls.after_care_2, completion=0)
        cls.lost = cls._customer("Bulk Lost")
        cls._lost(cls.lost)
        cls.inquiry = cls._customer("Bulk Inquiry")
        cls._deal(cls.inquiry, lead_type="lead")
        cls.referrer = cls._customer("Bulk Referrer")
        cls._won(cls.referrer, completion=0)
        cls._customer("Bulk Friend", referrer_partner_id=cls.referrer.id)
        cls.defected = cls._customer("Bulk Defected")
        cls._won(cls.defected)
        cls.defected.is_defected = True
        cls.company = cls._customer("Bulk Koumuten", is_company=True)
        cls.employee = cls._customer("Bulk Employee", parent_id=cls.company.id)
        cls._deal(cls.employee)
        cls.vendor = cls._customer("Bulk Vendor")
        cls.orphan_leads = cls.env["crm.lead"].create(
            [
                {"name": "Web form", "type": "lead"},
                {"name": "Phone call", "type": "opportunity", "stage_id": cls.stage_new.id},
            ]
        )
        cls.customers = (
            cls.prospect
            | cls.building
            | cls.after_care
            | cls.after_care_2
            | cls.lost
            | cls.inquiry
            | cls.referrer
            | cls.defected
            | cls.company
        )
        cls.partners = cls.customers | cls.employee | cls.vendor

    def _ranks(self):
        self.env.invalidate_all()
        partners = {p.id: (p.crm_rank, p.crm_rank_reason, p.crm_rank_date) for p in self.partners}
        leads = self.env["crm.lead"].with_context(active_test=False).search(
            ["|", ("partner_id", "in", self.partners.ids), ("id", "in", self.orphan_leads.ids)]
        )
        return partners, {lead.id: lead.crm_rank for lead in leads}

    def _forget_ranks(self):
        """As on a database where the addon was just installed."""
        self._flush()
        self.env.execute_query(
            SQL(
                "UPDATE res_partner SET crm_rank = NULL, crm_rank_reason = NULL, crm_rank_date = NULL"
                " WHERE id = ANY(%s)",
                self.partners.ids,
            )
        )
        self.env.execute_query(SQL("UPDATE crm_lead SET crm_rank = NULL"))
        self.env.execute_query(SQL("DELETE FROM crm_rank_history WHERE partner_id = ANY(%s)", self.partners.ids))
        self.env.invalidate_all()

    def _tracked_rank_messages(self):
        return self.env["mail.tracking.value"].search_count(
            [("field_id.name", "=", "crm_rank"), ("mail_message_id.res_id", "in", self.partners.ids)]
        )

    def test_install_hook_gives_the_same_ranks(self):
        expected = self._ranks()
        self.assertEqual(expected[0][self.prospect.id][0], "prospect")
        self._forget_ranks()
        tracked = self._tracked_rank_messages()
        post_init_hook(self.env)
        self.env.cr.flush()
        self.assertEqual(self._ranks(), expected)
        self.assertEqual(self._tracked_rank_messages(), tracked, "no chatter line per customer at install")
        history = self.env["crm.rank.history"].search([("partner_id", "in", self.partners.ids)])
        self.assertEqual(history.partner_id, self.customers, "one row per ranked commercial customer")
        self.assertEqual(set(history.mapped("cause")), {"install"})
        self.assertFalse(any(history.mapped("old_rank")))
        for entry in history:
            self.assertEqual(entry.new_rank, entry.partner_id.crm_rank)
            self.assertEqual(entry.company_id, entry.partner_id.company_id)
            self.assertEqual(entry.user_id, self.env.user)

    def test_lead_rank_sync_matches_compute(self):
        lost_lead = self._lost(self._customer("Lost, then back"))
        leads = self.env["crm.lead"].with_context(active_test=False).search([])
        expected = {lead.id: lead.crm_rank for lead in leads}
        self.assertEqual(expected[lost_lead.id], "lost")
        self.assertEqual(set(expected[lead.id] for lead in self.orphan_leads), {"gathering", "prospect"})
        self.env.execute_query(SQL("UPDATE crm_lead SET crm_rank = NULL"))
        self.env["crm.rank.engine"]._sync_lead_ranks()
        self.assertEqual({lead.id: lead.crm_rank for lead in leads}, expected)

    def test_large_change_set_written_in_bulk(self):
        """From BULK_MIN_CHANGES changes on, the daily update writes set-based:
        same ranks and history, no chatter line."""
        self.env.cr.flush()
        tracked = self._tracked_rank_messages()
        later = datetime.datetime.combine(self.today, datetime.time(12)) + datetime.timedelta(days=400)
        with patch.object(engine_module, "BULK_MIN_CHANGES", 2), self._frozen(later):
            self._update_all()
            self.assertRank(self.after_care, "dormant", "quiet")
            self.assertRank(self.after_care_2, "dormant", "quiet")
            self.assertRank(self.referrer, "referral", "referrals")
            self.assertEqual(self.after_care.crm_rank_date, later.date())
            # the subscribers are told, as on the customer-by-customer path
            activities = self.env["mail.activity"].search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", (self.after_care | self.after_care_2).ids),
                    ("activity_type_id", "in", [self.env.ref(x).id for x in CHANNEL_ACTIVITY_TYPES.values()]),
                ]
            )
            self.assertEqual(
                sorted(activities.mapped("res_id")), sorted((self.after_care | self.after_care_2).ids)
            )
            for customer in self.after_care | self.after_care_2:
                customer.message_post(body="Called again", message_type="comment")
            self._update_all()
        self.env.cr.flush()
        self.assertRank(self.after_care, "contracted", "after_care")
        self.assertEqual(self._tracked_rank_messages(), tracked)
        history = self._history(self.after_care)
        self.assertEqual(
            [(h.old_rank, h.new_rank, h.cause) for h in history[-2:]],
            [("contracted", "dormant", "scheduled"), ("dormant", "contracted", "scheduled")],
        )
        # only contacted again: back to after-care, which is not a reactivation
        self.assertEqual(history[-2:].mapped("is_reactivation"), [False, False])
        self.assertEqual(history[-2:].mapped("became_dormant"), [True, False])
        self.assertEqual(history[-2:].salesperson_id, self.salesman, "as the ORM create fills it")
        self.assertEqual(history[-2:].company_id, self.after_care.company_id)
        self.assertEqual(self.after_care.opportunity_ids.crm_rank, "contracted")

    def test_small_change_set_tracked_in_chatter(self):
        self.env.cr.flush()
        tracked = self._tracked_rank_messages()
        self._deal(self.lost, name="Second chance")
        self.env.cr.flush()
        self.assertRank(self.lost, "prospect")
        self.assertEqual(self._tracked_rank_messages(), tracked + 1)

    def test_dense_batch_read_by_range_gives_the_same_facts(self):
        ids = sorted(self.customers.ids)
        thresholds = self.env["crm.rank.engine"]._thresholds()
        [(jit,)] = self.env.execute_query(SQL("SHOW jit"))
        by_list = rank_facts.gather(self.env, ids, self.today, thresholds)
        with patch.object(rank_facts, "DENSE_BATCH_MIN", 1), patch.object(rank_facts, "DENSE_RATIO", 0):
            self.assertIn("BETWEEN", rank_facts.in_batch(SQL("id"), ids).code)
            by_range = rank_facts.gather(self.env, ids, self.today, thresholds)
            self.assertEqual(set(rank_facts.gather(self.env, ids[::2], self.today, thresholds)), set(ids[::2]))
        self.assertEqual(by_range, by_list)
        self.assertEqual(by_list[self.referrer.id].referral_count, 1)
        self.assertEqual(self.env.execute_query(SQL("SHOW jit")), [(jit,)], "JIT setting restored")

    def test_last_completed_work_in_the_deals_pass(self):
        """The rank's facts take the last completed work in their pass over the deals:
        the same deal as ``last_completed_deals`` (latest completion, then latest
        closing, a deal without closing date last, then the latest created), by list
        and by range."""
        customer = self._customer("Three works on one day")
        other_team = self.env["crm.team"].create({"name": "Roofs"})
        noon = datetime.datetime.combine(self.today, datetime.time(12))
        older = self._won(customer, completion=-5, name="Older work")
        older.date_closed = noon
        deals = {}
        for name, closed in (("Closed at 9", 9), ("Closed at 11", 11), ("Not closed", None), ("Also at 11", 11)):
            deals[name] = self._won(customer, completion=-1, name=name, team_id=other_team.id)
            deals[name].date_closed = closed and noon.replace(hour=closed)
        self._won(customer, completion=3, name="Not completed yet")
        self.env.flush_all()
        ids = sorted((self.customers | customer).commercial_partner_id.ids)
        expected = rank_facts.last_completed_deals(self.env, ids, self.today)
        self.assertEqual(expected[customer.id]["last_deal_id"], deals["Also at 11"].id)
        self.assertEqual(expected[customer.id]["last_deal_team_id"], other_team.id)
        for by_range in (False, True):
            rows = {
                row[0]: dict(zip(rank_facts.CUSTOMER_COLUMNS, row, strict=True))
                for row in rank_facts.customer_rows(self.env, ids, self.today, by_range=by_range)
            }
            for pid in ids:
                work = expected.get(pid, dict.fromkeys(("last_deal_id", "last_deal_user_id", "last_deal_team_id")))
                self.assertEqual(
                    [rows[pid][key] for key in ("last_deal_id", "last_deal_user_id", "last_deal_team_id")],
                    [work["last_deal_id"], work["last_deal_user_id"], work["last_deal_team_id"]],
                    f"customer {pid}, by range: {by_range}",
                )
            deals["Also at 11"].date_closed = False  # now without closing date: last among the day's
            self.env.flush_all()
            self.assertEqual(
                rank_facts.customer_rows(self.env, [customer.id], self.today)[0][
                    rank_facts.CUSTOMER_COLUMNS.index("last_deal_id")
                ],
                deals["Closed at 11"].id,
            )
            deals["Also at 11"].date_closed = noon.replace(hour=11)
            self.env.flush_all()

    def test_subset_of_a_dense_batch_read_by_list(self):
        """The customers of a batch entering a rank are read by list, even when their
        ids are dense: by range, every customer of the range would be read with them."""
        ids = sorted(self.customers.ids)[:3]
        expected = rank_facts.reactivation_facts(self.env, ids, self.today)
        statements = []
        real_execute = type(self.env).execute_query

        def execute_query(env, query):
            statements.append(query.code)
            return real_execute(env, query)

        with (
            patch.object(rank_facts, "DENSE_BATCH_MIN", 1),
            patch.object(rank_facts, "DENSE_RATIO", 0),
            patch.object(type(self.env), "execute_query", execute_query),
        ):
            self.assertIn("BETWEEN", rank_facts.in_batch(SQL("id"), ids).code)
            self.assertEqual(rank_facts.reactivation_facts(self.env, ids, self.today), expected)
        facts_queries = [code for code in statements if "cp.is_defected" in code]
        self.assertEqual(len(facts_queries), 1)
        self.assertNotIn("BETWEEN", facts_queries[0])

    def test_complaint_counts_after_a_win_and_after_reinstatement(self):
        customer = self._customer("Complained twice")
        now = fields.Datetime.now()
        won = self._won(customer, completion=0)
        won.date_closed = now - datetime.timedelta(days=30)
        first = self._lost(customer, reason=self.complaint_reason, name="Roof")
        first.date_closed = now - datetime.timedelta(days=20)
        self.assertRank(customer, "defected", "defected_lost")
        customer._crm_rank_reinstate()
        customer.crm_rank_reinstated_date = now - datetime.timedelta(days=10)
        customer._crm_rank_refresh("manual")
        self.assertRank(customer, "lost", "last_deal_lost")
        second = self._lost(customer, reason=self.complaint_reason, name="Gutter")
        second.date_closed = now - datetime.timedelta(days=5)
        self.assertRank(customer, "defected", "defected_lost")

    def test_complaint_before_the_first_win_does_not_defect(self):
        customer = self._customer("Complained, then signed")
        now = fields.Datetime.now()
        complaint = self._lost(customer, reason=self.complaint_reason)
        complaint.date_closed = now - datetime.timedelta(days=20)
        self._won(customer)
        self.assertRank(customer, "contracted", "construction")
