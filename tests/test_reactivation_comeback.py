"""The comeback of each dormant event, stored on the history row, is the one the
*Reactivation Rate* report used to search for each row (same results, no
sub-query per row), whichever path wrote the history."""

import datetime
import importlib.util
import pathlib

from odoo.tests import tagged
from odoo.tools import SQL

from .common import CrmRankCase

# The report's former look-up (before 19.0.1.3.0), kept as the reference: the
# first reactivation after the dormant event, unless the customer became
# dormant again before it.
REFERENCE = """
    SELECT h.id, back.id, back.date
      FROM crm_rank_history h
 LEFT JOIN LATERAL (
           SELECT r.id, r.date
             FROM crm_rank_history r
            WHERE r.partner_id = h.partner_id
              AND r.is_reactivation
              AND (r.date, r.id) > (h.date, h.id)
              AND NOT EXISTS (
                  SELECT 1 FROM crm_rank_history d
                   WHERE d.partner_id = h.partner_id
                     AND d.became_dormant
                     AND (d.date, d.id) > (h.date, h.id)
                     AND (d.date, d.id) < (r.date, r.id))
         ORDER BY r.date, r.id
            LIMIT 1
           ) AS back ON TRUE
     WHERE h.became_dormant AND h.partner_id = ANY(%s)
"""

# (day, old rank, new rank, reason): dormant twice, each time back with new work;
# in between, contacted only (back to after-care: not a comeback).
TWICE = [
    (0, "contracted", "dormant", "quiet"),
    (20, "dormant", "contracted", "after_care"),
    (40, "contracted", "dormant", "quiet"),
    (60, "dormant", "prospect", "inquiry"),
    (80, "prospect", "contracted", "after_care"),
    (120, "contracted", "dormant", "quiet"),
    (150, "dormant", "prospect", "open_opportunity"),
]
# dormant twice, back only after the second time
LATE = [
    (0, "contracted", "dormant", "quiet"),
    (30, "dormant", "lost", "last_deal_lost"),
    (50, "lost", "dormant", "quiet"),
    (90, "dormant", "contracted", "construction"),
]


