#!/usr/bin/env python3
"""Measure the rank engine on synthetic databases of 10k, 100k (or 1M) customers.

Not a test: a tool that builds a database per size from a template that has
crm, project and mass_mailing installed (``base_deps``), fills it set-based
with customers, deals in every state and chatter, installs the addon (wall
time and peak memory, through GNU time), adds what years of use add (completion dates, referrals, defections), then
measures, each in a fresh Odoo process:

- the full rank update (``_crm_rank_update_all``) and its peak memory (the
  worker's RSS high-water mark from ``getrusage``, and its increase over the
  RSS before the update);
- a floor: one aggregate query reading the same inputs once, run just
  before each update run;
- a naive baseline: the same rules computed one customer at a time through
  the ORM (on a sample, extrapolated);
- one deal changing stage (queries counted with ``cr.sql_log_count``, time);
- the recipient count of mailings to every contact, every ranked customer and
  every lead, with and without the defected exclusion;
- the catch-up after years of use as the scheduler runs the daily jobs
  (``ir.cron.method_direct_trigger`` of each scheduled action of the addon,
  *Update customer ranks* first: batches committed, reactivation activities
  in chunks), each of their steps timed;
  above ``--aftercare-max-size`` its after-care steps are skipped;
- the screens: the ORM calls the web client makes when a user opens *Pipeline
  by Rank*, *Customers by Rank*, *Inquiries and Contracts*, *Customers per
  Rank* and *Reactivation Rate*, with the actions' domains and contexts, the
  views' group-bys and measures, as the administrator (record rules apply);
  each once to warm up, then median of 3 with the cache invalidated before
  each call (target 300 ms);
- up to ``--gate-max-size`` (10,000), the queue processing of 10,000 mailing
  e-mails with and without the defection send gate.

It prints a markdown table. The databases are named ``<prefix>_<size>`` and
dropped at the end unless ``--keep`` is given.

Example::

    /opt/odoo-venv/bin/python tools/benchmark.py --conf /tmp/odoo.conf \\
        --sizes 10000,100000 --output tools/benchmark-results/run.md

Run it with the Python that runs Odoo 19 (psycopg2 comes with it). The
template database must have crm, project, mass_mailing_crm and
mass_mailing_sms installed (``--template``).
"""

import argparse
import datetime
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import psycopg2

ADDON = "crm_customer_rank"
GNU_TIME = "/usr/bin/time"
RESULT_TAG = "BENCH_RESULT "
COMPLAINT = "Complaint about our work (benchmark)"

# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    parser.add_argument("--conf", help="Odoo config file (addons path must contain the addon)")
    parser.add_argument("--odoo-path", default=os.environ.get("ODOO_PATH", "/opt/odoo19"))
    parser.add_argument("--db-host", default=None)
    parser.add_argument("--db-port", default=None)
    parser.add_argument("--db-user", default=None)
    parser.add_argument("--db-password", default=os.environ.get("PGPASSWORD"))
    parser.add_argument("--template", default="base_deps", help="database with crm/project/mass_mailing")
    parser.add_argument("--prefix", default="crm_rank_bench", help="database names: <prefix>_<size>")
    parser.add_argument("--sizes", default="10000,100000", help="commercial customers, comma separated")
    parser.add_argument("--runs", type=int, default=3, help="runs of the full update and the floor")
    parser.add_argument("--naive-sample", type=int, default=500, help="customers timed by the naive baseline")
    parser.add_argument("--naive-max-size", type=int, default=10000, help="run the naive baseline up to this size only")
    parser.add_argument(
        "--aftercare-max-size",
        type=int,
        default=100000,
        help="above this size the catch-up runs the scheduled action without its after-care steps",
    )
    parser.add_argument("--gate-max-size", type=int, default=10000, help="measure the send gate up to this size only")
    parser.add_argument("--output", help="also write the report (markdown) to this file")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--reuse", action="store_true", help="reuse databases built by an earlier --keep run")
    parser.add_argument(
        "--built", action="store_true", help="the databases are built but the addon not installed: install and go on"
    )
    sub = parser.add_subparsers(dest="worker")
    worker = sub.add_parser("worker", help="internal: one measurement inside Odoo")
    worker.add_argument("task")
    worker.add_argument("--database", required=True)
    worker.add_argument("--sample", type=int, default=500)
    worker.add_argument("--cause", default="scheduled")
    worker.add_argument("--mails", type=int, default=10000)
    worker.add_argument("--gate-order", default="without,with", help="mail_gate: the variants, in order")
    worker.add_argument("--skip-aftercare", action="store_true", help="cron: the after-care steps do nothing")
    args = parser.parse_args(argv)
    if not args.conf and not args.worker:
        parser.error("--conf is required")
    return args


def odoo_db_options(args):
    options = []
    for name in ("host", "port", "user", "password"):
        value = getattr(args, f"db_{name}")
        if value:
            options.append(f"--db_{name}={value}")
    return options


def connect(args, dbname):
    """A plain psycopg2 connection; defaults come from the Odoo config file."""
    conf = read_conf(args.conf)
    params = {
        "dbname": dbname,
        "host": args.db_host or conf.get("db_host") or None,
        "port": args.db_port or conf.get("db_port") or None,
        "user": args.db_user or conf.get("db_user") or None,
        "password": args.db_password or conf.get("db_password") or None,
    }
    return psycopg2.connect(**{key: value for key, value in params.items() if value not in (None, "False")})


