"""Time moves ranks: the daily update, with time moved forward."""

import datetime
import logging
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.crm_customer_rank.lib import rules
from odoo.addons.crm_customer_rank.models import crm_rank_engine as engine_module

from .common import CrmRankCase


@tagged("post_install", "-at_install")
class TestRankCron(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer("Ito Yumi")
        cls.deal = cls._won(cls.customer, completion=0)


    def test_contracted_becomes_dormant_after_period(self):
        self.assertRank(self.customer, "contracted", "after_care")
        with self._at(364):
            self._run_scheduled_actions()
            self.assertRank(self.customer, "contracted")
        before = len(self._history(self.customer))
        with self._at(365):
            self._run_scheduled_actions()
            self.assertRank(self.customer, "dormant", "quiet")
            history = self._history(self.customer)[-1]
            self.assertEqual((history.old_rank, history.new_rank), ("contracted", "dormant"))
            self.assertEqual(history.cause, "scheduled")
            self.assertEqual(self.customer.crm_rank_date, self.today + datetime.timedelta(days=365))
        with self._at(366):
            self._run_scheduled_actions()
        self.assertEqual(len(self._history(self.customer)), before + 1, "rerun adds no history")

    def test_dormancy_period_setting(self):
        self.company.crm_rank_dormancy_days = 30
        with self._at(31):
            self._update_all()
        self.assertRank(self.customer, "dormant")

    def test_contact_restarts_the_clock(self):
        with self._at(200):
            self.customer.message_post(body="Called about the new roof", message_type="comment")
        with self._at(400):
            self._update_all()
            self.assertRank(self.customer, "contracted")
        with self._at(565):
            self._update_all()
            self.assertRank(self.customer, "dormant")

    def test_tracking_message_is_not_contact(self):
        with self._at(200):
            self.customer.message_post(body="system", message_type="notification")
        with self._at(400):
            self._update_all()
        self.assertRank(self.customer, "dormant")

    def test_completed_activity_is_contact(self):
        with self._at(300):
            activity = self.deal.activity_schedule("mail.mail_activity_data_call", summary="Check")
            activity.action_feedback("Customer is happy")
        with self._at(400):
            self._update_all()
        self.assertRank(self.customer, "contracted")

    def test_new_inquiry_on_dormant_customer(self):
        with self._at(400):
            self._update_all()
            self.assertRank(self.customer, "dormant")
            self._deal(self.customer, name="Water heater")
            self.assertRank(self.customer, "prospect")
            history = self._history(self.customer)[-1]
            self.assertTrue(history.is_reactivation)

    def test_small_batches_cover_everyone(self):
        others = [self._customer(f"Batch {i}") for i in range(3)]
        for partner in others:
            self._won(partner, completion=0)
        with self._at(400):
            self.env["res.partner"]._crm_rank_update_all(batch_size=1)
        for partner in [self.customer, *others]:
            self.assertRank(partner, "dormant")

    def test_failure_on_one_customer_does_not_stop_others(self):
        other = self._customer("Healthy")
        self._won(other, completion=0)
        bad_id = self.customer.id
        real = rules.decide_rank

        def decide(facts, today, rank_rules=rules.RULES, _real=real):
            if facts.referral_count == -1:
                raise ValueError("bad data")
            return _real(facts, today, rank_rules)

        real_gather = engine_module.rank_facts.gather

        def gather(env, ids, today, thresholds, **kwargs):
            result = real_gather(env, ids, today, thresholds, **kwargs)
            if bad_id in result:
                result[bad_id] = rules.CustomerFacts(referral_count=-1)
            return result

        with (
            self._at(400),
            patch.object(engine_module.rules, "decide_rank", decide),
            patch.object(engine_module.rank_facts, "gather", gather),
            self.assertLogs("odoo.addons.crm_customer_rank.models.crm_rank_engine", logging.ERROR) as logs,
        ):
            self._update_all()
        self.assertIn(f"res.partner({bad_id})", "\n".join(logs.output))
        self.assertRank(other, "dormant")
        self.assertRank(self.customer, "contracted")

    def test_cron_resumes_where_it_stopped(self):
        """Inside ir.cron each batch is committed; a stopped run resumes after the last batch."""
        others = [self._customer(f"Resume {i}") for i in range(2)]
        for partner in others:
            self._won(partner, completion=0)
        Partner = self.env["res.partner"].with_context(ir_cron_progress_id=1)
        candidates = Partner.env["crm.rank.engine"]._candidate_ids()
        IrCron = type(self.env["ir.cron"])
        batches = []
        real_batch = type(self.env["crm.rank.engine"])._update_batch

        def update_batch(self_partner, batch, cause, **kwargs):
            batches.append(list(batch))
            return real_batch(self_partner, batch, cause, **kwargs)

        with (
            self._at(400),
            patch.object(IrCron, "_commit_progress", return_value=0.0),  # no time left
            patch.object(type(self.env["crm.rank.engine"]), "_update_batch", update_batch),
        ):
            Partner._crm_rank_update_all(batch_size=1)
            self.assertEqual(batches, [candidates[:1]], "stops after the first batch")
            Partner._crm_rank_update_all(batch_size=len(candidates))
            self.assertEqual(batches[1], candidates[1:], "resumes after the first batch")
        for partner in [self.customer, *others]:
            self.assertRank(partner, "dormant")

    def test_lock_held_elsewhere_skips_run(self):
        with patch.object(type(self.env["crm.rank.engine"]), "_lock", return_value=False):
            with self._at(400):
                self.assertEqual(self._update_all(), 0)
        self.assertRank(self.customer, "contracted")
