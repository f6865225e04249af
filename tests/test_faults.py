"""Faults, upgrade and uninstall, for real: Odoo processes on a throwaway database.

Each test starts ``odoo-bin`` in subprocesses against a database of its own,
with the database server, addons path and data directory of the running tests
(so under CI they use the CI's cluster): the daily update is killed in the
middle of a batch, run by two workers at once, the addon is upgraded and
uninstalled. The outcome is read back with plain SQL.

The addon is installed once (``setUpClass``) in a new database, which each test
copies (``CREATE DATABASE ... TEMPLATE``); every database is dropped at the end,
also when a test fails.
"""

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from contextlib import closing
from pathlib import Path
from unittest.mock import patch

import psycopg2
from psycopg2 import sql as pgsql

import odoo
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name
from odoo.tools import config

from .common import CrmRankCase

ADDON = "crm_customer_rank"
SEED_REF = "fault-seed"
INDIVIDUALS = 240  # individual customers
COMPANIES = 60  # company customers, each with a contact person
BATCH_SIZE = 5  # customers per batch of the daily update
RESUME_PARAM = "crm_customer_rank.cron_resume"
PROCESS_TIMEOUT = 900  # seconds, for any one odoo-bin run

# Loaded first in every shell script: waits and pauses for the fault scenarios.
SHELL_CONSTANTS = {
    "ADDON": ADDON,
    "SEED_REF": SEED_REF,
    "INDIVIDUALS": INDIVIDUALS,
    "COMPANIES": COMPANIES,
    "BATCH_SIZE": BATCH_SIZE,
    "RESUME_PARAM": RESUME_PARAM,
}
SHELL_PREAMBLE = (
    "".join(f"{name} = {value!r}\n" for name, value in SHELL_CONSTANTS.items())
    + '''
import json, pathlib, time
from unittest.mock import patch

from odoo import fields
from odoo.tools import SQL

CRON = "crm_customer_rank.ir_cron_update_crm_rank"


def wait_for_file(path, timeout=300):
    deadline = time.monotonic() + timeout
    while not pathlib.Path(path).exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear")
        time.sleep(0.05)


def pause_after_batch(number, pause):
    """Call ``pause()`` once the engine has written batch ``number``, before its commit."""
    EngineClass = type(env["crm.rank.engine"])  # not at the top: the uninstall script has no engine
    real_apply = EngineClass._apply
    calls = []

    def apply(self, *args, **kwargs):
        result = real_apply(self, *args, **kwargs)
        calls.append(1)
        if len(calls) == number:
            pause()
        return result

    return patch.object(EngineClass, "_apply", apply)


def wait_for_committed_batch(timeout=300):
    """Wait until another worker committed a batch of the update (read in a new transaction)."""
    deadline = time.monotonic() + timeout
    while True:
        env.cr.rollback()
        env.cr.execute(SQL("SELECT value FROM ir_config_parameter WHERE key = %s", RESUME_PARAM))
        value = (env.cr.fetchone() or [""])[0]
        if value.rpartition(":")[2].isdigit():
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("no batch committed")
        time.sleep(0.05)
'''
)

# A few hundred customers whose constructions were completed three years ago:
# still "contracted" in the database, "dormant" for the next daily update.
SEED_SCRIPT = """
Stage = env["crm.stage"]
if not Stage.search_count([("is_won", "=", True)]):
    Stage.create({"name": "Won", "is_won": True})
Partner = env["res.partner"]
individuals = Partner.create([
    {"name": f"Fault Customer {i}", "ref": SEED_REF, "email": f"fault{i}@example.com"}
    for i in range(INDIVIDUALS)
])
companies = Partner.create([
    {"name": f"Fault Company {i}", "ref": SEED_REF, "is_company": True, "phone": f"03-0000-{i:04d}"}
    for i in range(COMPANIES)
])
Partner.create([
    {"name": f"Fault Contact {i}", "ref": SEED_REF, "parent_id": company.id}
    for i, company in enumerate(companies)
])
customers = individuals | companies
leads = env["crm.lead"].create([
    {"name": f"Renovation for {customer.name}", "partner_id": customer.id, "type": "opportunity"}
    for customer in customers
])
leads.action_set_won()
leads.write({"completion_date": fields.Date.context_today(leads)})
env.flush_all()
env.cr.execute(SQL(
    "UPDATE crm_lead SET create_date = create_date - INTERVAL '3 years',"
    " write_date = write_date - INTERVAL '3 years', date_closed = date_closed - INTERVAL '3 years',"
    " completion_date = completion_date - 1095 WHERE id = ANY(%s)", leads.ids))
env.cr.execute(SQL(
    "UPDATE mail_message SET date = date - INTERVAL '3 years'"
    " WHERE (model = 'crm.lead' AND res_id = ANY(%s)) OR (model = 'res.partner' AND res_id = ANY(%s))",
    leads.ids, customers.ids))
env["ir.config_parameter"].set_param("crm_customer_rank.cron_batch_size", BATCH_SIZE)
env.cr.commit()
"""

