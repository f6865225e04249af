"""Benchmark: N customers become dormant at once; time the daily update and the
reactivation activities. Run in an Odoo shell; everything is rolled back:

    odoo-bin shell -c CONF -d DB --log-level=warn < tools/bench_reactivation.py

Optional: BENCH_N=5000 in the environment (default 1000).
"""

import datetime
import os
import time

from odoo import fields

env = env(context=dict(env.context))  # noqa: F821 - the shell's env
N = int(os.environ.get("BENCH_N", "1000"))
Partner = env["res.partner"]
stage_won = env["crm.stage"].search([("is_won", "=", True)], limit=1)
partners = Partner.create([{"name": f"Bench {i}", "phone": "03-0000-0000"} for i in range(N)])
leads = env["crm.lead"].create(
    [{"name": "Bench deal", "partner_id": p.id, "type": "opportunity", "user_id": env.uid} for p in partners]
)
leads.write({"stage_id": stage_won.id, "probability": 100})
past = fields.Date.today() - datetime.timedelta(days=400)
env.flush_all()
env.cr.execute(
    "UPDATE crm_lead SET create_date = %s, date_closed = %s, completion_date = %s WHERE id = ANY(%s)",
    (past, past, past, leads.ids),
)
env.invalidate_all()

Reactivation = type(env["crm.rank.reactivation"])
schedule = Reactivation._schedule
calls = []


def timed(self, ids, *args, **kwargs):
    queries, start = self.env.cr.sql_log_count, time.time()
    activities = schedule(self, ids, *args, **kwargs)
    self.env.flush_all()
    calls.append((len(ids), len(activities), round(time.time() - start, 2), self.env.cr.sql_log_count - queries))
    return activities


Reactivation._schedule = timed
start = time.time()
changed = Partner._crm_rank_update_all(cause="scheduled")
print(f"rank update: {changed} customers changed in {time.time() - start:.2f} s")
for customers, activities, seconds, queries in calls:
    print(f"reactivation: {activities} activities for {customers} customers in {seconds} s, {queries} queries")
Reactivation._schedule = schedule
env.cr.rollback()
