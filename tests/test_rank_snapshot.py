"""The full update's facts gathered once for all its batches (lib.facts.take_snapshot).

The batches of a large update read every customer's facts from one pass over the
deals and messages. Inside the scheduled action each batch is its own
transaction: a salesperson's change made between two batches is ranked at once
in their transaction, and a later batch must not undo it with the facts of the
snapshot.
"""

from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.crm_customer_rank.lib import facts as rank_facts

from .common import CrmRankCase


@tagged("post_install", "-at_install")
class TestRankSnapshot(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # each customer is a batch of its own (batch_size=1): a snapshot is taken
        cls.dormant = cls._customer("Ito Yumi")
        cls._won(cls.dormant, completion=0)
        cls.returning = cls._customer("Kato Ken")
        cls._won(cls.returning, completion=0)
        cls.defected = cls._customer("Sato Aoi")
        cls._won(cls.defected, completion=0)
        cls._lost(cls.defected, reason=cls.complaint_reason, name="Roof repair")
        cls.prospect = cls._customer("Mori Jun")
        cls._deal(cls.prospect)
        cls.lost = cls._customer("Abe Rin")
        cls._lost(cls.lost)

    def _update_all_in_batches(self, between_batches=None):
        """The full update, one customer a batch; ``between_batches(batch)`` runs
        before each batch, as another user's request between two commits."""
        engine_class = type(self.env["crm.rank.engine"])
        real_batch = engine_class._update_batch
        snapshots = []

        def update_batch(engine, batch, cause, snapshot=None):
            snapshots.append(snapshot)
            if between_batches:
                between_batches(batch)
                self.env.flush_all()  # the other request's ranks, decided at once
            return real_batch(engine, batch, cause, snapshot=snapshot)

        with patch.object(engine_class, "_update_batch", update_batch):
            changed = self.env["res.partner"]._crm_rank_update_all(batch_size=1)
        self._flush()
        return changed, snapshots

    def _snapshot_table(self):
        [(table,)] = self.env.execute_query(SQL("SELECT to_regclass('pg_temp.crm_rank_facts_snapshot')"))
        return table

    def test_batches_read_one_snapshot(self):
        with self._at(400):
            changed, snapshots = self._update_all_in_batches()
        self.assertGreater(len(snapshots), 4)
        self.assertTrue(all(snapshot is snapshots[0] for snapshot in snapshots), "one snapshot for all batches")
        self.assertIsInstance(snapshots[0], rank_facts.Snapshot)
        self.assertEqual(changed, 2)
        self.assertRank(self.dormant, "dormant", "quiet")
        self.assertRank(self.returning, "dormant", "quiet")
        self.assertRank(self.defected, "defected", "defected_lost")
        self.assertRank(self.prospect, "prospect")
        self.assertRank(self.lost, "lost")
        self.assertIsNone(self._snapshot_table(), "the temporary table is dropped at the end")

    def test_single_batch_gathers_its_own_facts(self):
        with patch.object(rank_facts, "take_snapshot", side_effect=AssertionError("no snapshot")), self._at(400):
            self._update_all()
        self.assertRank(self.dormant, "dormant", "quiet")

    def test_change_between_batches_is_not_undone(self):
        """A new inquiry made while the scheduled action runs: the customer is a
        prospect at once, and their batch, later, keeps it."""

        def new_inquiry(batch):
            if batch == [self.returning.id]:
                self._deal(self.returning, name="Water heater")
                self.assertRank(self.returning, "prospect")

        stale = patch.object(rank_facts.Snapshot, "is_stale", lambda snapshot, env: True)
        with stale, self._at(400):
            self._update_all_in_batches(new_inquiry)
        self.assertRank(self.returning, "prospect")
        self.assertNotIn("dormant", self._history(self.returning).mapped("new_rank"))
        self.assertRank(self.dormant, "dormant", "quiet")

    def test_reinstatement_between_batches_is_not_undone(self):
        """A manager reinstates a defected customer while the scheduled action runs:
        the snapshot still has the defection, their batch must not store it again."""

        def reinstate(batch):
            if batch == [self.defected.id]:
                self.env["crm.rank.reinstatement.wizard"].with_context(
                    active_model="res.partner", active_ids=self.defected.ids
                ).create({"note": "Apologised, repaired for free"}).action_confirm()
                self.assertRank(self.defected, "lost", "last_deal_lost")

        stale = patch.object(rank_facts.Snapshot, "is_stale", lambda snapshot, env: True)
        with stale, self._at(400):
            self._update_all_in_batches(reinstate)
        self.assertRank(self.defected, "lost", "last_deal_lost")
        self.assertFalse(self.defected.is_defected)
