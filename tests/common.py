import datetime
import os
from contextlib import contextmanager
from unittest.mock import patch

from odoo import fields
from odoo.tests import TransactionCase, freeze_time, new_test_user

# The day the tests run, whatever the calendar says: an ordinary weekday in the
# middle of a 30-day month. ``tools/test_awkward_days.sh`` sets CRM_RANK_TEST_NOW
# to the awkward days (the 31st, 29 February, the eve of a daylight-saving
# change) and runs the whole suite at them, the machine's clock moved too.
TEST_NOW = os.environ.get("CRM_RANK_TEST_NOW") or "2026-06-10 10:00:00"
# The time zone of the test users and of the engine's "today" (the same for all).
TEST_TZ = os.environ.get("CRM_RANK_TEST_TZ") or "UTC"


class CrmRankCase(TransactionCase):
    """Fixtures for the rank tests: a pipeline with a won stage and two salespeople.

    Helpers create customers and move their deals the way users do (Odoo's own
    ``action_set_won`` / ``action_set_lost``), so the tests go through the same
    paths as the UI.

    Every test runs on the day ``TEST_NOW`` (UTC), not on the day the suite
    runs: a test that reasons about "today" (a month later, a year ago) gets the
    same answer in every month. A test that needs another day says so with
    ``_frozen``/``_at``; one that needs the real clock does not use this class.
    """

    freeze_time = freeze_time(TEST_NOW)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # create_date and write_date come from the cursor's clock, PostgreSQL's now():
        # on the test's day too, as the clock moves (see _frozen)
        cls.startClassPatcher(patch.object(cls.cr, "now", lambda: datetime.datetime.now()))
        # one "today" for the fixtures, the test users (created with the context's
        # time zone) and the engine, whichever user's read or flush runs it
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False, tz=TEST_TZ))
        cls.env.user.tz = TEST_TZ
        cls.company = cls.env.company
        cls.company.partner_id.tz = TEST_TZ  # the scheduled update's day (crm.rank.engine._company_tz)
        cls.company.write({"crm_rank_dormancy_days": 365, "crm_rank_referral_threshold": 1})
        cls.salesman = new_test_user(
            cls.env, login="rank_salesman", groups="sales_team.group_sale_salesman",
            name="Rank Salesman",
        )
        cls.sales_manager = new_test_user(
            cls.env, login="rank_manager", groups="sales_team.group_sale_manager",
            name="Rank Manager",
        )
        cls.team = cls.env["crm.team"].create({"name": "Renovation Team"})
        Stage = cls.env["crm.stage"]
        cls.stage_new = Stage.create({"name": "Inquiry", "sequence": 1})
        cls.stage_quote = Stage.create({"name": "Quotation", "sequence": 2})
        cls.stage_won = Stage.create({"name": "Signed", "sequence": 9, "is_won": True})
        cls.lost_reason = cls.env["crm.lost.reason"].create({"name": "Too expensive"})
        cls.complaint_reason = cls.env["crm.lost.reason"].create(
            {"name": "Complaint about our work", "marks_defected": True}
        )
        cls.today = fields.Date.context_today(cls.env["res.partner"])

    # -- builders ---------------------------------------------------------

    @classmethod
    def _customer(cls, name="Customer", **vals):
        return cls.env["res.partner"].create({"name": name, **vals})

    @classmethod
    def _deal(cls, partner, name="Bathroom renovation", lead_type="opportunity", **vals):
        return cls.env["crm.lead"].create(
            {
                "name": name,
                "partner_id": partner.id,
                "type": lead_type,
                "team_id": cls.team.id,
                "user_id": cls.salesman.id,
                "stage_id": cls.stage_new.id,
                "expected_revenue": 1_000_000,
                **vals,
            }
        )

    @classmethod
    def _won(cls, partner, completion=None, **vals):
        """A won deal; ``completion`` is a date (or days from today)."""
        deal = cls._deal(partner, **vals)
        deal.action_set_won()
        if completion is not None:
            if isinstance(completion, int):
                completion = cls.today + datetime.timedelta(days=completion)
            deal.completion_date = completion
        return deal

    @classmethod
    def _lost(cls, partner, reason=None, **vals):
        deal = cls._deal(partner, **vals)
        deal.action_set_lost(lost_reason_id=(reason or cls.lost_reason).id)
        return deal

    def setUp(self):
        # The class's records as committed, once, before the test's savepoint:
        # their ranks decided, their history and activities created.
        self._flush()
        super().setUp()

    @contextmanager
    def _frozen(self, moment):
        """Run the block at ``moment``, as one request of that day.

        What came before is flushed first, and what the block changed is
        flushed (the ranks decided, see ``_crm_rank_refresh``, and what their
        changes cause, which waits for the commit) before the clock moves on.
        """
        self._flush()
        with freeze_time(moment):
            yield
            self._flush()

    def _flush(self):
        """Flush as a commit would: the ORM, then the cursor's pre-commit work
        (the rank history, the subscribers' activities, the chatter's tracking)."""
        self.env.cr.flush()

    def _at(self, days):
        """Noon, ``days`` from today (see ``_frozen``)."""
        return self._frozen(datetime.datetime.combine(self.today, datetime.time(12)) + datetime.timedelta(days=days))

    def _update_all(self):
        changed = self.env["res.partner"]._crm_rank_update_all()
        self._flush()
        return changed

    def _count_queries(self, function, *args, **kwargs):
        """Run ``function(*args, **kwargs)`` on an empty cache and flush what it changed;
        return its result and the number of SQL queries both took.

        The query-count tests compare a few records with many: a query per record
        shows as a difference. What came before is flushed first and not counted.
        """
        self._flush()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        result = function(*args, **kwargs)
        self._flush()
        return result, self.env.cr.sql_log_count - before

    def _history(self, partner):
        self._flush()
        return self.env["crm.rank.history"].search(
            [("partner_id", "=", partner.commercial_partner_id.id)], order="id"
        )

    def assertRank(self, partner, rank, reason=None):
        partner.invalidate_recordset()
        self.assertEqual(partner.crm_rank, rank, f"{partner.name}: {partner.crm_rank_reason}")
        if reason:
            self.assertEqual(partner.crm_rank_reason, reason)
