"""The set-based after-care planning (``_insert_planned``): the same items as
``create`` made, the same activities handed out, at a cost that does not grow
with the number of jobs."""

import datetime
from unittest.mock import patch

from odoo import fields
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from ..lib import aftercare
from ..models import crm_aftercare_item
from ..models.crm_aftercare_item import SYSTEM_CONTEXT
from ..models.crm_rank_defection import DEFECTED_DOMAIN
from .common import CrmRankCase

ADDRESS = {"zip": "154-0015", "city": "世田谷区", "street": "桜新町8-3-3"}
# what the planning fills in the INSERT besides the values it decides
FILLED_BY_THE_INSERT = {"partner_id", "user_id", "property_id", "team_id", "company_id"}


def _insert_with_create(self, vals_list):
    """The planning until 19.0.1.5.0: the items through the ORM."""
    if vals_list:
        self.sudo().with_context(**SYSTEM_CONTEXT).create(vals_list)


def _wanted_items_through_the_orm(items, leads_sudo):
    """The planning's decision until 19.0.1.6.0: each deal's facts read through the ORM."""
    today = fields.Date.context_today(items)
    customers = leads_sudo.partner_id.commercial_partner_id | leads_sudo.crm_property_id.partner_id
    defected = customers.filtered_domain(DEFECTED_DOMAIN)
    result = {}
    for lead in leads_sudo:
        customer = lead._crm_aftercare_customer()
        if not (
            lead.active
            and lead.won_status == "won"
            and lead.completion_date
            and lead.completion_date <= today
            and customer
            and customer not in defected
        ):
            continue
        company = lead.company_id or items.env.company
        plan = aftercare.plan_for(
            [tag.crm_inspection_plan for tag in lead.tag_ids if tag.crm_inspection_plan],
            company.crm_inspection_plan or "",
        )
        equipment = {
            equipment.id: (equipment.installed_date, equipment.life_years) for equipment in lead.crm_equipment_ids
        }
        result[lead.id] = aftercare.desired_items(lead.completion_date, plan, lead.warranty_years, equipment)
    return result


