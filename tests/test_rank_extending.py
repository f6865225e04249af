"""Another addon extends the rank rules through ``crm.rank.engine._rank_rules``.

The extension below is what an addon would write as::

    class CrmRankEngine(models.AbstractModel):
        _inherit = "crm.rank.engine"

        def _rank_rules(self):
            rank_rules = super()._rank_rules()
            rank_rules.insert(rank_rules.index(rules.rule_last_deal_lost), rule_loyal)
            return rank_rules

A test cannot load a new addon into the registry, so it puts the same method
on the engine's class for the duration of the test, calling the original
method where the addon calls ``super()``.
"""

from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.crm_customer_rank.lib import rules

from .common import CrmRankCase


def rule_loyal(facts, today):
    """Two completed contracts or more: a later lost deal does not make them lost."""
    if facts.won_count >= 2 and facts.last_completion and today < rules.dormancy_date(facts):
        return "contracted", "after_care"
    return None


@tagged("post_install", "-at_install")
class TestRankExtending(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.loyal = cls._customer("Two kitchens, then a lost roof")
        cls._won(cls.loyal, completion=-200, name="Kitchen")
        cls._won(cls.loyal, completion=-100, name="Bathroom")
        cls._lost(cls.loyal, name="Roof")
        cls.once = cls._customer("One kitchen, then a lost roof")
        cls._won(cls.once, completion=-100, name="Kitchen")
        cls._lost(cls.once, name="Roof")

    def _extended(self):
        """The engine as an addon inheriting ``crm.rank.engine`` would make it."""
        Engine = type(self.env["crm.rank.engine"])
        super_rank_rules = Engine._rank_rules
        calls = []

        def _rank_rules(engine):
            calls.append(1)
            rank_rules = super_rank_rules(engine)
            rank_rules.insert(rank_rules.index(rules.rule_last_deal_lost), rule_loyal)
            return rank_rules

        return patch.object(Engine, "_rank_rules", _rank_rules), calls

    def test_default_order_unchanged(self):
        self.assertEqual(self.env["crm.rank.engine"]._rank_rules(), list(rules.RULES))
        self.assertEqual(
            [rule.__name__ for rule in rules.RULES],
            [
                "rule_defected",
                "rule_defected_lost",
                "rule_construction",
                "rule_open_opportunity",
                "rule_referrals",
                "rule_last_deal_lost",
                "rule_completed",
                "rule_inquiry",
            ],
        )
        self.assertRank(self.loyal, "lost", "last_deal_lost")
        self.assertRank(self.once, "lost", "last_deal_lost")

    def test_added_rule_decides_the_rank(self):
        extension, calls = self._extended()
        with extension:
            self._update_all()
            self.assertTrue(calls, "the engine asks _rank_rules")
            self.assertRank(self.loyal, "contracted", "after_care")
            # the rule applies to whom it says, no further
            self.assertRank(self.once, "lost", "last_deal_lost")
            # a deal moved in a request goes through the same rules
            self._lost(self.loyal, name="Gutter")
            self.assertRank(self.loyal, "contracted", "after_care")
        history = self._history(self.loyal)
        self.assertEqual(
            (history[-1].old_rank, history[-1].new_rank, history[-1].reason),
            ("lost", "contracted", "after_care"),
        )
        # the extension gone (the addon uninstalled), the default order decides again
        self._update_all()
        self.assertRank(self.loyal, "lost", "last_deal_lost")

    def test_rules_come_before_the_outcome_they_replace(self):
        """A rule inserted after the one it should beat changes nothing: the order decides."""
        Engine = type(self.env["crm.rank.engine"])
        super_rank_rules = Engine._rank_rules

        def _rank_rules(engine):
            return [*super_rank_rules(engine), rule_loyal]

        with patch.object(Engine, "_rank_rules", _rank_rules):
            self._update_all()
            self.assertRank(self.loyal, "lost", "last_deal_lost")
