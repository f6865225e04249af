"""Each daily job is a scheduled action of its own, and the engine names no feature.

A company switches one job off or moves its hour without touching the others;
the features hang on the engine by inheritance, as another addon would; an
upgrade from 19.0.1.3.0, where one scheduled action ran every job, keeps how
the manager had set it.
"""

import importlib.util
import inspect
import re
from pathlib import Path

from odoo import fields
from odoo.tests import tagged

from ..models import crm_rank_engine as engine_module
from .common import CrmRankCase

ADDON = "crm_customer_rank"
# scheduled action: (model, code)
DAILY_JOBS = {
    "ir_cron_update_crm_rank": ("crm.rank.engine", "model._cron_update_ranks()"),
    "ir_cron_crm_referral_ask": ("crm.rank.referral.ask", "model._cron_schedule()"),
    "ir_cron_crm_rank_snapshot_month": ("crm.rank.snapshot.month", "model._cron_close_months()"),
    "ir_cron_crm_rank_report_summary": ("crm.rank.report.summary", "model._cron_rebuild()"),
    "ir_cron_crm_aftercare_plan": ("crm.aftercare.item", "model._cron_sync()"),
    "ir_cron_crm_aftercare_activities": ("crm.aftercare.item", "model._cron_schedule_activities()"),
    "ir_cron_crm_survey_send": ("crm.rank.survey", "model._cron_send()"),
}
# the jobs 19.0.1.4.0 split off the single job of 19.0.1.3.0 (Inquiries and Contracts' count and the
# completion survey came later)
SPLIT_JOBS = [name for name in DAILY_JOBS if name not in ("ir_cron_crm_rank_report_summary", "ir_cron_crm_survey_send")]


def _migration(name):
    path = Path(__file__).resolve().parents[1] / "migrations" / "19.0.1.4.0" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"crm_customer_rank_{name.replace('-', '_')}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestDailyJobs(CrmRankCase):
    def _cron(self, name):
        return self.env.ref(f"{ADDON}.{name}")

    def test_each_job_is_a_scheduled_action_of_its_own(self):
        data = self.env["ir.model.data"].search([("module", "=", ADDON), ("model", "=", "ir.cron")])
        self.assertEqual(set(data.mapped("name")), set(DAILY_JOBS))
        for name, (model, code) in DAILY_JOBS.items():
            with self.subTest(cron=name):
                cron = self._cron(name)
                self.assertEqual(cron.model_id.model, model)
                self.assertEqual(cron.code, code)
                self.assertTrue(cron.active)
                self.assertEqual((cron.interval_number, cron.interval_type), (1, "days"))

    def test_switching_one_off_leaves_the_others(self):
        """The rank update alone: no referral request, no after-care, no month closed."""
        customer = self._customer("Completed")
        self._won(customer, completion=0)
        self.company.crm_rank_referral_ask_days = 30
        for name in DAILY_JOBS:
            if name != "ir_cron_update_crm_rank":
                self._cron(name).active = False
        self.env["crm.aftercare.item"].search([]).unlink()
        months = self.env["crm.rank.snapshot.month"].search_count([])
        with self._at(400):
            self._cron("ir_cron_update_crm_rank").ir_actions_server_id.run()
        self.assertRank(customer, "dormant", "quiet")
        self.assertFalse(self.env["crm.aftercare.item"].search([]), "planning is a job of its own")
        self.assertFalse(
            self.env["mail.activity"].search(
                [("activity_type_id", "=", self.env.ref(f"{ADDON}.mail_activity_type_referral_ask").id)]
            )
        )
        self.assertEqual(self.env["crm.rank.snapshot.month"].search_count([]), months)

    def test_the_engine_names_no_feature(self):
        """The engine's model reads no feature's model: each hangs on ``_on_rank_changes``."""
        source = inspect.getsource(engine_module)
        named = set(re.findall(r'env\["([a-z._]+)"\]', source))
        self.assertLessEqual(
            named,
            {"res.partner", "crm.lead", "res.company", "crm.rank.history", "crm.rank.defection", "ir.config_parameter",
             "ir.cron"},
        )
        for feature in ("reactivation", "quiet.reason", "aftercare", "stale.activity", "referral", "snapshot"):
            self.assertNotIn(feature, " ".join(named))
        # and each feature extends the hook, in its own file
        owners = {
            cls.__module__.rsplit(".", 1)[-1]
            for cls in type(self.env["crm.rank.engine"]).__mro__
            if "_on_rank_changes" in vars(cls) and cls.__module__.startswith("odoo.addons.crm_customer_rank")
        }
        self.assertEqual(
            owners,
            {"crm_rank_engine", "crm_rank_reactivation", "crm_rank_quiet_reason", "crm_aftercare_item",
             "crm_rank_stale_activity"},
        )

    def test_upgrade_keeps_how_the_manager_set_the_old_job(self):
        """From 19.0.1.3.0: the old job updates the ranks only, on the engine, and every
        new job starts as the manager had set the old one (off, at 02:00, every 2 days)."""
        old = self._cron("ir_cron_update_crm_rank")
        nextcall = fields.Datetime.to_datetime("2027-03-01 02:00:00")
        old.write(
            {
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "code": "model._cron_update_crm_rank()",
                "active": False,
                "nextcall": nextcall,
                "interval_number": 2,
                "user_id": self.sales_manager.id,
            }
        )
        migration = _migration("post-25-crons")
        migration.migrate(self.env.cr, False)  # a new install: nothing to do
        self.assertEqual(old.code, "model._cron_update_crm_rank()")
        migration.migrate(self.env.cr, "19.0.1.3.0")
        self.assertEqual((old.model_id.model, old.code), ("crm.rank.engine", "model._cron_update_ranks()"))
        for name in SPLIT_JOBS:
            with self.subTest(cron=name):
                cron = self._cron(name)
                self.assertFalse(cron.active)
                self.assertEqual(cron.nextcall, nextcall)
                self.assertEqual((cron.interval_number, cron.interval_type), (2, "days"))
                self.assertEqual(cron.user_id, self.sales_manager)

    def test_upgrade_keeps_a_managers_own_code(self):
        old = self._cron("ir_cron_update_crm_rank")
        old.write(
            {
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "code": "model._cron_update_crm_rank()\nlog('ranks updated')",
            }
        )
        _migration("post-25-crons").migrate(self.env.cr, "19.0.1.3.0")
        self.assertEqual(old.code, "env['crm.rank.engine']._cron_update_ranks()\nlog('ranks updated')")
        old.ir_actions_server_id.run()  # still runs
