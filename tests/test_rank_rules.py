"""The pure rank rules of ``lib/rules.py``, without the ORM: each rule, and which
one wins when several apply (the README's "The rank rules")."""

import datetime
import unittest

from odoo.addons.crm_customer_rank.lib import rules
from odoo.addons.crm_customer_rank.lib.rules import CustomerFacts, decide_rank

TODAY = datetime.date(2026, 6, 1)
DAY = datetime.timedelta(days=1)
WON = datetime.datetime(2025, 1, 10, 9, 0)
LOST_LATER = datetime.datetime(2025, 3, 1, 9, 0)


def facts(**values):
    return CustomerFacts(**{"deal_count": 1, **values})


class TestRankRules(unittest.TestCase):
    def test_no_deal_no_rank(self):
        self.assertEqual(decide_rank(CustomerFacts(), TODAY), (False, False))

    def test_inquiry_is_gathering(self):
        self.assertEqual(decide_rank(facts(open_leads=1), TODAY), ("gathering", "inquiry"))

    def test_archived_inquiry_stays_gathering(self):
        self.assertEqual(decide_rank(facts(), TODAY), ("gathering", "inquiry"))

    def test_open_opportunity_is_prospect(self):
        self.assertEqual(
            decide_rank(facts(open_opportunities=1, open_leads=1), TODAY),
            ("prospect", "open_opportunity"),
        )

    def test_last_deal_lost_is_lost(self):
        self.assertEqual(
            decide_rank(facts(last_lost=LOST_LATER), TODAY), ("lost", "last_deal_lost")
        )

    def test_won_then_lost_is_lost(self):
        f = facts(
            won_count=1, last_won=WON, last_completion=WON.date(), last_lost=LOST_LATER
        )
        self.assertEqual(decide_rank(f, TODAY), ("lost", "last_deal_lost"))

    def test_lost_then_won_is_not_lost(self):
        f = facts(
            won_count=1,
            last_won=LOST_LATER,
            last_lost=WON,
            last_completion=TODAY - 10 * DAY,
        )
        self.assertEqual(decide_rank(f, TODAY), ("contracted", "after_care"))

    def test_running_construction_is_contracted(self):
        f = facts(won_count=1, won_running=1, last_won=WON)
        self.assertEqual(decide_rank(f, TODAY), ("contracted", "construction"))

    def test_completed_inside_period_is_contracted(self):
        f = facts(won_count=1, last_won=WON, last_completion=TODAY - 364 * DAY)
        self.assertEqual(decide_rank(f, TODAY), ("contracted", "after_care"))

    def test_completed_past_period_is_dormant(self):
        f = facts(won_count=1, last_won=WON, last_completion=TODAY - 365 * DAY)
        self.assertEqual(decide_rank(f, TODAY), ("dormant", "quiet"))

    def test_contact_restarts_dormancy_clock(self):
        f = facts(
            won_count=1,
            last_won=WON,
            last_completion=TODAY - 500 * DAY,
            last_contact=TODAY - 100 * DAY,
        )
        self.assertEqual(decide_rank(f, TODAY), ("contracted", "after_care"))

    def test_dormancy_period_setting(self):
        f = facts(
            won_count=1, last_won=WON, last_completion=TODAY - 40 * DAY, dormancy_days=30
        )
        self.assertEqual(decide_rank(f, TODAY), ("dormant", "quiet"))

    def test_referral_needs_won_deal_and_threshold(self):
        base = {"won_count": 1, "last_won": WON, "last_completion": TODAY - 10 * DAY}
        self.assertEqual(
            decide_rank(facts(referral_count=1, **base), TODAY), ("referral", "referrals")
        )
        self.assertEqual(
            decide_rank(facts(referral_count=1, referral_threshold=2, **base), TODAY)[0],
            "contracted",
        )
        self.assertEqual(
            decide_rank(facts(referral_count=3, open_leads=1), TODAY)[0], "gathering"
        )

    def test_referral_beats_dormant_and_lost(self):
        f = facts(
            won_count=1,
            last_won=WON,
            last_lost=LOST_LATER,
            last_completion=TODAY - 900 * DAY,
            referral_count=1,
        )
        self.assertEqual(decide_rank(f, TODAY), ("referral", "referrals"))

    def test_prospect_beats_referral_and_lost(self):
        f = facts(
            won_count=1,
            last_won=WON,
            last_lost=LOST_LATER,
            referral_count=2,
            open_opportunities=1,
        )
        self.assertEqual(decide_rank(f, TODAY), ("prospect", "open_opportunity"))

    def test_contracted_construction_beats_prospect(self):
        f = facts(won_count=1, won_running=1, open_opportunities=2)
        self.assertEqual(decide_rank(f, TODAY), ("contracted", "construction"))

    def test_defected_beats_everything(self):
        f = facts(
            won_count=1,
            won_running=1,
            open_opportunities=1,
            referral_count=4,
            is_defected=True,
        )
        self.assertEqual(decide_rank(f, TODAY), ("defected", "defected_manual"))
        f = facts(won_count=1, won_running=1, defected_lost=True)
        self.assertEqual(decide_rank(f, TODAY), ("defected", "defected_lost"))

    def test_defected_without_deal(self):
        f = CustomerFacts(is_defected=True)
        self.assertEqual(decide_rank(f, TODAY), ("defected", "defected_manual"))

    def test_rank_changes(self):
        """What a rank change means, for the history's computes, its set-based
        insert and the features that react to changes."""
        self.assertTrue(rules.became("dormant", "contracted", "dormant"))
        self.assertTrue(rules.became("dormant", False, "dormant"))
        self.assertFalse(rules.became("dormant", "dormant", "dormant"))
        changes = {
            1: (("contracted", "after_care"), ("dormant", "quiet")),
            2: (("dormant", "quiet"), ("dormant", "quiet")),
            3: ((False, False), ("defected", "defected_manual")),
        }
        self.assertEqual(rules.entering(changes, "dormant"), [1])
        self.assertEqual(rules.entering(changes, "defected"), [3])
        self.assertTrue(rules.is_reactivation("dormant", "open_opportunity"))
        self.assertFalse(rules.is_reactivation("dormant", "after_care"), "a mere contact is no comeback")
        self.assertFalse(rules.is_reactivation("lost", "open_opportunity"))
