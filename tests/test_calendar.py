"""Awkward days: the product on the 31st, at the turn of the year in Tokyo, in February."""

import datetime

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..engine import aftercare
from .common import CrmRankCase

# 31 December 2026, 23:30 UTC: 1 January 2027, 8:30 in Tokyo
NEW_YEAR_MORNING_IN_TOKYO = datetime.datetime(2026, 12, 31, 23, 30)


@tagged("post_install", "-at_install")
class TestCalendar(CrmRankCase):
    @staticmethod
    def _in_tokyo(records):
        return records.with_context(tz="Asia/Tokyo")

    def test_an_early_morning_inquiry_in_tokyo_is_contact_today(self):
        """Moments are stored in UTC; the facts count them on the day of the engine's time zone."""
        with self._frozen(NEW_YEAR_MORNING_IN_TOKYO):
            customer = self._customer("New year caller")
            self._deal(customer, lead_type="lead")
            signed = self._customer("New year signer")
            self._won(signed)
            self.assertEqual(self._in_tokyo(customer).crm_days_since_contact, 0)
            self.assertEqual(self._in_tokyo(signed).crm_last_contract_date, datetime.date(2027, 1, 1))

    def test_customers_per_rank_counts_the_readers_month(self):
        """Already January in Tokyo: the live row of Customers per Rank is January's."""
        with self._frozen(NEW_YEAR_MORNING_IN_TOKYO):
            self._deal(self._customer("Counted in January"))
            self._flush()
            snapshots = self._in_tokyo(self.env["crm.rank.snapshot"])
            months = snapshots.search([("crm_rank", "=", "prospect")]).mapped("month")
            self.assertIn(datetime.date(2027, 1, 1), months)
            self.assertNotIn(datetime.date(2026, 12, 1), months)

    def test_one_month_inspection_of_a_job_completed_on_the_31st(self):
        """Months are calendar months, the notice counts days (see the README's After-care)."""
        self.company.write({"crm_inspection_plan": "1m,1y", "crm_aftercare_notice_days": 30})
        Item = self.env["crm.aftercare.item"]
        with self._frozen(datetime.datetime(2026, 7, 31, 10)):
            deal = self._won(self._customer("Completed on the 31st"), completion=datetime.date(2026, 7, 31))
            first = Item.search([("lead_id", "=", deal.id)], order="due_date", limit=1)
            self.assertEqual(first.due_date, datetime.date(2026, 8, 31))  # 31 days away
            Item._cron_schedule_activities()
            self.assertFalse(first.activity_id, "31 days away: beyond 30 days of notice")
        with self._frozen(datetime.datetime(2026, 8, 1, 10)):
            Item._cron_schedule_activities()
            self.assertTrue(first.activity_id, "the next day, within the notice")
        self.assertEqual(first.activity_id.date_deadline, datetime.date(2026, 8, 31))

    def test_inspections_of_jobs_completed_at_the_end_of_february(self):
        self.assertEqual(aftercare.add_months(datetime.date(2028, 2, 29), 12), datetime.date(2029, 2, 28))
        self.assertEqual(aftercare.add_months(datetime.date(2027, 1, 31), 1), datetime.date(2027, 2, 28))
        self.company.crm_inspection_plan = "1m,1y"
        with self._frozen(datetime.datetime(2028, 2, 29, 10)):
            deal = self._won(self._customer("Leap day job"), completion=datetime.date(2028, 2, 29))
            items = self.env["crm.aftercare.item"].search([("lead_id", "=", deal.id)], order="due_date")
            self.assertEqual(items.mapped("due_date")[:2], [datetime.date(2028, 3, 29), datetime.date(2029, 2, 28)])

    def test_the_daily_update_runs_on_the_companys_day(self):
        """The scheduler runs as OdooBot, without a time zone: the update's "today" is the
        company's (its address's time zone), not UTC's."""
        self.company.partner_id.tz = "Asia/Tokyo"
        customer = self._customer("Completed a year before new year")
        with self._frozen(datetime.datetime(2026, 1, 1, 10)):
            self._won(customer, completion=datetime.date(2026, 1, 1))
        # 31 December 15:30 UTC: 1 January 2027, 0:30 in Tokyo, 365 days after completion
        with self._frozen(datetime.datetime(2026, 12, 31, 15, 30)):
            self.env["res.partner"].with_user(self.env.ref("base.user_root"))._cron_update_crm_rank()
            self.assertRank(customer, "dormant")

    def test_completion_ten_years_ahead_on_the_31st_and_on_29_february(self):
        """The typo guard's last day is ten years on, the same day (28 February for the 29th)."""
        deal = self._won(self._customer("Planned far ahead"))
        with self._frozen(datetime.datetime(2027, 1, 31, 10)):
            deal.completion_date = datetime.date(2037, 1, 31)
            with self.assertRaises(ValidationError):
                deal.completion_date = datetime.date(2037, 2, 1)
        with self._frozen(datetime.datetime(2028, 2, 29, 10)):
            deal.completion_date = datetime.date(2038, 2, 28)
            with self.assertRaises(ValidationError):
                deal.completion_date = datetime.date(2038, 3, 1)