def admin_sql(args, *statements):
    """Statements that cannot run in a transaction (CREATE/DROP DATABASE)."""
    conn = connect(args, "postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            for statement in statements:
                cr.execute(statement)
    finally:
        conn.close()


def read_conf(path):
    values = {}
    if path and os.path.exists(path):
        with open(path, encoding="utf-8") as conf:
            for line in conf:
                key, sep, value = line.partition("=")
                if sep:
                    values[key.strip()] = value.strip()
    return values


# ---------------------------------------------------------------------------
# Synthetic data (set-based: one INSERT ... SELECT generate_series per table)
# ---------------------------------------------------------------------------

# A deterministic pseudo-random number 0..2^31-1 from an integer expression.
HASH = "(hashint8(({})::bigint)::bigint & 2147483647)"


def hashed(expr):
    return HASH.format(expr)


def build_database(args, dbname, size):
    """Copy the template and fill it with ``size`` customers before the addon is installed."""
    admin_sql(args, f'DROP DATABASE IF EXISTS "{dbname}"', f'CREATE DATABASE "{dbname}" TEMPLATE "{args.template}"')
    conn = connect(args, dbname)
    with conn, conn.cursor() as cr:
        fill_customers(cr, size)
        # a company in Tokyo, as its customers and the screens' reader (screen_env): its
        # day (res.company._crm_day_tz) is the readers' (the template's calendar says UTC)
        cr.execute(
            "UPDATE res_partner SET tz = 'Asia/Tokyo' WHERE id IN (SELECT partner_id FROM res_company)"
            " AND tz IS NULL"
        )
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute("VACUUM ANALYZE")
    conn.close()


def fill_customers(cr, n):
    """Customers (10% companies with a contact person), 5% vendors, ~3 deals and ~10 messages each."""
    cr.execute("SELECT COALESCE(MAX(id), 0) FROM res_partner")
    p0 = cr.fetchone()[0]
    cr.execute("SELECT id FROM res_users WHERE login = 'admin'")
    admin_id = cr.fetchone()[0]
    cr.execute("SELECT partner_id FROM res_users WHERE id = %s", [admin_id])
    admin_partner_id = cr.fetchone()[0]
    cr.execute("SELECT id FROM crm_stage WHERE is_won ORDER BY sequence, id LIMIT 1")
    won_stage = cr.fetchone()[0]
    cr.execute("SELECT id FROM crm_stage WHERE NOT COALESCE(is_won, false) ORDER BY sequence, id LIMIT 3")
    open_stages = [row[0] for row in cr.fetchall()]
    cr.execute("SELECT id FROM crm_team ORDER BY sequence, id LIMIT 1")
    team_id = cr.fetchone()[0]
    cr.execute("SELECT id FROM res_company ORDER BY id LIMIT 1")
    company_id = cr.fetchone()[0]
    cr.execute("SELECT id FROM crm_lost_reason WHERE active ORDER BY id LIMIT 3")
    reasons = [row[0] for row in cr.fetchall()]
    cr.execute(
        "INSERT INTO crm_lost_reason (name, active, create_date, write_date) "
        "VALUES (jsonb_build_object('en_US', %s::text), true, now(), now()) RETURNING id",
        [COMPLAINT],
    )
    complaint_id = cr.fetchone()[0]
    cr.execute("SELECT id FROM mail_activity_type ORDER BY sequence, id LIMIT 1")
    activity_type_id = cr.fetchone()[0]
    cr.execute("SELECT MIN(id) FROM mail_message_subtype WHERE res_model IS NULL AND NOT internal")
    comment_subtype = cr.fetchone()[0]
    cr.execute("SELECT MIN(id) FROM mail_message_subtype WHERE res_model IS NULL AND internal")
    note_subtype = cr.fetchone()[0]
    cr.execute("SELECT COALESCE(MAX(id), 0) FROM crm_lead")
    l0 = cr.fetchone()[0]
    vendors = max(n // 20, 1)
    params = {
        "n": n,
        "p0": p0,
        "vendors": vendors,
        "admin": admin_id,
        "admin_partner": admin_partner_id,
        "company": company_id,
        "team": team_id,
        "won_stage": won_stage,
        "stage_a": open_stages[0],
        "stage_b": open_stages[-1],
        "reason_a": reasons[0],
        "reason_b": reasons[-1],
        "complaint": complaint_id,
        "activity": activity_type_id,
        "comment": comment_subtype,
        "note": note_subtype,
        "l0": l0,
    }
    # customers p0+1..p0+n; contact persons of companies p0+n+g; vendors after
    cr.execute(
        """
        INSERT INTO res_partner (id, name, complete_name, commercial_company_name, active, type,
                                 is_company, commercial_partner_id, lang, tz, email, email_normalized,
                                 partner_share, employee, color, create_uid, write_uid, create_date,
                                 write_date)
        SELECT %(p0)s + g, 'Customer ' || g, 'Customer ' || g,
               CASE WHEN g %% 10 = 0 THEN 'Customer ' || g END, true, 'contact', g %% 10 = 0,
               %(p0)s + g, 'en_US', 'Asia/Tokyo', 'customer' || g || '@example.com',
               'customer' || g || '@example.com', true, false, 0, %(admin)s, %(admin)s,
               now() - make_interval(days => (g * 7) %% 3650), now() - make_interval(days => (g * 7) %% 3650)
          FROM generate_series(1, %(n)s) g
        """,
        params,
    )
    cr.execute(
        """
        INSERT INTO res_partner (id, name, complete_name, commercial_company_name, active, type,
                                 is_company, parent_id, commercial_partner_id, lang, tz, email,
                                 email_normalized, partner_share, employee, color, create_uid,
                                 write_uid, create_date, write_date)
        SELECT %(p0)s + %(n)s + g, 'Contact ' || g, 'Customer ' || g || ', Contact ' || g,
               'Customer ' || g, true, 'contact', false, %(p0)s + g, %(p0)s + g, 'en_US', 'Asia/Tokyo',
               'contact' || g || '@example.com', 'contact' || g || '@example.com', true, false, 0,
               %(admin)s, %(admin)s, now(), now()
          FROM generate_series(10, %(n)s, 10) g
        """,
        params,
    )
    cr.execute(
        """
        INSERT INTO res_partner (id, name, complete_name, commercial_company_name, active, type,
                                 is_company, commercial_partner_id, lang, email, email_normalized,
                                 partner_share, employee, color, create_uid, write_uid, create_date,
                                 write_date)
        SELECT %(p0)s + 2 * %(n)s + g, 'Supplier ' || g, 'Supplier ' || g, 'Supplier ' || g, true,
               'contact', true, %(p0)s + 2 * %(n)s + g, 'en_US', 'supplier' || g || '@example.com',
               'supplier' || g || '@example.com', true, false, 0, %(admin)s, %(admin)s, now(), now()
          FROM generate_series(1, %(vendors)s) g
        """,
        params,
    )
    cr.execute("SELECT setval('res_partner_id_seq', %s)", [p0 + 2 * n + vendors])
    # Deals: 1 to 5 per customer (3 on average), created over 10 years. Old
    # deals are concluded (won 55%, lost 35%, inquiry left 10%); deals of the
    # last 180 days are open more often.
    cr.execute(
        f"""
        WITH spec AS (
            SELECT g, k, {hashed("g * 8 + k")} AS h
              FROM generate_series(1, %(n)s) g,
                   generate_series(1, 1 + {hashed("g")} %% 5) k
        ), aged AS (
            SELECT g, k, h, h %% 3650 AS age, (h / 3650) %% 100 AS roll FROM spec
        ), deal AS (
            SELECT g, k, h, age,
                   CASE WHEN age > 180 THEN
                            CASE WHEN roll < 55 THEN 'won' WHEN roll < 90 THEN 'lost' ELSE 'lead' END
                        ELSE CASE WHEN roll < 35 THEN 'lead' WHEN roll < 70 THEN 'open'
                                  WHEN roll < 90 THEN 'won' ELSE 'lost' END
                   END AS state,
                   now() - make_interval(days => age::int, secs => h %% 86400) AS created
              FROM aged
        ), dated AS (
            SELECT *, CASE state WHEN 'won' THEN LEAST(created + interval '30 days', now())
                                 WHEN 'lost' THEN LEAST(created + interval '20 days', now())
                      END AS closed
              FROM deal
        )
        INSERT INTO crm_lead (name, type, active, probability, automated_probability, won_status,
                              stage_id, partner_id, user_id, team_id, company_id, lost_reason_id,
                              priority, email_from, email_normalized, expected_revenue,
                              prorated_revenue, color, create_uid, write_uid, create_date,
                              write_date, date_open, date_last_stage_update, date_closed)
        SELECT 'Renovation ' || g || '-' || k,
               CASE WHEN state = 'lead' THEN 'lead' ELSE 'opportunity' END,
               state != 'lost',
               CASE state WHEN 'lead' THEN 10 WHEN 'open' THEN 40 WHEN 'won' THEN 100 ELSE 0 END,
               CASE state WHEN 'lead' THEN 10 WHEN 'open' THEN 40 WHEN 'won' THEN 100 ELSE 0 END,
               CASE state WHEN 'won' THEN 'won' WHEN 'lost' THEN 'lost' ELSE 'pending' END,
               CASE WHEN state = 'won' THEN %(won_stage)s
                    WHEN state = 'open' AND h %% 2 = 1 THEN %(stage_b)s ELSE %(stage_a)s END,
               CASE WHEN g %% 10 = 0 AND k %% 2 = 1 THEN %(p0)s + %(n)s + g ELSE %(p0)s + g END,
               %(admin)s, %(team)s, %(company)s,
               CASE WHEN state != 'lost' THEN NULL
                    WHEN h %% 20 = 0 THEN %(complaint)s
                    WHEN h %% 2 = 0 THEN %(reason_a)s ELSE %(reason_b)s END,
               (h %% 4)::varchar, 'customer' || g || '@example.com', 'customer' || g || '@example.com',
               500000 + (h %% 50) * 100000,
               (500000 + (h %% 50) * 100000)
                   * CASE state WHEN 'lead' THEN 0.1 WHEN 'open' THEN 0.4 WHEN 'won' THEN 1 ELSE 0 END,
               0, %(admin)s, %(admin)s, created, COALESCE(closed, created),
               CASE WHEN state != 'lead' THEN created END, COALESCE(closed, created), closed
          FROM dated
         ORDER BY g, k
        """,
        params,
    )
    # Chatter: 4 messages on each customer, 2 on each deal (~10 per customer):
    # e-mails, notes, system notifications, some completed activities.
    message_columns = """
        INSERT INTO mail_message (model, res_id, message_type, subtype_id, mail_activity_type_id,
                                  body, author_id, date, is_internal, create_uid, write_uid,
                                  create_date, write_date)
    """
    cr.execute(
        message_columns
        + f"""
        SELECT 'res.partner', %(p0)s + g, kind.message_type, kind.subtype_id, kind.activity_id,
               '<p>Benchmark message</p>', %(admin_partner)s, day, false, %(admin)s, %(admin)s, day, day
          FROM generate_series(1, %(n)s) g,
               generate_series(1, 4) k,
               LATERAL (SELECT {hashed("g * 4 + k + 1000000000")} AS h) AS r,
               LATERAL (SELECT now() - make_interval(days => (r.h %% 3650)::int, secs => r.h %% 86400) AS day) AS d,
               LATERAL (SELECT CASE WHEN r.h %% 20 = 0 THEN 'notification' WHEN r.h %% 10 < 3 THEN 'comment'
                                    WHEN r.h %% 10 < 6 THEN 'email' ELSE 'notification' END AS message_type,
                               CASE WHEN r.h %% 10 < 3 THEN %(note)s ELSE %(comment)s END AS subtype_id,
                               CASE WHEN r.h %% 20 = 0 THEN %(activity)s END AS activity_id) AS kind
        """,
        params,
    )
    cr.execute(
        message_columns
        + f"""
        SELECT 'crm.lead', l.id, kind.message_type, kind.subtype_id, NULL,
               '<p>Benchmark message</p>', %(admin_partner)s, day, false, %(admin)s, %(admin)s, day, day
          FROM crm_lead l,
               generate_series(1, 2) k,
               LATERAL (SELECT {hashed("l.id * 2 + k + 2000000000")} AS h) AS r,
               LATERAL (SELECT LEAST(l.create_date + make_interval(days => (r.h %% 60)::int), now()) AS day) AS d,
               LATERAL (SELECT CASE WHEN r.h %% 4 < 2 THEN 'notification' WHEN r.h %% 4 = 2 THEN 'email'
                                    ELSE 'comment' END AS message_type,
                               CASE WHEN r.h %% 4 = 3 THEN %(note)s ELSE %(comment)s END AS subtype_id) AS kind
         WHERE l.id > %(l0)s
        """,
        params,
    )
    cr.execute("CREATE TABLE IF NOT EXISTS crm_rank_benchmark (key varchar PRIMARY KEY, value bigint)")
    cr.execute(
        "INSERT INTO crm_rank_benchmark VALUES ('p0', %s), ('n', %s), ('l0', %s)",
        [p0, n, l0],
    )


def add_usage_data(args, dbname):
    """What years of use add once the addon is installed: completion dates,
    referrals, defected customers, a lost reason that marks defection."""
    conn = connect(args, dbname)
    with conn, conn.cursor() as cr:
        cr.execute("SELECT key, value FROM crm_rank_benchmark")
        meta = dict(cr.fetchall())
        cr.execute(
            f"""
            UPDATE crm_lead
               SET completion_date = (date_closed + make_interval(days => (30 + {hashed("id")} %% 150)::int))::date
             WHERE won_status = 'won' AND id > %(l0)s
            """,
            meta,
        )
        cr.execute(
            """
            UPDATE res_partner SET referrer_partner_id = id - 1
             WHERE id > %(p0)s + 1 AND id <= %(p0)s + %(n)s AND (id - %(p0)s) %% 20 = 3
            """,
            meta,
        )
        cr.execute(
            """
            UPDATE res_partner SET is_defected = true
             WHERE id > %(p0)s AND id <= %(p0)s + %(n)s AND (id - %(p0)s) %% 100 = 7
            """,
            meta,
        )
        cr.execute(
            "UPDATE crm_lost_reason SET marks_defected = true WHERE name->>'en_US' = %s",
            [COMPLAINT],
        )
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute("VACUUM ANALYZE crm_lead")
        cr.execute("VACUUM ANALYZE res_partner")
    conn.close()


def vacuum_after_catch_up(args, dbname):
    """VACUUM (ANALYZE) the tables the catch-up rewrote, as PostgreSQL's autovacuum does within
    minutes in a real database: measured right after the catch-up, index-only scans of the deals
    still visit every row (Heap Fetches) and the screens read three times slower than they will."""
    conn = connect(args, dbname)
    conn.autocommit = True
    with conn.cursor() as cr:
        for table in ("crm_lead", "res_partner", "crm_rank_history", "mail_activity", "crm_aftercare_item"):
            cr.execute(f"VACUUM (ANALYZE) {table}")
    conn.close()


def table_counts(args, dbname):
    conn = connect(args, dbname)
    with conn, conn.cursor() as cr:
        cr.execute(
            """
            SELECT (SELECT COUNT(*) FROM res_partner WHERE id = commercial_partner_id),
                   (SELECT COUNT(*) FROM res_partner),
                   (SELECT COUNT(*) FROM crm_lead),
                   (SELECT COUNT(*) FROM mail_message)
            """
        )
        commercial, partners, leads, messages = cr.fetchone()
    conn.close()
    return {"commercial": commercial, "partners": partners, "leads": leads, "messages": messages}


def rank_counts(args, dbname):
    conn = connect(args, dbname)
    with conn, conn.cursor() as cr:
        cr.execute(
            "SELECT COALESCE(crm_rank, 'none'), COUNT(*) FROM res_partner"
            " WHERE id = commercial_partner_id GROUP BY 1 ORDER BY 2 DESC"
        )
        rows = cr.fetchall()
    conn.close()
    return dict(rows)


# ---------------------------------------------------------------------------
# The floor: PostgreSQL reading the inputs once
# ---------------------------------------------------------------------------

FLOOR_QUERY = """
    WITH deals AS (
        SELECT p.commercial_partner_id,
               COUNT(*) AS deals,
               COUNT(*) FILTER (WHERE l.won_status = 'pending' AND l.active) AS open_deals,
               COUNT(*) FILTER (WHERE l.won_status = 'won') AS won,
               MAX(l.date_closed) FILTER (WHERE l.won_status = 'won') AS last_won,
               MAX(l.date_closed) FILTER (WHERE l.won_status = 'lost') AS last_lost,
               MAX(l.completion_date) AS last_completion,
               MAX(l.create_date) AS last_created
          FROM crm_lead l JOIN res_partner p ON p.id = l.partner_id
      GROUP BY 1
    ), contacts AS (
        SELECT m.model, m.res_id, MAX(m.date) AS last_contact
          FROM mail_message m
         WHERE m.model IN ('res.partner', 'crm.lead')
           AND (m.message_type IN ('email', 'comment')
                OR (m.message_type = 'sms' AND m.is_internal IS NOT TRUE)
                OR (m.message_type = 'notification' AND m.mail_activity_type_id IS NOT NULL))
      GROUP BY 1, 2
    ), referrals AS (
        SELECT referrer_partner_id, COUNT(*) AS referred
          FROM res_partner WHERE referrer_partner_id IS NOT NULL
      GROUP BY 1
    )
    SELECT (SELECT (COUNT(*), SUM(deals), SUM(open_deals), SUM(won), MAX(last_won), MAX(last_lost),
                    MAX(last_completion), MAX(last_created))::text FROM deals),
           (SELECT (COUNT(*), MAX(last_contact))::text FROM contacts),
           (SELECT (COUNT(*), SUM(referred))::text FROM referrals)
"""


def measure_floor(args, dbname):
    """Seconds PostgreSQL needs for one aggregate pass over leads, messages and
    referrals (run once to warm the cache, like the update before it)."""
    conn = connect(args, dbname)
    with conn, conn.cursor() as cr:
        cr.execute(FLOOR_QUERY)
        cr.fetchall()
        start = time.perf_counter()
        cr.execute(FLOOR_QUERY)
        cr.fetchall()
        seconds = time.perf_counter() - start
    conn.close()
    return seconds


# ---------------------------------------------------------------------------
# Measurements inside Odoo (each in a fresh process: see run_worker)
# ---------------------------------------------------------------------------


def odoo_registry(args, dbname):
    sys.path.insert(0, args.odoo_path)
    import odoo  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.service import server  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["-c", args.conf, "--log-level=warn", *odoo_db_options(args)], setup_logging=True)
    server.load_server_wide_modules()
    odoo.tools.config["db_name"] = [dbname]
    return Registry(dbname)


def odoo_env(cr):
    from odoo import api  # noqa: PLC0415

    return api.Environment(cr, api.SUPERUSER_ID, {})


def rss_mb():
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def max_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def task_update(args, registry):
    """One full rank update over everyone, committed; time and peak memory."""
    with registry.cursor() as cr:
        env = odoo_env(cr)
        env["res.partner"].search([], limit=1)  # load what any first call loads
        rss_before = rss_mb()
        start = time.perf_counter()
        changed = env["res.partner"]._crm_rank_update_all(cause=args.cause)
        env.flush_all()
        cr.commit()
        seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "changed": changed,
        "rss_before_mb": rss_before,
        "peak_rss_mb": max_rss_mb(),
    }


