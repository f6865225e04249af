"""Rank movements (#28): how many customers move from each rank to each other,
how long they stay, what moved them, and the time in rank on the customer.

The counts are pinned on a small known history (``JOURNEYS``), written as the
history rows the engine would have written; the engine's own paths (two moves
on one day, a reinstatement after a defection) are checked end to end.
"""

import datetime
import importlib.util
import pathlib
import unittest

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.crm_customer_rank.lib import replay

from .common import CrmRankCase

# customer: (day of the first inquiry, [(day, old rank, new rank, reason, cause)])
JOURNEYS = {
    # the funnel to the end: inquiry, prospect, contract, referral
    "Aoki": (0, [
        (0, False, "gathering", "inquiry", "deal"),
        (10, "gathering", "prospect", "open_opportunity", "deal"),
        (40, "prospect", "contracted", "construction", "deal"),
        (100, "contracted", "referral", "referrals", "referral"),
    ]),
    # lost as a prospect, still lost
    "Baba": (0, [
        (0, False, "gathering", "inquiry", "deal"),
        (30, "gathering", "prospect", "open_opportunity", "deal"),
        (50, "prospect", "lost", "last_deal_lost", "deal"),
    ]),
    # contracted twice, dormant in between, back with a new inquiry
    "Chiba": (40, [
        (40, False, "prospect", "open_opportunity", "deal"),
        (45, "prospect", "contracted", "construction", "deal"),
        (200, "contracted", "dormant", "quiet", "scheduled"),
        (260, "dormant", "prospect", "inquiry", "deal"),
        (300, "prospect", "contracted", "construction", "deal"),
    ]),
    # defected, reinstated by a manager, then dormant
    "Doi": (45, [
        (45, False, "gathering", "inquiry", "deal"),
        (60, "gathering", "prospect", "open_opportunity", "deal"),
        (70, "prospect", "contracted", "construction", "deal"),
        (90, "contracted", "defected", "defected_manual", "manual"),
        (150, "defected", "contracted", "after_care", "manual"),
        (300, "contracted", "dormant", "quiet", "scheduled"),
    ]),
}
# the history starts this many days and an hour before the clock: "now" is day 400 and one hour
START_DAYS_AGO = 400


