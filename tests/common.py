import datetime
import os
from contextlib import contextmanager
from email.utils import getaddresses
from unittest.mock import patch

from odoo import fields
from odoo.tests import HttpCase, TransactionCase, freeze_time, new_test_user
from odoo.tools import email_normalize

from odoo.addons.base.models.ir_mail_server import IrMail_Server
from odoo.addons.sms.tools.sms_api import SmsApi

# The day the tests run, whatever the calendar says: an ordinary weekday in the
# middle of a 30-day month. ``tools/test_awkward_days.sh`` sets CRM_RANK_TEST_NOW
# to the awkward days (the 31st, 29 February, the eve of a daylight-saving
# change) and runs the whole suite at them, the machine's clock moved too.
TEST_NOW = os.environ.get("CRM_RANK_TEST_NOW") or "2026-06-10 10:00:00"
# The time zone of the test users and of the engine's "today" (the same for all).
TEST_TZ = os.environ.get("CRM_RANK_TEST_TZ") or "UTC"


class CrmRankCase(TransactionCase):
    """Fixtures for the rank tests: a pipeline with a won stage and two salespeople.

    Helpers create customers and move their deals the way users do (Odoo's own
    ``action_set_won`` / ``action_set_lost``), so the tests go through the same
    paths as the UI.

    Every test runs on the day ``TEST_NOW`` (UTC), not on the day the suite
    runs: a test that reasons about "today" (a month later, a year ago) gets the
    same answer in every month. A test that needs another day says so with
    ``_frozen``/``_at``; one that needs the real clock does not use this class.
    """

    freeze_time = freeze_time(TEST_NOW)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # create_date and write_date come from the cursor's clock, PostgreSQL's now():
        # on the test's day too, as the clock moves (see _frozen)
        cls.startClassPatcher(patch.object(cls.cr, "now", lambda: datetime.datetime.now()))
        # one "today" for the fixtures, the test users (created with the context's
        # time zone) and the engine, whichever user's read or flush runs it
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False, tz=TEST_TZ))
        cls.env.user.tz = TEST_TZ
        cls.company = cls.env.company
        cls.company.partner_id.tz = TEST_TZ  # the daily jobs' day (res.company._crm_day_tz)
        cls.company.write({"crm_rank_dormancy_days": 365, "crm_rank_referral_threshold": 1})
        cls.salesman = new_test_user(
            cls.env, login="rank_salesman", groups="sales_team.group_sale_salesman",
            name="Rank Salesman",
        )
        cls.sales_manager = new_test_user(
            cls.env, login="rank_manager", groups="sales_team.group_sale_manager",
            name="Rank Manager",
        )
        cls.team = cls.env["crm.team"].create({"name": "Renovation Team"})
        Stage = cls.env["crm.stage"]
        cls.stage_new = Stage.create({"name": "Inquiry", "sequence": 1})
        cls.stage_quote = Stage.create({"name": "Quotation", "sequence": 2})
        cls.stage_won = Stage.create({"name": "Signed", "sequence": 9, "is_won": True})
        cls.lost_reason = cls.env["crm.lost.reason"].create({"name": "Too expensive"})
        cls.complaint_reason = cls.env["crm.lost.reason"].create(
            {"name": "Complaint about our work", "marks_defected": True}
        )
        cls.today = fields.Date.context_today(cls.env["res.partner"])

    # -- builders ---------------------------------------------------------

    @classmethod
    def _customer(cls, name="Customer", **vals):
        return cls.env["res.partner"].create({"name": name, **vals})

    @classmethod
    def _deal(cls, partner, name="Bathroom renovation", lead_type="opportunity", **vals):
        return cls.env["crm.lead"].create(
            {
                "name": name,
                "partner_id": partner.id,
                "type": lead_type,
                "team_id": cls.team.id,
                "user_id": cls.salesman.id,
                "stage_id": cls.stage_new.id,
                "expected_revenue": 1_000_000,
                **vals,
            }
        )

    @classmethod
    def _won(cls, partner, completion=None, **vals):
        """A won deal; ``completion`` is a date (or days from today)."""
        deal = cls._deal(partner, **vals)
        deal.action_set_won()
        if completion is not None:
            if isinstance(completion, int):
                completion = cls.today + datetime.timedelta(days=completion)
            deal.completion_date = completion
        return deal

    @classmethod
    def _lost(cls, partner, reason=None, **vals):
        deal = cls._deal(partner, **vals)
        deal.action_set_lost(lost_reason_id=(reason or cls.lost_reason).id)
        return deal

    def setUp(self):
        # The class's records as committed, once, before the test's savepoint:
        # their ranks decided, their history and activities created.
        self._flush()
        super().setUp()

    @contextmanager
    def _frozen(self, moment):
        """Run the block at ``moment``, as one request of that day.

        What came before is flushed first, and what the block changed is
        flushed (the ranks decided, see ``_crm_rank_refresh``, and what their
        changes cause, which waits for the commit) before the clock moves on.
        """
        self._flush()
        with freeze_time(moment):
            yield
            self._flush()

    def _flush(self):
        """Flush as a commit would: the ORM, then the cursor's pre-commit work
        (the rank history, the subscribers' activities, the chatter's tracking)."""
        self.env.cr.flush()

    def _at(self, days):
        """Noon, ``days`` from today (see ``_frozen``)."""
        return self._frozen(datetime.datetime.combine(self.today, datetime.time(12)) + datetime.timedelta(days=days))

    def _update_all(self):
        changed = self.env["res.partner"]._crm_rank_update_all()
        self._flush()
        return changed

    def _run_scheduled_actions(self, env=None):
        """Run every scheduled action of the addon once, in the order the scheduler
        runs them when all are due (the ranks first), as ``env``'s user, without
        the scheduler's commits; then flush as a commit would."""
        env = env or self.env
        data = env["ir.model.data"].sudo().search([("module", "=", "crm_customer_rank"), ("model", "=", "ir.cron")])
        crons = env["ir.cron"].sudo().browse(data.mapped("res_id")).sorted(lambda cron: (cron.priority, cron.id))
        for cron in crons:
            cron.ir_actions_server_id.with_env(env).run()
        self._flush()

    def _count_queries(self, function, *args, **kwargs):
        """Run ``function(*args, **kwargs)`` on an empty cache and flush what it changed;
        return its result and the number of SQL queries both took.

        The query-count tests compare a few records with many: a query per record
        shows as a difference. What came before is flushed first and not counted.
        """
        self._flush()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        result = function(*args, **kwargs)
        self._flush()
        return result, self.env.cr.sql_log_count - before

    def _history(self, partner):
        self._flush()
        return self.env["crm.rank.history"].search(
            [("partner_id", "=", partner.commercial_partner_id.id)], order="id"
        )

    def assertRank(self, partner, rank, reason=None):
        partner.invalidate_recordset()
        self.assertEqual(partner.crm_rank, rank, f"{partner.name}: {partner.crm_rank_reason}")
        if reason:
            self.assertEqual(partner.crm_rank_reason, reason)