@tagged("post_install", "-at_install")
class TestStoredComeback(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.History = cls.env["crm.rank.history"]
        cls.Report = cls.env["crm.rank.reactivation.report"]
        cls.start = datetime.datetime.combine(cls.today, datetime.time(9)) - datetime.timedelta(days=400)

    def _stored(self, partners):
        self._flush()
        return {
            entry.id: (entry.reactivation_id.id or None, entry.reactivation_date or None)
            for entry in self.History.search([("partner_id", "in", partners.ids), ("became_dormant", "=", True)])
        }

    def _reference(self, partners):
        self._flush()
        rows = self.env.execute_query(SQL(REFERENCE, partners.ids))
        return {entry_id: (back_id, back_date) for entry_id, back_id, back_date in rows}

    def _events_created(self, partner, events):
        return self.History.create(
            [
                {
                    "partner_id": partner.id,
                    "date": self.start + datetime.timedelta(days=day),
                    "old_rank": old,
                    "new_rank": new,
                    "reason": reason,
                    "cause": "scheduled",
                }
                for day, old, new, reason in events
            ]
        )

    def _events_set_based(self, partner, events):
        for day, old, new, reason in events:
            with self._frozen(self.start + datetime.timedelta(days=day)):
                self.History._create_set_based([(partner.id, old, new, reason)], "scheduled")

    def _assert_comebacks(self, partner, expected_days):
        """``expected_days``: for each dormant event (by date), the day of its comeback or None."""
        stored = self._stored(partner)
        self.assertEqual(stored, self._reference(partner), "stored comebacks differ from the report's look-up")
        dormant = self.History.search([("partner_id", "=", partner.id), ("became_dormant", "=", True)])
        got = [
            (entry.reactivation_date - self.start).days if entry.reactivation_date else None
            for entry in dormant.sorted(lambda entry: (entry.date, entry.id))
        ]
        self.assertEqual(got, expected_days)
        for entry in dormant.filtered("reactivation_id"):
            self.assertTrue(entry.reactivation_id.is_reactivation)
            self.assertEqual(entry.reactivation_id.partner_id, partner)
            self.assertEqual(entry.reactivation_date, entry.reactivation_id.date)

    def test_create_path_dormant_twice(self):
        twice = self._customer("Twice back")
        late = self._customer("Back late")
        # one batch for both customers, a customer's rows out of order
        self._events_created(twice, TWICE[4:] + TWICE[:4])
        self._events_created(late, LATE)
        self._assert_comebacks(twice, [None, 60, 150])
        self._assert_comebacks(late, [None, 90])

    def test_create_path_one_row_at_a_time(self):
        twice = self._customer("Twice back")
        for event in TWICE:
            self._events_created(twice, [event])
        self._assert_comebacks(twice, [None, 60, 150])

    def test_set_based_path_dormant_twice(self):
        twice = self._customer("Twice back")
        late = self._customer("Back late")
        self._events_set_based(twice, TWICE)
        self._events_set_based(late, LATE)
        self._assert_comebacks(twice, [None, 60, 150])
        self._assert_comebacks(late, [None, 90])

    def test_both_paths_mixed(self):
        twice = self._customer("Twice back")
        self._events_set_based(twice, TWICE[:3])
        self._events_created(twice, TWICE[3:5])
        self._assert_comebacks(twice, [None, 60])
        self._events_set_based(twice, TWICE[5:])
        self._assert_comebacks(twice, [None, 60, 150])

    def test_report_reads_the_stored_comeback(self):
        twice = self._customer("Twice back")
        late = self._customer("Back late")
        self._events_set_based(twice, TWICE)
        self._events_created(late, LATE)
        self._flush()
        rows = self.Report.search([("partner_id", "in", (twice | late).ids)])
        self.assertEqual(len(rows), 5)
        reference = self._reference(twice | late)
        for row in rows:
            _back_id, back_date = reference[row.id]
            self.assertEqual(row.reactivation_date or None, back_date)
            self.assertEqual(row.reactivated_count, 1 if back_date else 0)
            self.assertEqual(bool(row.trigger), bool(back_date))
        [(dormant_count, reactivated, rate)] = self.Report._read_group(
            [("partner_id", "in", (twice | late).ids)],
            [],
            ["dormant_count:sum", "reactivated_count:sum", "reactivation_rate:avg"],
        )
        self.assertEqual((dormant_count, reactivated), (5, 3))
        self.assertAlmostEqual(rate, 60.0)

    def test_edits_and_deletions_keep_it_right(self):
        """A manager correcting the history through RPC (write, unlink) moves the comeback."""
        twice = self._customer("Twice back")
        entries = self._events_created(twice, TWICE)
        by_day = dict(zip([day for day, *_rest in TWICE], entries, strict=True))
        by_day[120].unlink()  # the third dormant event removed: the comeback of day 150 follows no dormant event
        self._assert_comebacks(twice, [None, 60])
        by_day[60].unlink()  # the second one's comeback removed: the next reactivation is its comeback
        self._assert_comebacks(twice, [None, 150])
        by_day[40].write({"old_rank": "dormant"})  # no longer a dormant event: the first one came back
        self._assert_comebacks(twice, [150])
        self.assertFalse(by_day[40].reactivation_id, "an entry that is no dormant event keeps no comeback")
        by_day[150].write({"reason": "after_care"})  # only contacted: no longer a reactivation
        self._assert_comebacks(twice, [None])
        by_day[150].write({"reason": "inquiry"})
        self._assert_comebacks(twice, [150])
        other = self._customer("Other customer")
        by_day[150].write({"partner_id": other.id})  # moved to another customer
        self._assert_comebacks(twice, [None])
        [left] = self._events_created(other, [(100, "contracted", "dormant", "quiet")])
        self._assert_comebacks(other, [150])
        left.write({"date": self.start + datetime.timedelta(days=200)})  # corrected: after the comeback
        self._assert_comebacks(other, [None])

    def test_real_flow_through_the_engine(self):
        came_back = self._customer("Came back")
        self._won(came_back, completion=0)
        with self._at(365):
            self._run_scheduled_actions()
        with self._at(400):
            self._deal(came_back, name="New bathroom")
        with self._at(401):
            self._run_scheduled_actions()
        dormant = self.History.search([("partner_id", "=", came_back.id), ("became_dormant", "=", True)])
        self.assertEqual(len(dormant), 1)
        comeback = self._history(came_back).filtered("is_reactivation")
        self.assertEqual(len(comeback), 1)
        self.assertEqual(dormant.reactivation_id, comeback)
        self.assertEqual(self._stored(came_back), self._reference(came_back))

    def test_migration_fills_the_whole_history(self):
        twice = self._customer("Twice back")
        late = self._customer("Back late")
        self._events_set_based(twice, TWICE)
        self._events_created(late, LATE)
        self._flush()
        expected = self._stored(twice | late)
        self.env.execute_query(SQL("UPDATE crm_rank_history SET reactivation_id = NULL, reactivation_date = NULL"))
        self.History.invalidate_model(["reactivation_id", "reactivation_date"])
        path = pathlib.Path(__file__).parent.parent / "migrations" / "19.0.1.3.0" / "post-migrate.py"
        spec = importlib.util.spec_from_file_location("crm_customer_rank_post_migrate_19_0_1_3_0", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(self.env.cr, "19.0.1.2.0")
        self.assertEqual(self._stored(twice | late), expected)
        self.assertEqual(expected, self._reference(twice | late))