# The scheduler's next runs of the daily update while it has work left: a run stops
# after ir.cron's time budget (10 s, which a busy machine spends before the last
# batch) and the scheduler starts the job again, which resumes after the last batch.
FINISH_CRON_SCRIPT = """
for _run in range(100):
    env.cr.execute(SQL("SELECT value FROM ir_config_parameter WHERE key = %s", RESUME_PARAM))
    if (env.cr.fetchone() or [""])[0].endswith(":done"):
        break
    env.ref(CRON).method_direct_trigger()
    env.cr.commit()
"""

# The daily update as Odoo's scheduler runs it (ir.cron, batches committed).
CRON_SCRIPT = """
env.ref(CRON).method_direct_trigger()
env.cr.commit()
""" + FINISH_CRON_SCRIPT

# State that an upgrade must keep, as JSON on a line of its own.
STATE_SCRIPT = """
Partner = env["res.partner"].with_context(active_test=False)
customers = Partner.search([("ref", "=", SEED_REF)], order="id")
company = env.company
reason = env.ref("crm_customer_rank.crm_lost_reason_budget")
guidance = env.ref("crm_customer_rank.guidance_dormant")
cron = env.ref(CRON)
state = {
    "customers": customers.read(
        ["crm_rank", "crm_rank_reason", "is_defected", "defection_reason", "defection_note", "defection_date"]
    ),
    "history": env["crm.rank.history"].search_read(
        [], ["partner_id", "old_rank", "new_rank", "cause", "date"], order="id"
    ),
    "settings": [company.crm_rank_dormancy_days, company.crm_rank_referral_threshold],
    "lost_reason": reason.read(["name", "category", "followup_delay_days", "followup_instruction"])[0],
    "guidance": [guidance.hint, guidance.guidance],
    "cron": [cron.active, cron.interval_number, cron.interval_type],
}
print("STATE " + json.dumps(state, default=str))
"""