# -- what leaves Odoo -------------------------------------------------------


class ExitTrap:
    """What reached Odoo's lowest sending layers while ``trap_exits`` was active."""

    def __init__(self):
        self.emails = []  # one entry per SMTP call: {"to": {normalised addresses}, "subject": str}
        self.sms = []  # one entry per number given to the SMS provider: {"number": str, "body": str}

    @property
    def addresses(self):
        """Every normalised address an e-mail was handed to SMTP for (To, Cc, Bcc)."""
        return {address for email in self.emails for address in email["to"]}

    @property
    def numbers(self):
        """Every number handed to the SMS provider."""
        return {sms["number"] for sms in self.sms}


@contextmanager
def trap_exits():
    """Trap what leaves Odoo at its lowest layers: the SMTP call
    (``ir.mail_server.send_email``) and the SMS provider's batch call
    (``SmsApi._send_sms_batch``).

    Nothing is sent anywhere: every e-mail that gets as far as SMTP and every
    SMS that gets as far as the provider is recorded, whatever path created
    it, and reported as delivered. Odoo's sending runs for real up to there
    (tests normally skip it: ``_disable_send``).
    """
    trap = ExitTrap()

    class FakeSmtpSession:
        def quit(self):
            return None

    def send_email(server, message, *args, **kwargs):
        headers = [message[name] for name in ("To", "Cc", "Bcc") if message[name]]
        recipients = {email_normalize(address) for _name, address in getaddresses(headers)}
        trap.emails.append({"to": recipients - {False}, "subject": message["Subject"]})
        return message["Message-Id"] or "<trapped@example.jp>"

    def send_sms_batch(api, messages, delivery_reports_url=False):
        results = []
        for message in messages:
            for number in message["numbers"]:
                trap.sms.append({"number": number["number"], "body": message["content"]})
                results.append({"uuid": number["uuid"], "state": "success", "credit": 1})
        return results

    with (
        patch.object(IrMail_Server, "_disable_send", classmethod(lambda cls: False)),
        patch.object(IrMail_Server, "_connect__", lambda *args, **kwargs: FakeSmtpSession()),
        patch.object(IrMail_Server, "send_email", send_email),
        patch.object(SmsApi, "_send_sms_batch", send_sms_batch),
    ):
        yield trap