@tagged("post_install", "-at_install")
class TestMovementCounts(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Report = cls.env["crm.rank.movement.report"]
        cls.Duration = cls.env["crm.rank.duration.report"]
        # from the clock, not from the company's day: at 00:30 in Brussels the day has begun but
        # 9:00 of it is still ahead of the clock
        cls.start = fields.Datetime.now() - datetime.timedelta(days=START_DAYS_AGO, hours=1)
        cls.web = cls.env["utm.source"].create({"name": "Website"})
        cls.flyer = cls.env["utm.source"].create({"name": "Flyer"})
        cls.bathroom = cls.env["crm.tag"].create({"name": "Bathroom"})
        cls.customers = {}
        for name, (first_day, _moves) in JOURNEYS.items():
            customer = cls._customer(name, user_id=cls.salesman.id)
            lead = cls._deal(
                customer,
                lead_type="lead",
                source_id=(cls.web if first_day == 0 else cls.flyer).id,
                tag_ids=[(6, 0, cls.bathroom.ids)],
            )
            cls.env.flush_all()
            cls.env.execute_query(
                SQL(
                    "UPDATE crm_lead SET create_date = %s WHERE id = %s",
                    cls.start + datetime.timedelta(days=first_day, hours=3),
                    lead.id,
                )
            )
            cls.customers[name] = customer
        # Chiba came back after a campaign's deal (day 250), while dormant
        campaign = cls._deal(
            cls.customers["Chiba"], name="Spring DM", campaign_id=cls.env["utm.campaign"].create({"name": "DM"}).id
        )
        cls.env.flush_all()
        cls.env.execute_query(
            SQL(
                "UPDATE crm_lead SET create_date = %(day)s, date_open = %(day)s WHERE id = %(id)s",
                day=cls.start + datetime.timedelta(days=250),
                id=campaign.id,
            )
        )
        cls.env.invalidate_all()
        cls.env.cr.flush()  # the engine's rows of the inquiries, replaced by the known history
        partners = cls.env["res.partner"].browse([customer.id for customer in cls.customers.values()])
        cls.env["crm.rank.history"].search([("partner_id", "in", partners.ids)]).unlink()
        cls.partners = partners
        # one batch, a customer's rows out of order: the stored neighbours follow the dates
        cls.env["crm.rank.history"].create(
            [
                {
                    "partner_id": cls.customers[name].id,
                    "date": cls.start + datetime.timedelta(days=day),
                    "old_rank": old,
                    "new_rank": new,
                    "reason": reason,
                    "cause": cause,
                }
                for name, (_first, moves) in JOURNEYS.items()
                for day, old, new, reason, cause in reversed(moves)
            ]
        )

    def _grouped(self, groupby, domain=(), aggregates=("move_count:sum",)):
        domain = [("partner_id", "in", self.partners.ids), *domain]
        return {
            row[: len(groupby)] if len(groupby) > 1 else row[0]: row[len(groupby) :]
            for row in self.Report._read_group(domain, list(groupby), list(aggregates))
        }

    def test_from_to_matrix(self):
        matrix = {key: count for key, (count,) in self._grouped(["old_rank", "new_rank"]).items()}
        self.assertEqual(
            matrix,
            {
                (False, "gathering"): 3,
                (False, "prospect"): 1,
                ("gathering", "prospect"): 3,
                ("prospect", "contracted"): 4,
                ("prospect", "lost"): 1,
                ("contracted", "referral"): 1,
                ("contracted", "dormant"): 2,
                ("contracted", "defected"): 1,
                ("defected", "contracted"): 1,
                ("dormant", "prospect"): 1,
            },
        )

    def test_days_in_the_rank_left(self):
        rows = self.Report.search([("partner_id", "in", self.partners.ids)])
        days = {}
        for row in rows:
            days.setdefault((row.partner_id.name, row.old_rank), []).append(row.days_in_old_rank)
        self.assertEqual(days[("Aoki", False)], [0])  # a first rank: none (0 as read by the ORM)
        self.assertEqual(days[("Aoki", "prospect")], [30])
        self.assertEqual(sorted(days[("Chiba", "prospect")]), [5, 40])
        self.assertEqual(days[("Doi", "defected")], [60])
        # the average days in gathering before moving to prospect: (10 + 30 + 15) / 3
        (average,) = self._grouped(["old_rank"], [("old_rank", "=", "gathering")], ["days_in_old_rank:avg"])[
            "gathering"
        ]
        self.assertAlmostEqual(average, 55 / 3)
        # the customers still in a rank, and for how long (until now: day 400 and one hour)
        still = rows.filtered("still_count")
        self.assertEqual(
            sorted((row.partner_id.name, row.new_rank, row.days_in_new_rank) for row in still),
            [("Aoki", "referral", 300), ("Baba", "lost", 350), ("Chiba", "contracted", 100), ("Doi", "dormant", 100)],
        )

    def test_median_and_average_per_rank(self):
        rows = {row.crm_rank: row for row in self.Duration.search([])}
        self.assertEqual(rows["gathering"].left_count, 3)
        self.assertEqual(rows["gathering"].median_days, 15)
        self.assertEqual(rows["prospect"].left_count, 5)  # 5, 10, 20, 30, 40 days
        self.assertEqual(rows["prospect"].median_days, 20)
        self.assertEqual(rows["prospect"].average_days, 21)
        self.assertEqual(rows["contracted"].left_count, 4)  # 20, 60, 150, 155 days
        self.assertEqual(rows["contracted"].median_days, 105)
        self.assertEqual(rows["contracted"].still_count, 1)
        self.assertEqual(rows["contracted"].median_days_so_far, 100)
        self.assertEqual(rows["lost"].still_count, 1)
        self.assertEqual(rows["lost"].left_count, 0)

    def test_funnel_next_step(self):
        funnel = self._grouped(
            ["funnel_step"],
            [("funnel_step", "!=", False)],
            ["move_count:sum", "moved_on_count:sum", "conversion_rate:avg"],
        )
        # in the funnel's order
        self.assertEqual(
            list(funnel.items()),
            [
                ("1_gathering", (3, 3, 100.0)),
                ("2_prospect", (5, 4, 80.0)),  # Baba was lost
                ("3_contracted", (5, 1, 20.0)),  # only Aoki referred someone
                ("4_referral", (1, 0, 0.0)),
            ],
        )

    def test_cohorts(self):
        by_cohort = self._grouped(["first_inquiry_date:month"], [("old_rank", "!=", False)])
        self.assertEqual(sorted(count for (count,) in by_cohort.values()), [5, 9])
        self.assertEqual(len(by_cohort), 2)
        by_source = {source.name: count for source, (count,) in self._grouped(["source_id"]).items()}
        self.assertEqual(by_source, {"Website": 7, "Flyer": 11})
        (by_tag,) = self._grouped(["tag_id"]).items()
        self.assertEqual(by_tag, (self.bathroom, (18,)))
        by_team = self._grouped(["team_id"])
        self.assertEqual(list(by_team), [self.team])
        by_user = self._grouped(["user_id"])
        self.assertEqual(list(by_user), [self.salesman])

    def test_what_moved_them(self):
        causes = self._grouped(["direction", "cause"], [("old_rank", "!=", False)])
        causes = {key: count for key, (count,) in causes.items()}
        self.assertEqual(
            causes,
            {
                ("up", "deal"): 8,
                ("up", "referral"): 1,
                ("up", "manual"): 1,  # the reinstatement
                ("down", "deal"): 1,
                ("down", "scheduled"): 2,
                ("down", "manual"): 1,  # the defection
            },
        )
        comeback = self.Report.search([("partner_id", "in", self.partners.ids), ("is_reactivation", "=", True)])
        self.assertEqual(comeback.partner_id, self.customers["Chiba"])
        self.assertEqual(comeback.days_in_old_rank, 60)
        # what brought them back: the Reactivation Rate report's answer, on the move
        self.assertEqual(comeback.trigger, "campaign")
        (reactivation,) = self.env["crm.rank.reactivation.report"].search(
            [("partner_id", "=", comeback.partner_id.id), ("reactivated_count", "=", 1)]
        )
        self.assertEqual(reactivation.trigger, comeback.trigger)
        with_trigger = self.Report.search([("partner_id", "in", self.partners.ids), ("trigger", "!=", False)])
        self.assertEqual(with_trigger, comeback)

    def test_times_on_the_customer(self):
        times = {
            partner.name: (
                partner.crm_rank_contracted_count,
                partner.crm_rank_lost_count,
                partner.crm_rank_dormant_count,
            )
            for partner in self.partners
        }
        self.assertEqual(
            times, {"Aoki": (1, 0, 0), "Baba": (0, 1, 0), "Chiba": (2, 0, 1), "Doi": (2, 0, 1)}
        )
        Partner = self.env["res.partner"]
        mine = [("id", "in", self.partners.ids)]
        self.assertEqual(
            set(Partner.search([*mine, ("crm_rank_contracted_count", ">=", 2)]).mapped("name")), {"Chiba", "Doi"}
        )
        self.assertEqual(
            set(Partner.search([*mine, ("crm_rank_dormant_count", "=", 0)]).mapped("name")), {"Aoki", "Baba"}
        )
        self.assertEqual(Partner.search([*mine, ("crm_rank_lost_count", "!=", 0)]).mapped("name"), ["Baba"])

    def test_times_cost_the_same_queries_for_few_or_many(self):
        few, many = self.partners[:1], self.partners
        self._count_queries(few.mapped, "crm_rank_dormant_count")  # warm-up
        _values, queries_few = self._count_queries(few.mapped, "crm_rank_dormant_count")
        _values, queries_many = self._count_queries(many.mapped, "crm_rank_dormant_count")
        self.assertEqual(queries_few, queries_many)

    def test_neighbours_follow_edits(self):
        """Deleting a change joins its neighbours; the spans are stored again."""
        aoki = self.customers["Aoki"]
        history = self.env["crm.rank.history"].search([("partner_id", "=", aoki.id)], order="date, id")
        self.assertEqual(history.mapped("next_rank"), ["prospect", "contracted", "referral", False])
        history[2].unlink()  # prospect -> contracted
        history = history.exists()
        self.assertEqual(history.mapped("next_rank"), ["prospect", "referral", False])
        self.assertEqual(history[2].previous_date, history[1].date)

    def test_migration_fills_the_whole_history(self):
        history = self.env["crm.rank.history"].search([("partner_id", "in", self.partners.ids)])
        expected = [(entry.previous_date, entry.next_rank, entry.next_date) for entry in history]
        self.assertEqual(len([1 for _prev, next_rank, _date in expected if next_rank]), 14)
        self.env.execute_query(
            SQL("UPDATE crm_rank_history SET previous_date = NULL, next_rank = NULL, next_date = NULL")
        )
        history.invalidate_recordset()
        path = pathlib.Path(__file__).parent.parent / "migrations" / "19.0.1.5.0" / "post-28-history.py"
        spec = importlib.util.spec_from_file_location("crm_customer_rank_post_28_history", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(self.env.cr, "19.0.1.4.0")
        self.assertEqual([(entry.previous_date, entry.next_rank, entry.next_date) for entry in history], expected)

    def test_salesperson_sees_own_customers_moves(self):
        """As the other reports: a salesperson restricted to their own documents sees
        the moves of the customers they followed (or nobody followed)."""
        other = self.customers["Baba"]
        self.env["crm.rank.history"].search([("partner_id", "=", other.id)]).salesperson_id = self.sales_manager
        Report = self.Report.with_user(self.salesman)
        seen = Report.search([("partner_id", "in", self.partners.ids)]).partner_id
        self.assertEqual(seen, self.partners - other)
        self.assertEqual(self.Report.with_user(self.sales_manager).search_count([("partner_id", "=", other.id)]), 3)

    def test_click_through_to_customers(self):
        rows = self.Report.search([("partner_id", "in", self.partners.ids), ("old_rank", "=", "prospect")])
        action = rows.action_open_partners()
        self.assertEqual(self.env["res.partner"].search(action["domain"]), self.partners)
        self.assertEqual(rows[0].action_open_partner()["res_id"], rows[0].partner_id.id)


@tagged("post_install", "-at_install")
class TestMovementPaths(CrmRankCase):
    """The engine's own paths write the history the report reads."""

    def _moves(self, partner):
        self._flush()
        rows = self.env["crm.rank.movement.report"].search([("partner_id", "=", partner.id)], order="date, id")
        return [(row.old_rank, row.new_rank, row.days_in_old_rank, row.cause) for row in rows]

    def test_two_moves_in_one_day(self):
        customer = self._customer("Two moves a day")
        day = datetime.datetime.combine(self.today, datetime.time(8)) - datetime.timedelta(days=5)
        with self._frozen(day):
            deal = self._deal(customer, lead_type="lead")
        with self._frozen(day + datetime.timedelta(minutes=30)):
            deal.write({"type": "opportunity"})
        with self._frozen(day + datetime.timedelta(hours=1)):
            deal.action_set_won()
        self.assertEqual(
            self._moves(customer),
            [
                (False, "gathering", 0, "deal"),
                ("gathering", "prospect", 0, "deal"),
                ("prospect", "contracted", 0, "deal"),
            ],
        )
        customer.invalidate_recordset()
        self.assertEqual(customer.crm_rank_days, 5)
        self.assertEqual(customer.crm_rank_contracted_count, 1)
        # the stalled prospects filter: not a prospect any more
        stalled = self.env["res.partner"].search([("crm_rank", "=", "prospect"), ("crm_rank_days", ">", 90)])
        self.assertNotIn(customer, stalled)

    def test_stalled_prospects_filter(self):
        stalled, fresh = self._customer("Stalled"), self._customer("Fresh")
        with self._at(-120):
            self._deal(stalled)
        with self._at(-30):
            self._deal(fresh)
        Partner = self.env["res.partner"]
        both = [("id", "in", (stalled | fresh).ids)]
        found = Partner.search([*both, ("crm_rank", "=", "prospect"), ("crm_rank_days", ">", 90)])
        self.assertEqual(found, stalled)
        found = Partner.search([*both, ("crm_rank_days", "<=", 90)])
        self.assertEqual(found, fresh)
        self.assertEqual((stalled.crm_rank_days, fresh.crm_rank_days), (120, 30))

    def test_reinstated_after_defection(self):
        customer = self._customer("Came back after a complaint")
        with self._at(-200):
            self._won(customer, completion=-150)
        with self._at(-100):
            customer._crm_rank_mark_defected("moved")
        with self._at(-40):
            customer._crm_rank_reinstate("Apologised")
        moves = self._moves(customer)
        self.assertEqual(
            [(old, new, days) for old, new, days, _cause in moves],
            [
                (False, "contracted", 0),
                ("contracted", "defected", 100),
                ("defected", "contracted", 60),
            ],
        )
        customer.invalidate_recordset()
        self.assertEqual(customer.crm_rank_contracted_count, 2)
        self.assertEqual(customer.crm_rank_days, 40)


class TestReplay(unittest.TestCase):
    """The past moves replayed from a customer's deals (pure Python)."""

    def test_replay_from_the_deals(self):
        base = datetime.datetime(2025, 1, 1, 9)

        def day(days):
            return base + datetime.timedelta(days=days)

        deals = [
            replay.PastDeal(day(0), "opportunity", "won", day(20), day(60).date()),
            replay.PastDeal(day(200), "opportunity", "lost", day(230), active=False),
        ]
        changes = replay.replay(deals, day(400), referred=[day(300)], dormancy_days=100, referral_threshold=1)
        self.assertEqual(
            [(moment - base, rank) for moment, rank, _reason in changes],
            [
                (datetime.timedelta(0), "prospect"),
                (datetime.timedelta(20), "contracted"),
                # the dormancy period ends 100 days after the completion, at the start of the day
                (datetime.timedelta(160, hours=-9), "dormant"),
                (datetime.timedelta(200), "prospect"),
                (datetime.timedelta(230), "lost"),
                (datetime.timedelta(300), "referral"),
            ],
        )

    def test_replay_defection(self):
        base = datetime.datetime(2025, 1, 1, 9)
        deals = [replay.PastDeal(base, "opportunity", "won", base, base.date())]
        changes = replay.replay(
            deals, base + datetime.timedelta(days=50), defected_on=(base + datetime.timedelta(days=30)).date(),
            defection_origin="manual",
        )
        self.assertEqual([(rank, reason) for _moment, rank, reason in changes],
                         [("contracted", "after_care"), ("defected", "defected_manual")])


@tagged("post_install", "-at_install")
class TestRebuild(CrmRankCase):
    def _backdate(self, deal, created, closed=None):
        self.env.flush_all()
        now = datetime.datetime.combine(self.today, datetime.time(10))
        self.env.execute_query(
            SQL(
                "UPDATE crm_lead SET create_date = %s, date_closed = %s WHERE id = %s",
                now + datetime.timedelta(days=created),
                closed is not None and now + datetime.timedelta(days=closed) or None,
                deal.id,
            )
        )
        self.env.invalidate_all()

    def test_rebuild_imported_customer(self):
        imported, moved = self._customer("Imported"), self._customer("Moved since")
        won = self._won(imported, completion=-300)
        opportunity = self._deal(imported)
        self._backdate(won, -400, -380)
        self._backdate(opportunity, -30)
        self._deal(moved, lead_type="lead")
        with self._at(1):
            self._deal(moved)  # a second row: rebuilding would lose it
        self.assertEqual(len(self._history(imported)), 1)
        with self._at(1):
            action = self.env["crm.rank.history.rebuild"].with_user(self.sales_manager)._action_rebuild(
                imported | moved
            )
        self.assertIn("1", action["params"]["message"])
        history = self._history(imported).sorted(lambda entry: (entry.date, entry.id))
        self.assertEqual(
            [(entry.old_rank, entry.new_rank, (entry.date.date() - self.today).days, entry.cause) for entry in history],
            [
                (False, "prospect", -400, "rebuild"),
                ("prospect", "contracted", -380, "rebuild"),
                ("contracted", "prospect", -30, "rebuild"),
            ],
        )
        imported.invalidate_recordset()
        self.assertEqual(imported.crm_rank_days, 30)
        self.assertEqual(len(self._history(moved)), 2)
        moves = self.env["crm.rank.movement.report"].search([("partner_id", "=", imported.id)], order="date")
        self.assertEqual(moves.mapped("days_in_old_rank"), [0, 20, 350])

    def test_rebuild_is_for_managers(self):
        customer = self._customer("Imported")
        self._deal(customer)
        with self.assertRaises(AccessError):
            self.env["crm.rank.history.rebuild"].with_user(self.salesman)._action_rebuild(customer)

    def test_rebuild_costs_the_same_queries_for_few_or_many(self):
        customers = [self._customer(f"Imported {index}") for index in range(4)]
        for customer in customers:
            self._won(customer, completion=-100)
        Rebuild = self.env["crm.rank.history.rebuild"]
        _ids, queries_one = self._count_queries(Rebuild._rebuild, [customers[0].id])
        rebuilt, queries_three = self._count_queries(Rebuild._rebuild, [customer.id for customer in customers[1:]])
        self.assertEqual(len(rebuilt), 3)
        self.assertEqual(queries_one, queries_three)