def task_stage_change(args, registry):
    """Move open opportunities of 3-deal customers to the won stage, one at a time.

    Counts queries (``cr.sql_log_count``) from the write to the end of the
    flush, tracking included, like ``test_stage_change_query_count_is_bounded``.
    Rolled back at the end.
    """
    with registry.cursor() as cr:
        env = odoo_env(cr)
        env = env(context=dict(env.context, tracking_disable=False))
        won_stage = env["crm.stage"].search([("is_won", "=", True)], order="sequence, id", limit=1)
        cr.execute(
            """
            SELECT MIN(l.id)
              FROM crm_lead l
              JOIN res_partner p ON p.id = l.partner_id AND p.id = p.commercial_partner_id
             WHERE l.type = 'opportunity' AND l.won_status = 'pending' AND l.active
               AND p.is_company IS NOT TRUE AND p.crm_rank = 'prospect'
               AND (SELECT COUNT(*) FROM crm_lead o WHERE o.partner_id = p.id) = 3
          GROUP BY p.id
          ORDER BY p.id
             LIMIT 7
            """
        )
        deal_ids = [row[0] for row in cr.fetchall()]
        counts, times = [], []
        for index, deal_id in enumerate(deal_ids):
            deal = env["crm.lead"].browse(deal_id)
            env.flush_all()
            env.invalidate_all()
            count0 = cr.sql_log_count
            start = time.perf_counter()
            deal.write({"stage_id": won_stage.id})
            env.flush_all()
            cr.flush()
            seconds = time.perf_counter() - start
            if index >= 2:  # the first ones warm the caches: not counted
                counts.append(cr.sql_log_count - count0)
                times.append(seconds)
        ranks = env["crm.lead"].browse(deal_ids).partner_id.mapped("crm_rank")
        cr.rollback()
    return {"queries": counts, "seconds": times, "ranks_after": ranks}