class ExitCase(CrmRankCase, HttpCase):
    """A defected customer and a happy one, each with an e-mail and a mobile, for the exit's tests.

    An HttpCase, so that the scheduled actions (the mail and SMS queues, the
    automation rules, the scheduled messages) run as the scheduler runs them
    (their commits are savepoints in the registry's test mode) and routes can
    be called as the web client calls them. Each test sends to both customers
    through one path inside ``trap_exits`` and checks what reached the exit.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.country_id = cls.env.ref("base.jp")  # numbers typed the Japanese way are understood
        cls.salesman.email = "salesman@example.jp"
        cls.sales_manager.email = "manager@example.jp"
        cls.defected = cls._customer("Defected Customer", email="Defected@Example.jp", phone="+81 90-1111-0001")
        cls._won(cls.defected, completion=0)
        cls.defected._crm_rank_mark_defected("no_contact")
        cls.happy = cls._customer("Happy Customer", email="happy@example.jp", phone="+81 90-2222-0001")
        cls._won(cls.happy, completion=0)
        cls.customers = cls.defected | cls.happy
        cls.defected_email, cls.happy_email = "defected@example.jp", "happy@example.jp"
        cls.defected_number, cls.happy_number = "+819011110001", "+819022220001"

    # -- builders ---------------------------------------------------------

    @classmethod
    def _mail_template(cls, model="res.partner", recipient="{{ object.id }}", **vals):
        return cls.env["mail.template"].create(
            {
                "name": f"Campaign on {model}",
                "model_id": cls.env["ir.model"]._get_id(model),
                "subject": "Our spring renovation fair",
                "body_html": "<p>Come to our spring renovation fair</p>",
                "partner_to": recipient,
                **vals,
            }
        )

    @classmethod
    def _sms_template(cls, model="res.partner"):
        return cls.env["sms.template"].create(
            {"name": f"SMS campaign on {model}", "model_id": cls.env["ir.model"]._get_id(model), "body": "Spring fair!"}
        )

    def _run_queues(self):
        """The mail and SMS queues, as the scheduler runs them."""
        self.env.ref("mail.ir_cron_mail_scheduler_action").sudo().method_direct_trigger()
        self.env.ref("sms.ir_cron_sms_scheduler_action").sudo().method_direct_trigger()

    def _run_cron(self, xmlid):
        self.env.ref(xmlid).sudo().method_direct_trigger()

    def _defected_cancellations(self):
        """E-mails, notifications and SMS cancelled so far as *Defected Customer*."""
        domain = [("failure_type", "=", "crm_defected")]
        return (
            self.env["mail.mail"].sudo().search_count(domain)
            + self.env["mail.notification"].sudo().search_count(domain)
            + self.env["sms.sms"].sudo().search_count(domain)
        )

    # -- asserts ----------------------------------------------------------

    def assertMailStopped(self, trap):
        """No e-mail reached SMTP for the defected customer; the happy one's did (the path sends)."""
        self.assertNotIn(self.defected_email, trap.addresses, "an e-mail left for the defected customer")
        self.assertIn(self.happy_email, trap.addresses, "the path sent no e-mail at all")

    def assertSmsStopped(self, trap):
        """No SMS reached the provider for the defected customer; the happy one's did (the path sends)."""
        self.assertNotIn(self.defected_number, trap.numbers, "an SMS left for the defected customer")
        self.assertIn(self.happy_number, trap.numbers, "the path sent no SMS at all")
