"""How and when to approach a dormant customer, without the ORM."""

import datetime
import unittest

from odoo.addons.crm_customer_rank.lib import outreach


class TestOutreach(unittest.TestCase):
    def test_parse_months(self):
        self.assertEqual(outreach.parse_months("3,4,9,10"), {3, 4, 9, 10})
        self.assertEqual(outreach.parse_months(" ３、4  9,,10 "), {3, 4, 9, 10})
        self.assertEqual(outreach.parse_months(""), frozenset())
        self.assertEqual(outreach.parse_months(False), frozenset())
        for bad in ("13", "0", "march", "3-4", "3.5"):
            with self.subTest(bad=bad), self.assertRaises(ValueError):
                outreach.parse_months(bad)

    def test_format_months(self):
        self.assertEqual(outreach.format_months({10, 3, 9, 4}), "3,4,9,10")

    def test_outreach_day(self):
        months = {3, 4, 9, 10}
        self.assertEqual(outreach.outreach_day(datetime.date(2027, 4, 17), months), datetime.date(2027, 4, 17))
        self.assertEqual(outreach.outreach_day(datetime.date(2027, 5, 2), months), datetime.date(2027, 9, 1))
        self.assertEqual(outreach.outreach_day(datetime.date(2027, 11, 30), months), datetime.date(2028, 3, 1))
        self.assertEqual(outreach.outreach_day(datetime.date(2027, 12, 31), {12}), datetime.date(2027, 12, 31))
        self.assertEqual(outreach.outreach_day(datetime.date(2027, 12, 31), {1}), datetime.date(2028, 1, 1))
        self.assertEqual(outreach.outreach_day(datetime.date(2027, 5, 2), set()), datetime.date(2027, 5, 2))

    def test_choose_channel_automatic(self):
        choose = outreach.choose_channel
        self.assertEqual(choose(None, phone=True, email=True, postal=True, fax=True), "phone")
        self.assertEqual(choose(None, email=True, postal=True, fax=True), "email")
        self.assertEqual(choose(None, postal=True, fax=True), "direct_mail")
        self.assertEqual(choose(None, fax=True), "fax")
        self.assertEqual(choose(None), "phone", "no data: the salesperson finds a way")

    def test_choose_channel_preference(self):
        choose = outreach.choose_channel
        self.assertEqual(choose("fax", phone=True, fax=True), "fax")
        self.assertEqual(choose("direct_mail", phone=True, postal=True), "direct_mail")
        self.assertEqual(choose("email", phone=True, email=False), "phone", "preference without data")

    def test_outcome_meanings(self):
        """Each outcome's meaning (reached, quiet, proposing a defection) names a real outcome
        and a real defection reason; a proposal is quiet and reached."""
        from odoo.addons.crm_customer_rank.models import crm_lost_reason, crm_rank_defection  # noqa: PLC0415

        keys = {key for key, _label in outreach.OUTCOMES}
        self.assertLessEqual(set(outreach.REACHED_OUTCOMES) | set(outreach.QUIET_OUTCOMES), keys)
        proposals = crm_rank_defection.DEFECTION_REASON_OF_OUTCOME
        self.assertLessEqual(set(proposals), set(outreach.QUIET_OUTCOMES) & set(outreach.REACHED_OUTCOMES))
        reasons = {key for key, _label in crm_rank_defection.DEFECTION_REASONS}
        by_category = crm_rank_defection.DEFECTION_REASON_OF_LOST_CATEGORY
        self.assertLessEqual(set(proposals.values()) | set(by_category.values()), reasons)
        self.assertLessEqual(set(by_category), {key for key, _label in crm_lost_reason.LOST_CATEGORIES})