# Mailings measured: (label, model, domain the user would set or None for the
# mailing's default). The exclusion is the addon's own (_crm_rank_defected_domain).
MAILINGS = (
    ("every contact", "res.partner", None),
    ("every customer (ranked)", "res.partner", [("crm_rank", "!=", False)]),
    ("every lead", "crm.lead", None),
)


def domain_text(domain):
    """A domain as text for the report; a custom SQL domain (the suppression list's) has none:
    Odoo's ``repr`` of one recurses."""
    try:
        return str(domain)
    except (RecursionError, NotImplementedError):
        return "<custom SQL domain>"


def task_mailing(args, registry):
    """Recipient count of mailings, with and without the defected exclusion.

    The count is the query behind the mailing form's recipient count:
    ``search_count`` of the mailing's domain. Without and with alternate, 31
    times each. Rolled back at the end.
    """
    from odoo.fields import Domain  # noqa: PLC0415

    repeats = 31
    result = {}
    with registry.cursor() as cr:
        env = odoo_env(cr)
        for label, model_name, user_domain in MAILINGS:
            mailing = env["mailing.mailing"].create(
                {
                    "subject": "Benchmark",
                    "mailing_model_id": env["ir.model"]._get_id(model_name),
                    "body_html": "<p>Benchmark</p>",
                    **({"mailing_domain": repr(user_domain)} if user_domain is not None else {}),
                }
            )
            base = Domain(mailing._parse_mailing_domain())
            exclusion = ~mailing._crm_rank_defected_domain(model_name)
            model = env[model_name]
            timings = {"without": [], "with": []}
            counts = {}
            for _repeat in range(repeats):
                for key, domain in (("without", base), ("with", base & exclusion)):
                    start = time.perf_counter()
                    counts[key] = model.search_count(domain)
                    timings[key].append(time.perf_counter() - start)
            result[label] = {
                "model": model_name,
                "domain": domain_text(base),
                "exclusion": domain_text(exclusion),
                "count_without": counts["without"],
                "count_with": counts["with"],
                "seconds_without": statistics.median(timings["without"]),
                "seconds_with": statistics.median(timings["with"]),
                "min_without": min(timings["without"]),
                "min_with": min(timings["with"]),
            }
        cr.rollback()
    return result