@tagged("post_install", "-at_install")
class TestAftercarePlanning(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Item = cls.env["crm.aftercare.item"]
        cls.company.write({"crm_inspection_plan": "1m,6m,1y,2y", "crm_aftercare_notice_days": 31})
        cls.team.user_id = cls.sales_manager
        water_heater = cls.env["crm.tag"].create(
            {
                "name": "Water heater",
                "crm_inspection_plan": "1m,1y",
                "crm_warranty_years": 5,
                "crm_equipment_life_years": 10,
            }
        )
        bathroom = cls.env["crm.tag"].create(
            {"name": "Bathroom", "crm_inspection_plan": "6ヶ月,2年", "crm_warranty_years": 2}
        )
        # a company with its own plan, a long notice and a short grace period
        cls.company_b = cls.env["res.company"].create(
            {
                "name": "Reform B",
                "crm_inspection_plan": "3m,1y",
                "crm_aftercare_notice_days": 45,
                "crm_aftercare_grace_days": 10,
            }
        )
        own_salesperson = new_test_user(
            cls.env, login="planning_own", groups="sales_team.group_sale_salesman", name="Own Salesperson"
        )
        today = cls.today
        # two kinds of work completed today (their plans joined), with equipment
        both = cls._won(
            cls._customer("Both kinds", user_id=own_salesperson.id, phone="090-1111-2222"),
            completion=0,
            tag_ids=[(6, 0, (water_heater | bathroom).ids)],
        )
        Equipment = cls.env["crm.aftercare.equipment"]
        Equipment.create({"name": "Eco water heater", "lead_id": both.id})
        Equipment.create(
            {
                "name": "Old boiler",
                "lead_id": both.id,
                "installed_date": today - datetime.timedelta(days=3650),
                "life_years": 10,
            }
        )
        Equipment.create({"name": "Tap", "lead_id": both.id, "life_years": 0})
        # a contact person of a company, a job completed 400 days ago (its early items missed)
        firm = cls._customer("Firm", is_company=True, email="firm@example.com")
        contact = cls._customer("Firm contact", parent_id=firm.id)
        old = cls._won(contact, completion=-400)
        # the house changed owners: the job is the seller's, its planned items the buyer's
        seller = cls._customer("Seller", **ADDRESS)
        buyer = cls._customer("Buyer", user_id=own_salesperson.id)
        sold = cls._won(seller, completion=-40)
        sold.crm_property_id.partner_id = buyer
        # the other company: its plan and grace period (the 3-month inspection missed)
        other_company = cls._won(
            cls._customer("Other company", company_id=False),
            completion=-120,
            company_id=cls.company_b.id,
            team_id=False,
            user_id=False,
        )
        # no company (a shared deal), no salesperson (the team's leader gets the activity)
        shared = cls._won(cls._customer("Shared"), completion=-5, company_id=False, user_id=False)
        # completed on a 31st: the 1-month inspection on the month's last day
        month_end = cls._won(cls._customer("Month end"), completion=datetime.date(today.year - 1, 1, 31))
        # not planned: completion ahead, a defected customer, a lost deal
        ahead = cls._won(cls._customer("Ahead"), completion=10)
        defected_customer = cls._customer("Defected")
        defected = cls._won(defected_customer, completion=-20)
        defected_customer._crm_rank_mark_defected("complaint")
        lost = cls._lost(cls._customer("Lost"), completion_date=today - datetime.timedelta(days=30))
        cls.jobs = both | old | sold | other_company | shared | month_end | ahead | defected | lost

    def _forget(self, jobs):
        """As before the addon: these jobs have no item (and no after-care activity)."""
        items = self.Item.sudo().search([("lead_id", "in", jobs.ids)])
        items.activity_id.unlink()
        items.unlink()
        self._flush()

    def _plan(self):
        """The daily jobs' planning and hand-out; what they made."""
        self.Item._cron_sync()
        self.Item._cron_schedule_activities()
        self._flush()
        columns = [
            name
            for name, field in self.Item._fields.items()
            if field.store and field.column_type and name not in ("id", "activity_id")
        ]
        items = self.env.execute_query(
            SQL(
                "SELECT %s FROM crm_aftercare_item WHERE lead_id = ANY(%s) ORDER BY lead_id, kind, key",
                SQL(", ").join(map(SQL.identifier, columns)),
                self.jobs.ids,
            )
        )
        activities = self.env.execute_query(
            SQL(
                """
                SELECT i.lead_id, i.kind, i.key, a.res_model, a.res_id, a.activity_type_id, a.user_id,
                       a.date_deadline, a.summary, a.note, a.automated
                  FROM crm_aftercare_item i JOIN mail_activity a ON a.id = i.activity_id
                 WHERE i.lead_id = ANY(%s) ORDER BY i.lead_id, i.kind, i.key
                """,
                self.jobs.ids,
            )
        )
        # the planning writes no chatter line and adds no follower
        chatter = self.env.execute_query(
            SQL(
                """SELECT (SELECT COUNT(*) FROM mail_message WHERE model = 'crm.aftercare.item'),
                          (SELECT COUNT(*) FROM mail_followers WHERE res_model = 'crm.aftercare.item')"""
            )
        )
        return [dict(zip(columns, row, strict=True)) for row in items], activities, chatter

    def test_set_based_planning_makes_what_create_made(self):
        self._forget(self.jobs)
        with patch.object(type(self.Item), "_insert_planned", _insert_with_create):
            items, activities, chatter = self._plan()
        self._forget(self.jobs)
        self.assertEqual(self._plan(), (items, activities, chatter))
        # the fixture is varied: both companies, the owners, the states, every kind
        self.assertEqual({item["kind"] for item in items}, {"inspection", "warranty", "replacement"})
        self.assertEqual({item["state"] for item in items}, {"planned", "missed"})
        self.assertEqual(len({item["company_id"] for item in items}), 3)  # two companies and none
        self.assertEqual(len({item["lead_id"] for item in items}), 6)
        self.assertEqual(len({item["user_id"] for item in items}), 3)
        self.assertEqual(len({activity[6] for activity in activities}), 3)
        self.assertEqual({activity[3] for activity in activities}, {"crm.lead", "res.partner"})

    def test_facts_read_in_one_query_decide_as_the_orm_did(self):
        """``_planning_facts`` (one query) and ``_wanted_items`` want the items the ORM's
        reading of each deal wanted, on the varied fixture and on jobs just changed
        in the cache (archived, moved, a kind of work with a plan of its own added)."""
        jobs_sudo = self.jobs.sudo().with_context(active_test=False)
        self.assertEqual(
            self.Item._wanted_items(self.Item._planning_facts(jobs_sudo.ids)),
            _wanted_items_through_the_orm(self.Item, jobs_sudo),
        )
        both, old, sold = self.jobs[:3]
        old.active = False
        sold.completion_date = self.today - datetime.timedelta(days=800)
        both.tag_ids |= self.env["crm.tag"].create({"name": "Roof", "crm_inspection_plan": "3年, 18"})
        self.company_b.crm_inspection_plan = "1y"
        wanted = self.Item._wanted_items(self.Item._planning_facts(jobs_sudo.ids))
        self.assertEqual(wanted, _wanted_items_through_the_orm(self.Item, jobs_sudo))
        self.assertNotIn(old.id, wanted)
        self.assertIn(("inspection", 36), wanted[both.id])
        self.assertEqual(len(wanted), 5)
        # the query's cost does not grow with the deals
        _result, queries = self._count_queries(self.Item._planning_facts, jobs_sudo.ids)
        self.assertEqual(queries, 1)

    def test_set_based_planning_updates_the_caches(self):
        """A deal's and a house's item lists read after the planning show the new items."""
        job = self.jobs[2]
        self._forget(job)
        self.assertFalse(job.crm_aftercare_item_ids)
        self.assertFalse(job.crm_property_id.aftercare_item_ids)
        self.Item._sync_leads(job)
        self.assertEqual(job.crm_aftercare_item_ids.mapped("key"), [1, 6, 12, 24])
        self.assertEqual(job.crm_property_id.aftercare_item_ids, job.crm_aftercare_item_ids)
        self.assertEqual(job.crm_aftercare_item_ids.filtered("is_current").mapped("key"), [1])

    def test_nothing_else_to_compute_or_translate(self):
        """What the INSERT skips of ``create``: no stored field of another model depends
        on the items, the items' stored computed fields are those the INSERT fills, and
        no stored field of theirs is translated. A field added here makes this fail:
        then fill it in ``_insert_planned``."""
        registry = self.env.registry
        stored_dependents = {
            f"{dependent.model_name}.{dependent.name}"
            for field in self.Item._fields.values()
            for dependent in registry.get_dependent_fields(field)
            if dependent.store
        }
        self.assertEqual(stored_dependents, {f"crm.aftercare.item.{name}" for name in FILLED_BY_THE_INSERT})
        computed = {name for name, field in self.Item._fields.items() if field.store and field.compute}
        self.assertEqual(computed, FILLED_BY_THE_INSERT)
        self.assertFalse([name for name, field in self.Item._fields.items() if field.store and field.translate])

    def test_planning_costs_the_same_queries_for_few_or_many_jobs(self):
        tag = self.jobs[0].tag_ids[:1]

        def catch_up(count):
            jobs = self.env["crm.lead"]
            for n in range(count):
                customer = self._customer(f"Job {count}-{n}", street=f"桜新町{count}-{n}", city="世田谷区")
                jobs |= self._won(customer, completion=-40 * (n % 2), tag_ids=[(6, 0, tag.ids)])  # due, overdue
                self.env["crm.aftercare.equipment"].create({"name": "Heater", "lead_id": jobs[-1].id})
            self._forget(jobs)
            _result, planning = self._count_queries(self.Item._sync_completed_jobs)
            self.assertEqual(len(self.Item.search([("lead_id", "in", jobs.ids)])), 4 * count)
            _result, handing_out = self._count_queries(self.Item._hand_out_due_items)
            self.assertEqual(len(self.Item.search([("lead_id", "in", jobs.ids), ("activity_id", "!=", False)])), count)
            return planning, handing_out

        self.Item._hand_out_due_items()  # the fixture's due items
        catch_up(1)  # Odoo's caches (activity types, subtypes, defaults) filled
        self.assertEqual(catch_up(2), catch_up(7))

    def test_scheduled_catch_up_commits_each_chunk_and_goes_to_the_end(self):
        """Inside the scheduled action each chunk is committed (``ir.cron._commit_progress``)
        and the run plans every job even when Odoo's time for it is up: a run started
        again would read the jobs that get no item (a defected customer's) first."""
        jobs = self.env["crm.lead"]
        for n in range(5):
            jobs |= self._won(self._customer(f"Backlog {n}"), completion=-10)
        self._forget(jobs)
        progress = []

        def commit_progress(cron, processed=0, *, remaining=None, deactivate=False):
            progress.append((processed, remaining))
            return 0  # no time left

        with (
            patch.object(type(self.env["ir.cron"]), "_commit_progress", commit_progress),
            patch.object(crm_aftercare_item, "SYNC_CHUNK", 2),
        ):
            self.Item.with_context(ir_cron_progress_id=1)._sync_completed_jobs()
        # five jobs in chunks of two, each committed, none left
        self.assertEqual(progress, [(2, 3), (2, 1), (1, 0)])
        for job in jobs:
            self.assertEqual(self.Item.search([("lead_id", "=", job.id)]).mapped("key"), [1, 6, 12, 24], job.name)

    def test_large_catch_up_renews_the_items_statistics(self):
        """A catch-up that inserts most of the table analyses it at its end: the
        hand-out of the activities that follows would otherwise be planned on the
        statistics of the table before it (100 s instead of 8 s at 100,000)."""
        jobs = self.env["crm.lead"]
        for n in range(5):
            jobs |= self._won(self._customer(f"Statistics {n}"), completion=-10)
        self._forget(jobs)
        analysed = []
        real_execute = type(self.env).execute_query

        def execute_query(env, query):
            if query.code.startswith("ANALYZE"):
                analysed.append(query.code)
            return real_execute(env, query)

        with patch.object(type(self.env), "execute_query", execute_query):
            with patch.object(crm_aftercare_item, "ANALYZE_MIN_JOBS", 6):
                self.Item._sync_completed_jobs()
            self.assertEqual(analysed, [], "a few jobs: the statistics are autovacuum's")
            self._forget(jobs)
            with patch.object(crm_aftercare_item, "ANALYZE_MIN_JOBS", 5):
                self.Item._sync_completed_jobs()
        self.assertEqual(analysed, ['ANALYZE "crm_aftercare_item"'])
        [(estimated,)] = self.env.execute_query(
            SQL("SELECT reltuples::int FROM pg_class WHERE oid = 'crm_aftercare_item'::regclass")
        )
        self.assertEqual(estimated, self.Item.search_count([]))