@tagged("post_install", "-at_install", "faults")
class TestFaults(BaseCase):
    """The daily update survives kills and a second worker; upgrade and uninstall are clean.

    On the real clock: the work runs in other Odoo processes, which a frozen
    clock in this one does not reach (tools/test_awkward_days.sh moves theirs).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.workdir = Path(tempfile.mkdtemp(prefix="crm_rank_faults_"))
        cls.addClassCleanup(shutil.rmtree, cls.workdir, ignore_errors=True)
        # <test database>_flt: the prefix of the running database, at most 63 characters
        cls.base_db = f"{get_db_name()[:40]}_flt"
        cls._drop_db(cls.base_db)
        cls.addClassCleanup(cls._drop_db, cls.base_db)
        cls._odoo(cls.base_db, "-i", ADDON, "--stop-after-init", log_name="install")
        cls._shell(cls.base_db, SEED_SCRIPT, log_name="seed")

    # ------------------------------------------------------------------
    # Processes and databases
    # ------------------------------------------------------------------

    @classmethod
    def _command(cls, db, *args, subcommand=None):
        """odoo-bin with the configuration of the running tests, on database ``db``."""
        root = Path(odoo.tools.__file__).resolve().parents[2]
        odoo_bin = root / "odoo-bin"
        command = [sys.executable, str(odoo_bin)] if odoo_bin.is_file() else [sys.executable, "-m", "odoo"]
        if subcommand:
            command.append(subcommand)
        if config.get("config") and os.path.isfile(config["config"]):
            command += ["-c", config["config"]]
        command += [f"--addons-path={','.join(config['addons_path'])}", f"--data-dir={config['data_dir']}"]
        for option in ("db_host", "db_port", "db_user", "db_sslmode"):
            if config.get(option):
                command.append(f"--{option}={config[option]}")
        command += ["-d", db, "--no-http", "--max-cron-threads=0", "--log-level=warn", *args]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])))
        if config.get("db_password"):
            env["PGPASSWORD"] = config["db_password"]  # not on the command line
        return command, env

    @classmethod
    def _start(cls, db, *args, script=None, log_name, subcommand=None):
        """Start odoo-bin (a shell running ``script`` when given); its output goes to a log file."""
        command, env = cls._command(db, *args, subcommand="shell" if script else subcommand)
        log_path = cls.workdir / f"{db}-{log_name}.log"
        with open(log_path, "w", encoding="utf-8") as log:
            process = subprocess.Popen(  # noqa: S603 - our own odoo-bin
                command,
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                text=True,
            )
        process.log_path = log_path
        process.stdin.write(SHELL_PREAMBLE + script if script else "")
        process.stdin.close()
        return process

    @classmethod
    def _finish(cls, process, expect_ok=True):
        try:
            process.wait(PROCESS_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise AssertionError(f"odoo-bin timed out:\n{cls._tail(process)}") from None
        output = process.log_path.read_text(encoding="utf-8")
        if expect_ok and (process.returncode or "Traceback" in output or " ERROR " in output):
            raise AssertionError(f"odoo-bin failed (exit code {process.returncode}):\n{cls._tail(process)}")
        return output

    @classmethod
    def _tail(cls, process, size=6000):
        return process.log_path.read_text(encoding="utf-8")[-size:]

    @classmethod
    def _odoo(cls, db, *args, log_name):
        return cls._finish(cls._start(db, *args, log_name=log_name))

    @classmethod
    def _shell(cls, db, script, *args, log_name):
        return cls._finish(cls._start(db, *args, script=script, log_name=log_name))

    @staticmethod
    def _connect(db):
        _name, info = odoo.sql_db.connection_info_for(db)
        return closing(psycopg2.connect(**info))

    @classmethod
    def _query(cls, db, query, params=()):
        with cls._connect(db) as cnx, cnx.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall()

    @classmethod
    def _admin(cls, query):
        """Run a CREATE/DROP DATABASE statement (outside a transaction)."""
        with cls._connect("postgres") as cnx:
            cnx.autocommit = True
            with cnx.cursor() as cr:
                cr.execute(query)

    @classmethod
    def _drop_db(cls, db):
        cls._admin(
            pgsql.SQL("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = {}").format(
                pgsql.Literal(db)
            )
        )
        cls._admin(pgsql.SQL("DROP DATABASE IF EXISTS {}").format(pgsql.Identifier(db)))
        shutil.rmtree(config.filestore(db), ignore_errors=True)

    def _copy_db(self, suffix):
        """A copy of the installed and seeded database, dropped after the test."""
        db = f"{self.base_db}_{suffix}"
        self._drop_db(db)
        self.addCleanup(self._drop_db, db)
        self._admin(
            pgsql.SQL("CREATE DATABASE {} TEMPLATE {}").format(pgsql.Identifier(db), pgsql.Identifier(self.base_db))
        )
        if os.path.isdir(config.filestore(self.base_db)):
            shutil.copytree(config.filestore(self.base_db), config.filestore(db))
        return db

    def _wait_for_file(self, path, process, timeout=300):
        deadline = time.monotonic() + timeout
        while not path.exists():
            if process.poll() is not None:
                self.fail(f"odoo-bin ended before {path.name}:\n{self._tail(process)}")
            if time.monotonic() > deadline:
                process.kill()
                self.fail(f"{path.name} did not appear:\n{self._tail(process)}")
            time.sleep(0.05)

    def _wait_for_sessions_to_end(self, db, timeout=60):
        """A killed worker's session ends (its locks released) once PostgreSQL notices."""
        deadline = time.monotonic() + timeout
        while self._query(
            db, "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [db]
        )[0][0]:
            if time.monotonic() > deadline:
                self.fail("the killed worker's session is still open")
            time.sleep(0.1)

    # ------------------------------------------------------------------
    # What the daily update left behind
    # ------------------------------------------------------------------

    def _resume_position(self, db):
        rows = self._query(db, "SELECT value FROM ir_config_parameter WHERE key = %s", [RESUME_PARAM])
        return rows[0][0] if rows else ""

    def _customers(self, db):
        """Per seeded partner: rank, company rank, dormant history rows, reactivation activities, leads off rank."""
        rows = self._query(
            db,
            """
            SELECT p.id, p.id = p.commercial_partner_id, p.crm_rank, cp.crm_rank,
                   (SELECT COUNT(*) FROM crm_rank_history h
                     WHERE h.partner_id = p.id AND h.new_rank = 'dormant'),
                   (SELECT COUNT(*) FROM mail_activity a
                     WHERE a.res_model = 'res.partner' AND a.res_id = p.id
                       AND a.activity_type_id IN (SELECT res_id FROM ir_model_data
                                                   WHERE module = %s AND model = 'mail.activity.type')),
                   (SELECT COUNT(*) FROM crm_lead l
                     WHERE l.partner_id = p.id AND l.crm_rank IS DISTINCT FROM p.crm_rank)
              FROM res_partner p JOIN res_partner cp ON cp.id = p.commercial_partner_id
             WHERE p.ref = %s
             ORDER BY p.id
            """,
            [ADDON, SEED_REF],
        )
        keys = ("id", "is_customer", "rank", "company_rank", "dormant_history", "activities", "leads_off_rank")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def _assert_whole(self, customers):
        """Every customer is either untouched (contracted) or completely updated (dormant)."""
        for customer in customers:
            with self.subTest(partner=customer["id"]):
                self.assertEqual(customer["rank"], customer["company_rank"], "contact follows its company")
                self.assertFalse(customer["leads_off_rank"], "deals follow their customer")
                if not customer["is_customer"]:
                    continue
                self.assertIn(customer["rank"], ("contracted", "dormant"))
                done = int(customer["rank"] == "dormant")
                self.assertEqual(customer["dormant_history"], done, "one history row with the rank")
                self.assertEqual(customer["activities"], done, "one reactivation activity with the rank")

    def _assert_all_done(self, db):
        customers = self._customers(db)
        self.assertEqual(len(customers), INDIVIDUALS + 2 * COMPANIES)
        self._assert_whole(customers)
        self.assertEqual({c["rank"] for c in customers}, {"dormant"}, "the job is finished")
        self.assertRegex(self._resume_position(db), r":done$")

    # ------------------------------------------------------------------
    # Tests
    # ------------------------------------------------------------------

    def test_seeded_customers_wait_for_the_update(self):
        customers = self._customers(self.base_db)
        self.assertEqual(len(customers), INDIVIDUALS + 2 * COMPANIES)
        self._assert_whole(customers)
        self.assertEqual({c["rank"] for c in customers}, {"contracted"})

    def test_killed_update_resumes_without_half_updated_customers(self):
        db = self._copy_db("kill")
        paused = self.workdir / "kill-paused"
        script = textwrap.dedent(f"""
        def stop_here():
            pathlib.Path({str(paused)!r}).touch()
            time.sleep(3600)  # killed here, batch 3 written and not committed

        with pause_after_batch(3, stop_here):
            env.ref(CRON).method_direct_trigger()
        """)
        worker = self._start(db, script=script, log_name="killed")
        try:
            self._wait_for_file(paused, worker)
            position = self._resume_position(db)
            self.assertRegex(position, r":\d+$", "a batch was committed and the job is not done")
        finally:
            worker.kill()
            worker.wait()
        self._wait_for_sessions_to_end(db)

        customers = self._customers(db)
        self._assert_whole(customers)
        last_id = int(position.rpartition(":")[2])
        for customer in customers:
            if customer["is_customer"]:
                expected = "dormant" if customer["id"] <= last_id else "contracted"
                self.assertEqual(customer["rank"], expected, f"res.partner({customer['id']})")
        dormant = [c for c in customers if c["is_customer"] and c["rank"] == "dormant"]
        self.assertEqual(len(dormant), 2 * BATCH_SIZE, "the two committed batches, not the third")

        self._shell(db, CRON_SCRIPT, log_name="rerun")
        self._assert_all_done(db)

    def test_two_workers_do_not_double_anything(self):
        """While the scheduler runs the update, a second update and a second run of the job skip."""
        db = self._copy_db("workers")
        done_b, done_c = self.workdir / "workers-b-done", self.workdir / "workers-c-done"
        first = textwrap.dedent(f"""
        def wait_for_the_others():
            wait_for_file({str(done_b)!r})
            wait_for_file({str(done_c)!r})

        with pause_after_batch(2, wait_for_the_others):
            env.ref(CRON).method_direct_trigger()
        env.cr.commit()
        """) + FINISH_CRON_SCRIPT
        # another worker updating every rank, e.g. from a shell or a server action
        second = textwrap.dedent(f"""
        try:
            wait_for_committed_batch()
            env.cr.execute(SQL("SET lock_timeout = '20s'"))  # fail rather than wait for the first one
            changed = env["res.partner"]._crm_rank_update_all()
            env.cr.commit()
            print(f"SECOND_WORKER changed={{changed}}")
        finally:
            pathlib.Path({str(done_b)!r}).touch()
        """)
        # another cron worker picking the same job
        third = textwrap.dedent(f"""
        from odoo.exceptions import UserError
        try:
            wait_for_committed_batch()
            env.ref(CRON).method_direct_trigger()
            print("THIRD_WORKER ran")
        except UserError as error:
            print(f"THIRD_WORKER busy: {{error}}")
        finally:
            env.cr.commit()
            pathlib.Path({str(done_c)!r}).touch()
        """)
        debug_log = "--log-handler=odoo.addons.crm_customer_rank.models.crm_rank_engine:INFO"
        workers = [
            self._start(db, script=first, log_name="first"),
            self._start(db, debug_log, script=second, log_name="second"),
            self._start(db, script=third, log_name="third"),
        ]
        try:
            outputs = [self._finish(worker) for worker in workers]
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.kill()
        self.assertIn("SECOND_WORKER changed=0", outputs[1])
        self.assertIn("already running elsewhere: skipped", outputs[1])
        self.assertIn("THIRD_WORKER busy", outputs[2])
        self._assert_all_done(db)

    def test_upgrade_keeps_defection_history_and_settings(self):
        db = self._copy_db("upgrade")
        edit = textwrap.dedent("""
        customer = env["res.partner"].search([("ref", "=", SEED_REF), ("is_company", "=", True)], order="id", limit=1)
        customer._crm_rank_mark_defected("competitor", "Chose the cheaper offer")
        env.company.write({"crm_rank_dormancy_days": 200, "crm_rank_referral_threshold": 3})
        env.ref("crm_customer_rank.crm_lost_reason_budget").write(
            {"followup_delay_days": 45, "followup_instruction": "Call after the bonus season"}
        )
        env.ref("crm_customer_rank.guidance_dormant").write({"guidance": "Edited by the manager"})
        env.ref(CRON).write({"interval_number": 2})
        env.cr.commit()
        """)
        before = self._state(self._shell(db, edit + STATE_SCRIPT, log_name="edit"))
        self._odoo(db, "-u", ADDON, "--stop-after-init", log_name="upgrade")
        after = self._state(self._shell(db, STATE_SCRIPT, log_name="after-upgrade"))

        self.assertEqual(after, before)
        defected = [c for c in after["customers"] if c["is_defected"]]
        self.assertEqual(len(defected), 1)
        self.assertEqual(
            (defected[0]["crm_rank"], defected[0]["defection_reason"], defected[0]["defection_note"]),
            ("defected", "competitor", "Chose the cheaper offer"),
        )
        self.assertIn("defected", [row["new_rank"] for row in after["history"]])
        self.assertEqual(after["settings"], [200, 3])
        self.assertEqual(after["lost_reason"]["followup_delay_days"], 45)
        self.assertEqual(after["lost_reason"]["followup_instruction"], "Call after the bonus season")
        self.assertEqual(after["guidance"][1], "Edited by the manager")
        self.assertEqual(after["cron"][1], 2)

    def _state(self, output):
        lines = [line for line in output.splitlines() if line.startswith("STATE ")]
        self.assertTrue(lines, output[-3000:])
        return json.loads(lines[-1][len("STATE ") :])

    def test_uninstall_leaves_odoo_working(self):
        db = self._copy_db("uninstall")
        tables_before = self._tables(db)
        columns_before = self._columns(db)
        addon_tables, addon_columns = self._addon_schema(db)
        self.assertIn("crm_rank_history", addon_tables)
        self.assertIn(("res_partner", "crm_rank"), addon_columns)
        self.assertIn(("crm_lead", "completion_date"), addon_columns)

        # the addon in use: dormant customers with activities, a defection, a
        # playbook follow-up, a construction project; then the uninstall
        use_and_uninstall = textwrap.dedent("""
        env["res.partner"]._crm_rank_update_all()
        customers = env["res.partner"].search([("ref", "=", SEED_REF), ("parent_id", "=", False)], order="id")
        customers[0]._crm_rank_mark_defected("complaint")
        lost = env["crm.lead"].create({"name": "Porch", "partner_id": customers[1].id, "type": "opportunity"})
        lost.action_set_lost(lost_reason_id=env.ref("crm_customer_rank.crm_lost_reason_budget").id)
        won = env["crm.lead"].create({"name": "Roof", "partner_id": customers[2].id, "type": "opportunity"})
        won.action_set_won()
        won.project_id = env["project.project"].create({"name": "Roof construction"})
        env.cr.commit()
        activities = env["mail.activity"].search_count([("res_model", "=", "res.partner")])
        print(f"ACTIVITIES {activities}")
        env["ir.module.module"].search([("name", "=", ADDON)]).button_immediate_uninstall()
        env.cr.commit()
        """)
        output = self._shell(db, use_and_uninstall, log_name="uninstall")
        activities = int(next(line for line in output.splitlines() if line.startswith("ACTIVITIES "))[11:])
        self.assertGreaterEqual(activities, INDIVIDUALS, "reactivation activities")

        self.assertEqual(
            self._query(db, "SELECT state FROM ir_module_module WHERE name = %s", [ADDON]),
            [("uninstalled",)],
        )
        tables_after, columns_after = self._tables(db), self._columns(db)
        self.assertFalse(addon_tables & tables_after, "the addon's tables are dropped")
        self.assertFalse(addon_columns & columns_after, "the addon's columns are dropped")
        self.assertFalse(tables_before - addon_tables - tables_after, "Odoo's tables are all there")
        kept = {(table, column) for table, column in columns_before if table not in addon_tables}
        self.assertFalse(kept - addon_columns - columns_after, "Odoo's columns are all there")
        self.assertFalse(
            self._query(db, "SELECT name FROM ir_model_data WHERE module = %s AND model LIKE 'ir.%%'", [ADDON]),
            "no view, menu, action, field or model of the addon is left",
        )

        # a new server on the database: CRM, mailing and projects work
        use_odoo = textwrap.dedent("""
        assert "crm_rank" not in env["res.partner"]._fields
        for model in ("res.partner", "crm.lead", "crm.lost.reason", "crm.tag", "project.project",
                      "project.task", "mailing.mailing", "mail.activity", "res.company"):
            env[model].get_views([(False, "form"), (False, "list"), (False, "search")])
            env[model].search([], limit=50).read()
        Settings = env["res.config.settings"]
        Settings.get_views([(False, "form")])
        Settings.create({}).read()
        customer = env["res.partner"].search([("ref", "=", SEED_REF), ("email", "!=", False)], order="id", limit=1)
        lead = env["crm.lead"].create({"name": "Bathroom", "partner_id": customer.id, "type": "opportunity"})
        lead.action_set_won()
        lost = env["crm.lead"].create({"name": "Garden", "partner_id": customer.id})
        lost.action_set_lost(lost_reason_id=env["crm.lost.reason"].search([], limit=1).id)
        domain = [("ref", "=", SEED_REF), ("email", "!=", False)]
        mailing = env["mailing.mailing"].create({
            "subject": "Spring campaign",
            "body_html": "<p>Spring offers</p>",
            "mailing_model_id": env["ir.model"]._get_id("res.partner"),
            "mailing_domain": repr(domain),
        })
        env["ir.config_parameter"].set_param("mail.mail.force.send.limit", 0)  # the mail queue sends
        mailing.action_put_in_queue()
        env["mailing.mailing"]._process_mass_mailing_queue()
        project = env["project.project"].create({"name": "Kitchen"})
        task = env["project.task"].create({"name": "Remove the old sink", "project_id": project.id})
        task.state = "1_done"
        env.cr.commit()
        result = {
            "lead": lead.won_status,
            "lost": lost.won_status,
            "mailing": mailing.state,
            "traces": len(mailing.mailing_trace_ids),
            "recipients": env["res.partner"].search_count(domain),
            "task": task.state,
            "activities": env["mail.activity"].search_count([("res_model", "=", "res.partner")]),
            "porch_reason": env["crm.lead"].with_context(active_test=False).search(
                [("name", "=", "Porch")]).lost_reason_id.name,
            "unused_reasons": env["crm.lost.reason"].with_context(active_test=False).search_count(
                [("name", "in", ["Postponed", "No response", "Other reason"])]),
        }
        print("RESULT " + json.dumps(result))
        """)
        output = self._shell(db, use_odoo, log_name="after-uninstall")
        result = json.loads(next(line for line in output.splitlines() if line.startswith("RESULT "))[7:])
        self.assertEqual(result["lead"], "won")
        self.assertEqual(result["lost"], "lost")
        self.assertEqual(result["mailing"], "done")
        self.assertEqual(result["traces"], result["recipients"])
        self.assertEqual(result["recipients"], INDIVIDUALS)
        self.assertEqual(result["task"], "1_done")
        self.assertEqual(result["activities"], activities, "the sales team's activities stay (as to-dos)")
        self.assertEqual(result["porch_reason"], "Over budget", "a lost reason in use stays")
        self.assertEqual(result["unused_reasons"], 0, "the unused shipped lost reasons go")

    # ------------------------------------------------------------------
    # Schema
    # ------------------------------------------------------------------

    def _tables(self, db):
        rows = self._query(db, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        return {table for (table,) in rows}

    def _columns(self, db):
        rows = self._query(
            db, "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
        )
        return set(rows)

    def _addon_schema(self, db):
        """Tables and columns only the addon owns (its models, relations and stored fields)."""
        tables = {
            table
            for (table,) in self._query(
                db,
                """
                SELECT replace(m.model, '.', '_') FROM ir_model m
                  JOIN ir_model_data d ON d.model = 'ir.model' AND d.res_id = m.id AND d.module = %s
                 WHERE NOT EXISTS (SELECT 1 FROM ir_model_data o WHERE o.model = 'ir.model'
                                      AND o.res_id = m.id AND o.module <> %s)
                 UNION
                SELECT r.name FROM ir_model_relation r JOIN ir_module_module mm ON mm.id = r.module
                 WHERE mm.name = %s
                """,
                [ADDON, ADDON, ADDON],
            )
        }
        columns = self._query(
            db,
            """
            SELECT replace(f.model, '.', '_'), f.name FROM ir_model_fields f
              JOIN ir_model_data d ON d.model = 'ir.model.fields' AND d.res_id = f.id AND d.module = %s
             WHERE f.store AND f.ttype NOT IN ('one2many', 'many2many')
               AND NOT EXISTS (SELECT 1 FROM ir_model_data o WHERE o.model = 'ir.model.fields'
                                  AND o.res_id = f.id AND o.module <> %s)
            """,
            [ADDON, ADDON],
        )
        return tables, {(table, column) for table, column in columns if table not in tables}


@tagged("post_install", "-at_install")
class TestBatchSizeParameter(CrmRankCase):
    """The system parameter crm_customer_rank.cron_batch_size sets the batch size."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for index in range(3):
            cls._won(cls._customer(f"Batch size {index}"))

    def _batch_sizes(self, **kwargs):
        Partner = self.env["res.partner"]
        sizes = []
        real_batch = type(self.env["crm.rank.engine"])._update_batch

        def update_batch(self_partner, batch, cause, **kwargs):
            sizes.append(len(batch))
            return real_batch(self_partner, batch, cause, **kwargs)

        with patch.object(type(self.env["crm.rank.engine"]), "_update_batch", update_batch):
            Partner._crm_rank_update_all(**kwargs)
        return sizes

    def test_parameter_sets_batch_size(self):
        count = len(self.env["crm.rank.engine"]._candidate_ids())
        self.assertEqual(self._batch_sizes(), [count], "2000 by default")
        self.env["ir.config_parameter"].set_param("crm_customer_rank.cron_batch_size", "2")
        self.assertEqual(self._batch_sizes(), [2] * (count // 2) + [1] * (count % 2))
        self.assertEqual(self._batch_sizes(batch_size=count), [count], "an explicit size wins")

    def test_bad_parameter_ignored(self):
        count = len(self.env["crm.rank.engine"]._candidate_ids())
        for value in ("zero", "0", "-5"):
            self.env["ir.config_parameter"].set_param("crm_customer_rank.cron_batch_size", value)
            with (
                self.subTest(value=value),
                self.assertLogs("odoo.addons.crm_customer_rank.models.crm_rank_engine", logging.WARNING),
            ):
                self.assertEqual(self._batch_sizes(), [count])