def task_naive(args, registry):
    """The obvious implementation, one customer at a time through the ORM.

    Kept here only, as the baseline the engine is measured against. It reads
    the same facts as ``lib/facts.py`` and calls the same ``decide_rank``.
    """
    from odoo import fields  # noqa: PLC0415

    from odoo.addons.crm_customer_rank.lib import rules  # noqa: PLC0415

    with registry.cursor() as cr:
        env = odoo_env(cr)
        partners = env["res.partner"].with_context(active_test=False)
        candidate_ids = env["crm.rank.engine"]._candidate_ids()
        step = max(len(candidate_ids) // max(args.sample, 1), 1)
        sample = candidate_ids[::step][: args.sample]
        today = fields.Date.context_today(partners)  # the engine's day (user's time zone)
        thresholds = env["crm.rank.engine"]._thresholds()
        env.invalidate_all()
        mismatches = 0
        start = time.perf_counter()
        for index, partner_id in enumerate(sample):
            partner = partners.browse(partner_id)
            rank = rules.decide_rank(naive_facts(env, partner, today, thresholds), today)
            if rank[0] != (partner.crm_rank or False):
                mismatches += 1
            if index % 100 == 99:
                env.invalidate_all()
        seconds = time.perf_counter() - start
        cr.rollback()
    return {
        "sample": len(sample),
        "candidates": len(candidate_ids),
        "seconds": seconds,
        "extrapolated": seconds / max(len(sample), 1) * len(candidate_ids),
        "mismatches": mismatches,
    }


def naive_facts(env, partner, today, thresholds):
    from odoo.addons.crm_customer_rank.lib import rules  # noqa: PLC0415

    partners = env["res.partner"].with_context(active_test=False)
    family = partners.search([("commercial_partner_id", "=", partner.id)])
    leads = env["crm.lead"].with_context(active_test=False).search([("partner_id", "in", family.ids)])
    won = leads.filtered(lambda lead: lead.won_status == "won")
    lost = leads.filtered(lambda lead: lead.won_status == "lost")
    completions = [lead.completion_date for lead in won if lead.completion_date and lead.completion_date <= today]
    messages = env["mail.message"].search(
        [
            "|",
            "&",
            ("model", "=", "res.partner"),
            ("res_id", "in", family.ids),
            "&",
            ("model", "=", "crm.lead"),
            ("res_id", "in", leads.ids),
        ]
    )
    contacts = messages.filtered(
        lambda m: (
            m.message_type in ("email", "comment")
            or (m.message_type == "sms" and not m.is_internal)
            or (m.message_type == "notification" and m.mail_activity_type_id)
        )
    )
    last_contact = max((m.date.date() for m in contacts), default=None)
    last_created = max((lead.create_date.date() for lead in leads), default=None)
    if last_created and (not last_contact or last_created > last_contact):
        last_contact = last_created
    referred = partners.search([("referrer_partner_id", "in", family.ids)]).commercial_partner_id - partner

    def closed(lead):
        return lead.date_closed or lead.write_date

    defected_lost = any(
        lead.lost_reason_id.marks_defected
        and (not partner.crm_rank_reinstated_date or lead.date_closed > partner.crm_rank_reinstated_date)
        and any(w.date_closed and w.date_closed <= lead.date_closed for w in won)
        for lead in lost
    )
    # the kinds of work of the last completed work may have dormancy periods of their own
    completed = won.filtered(lambda lead: lead.completion_date and lead.completion_date <= today)
    last_work = max(
        completed,
        key=lambda lead: (lead.completion_date, lead.date_closed or datetime.datetime.min, lead.id),
        default=None,
    )
    last_deal = {"last_deal_tag_ids": sorted(last_work.tag_ids.ids)} if last_work else {}
    dormancy_days, referral_threshold = thresholds(partner.company_id.id or None, last_deal)
    return rules.CustomerFacts(
        deal_count=len(leads),
        open_leads=len(leads.filtered(lambda x: x.active and x.type == "lead" and x.won_status == "pending")),
        open_opportunities=len(
            leads.filtered(lambda x: x.active and x.type == "opportunity" and x.won_status == "pending")
        ),
        won_count=len(won),
        won_running=len(won.filtered(lambda x: not x.completion_date or x.completion_date > today)),
        last_won=max((closed(lead) for lead in won), default=None),
        last_lost=max((closed(lead) for lead in lost), default=None),
        last_completion=max(completions, default=None),
        last_contact=last_contact,
        referral_count=len(referred),
        is_defected=partner.is_defected,
        defected_lost=defected_lost,
        dormancy_days=dormancy_days,
        referral_threshold=referral_threshold,
    )


def task_mail_gate(args, registry):
    """Queue processing of mailing e-mails, with and without the defection send gate.

    ``args.mails`` mailing e-mails (one in twenty to a defected customer's
    address) are sent in batches of 1,000 as the mail queue does
    (``mail.mail.send``), SMTP mocked out the way Odoo's tests do (no connection,
    ``send_email`` returns a message id). Without the gate, its method is
    patched to let everything through. Each variant is rolled back; with
    ``--gate-order`` they run several times (e.g. ``without,with,with,without``)
    and each is the median of its runs.

    Besides the wall time, each run records the worker's CPU time, and a run
    with the gate the wall and CPU time spent inside the gate itself: on a
    shared machine, the gate's share of its own run is the steadier figure.
    """
    from unittest.mock import patch  # noqa: PLC0415

    from odoo.tools import split_every  # noqa: PLC0415

    count = args.mails
    result = {"mails": count}
    with registry.cursor() as cr:
        env = odoo_env(cr)
        MailMail = type(env["mail.mail"])
        IrMailServer = type(env["ir.mail_server"])

        class FakeSmtp:
            def quit(self):
                return None

        def prepare():
            cr.execute(
                """UPDATE res_partner
                      SET email = 'defected-' || id || '@example.jp',
                          email_normalized = 'defected-' || id || '@example.jp'
                    WHERE id IN (SELECT id FROM res_partner WHERE crm_rank = 'defected' ORDER BY id LIMIT %s)
                RETURNING id, email_normalized""",
                (max(count // 20, 1),),
            )
            rows = cr.fetchall()
            defected = [row[1] for row in rows]
            env.invalidate_all()
            if "crm.rank.suppression" in env:
                # the addresses were written in SQL: list them as a defected customer's change would
                env["crm.rank.suppression"]._list([row[0] for row in rows])
            mailing = env["mailing.mailing"].create(
                {
                    "subject": "Benchmark",
                    "mailing_model_id": env["ir.model"]._get_id("res.partner"),
                    "body_html": "<p>Benchmark</p>",
                }
            )
            vals_list = []
            for index in range(count):
                if defected and index % 20 == 0:
                    email = defected[(index // 20) % len(defected)]
                else:
                    email = f"bench-{index}@example.jp"
                vals_list.append(
                    {
                        "mailing_id": mailing.id,
                        "email_to": email,
                        "email_from": "shop@example.jp",
                        "subject": "Benchmark",
                        "body_html": "<p>Benchmark</p>",
                        "state": "outgoing",
                    }
                )
            mails = env["mail.mail"].create(vals_list)
            env.flush_all()
            env.invalidate_all()
            return mails.ids, len(defected)

        gate_origin = MailMail._crm_rank_defection_gate
        spent = {}

        def timed_gate(self):
            start, cpu_start = time.perf_counter(), time.process_time()
            try:
                return gate_origin(self)
            finally:
                spent["seconds"] += time.perf_counter() - start
                spent["cpu_seconds"] += time.process_time() - cpu_start

        runs = []
        for variant in args.gate_order.split(","):
            mail_ids, defected = prepare()
            spent.update(seconds=0.0, cpu_seconds=0.0)
            patches = [
                patch.object(IrMailServer, "_connect__", lambda *a, **kw: FakeSmtp()),
                patch.object(IrMailServer, "send_email", lambda *a, **kw: "<bench@example.jp>"),
                patch.object(IrMailServer, "_disable_send", classmethod(lambda cls: False)),
            ]
            if variant == "without":
                patches.append(patch.object(MailMail, "_crm_rank_defection_gate", lambda self: self))
            else:
                patches.append(patch.object(MailMail, "_crm_rank_defection_gate", timed_gate))
            for active in patches:
                active.start()
            try:
                start, cpu_start = time.perf_counter(), time.process_time()
                for batch_ids in split_every(1000, mail_ids):
                    env["mail.mail"].browse(batch_ids).send(auto_commit=False)
                env.flush_all()
                seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
            finally:
                for active in patches:
                    active.stop()
            cr.execute(
                "SELECT state, count(*) FROM mail_mail WHERE id = ANY(%s) GROUP BY state",
                (mail_ids,),
            )
            states = dict(cr.fetchall())
            runs.append(
                {
                    "variant": variant,
                    "seconds": seconds,
                    "cpu_seconds": cpu_seconds,
                    "gate_seconds": spent["seconds"],
                    "gate_cpu_seconds": spent["cpu_seconds"],
                    "states": states,
                    "defected_addresses": defected,
                }
            )
            cr.rollback()
            env.invalidate_all()
    # each variant: the median of its runs (alternate them, e.g. without,with,with,without,
    # so that a machine getting busier or warmer does not favour one)
    for variant in {run["variant"] for run in runs}:
        mine = [run for run in runs if run["variant"] == variant]
        result[variant] = {
            **mine[0],
            **{key: statistics.median(run[key] for run in mine) for key in ("seconds", "cpu_seconds")},
        }
    with_runs = [run for run in runs if run["variant"] == "with"]
    if with_runs:
        # the gate's share of the runs it ran in (wall and CPU), median over those runs
        result["gate_share"] = statistics.median(run["gate_seconds"] / run["seconds"] for run in with_runs)
        result["gate_cpu_share"] = statistics.median(
            run["gate_cpu_seconds"] / run["cpu_seconds"] for run in with_runs if run["cpu_seconds"]
        )
    result["runs"] = runs
    return result


# ---------------------------------------------------------------------------
# Screens: the ORM calls the web client makes when a user opens them
# ---------------------------------------------------------------------------

SCREEN_RUNS = 3
SCREEN_TARGET = 0.3  # seconds, per call (issue #17)
KANBAN_LIMIT = 40  # cards per column the kanban view loads (web: kanban_controller.js)


def screen_env(registry_env):
    """The administrator as the web client calls: not superuser, with its
    language, time zone and company, so record rules apply."""
    from odoo import api  # noqa: PLC0415

    admin = registry_env.ref("base.user_admin")
    context = {
        "lang": admin.lang or "en_US",
        "tz": admin.tz or "Asia/Tokyo",
        "uid": admin.id,
        "allowed_company_ids": [admin.company_id.id],
    }
    return api.Environment(registry_env.cr, admin.id, context)


def action_domain_context(env, xmlid):
    """The domain and context of a window action, evaluated as the web client does."""
    from odoo.tools.safe_eval import safe_eval  # noqa: PLC0415

    action = env.ref(xmlid).sudo()
    eval_context = {"uid": env.uid, "context": env.context, "allowed_company_ids": env.context["allowed_company_ids"]}
    domain = safe_eval(action.domain or "[]", eval_context)
    context = safe_eval(action.context or "{}", eval_context)
    return action, domain, context


def this_year_domain(env, field_name):
    """The search view's ``<filter date=... default_period="year">``: the
    current year in the user's time zone, as UTC datetimes."""
    import pytz  # noqa: PLC0415

    tz = pytz.timezone(env.context["tz"])
    now = datetime.datetime.now(tz)
    start = tz.localize(datetime.datetime(now.year, 1, 1)).astimezone(pytz.utc).replace(tzinfo=None)
    end = tz.localize(datetime.datetime(now.year + 1, 1, 1)).astimezone(pytz.utc).replace(tzinfo=None)
    end -= datetime.timedelta(seconds=1)
    return [
        "&",
        (field_name, ">=", start.strftime("%Y-%m-%d %H:%M:%S")),
        (field_name, "<=", end.strftime("%Y-%m-%d %H:%M:%S")),
    ]


def view_of(env, action, view_type):
    """(arch, fields) of the action's view of ``view_type`` (its own, else the default)."""
    from lxml import etree  # noqa: PLC0415

    view_id = False
    for view in action.view_ids:
        if view.view_mode == view_type:
            view_id = view.view_id.id
    model = env[action.res_model]
    views = model.get_views([(view_id, view_type)])
    arch = etree.fromstring(views["views"][view_type]["arch"])
    return arch, views["models"][action.res_model]["fields"]


def read_spec(fields):
    """The ``web_search_read`` specification of a view's fields (relations read their name)."""
    spec = {}
    for name, field in fields.items():
        if field["type"] in ("many2one", "one2many", "many2many"):
            spec[name] = {"fields": {"display_name": {}}}
        else:
            spec[name] = {}
    return spec


def measure_specs(arch, fields):
    """``field:aggregator`` of the view's measures, ``__count`` added, and for a monetary
    measure its currencies and its sum in the company's currency (pivot_model.js)."""
    specs = []
    for node in arch.iter("field"):
        if node.get("type") == "measure":
            name = node.get("name")
            specs.append(f"{name}:{fields[name].get('aggregator') or 'sum'}")
            if fields[name].get("currency_field"):
                specs += [f"{fields[name]['currency_field']}:array_agg_distinct", f"{name}:sum_currency"]
    return [*specs, "__count"]


def grouping_sets(rows, cols):
    """The grouping sets of a pivot opened with ``rows`` x ``cols`` (every
    prefix of the rows with every prefix of the columns, as pivot_model.js asks)."""
    sets = []
    for i in range(len(rows) + 1):
        for j in range(len(cols) + 1):
            groupby = [*rows[:i], *cols[:j]]
            if sorted(groupby) not in [sorted(s) for s in sets]:
                sets.append(groupby)
    return sets


def without_search_defaults(context):
    """The action's context without the search view defaults (applied as domains here)."""
    return {key: value for key, value in context.items() if not key.startswith("search_default")}


def arch_groupby(arch, kind):
    """``field[:interval]`` of a pivot arch's row or col fields."""
    return [
        f"{node.get('name')}:{node.get('interval')}" if node.get("interval") else node.get("name")
        for node in arch.iter("field")
        if node.get("type") == kind
    ]


def screen_calls(env):
    """``[(key, label, call[, note])]``: each call is one RPC of the web client;
    the note says what this database gives it (e.g. the size of a column)."""
    calls = []

    # Pipeline by Rank: kanban grouped by the customer's rank
    action, domain, context = action_domain_context(env, "crm_customer_rank.crm_lead_action_rank")
    leads = env["crm.lead"].with_context(**context)
    arch, fields = view_of(env, action, "kanban")
    spec = read_spec(fields)
    order = arch.get("default_order") or None
    groupby = [arch.get("default_group_by")]
    progress = next(arch.iter("progressbar"))
    progress_bar = {"field": progress.get("field"), "colors": json.loads(progress.get("colors"))}
    groups = leads.formatted_read_group(domain, groupby, ["__count"])
    biggest = max(groups, key=lambda group: group["__count"])
    column = [*domain, (groupby[0], "=", biggest[groupby[0]])]
    calls += [
        (
            "pipeline_group",
            "*Pipeline by Rank* kanban: grouping (`crm.lead.formatted_read_group` by `crm_rank`)",
            lambda: leads.formatted_read_group(domain, groupby, ["__count"]),
        ),
        (
            "pipeline_cards",
            "*Pipeline by Rank*: first 80 cards of the largest column (`web_search_read`)",
            lambda: leads.web_search_read(column, spec, limit=80, order=order),
            f"column of {biggest['__count']:,} deals",
        ),
        (
            "pipeline_open",
            f"*Pipeline by Rank*: whole open (`web_read_group`, every column unfolded, {KANBAN_LIMIT} cards each)",
            lambda: leads.with_context(read_group_expand=True).web_read_group(
                domain,
                groupby,
                ["__count"],
                order=order,
                auto_unfold=True,
                unfold_read_specification=spec,
                unfold_read_default_limit=KANBAN_LIMIT,
            ),
        ),
        (
            "pipeline_progress",
            "*Pipeline by Rank*: column progress bars (`read_progress_bar` on `activity_state`)",
            lambda: leads.read_progress_bar(domain, groupby[0], progress_bar),
        ),
    ]

    # Customers by Rank: kanban of customers grouped by rank
    action, pdomain, pcontext = action_domain_context(env, "crm_customer_rank.res_partner_action_crm_rank")
    partners = env["res.partner"].with_context(**pcontext)
    parch, pfields = view_of(env, action, "kanban")
    pspec = read_spec(pfields)
    pgroupby = [parch.get("default_group_by")]
    pgroups = partners.formatted_read_group(pdomain, pgroupby, ["__count"])
    pbiggest = max(pgroups, key=lambda group: group["__count"])
    pcolumn = [*pdomain, (pgroupby[0], "=", pbiggest[pgroupby[0]])]
    calls += [
        (
            "customers_group",
            "*Customers by Rank* kanban: grouping (`res.partner.formatted_read_group` by `crm_rank`)",
            lambda: partners.formatted_read_group(pdomain, pgroupby, ["__count"]),
        ),
        (
            "customers_cards",
            "*Customers by Rank*: first 80 cards of the largest column (`web_search_read`)",
            lambda: partners.web_search_read(pcolumn, pspec, limit=80, order=parch.get("default_order") or None),
            f"column of {pbiggest['__count']:,} customers",
        ),
    ]

    # Inquiries and Contracts: pivot (default filter: inquiry date this year)
    action, rdomain, rcontext = action_domain_context(env, "crm_customer_rank.crm_rank_report_action")
    report_model = env[action.res_model].with_context(**without_search_defaults(rcontext))
    rarch, rfields = view_of(env, action, "pivot")
    rmeasures = measure_specs(rarch, rfields)
    this_year = [*rdomain, *this_year_domain(env, "date")]
    for key, label, rows, cols, rdom in (
        (
            "inquiries_open",
            "as it opens (its pivot view's rows and columns, this year)",
            arch_groupby(rarch, "row"),
            arch_groupby(rarch, "col"),
            this_year,
        ),
        ("inquiries_month", "by month, this year (the default filter)", ["date:month"], [], this_year),
        ("inquiries_month_all", "by month, whole history (filter removed)", ["date:month"], [], rdomain),
        (
            "inquiries_user_lost",
            "by salesperson x lost category, this year",
            ["user_id"],
            ["lost_reason_category"],
            this_year,
        ),
        (
            "inquiries_user_lost_all",
            "by salesperson x lost category, whole history",
            ["user_id"],
            ["lost_reason_category"],
            rdomain,
        ),
    ):
        sets = grouping_sets(rows, cols)
        calls.append(
            (
                key,
                f"*Inquiries and Contracts* pivot {label} (`{action.res_model}.formatted_read_grouping_sets`)",
                lambda rdom=rdom, sets=sets: report_model.formatted_read_grouping_sets(rdom, sets, rmeasures),
            )
        )

    # Lost Analysis: Odoo's deals (crm.lead, lost, archived included), its graph as it
    # opens (count by lost category and salesperson) and its pivot
    action, ldomain, lcontext = action_domain_context(env, "crm_customer_rank.crm_lead_lost_analysis_action")
    lost_leads = env[action.res_model].with_context(**without_search_defaults(lcontext))
    larch, lfields = view_of(env, action, "pivot")
    lrows, lcols = arch_groupby(larch, "row"), arch_groupby(larch, "col")
    garch, _gfields = view_of(env, action, "graph")
    ggroupby = [node.get("name") for node in garch.iter("field") if node.get("type") != "measure"]
    calls += [
        (
            "lost_analysis_graph",
            f"*Lost Analysis* graph {' x '.join(ggroupby)}, whole history (`{action.res_model}.formatted_read_group`)",
            lambda: lost_leads.formatted_read_group(ldomain, ggroupby, ["__count"]),
        ),
        (
            "lost_analysis",
            f"*Lost Analysis* pivot {' x '.join(lrows + lcols)}, whole history"
            f" (`{action.res_model}.formatted_read_grouping_sets`)",
            lambda: lost_leads.formatted_read_grouping_sets(
                ldomain, grouping_sets(lrows, lcols), measure_specs(larch, lfields)
            ),
        ),
    ]

    # Customers per Rank: graph by month and rank (the action opens on the graph)
    action, sdomain, scontext = action_domain_context(env, "crm_customer_rank.crm_rank_snapshot_action")
    snapshots = env[action.res_model].with_context(**scontext)
    sarch, sfields = view_of(env, action, "graph")
    sgroupby = [
        f"{node.get('name')}:{node.get('interval')}" if node.get("interval") else node.get("name")
        for node in sarch.iter("field")
        if node.get("type") != "measure"
    ]
    smeasures = [
        f"{node.get('name')}:{sfields[node.get('name')].get('aggregator') or 'sum'}"
        for node in sarch.iter("field")
        if node.get("type") == "measure"
    ]
    calls.append(
        (
            "snapshot_month",
            f"*Customers per Rank* graph by month and rank (`{action.res_model}.formatted_read_group`)",
            lambda: snapshots.with_context(fill_temporal=True).formatted_read_group(sdomain, sgroupby, smeasures),
        )
    )

    # Reactivation Rate: pivot (default filter: became dormant this year) and the record count
    action, adomain, acontext = action_domain_context(env, "crm_customer_rank.crm_rank_reactivation_report_action")
    reactivations = env[action.res_model].with_context(**without_search_defaults(acontext))
    aarch, afields = view_of(env, action, "pivot")
    arows = arch_groupby(aarch, "row")
    acols = arch_groupby(aarch, "col")
    ameasures = measure_specs(aarch, afields)
    athis_year = [*adomain, *this_year_domain(env, "date")]
    calls += [
        (
            "reactivation_count",
            f"*Reactivation Rate*: record count (`{action.res_model}.search_count`, whole history)",
            lambda: reactivations.search_count(adomain),
        ),
        (
            "reactivation_pivot",
            f"*Reactivation Rate* pivot {' x '.join(arows + acols)}, this year (`formatted_read_grouping_sets`)",
            lambda: reactivations.formatted_read_grouping_sets(athis_year, grouping_sets(arows, acols), ameasures),
        ),
    ]

    # Rank Movements (#28): the from x to pivot over the whole history (no filter), the
    # funnel's pivot, and Time in Rank (the medians per rank)
    action, mdomain, mcontext = action_domain_context(env, "crm_customer_rank.crm_rank_movement_report_action")
    movements = env[action.res_model].with_context(**without_search_defaults(mcontext))
    march, mfields = view_of(env, action, "pivot")
    mrows, mcols = arch_groupby(march, "row"), arch_groupby(march, "col")
    mmeasures = measure_specs(march, mfields)
    faction, fdomain, _fcontext = action_domain_context(env, "crm_customer_rank.crm_rank_movement_report_action_funnel")
    farch, ffields = view_of(env, faction, "pivot")
    funnel_domain = [*fdomain, ("funnel_step", "!=", False)]
    durations = env["crm.rank.duration.report"]
    calls += [
        (
            "movements_pivot_all",
            f"*Rank Movements* pivot {' x '.join(mrows + mcols)}, whole history (`formatted_read_grouping_sets`)",
            lambda: movements.formatted_read_grouping_sets(mdomain, grouping_sets(mrows, mcols), mmeasures),
        ),
        (
            "movements_funnel",
            "*Funnel* pivot by rank entered, whole history (`formatted_read_grouping_sets`)",
            lambda: movements.formatted_read_grouping_sets(
                funnel_domain,
                grouping_sets(arch_groupby(farch, "row"), arch_groupby(farch, "col")),
                measure_specs(farch, ffields),
            ),
        ),
        (
            "time_in_rank",
            "*Time in Rank* list (`crm.rank.duration.report.search_read`)",
            lambda: durations.search_read([], ["crm_rank", "left_count", "average_days", "median_days"]),
        ),
    ]
    return calls


def task_screens(args, registry):
    """Each screen call: once to warm up, then ``SCREEN_RUNS`` times with the
    cache invalidated before each; rolled back."""
    result = {}
    with registry.cursor() as cr:
        env = screen_env(odoo_env(cr))
        for key, label, call, *note in screen_calls(env):
            call()
            times = []
            for _run in range(SCREEN_RUNS):
                env.invalidate_all()
                start = time.perf_counter()
                call()
                times.append(time.perf_counter() - start)
            result[key] = {"label": label, "seconds": times, "median": statistics.median(times), "note": note}
        cr.rollback()
    return result


# The steps of the daily jobs (one scheduled action each), timed one by one: (model, method)
CRON_STEPS = (
    ("crm.rank.engine", "_update_all"),
    ("crm.rank.referral.ask", "_cron_schedule"),
    ("crm.rank.snapshot.month", "_cron_close_months"),
    ("crm.rank.report.summary", "_cron_rebuild"),
    ("crm.aftercare.item", "_cron_sync"),
    ("crm.aftercare.item", "_cron_schedule_activities"),
)
AFTERCARE_STEPS = ("_cron_sync", "_cron_schedule_activities")


# Runs of one scheduled action in the catch-up before giving up (each runs at least 10 s)
MAX_CRON_RUNS = 1000


def cron_remaining(cr, cron):
    """What the scheduled action's last run reported left to do (``ir.cron._commit_progress``)."""
    cr.execute("SELECT remaining FROM ir_cron_progress WHERE cron_id = %s ORDER BY id DESC LIMIT 1", [cron.id])
    row = cr.fetchone()
    return row[0] if row else 0


def task_cron(args, registry):
    """The addon's daily scheduled actions (*Update customer ranks* first, then
    the others) as the scheduler runs them when all are due
    (``ir.cron.method_direct_trigger``: each its own progress record, batches
    committed, reactivation activities created in chunks); time, peak memory
    and the time of each step. With ``--skip-aftercare`` the after-care steps
    do nothing (they are then measured on their own at a smaller size)."""
    from unittest.mock import patch  # noqa: PLC0415

    steps = {}

    def timed(method, name, skip):
        def wrapper(self, *a, **kw):
            start = time.perf_counter()
            result = None if skip else method(self, *a, **kw)
            steps[name] = steps.get(name, 0) + time.perf_counter() - start
            return self.env["mail.activity"] if skip and name == "_cron_schedule_activities" else result

        return wrapper

    with registry.cursor() as cr:
        env = odoo_env(cr)
        patches = []
        for model_name, method_name in CRON_STEPS:
            cls = type(env[model_name])
            skip = args.skip_aftercare and method_name in AFTERCARE_STEPS
            patches.append(patch.object(cls, method_name, timed(getattr(cls, method_name), method_name, skip)))
        cron_data = env["ir.model.data"].search([("module", "=", ADDON), ("model", "=", "ir.cron")])
        crons = env["ir.cron"].browse(cron_data.mapped("res_id")).sorted(lambda cron: (cron.priority, cron.id))
        env["res.partner"].search([], limit=1)
        rss_before = rss_mb()
        for active in patches:
            active.start()
        try:
            start = time.perf_counter()
            for cron in crons:
                # a scheduled action that stopped when its time was up (ir.cron._commit_progress)
                # is run again at once by the scheduler, until it has nothing left
                for _run in range(MAX_CRON_RUNS):
                    cron.method_direct_trigger()
                    cr.commit()
                    if not cron_remaining(cr, cron):
                        break
            seconds = time.perf_counter() - start
        finally:
            for active in patches:
                active.stop()
    return {
        "seconds": seconds,
        "rss_before_mb": rss_before,
        "peak_rss_mb": max_rss_mb(),
        "steps": steps,
        "skip_aftercare": bool(args.skip_aftercare),
    }


TASKS = {
    "update": task_update,
    "stage": task_stage_change,
    "mailing": task_mailing,
    "naive": task_naive,
    "mail_gate": task_mail_gate,
    "screens": task_screens,
    "cron": task_cron,
}


def worker_main(args):
    registry = odoo_registry(args, args.database)
    result = TASKS[args.task](args, registry)
    print(RESULT_TAG + json.dumps(result, default=str), flush=True)


def run_worker(args, dbname, task, *extra):
    """Run one measurement in a fresh Odoo process and return its JSON result."""
    command = [sys.executable, os.path.abspath(__file__), *common_argv(args)]
    command += ["worker", task, "--database", dbname, *extra]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith(RESULT_TAG):
            return json.loads(line[len(RESULT_TAG) :])
    sys.stderr.write(done.stdout[-5000:] + done.stderr[-5000:])
    raise RuntimeError(f"benchmark worker {task} on {dbname} failed")


def common_argv(args):
    argv = ["--conf", args.conf, "--odoo-path", args.odoo_path]
    for name in ("host", "port", "user"):
        value = getattr(args, f"db_{name}")
        if value:
            argv.append(f"--db-{name}={value}")
    return argv


def install_addon(args, dbname):
    """Wall time of ``odoo-bin -i crm_customer_rank --stop-after-init``."""
    command = [
        sys.executable,
        os.path.join(args.odoo_path, "odoo-bin"),
        "-c",
        args.conf,
        "-d",
        dbname,
        "-i",
        ADDON,
        "--stop-after-init",
        "--log-level=warn",
        *odoo_db_options(args),
    ]
    # GNU time gives the install's peak memory (maximum resident set size, KB)
    with tempfile.NamedTemporaryFile(mode="r", suffix=".rss") as rss:
        if os.path.exists(GNU_TIME):
            command = [GNU_TIME, "-f", "%M", "-o", rss.name, *command]
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
        peak_kb = rss.read().strip().splitlines()[-1:] or [None]
    if done.returncode or "Traceback" in done.stderr:
        sys.stderr.write(done.stderr[-5000:])
        raise RuntimeError(f"installing {ADDON} on {dbname} failed")
    return seconds, int(peak_kb[0]) / 1024 if peak_kb[0] and peak_kb[0].isdigit() else None


# ---------------------------------------------------------------------------
# One size, then the report
# ---------------------------------------------------------------------------


def log(message):
    print(f"[{datetime.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def bench_size(args, size):
    dbname = f"{args.prefix}_{size}"
    result = {"size": size, "db": dbname}
    if not args.reuse:
        if not args.built:
            log(f"{dbname}: building {size} customers")
            start = time.perf_counter()
            build_database(args, dbname, size)
            result["build_seconds"] = time.perf_counter() - start
            log(f"{dbname}: built in {result['build_seconds']:.0f} s")
        log(f"{dbname}: installing {ADDON}")
        result["install_seconds"], result["install_peak_rss_mb"] = install_addon(args, dbname)
        log(f"{dbname}: installed in {result['install_seconds']:.0f} s")
        result["ranks_after_install"] = rank_counts(args, dbname)
        add_usage_data(args, dbname)
        log(f"{dbname}: catch-up: the scheduled action after adding years of use")
        before = catch_up_state(args, dbname)
        skip = ["--skip-aftercare"] if size > args.aftercare_max_size else []
        result["catch_up"] = run_worker(args, dbname, "cron", *skip)
        result["catch_up"].update(catch_up_changes(args, dbname, before))
    result["counts"] = table_counts(args, dbname)
    # floor and update alternate, so that each ratio compares runs made under
    # the same load of the machine
    result["updates"], result["floor"] = [], []
    for run in range(args.runs):
        log(f"{dbname}: floor and full update, run {run + 1}/{args.runs}")
        result["floor"].append(measure_floor(args, dbname))
        result["updates"].append(run_worker(args, dbname, "update"))
    result["ranks"] = rank_counts(args, dbname)
    log(f"{dbname}: one deal changing stage")
    result["stage"] = run_worker(args, dbname, "stage")
    log(f"{dbname}: VACUUM (ANALYZE) of the tables the catch-up rewrote (autovacuum's work)")
    vacuum_after_catch_up(args, dbname)
    log(f"{dbname}: screens (the web client's calls, median of {SCREEN_RUNS})")
    result["screens"] = run_worker(args, dbname, "screens")
    log(f"{dbname}: mailing recipient counts")
    result["mailing"] = run_worker(args, dbname, "mailing")
    if size <= args.gate_max_size:
        log(f"{dbname}: queue processing of 10,000 mailing e-mails, with and without the send gate")
        result["mail_gate"] = run_worker(args, dbname, "mail_gate", "--mails", "10000")
        log(
            f"{dbname}: send gate: without {result['mail_gate']['without']['seconds']:.1f} s, "
            f"with {result['mail_gate']['with']['seconds']:.1f} s"
        )
    if size <= args.naive_max_size:
        log(f"{dbname}: naive baseline on {args.naive_sample} customers")
        result["naive"] = run_worker(args, dbname, "naive", "--sample", str(args.naive_sample))
    return result


def catch_up_state(args, dbname):
    """Ranks and activity count before the catch-up (the ranks kept in a table)."""
    conn = connect(args, dbname)
    with conn, conn.cursor() as cr:
        cr.execute("DROP TABLE IF EXISTS crm_rank_benchmark_before")
        cr.execute("CREATE TABLE crm_rank_benchmark_before AS SELECT id, crm_rank FROM res_partner")
        cr.execute("SELECT COUNT(*) FROM mail_activity")
        activities = cr.fetchone()[0]
    conn.close()
    return {"activities": activities}


def catch_up_changes(args, dbname, before):
    """Ranks changed and activities created by the catch-up."""
    conn = connect(args, dbname)
    with conn, conn.cursor() as cr:
        cr.execute(
            """SELECT COUNT(*) FROM res_partner p JOIN crm_rank_benchmark_before b ON b.id = p.id
                WHERE p.crm_rank IS DISTINCT FROM b.crm_rank"""
        )
        changed = cr.fetchone()[0]
        cr.execute("SELECT COUNT(*) FROM mail_activity")
        activities = cr.fetchone()[0] - before["activities"]
        cr.execute("DROP TABLE crm_rank_benchmark_before")
    conn.close()
    return {"changed": changed, "activities": activities}


def drop_database(args, dbname):
    admin_sql(args, f'DROP DATABASE IF EXISTS "{dbname}"')
    conf = read_conf(args.conf)
    filestore = os.path.join(conf.get("data_dir", ""), "filestore", dbname)
    if conf.get("data_dir") and os.path.isdir(filestore):
        subprocess.run(["rm", "-rf", "--", filestore], check=False)


def fmt_seconds(seconds):
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def report(args, results, load):
    """The results as a markdown table, with the notes needed to read it."""
    host = args.db_host or read_conf(args.conf).get("db_host") or "localhost"
    lines = [
        f"Benchmark of {ADDON}, {datetime.datetime.now():%Y-%m-%d %H:%M}: {os.cpu_count()} CPUs, "
        f"PostgreSQL on {host}, load average {load[0]:.1f} at the start and {load[1]:.1f} at the end.",
        "",
        "| measure | " + " | ".join(f"{r['size']:,} customers" for r in results) + " |",
        "|---" * (len(results) + 1) + "|",
    ]

    def row(label, cell):
        lines.append(f"| {label} | " + " | ".join(cell(r) if r else "-" for r in results) + " |")

    def seconds_list(values):
        return ", ".join(fmt_seconds(value) for value in values)

    row("partners / leads / messages", lambda r: " / ".join(f"{r['counts'][k]:,}" for k in COUNTED))
    row("build the data (set-based SQL, before install)", lambda r: fmt_seconds(r.get("build_seconds")))
    row("install the addon (`odoo-bin -i`, wall time)", lambda r: fmt_seconds(r.get("install_seconds")))
    row(
        "install the addon: peak memory (RSS high-water mark)",
        lambda r: f"{r['install_peak_rss_mb']:.0f} MB" if r.get("install_peak_rss_mb") else "-",
    )
    row(
        "catch-up: the scheduled action after adding years of use: time (ranks changed, activities created)",
        lambda r: (
            f"{fmt_seconds(r['catch_up']['seconds'])} ({r['catch_up']['changed']:,}, "
            f"{r['catch_up'].get('activities', 0):,})"
            if r.get("catch_up")
            else "-"
        ),
    )
    row(
        "catch-up: time of each step of the scheduled action",
        lambda r: catch_up_steps(r["catch_up"]) if r.get("catch_up", {}).get("steps") else "-",
    )
    row(f"**full rank update**, median of {args.runs}", lambda r: f"**{fmt_seconds(median_update(r))}**")
    row("full rank update, each run", lambda r: seconds_list(u["seconds"] for u in r["updates"]))
    row("floor: one aggregate pass over the same inputs, each run", lambda r: seconds_list(r["floor"]))
    row("**update / floor**, median of the runs' ratios", lambda r: f"**{floor_ratio(r):.1f}x**")
    row(
        "naive baseline: one customer at a time through the ORM",
        lambda r: (
            f"{fmt_seconds(r['naive']['extrapolated'])} extrapolated from {r['naive']['sample']:,} customers "
            f"({fmt_seconds(r['naive']['seconds'])}), {r['naive']['mismatches']} rank differences"
            if r.get("naive")
            else "-"
        ),
    )
    row(
        "**naive / update**",
        lambda r: f"**{r['naive']['extrapolated'] / median_update(r):.0f}x**" if r.get("naive") else "-",
    )
    row("peak memory, full update: RSS high-water mark (increase)", lambda r: memory(r["updates"]))
    row(
        "peak memory, catch-up (scheduled action): RSS high-water mark (increase)",
        lambda r: memory([r["catch_up"]]) if r.get("catch_up") else "-",
    )
    row(
        "one deal moved to a won stage: queries",
        lambda r: ", ".join(str(count) for count in sorted(set(r["stage"]["queries"]))),
    )
    row(
        "one deal moved to a won stage: time, median",
        lambda r: fmt_seconds(statistics.median(r["stage"]["seconds"])),
    )
    if any(r.get("screens") for r in results):
        keys = next(r["screens"] for r in results if r.get("screens"))
        for key, screen in keys.items():
            row(
                f"{screen['label']}: median of {SCREEN_RUNS} (target {SCREEN_TARGET * 1000:.0f} ms)",
                lambda r, k=key: screen_cell(r["screens"].get(k)) if r.get("screens") else "-",
            )
    row(
        "queue processing of 10,000 mailing e-mails without / with the send gate",
        lambda r: mail_gate_cell(r["mail_gate"]) if r.get("mail_gate") else "-",
    )
    for label, model_name, _domain in MAILINGS:
        row(
            f"mailing to {label} ({model_name}): recipients without / with the defected exclusion",
            lambda r, m=label: f"{r['mailing'][m]['count_without']:,} / {r['mailing'][m]['count_with']:,}",
        )
        row(
            f"mailing to {label}: count query without / with, median of 31 (min)",
            lambda r, m=label: mailing_times(r["mailing"][m]),
        )
    lines.append("")
    for r in results:
        if r.get("ranks_after_install"):
            lines.append(f"Ranks after install at {r['size']:,}: " + ranks_text(r["ranks_after_install"]))
        lines.append(f"Ranks after the updates at {r['size']:,}: " + ranks_text(r["ranks"]))
    return "\n".join(lines) + "\n"


COUNTED = ("partners", "leads", "messages")


def ranks_text(ranks):
    return ", ".join(f"{rank} {count:,}" for rank, count in ranks.items())


def median_update(result):
    return statistics.median(u["seconds"] for u in result["updates"])


def floor_ratio(result):
    return statistics.median(u["seconds"] / floor for u, floor in zip(result["updates"], result["floor"], strict=True))


def catch_up_steps(catch_up):
    skipped = AFTERCARE_STEPS if catch_up.get("skip_aftercare") else ()
    return ", ".join(
        f"`{name}` " + ("skipped" if name in skipped else fmt_seconds(seconds))
        for name, seconds in catch_up["steps"].items()
    )


def screen_cell(screen):
    if not screen:
        return "-"
    median = screen["median"]
    mark = "" if median <= SCREEN_TARGET else " **missed**"
    runs = ", ".join(fmt_seconds(value) for value in screen["seconds"])
    note = "; ".join(screen.get("note") or ())
    return f"{fmt_seconds(median)}{mark} ({runs}{'; ' + note if note else ''})"


def mail_gate_cell(gate):
    without, with_ = gate["without"]["seconds"], gate["with"]["seconds"]
    share = f"; the gate itself {gate['gate_share'] * 100:.1f}% of its runs" if "gate_share" in gate else ""
    return (
        f"{fmt_seconds(without)} / {fmt_seconds(with_)} ({(with_ / without - 1) * 100:+.0f}%{share}; "
        f"sent {gate['with']['states'].get('sent', 0):,}, cancelled {gate['with']['states'].get('cancel', 0):,})"
    )


def memory(runs):
    peak = max(runs, key=lambda u: u["peak_rss_mb"])
    return f"{peak['peak_rss_mb']:.0f} MB (+{peak['peak_rss_mb'] - peak['rss_before_mb']:.0f} MB)"


def mailing_times(times):
    def overhead(without, with_):
        return f"{(with_ / without - 1) * 100:+.0f}%"

    return (
        f"{fmt_seconds(times['seconds_without'])} / {fmt_seconds(times['seconds_with'])} "
        f"({overhead(times['seconds_without'], times['seconds_with'])}; min "
        f"{fmt_seconds(times['min_without'])} / {fmt_seconds(times['min_with'])}, "
        f"{overhead(times['min_without'], times['min_with'])})"
    )


def main():
    args = parse_args()
    if args.worker:
        return worker_main(args)
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    results = []
    load_start = os.getloadavg()[0]
    try:
        for size in sizes:
            results.append(bench_size(args, size))
            log(json.dumps(results[-1], default=str))
    finally:
        if not args.keep:
            for size in sizes:
                drop_database(args, f"{args.prefix}_{size}")
    text = report(args, results, (load_start, os.getloadavg()[0]))
    print(text)
    if args.output:
        os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
        with open(args.output, "w", encoding="utf-8") as output:
            output.write(f"Command: `{' '.join(sys.argv)}`\n\n{text}")
        with open(os.path.splitext(args.output)[0] + ".json", "w", encoding="utf-8") as output:
            json.dump(results, output, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
