"""The exit denies by default: every e-mail path of Odoo, tried on a defected customer.

Each test sends to a defected customer and to a happy one through one path
and follows the message to the SMTP call (``trap_exits``): the defected
customer's never leaves, the happy one's does (so the path really sends).
Only a person writing on one record, a business document and Odoo's system
messages reach a defected customer (``test_exit_allowed.py``).
"""

import datetime

from odoo import fields
from odoo.tests import freeze_time, tagged, users

from .common import ExitCase, trap_exits


@tagged("post_install", "-at_install")
class TestExitMail(ExitCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.template = cls._mail_template()

    def _server_action(self, **vals):
        return (
            self.env["ir.actions.server"]
            .sudo()
            .create({"name": "Invite to the fair", "model_id": self.env["ir.model"]._get_id("res.partner"), **vals})
        )

    # -- code and RPC ------------------------------------------------------

    @users("rank_salesman")
    def test_message_post_by_code(self):
        """``message_post`` called by code or an RPC script is not the chatter: denied."""
        before = self._defected_cancellations()
        with trap_exits() as trap:
            for partner in self.customers.with_env(self.env):
                partner.message_post(
                    body="Our spring fair", partner_ids=partner.ids, message_type="comment",
                    subtype_xmlid="mail.mt_comment",
                )
            self._run_queues()
        self.assertMailStopped(trap)
        self.assertGreater(self._defected_cancellations(), before)

    def test_template_by_code(self):
        """``mail.template.send_mail`` and ``message_post_with_source``: templates sent by code."""
        with trap_exits() as trap:
            for partner in self.customers:
                self.template.send_mail(partner.id, force_send=True)
            self._run_queues()
        self.assertMailStopped(trap)
        with trap_exits() as trap:
            self.customers.message_post_with_source(
                self.template, message_type="comment", subtype_xmlid="mail.mt_comment"
            )
            self._run_queues()
        self.assertMailStopped(trap)

    def test_message_notify(self):
        with trap_exits() as trap:
            for partner in self.customers:
                self.env["mail.thread"].message_notify(
                    partner_ids=partner.ids, body="Our spring fair", subject="Spring fair",
                    model="res.partner", res_id=partner.id,
                )
            self._run_queues()
        self.assertMailStopped(trap)

    def test_mail_created_directly(self):
        """A ``mail.mail`` written by hand, the defected address among others: only it is left out."""
        mail = self.env["mail.mail"].create(
            {
                "subject": "Spring fair",
                "body_html": "<p>Our spring fair</p>",
                "email_to": '"Defected" <DEFECTED@example.jp>, happy@example.jp',
                "email_cc": "defected@example.jp",
            }
        )
        with trap_exits() as trap:
            mail.send()
        self.assertMailStopped(trap)
        self.assertEqual(mail.email_to, "happy@example.jp")
        self.assertFalse(mail.email_cc)

    def test_kind_cannot_be_forged(self):
        """Who creates a ``mail.mail`` (an administrator over RPC) cannot stamp it an allowed kind."""
        mail = self.env["mail.mail"].create(
            {
                "subject": "Spring fair",
                "body_html": "<p>Our spring fair</p>",
                "recipient_ids": [(6, 0, self.defected.ids)],
                "crm_send_kind": "personal",
            }
        )
        self.assertFalse(mail.crm_send_kind)
        with trap_exits() as trap:
            mail.send()
        self.assertNotIn(self.defected_email, trap.addresses)
        self.assertEqual((mail.state, mail.failure_type), ("cancel", "crm_defected"))

    # -- composers ---------------------------------------------------------

    @users("rank_salesman")
    def test_composer_on_several_records(self):
        composer = (
            self.env["mail.compose.message"]
            .with_context(
                default_composition_mode="comment",
                default_model="res.partner",
                default_res_ids=self.customers.ids,
                default_template_id=self.template.id,
            )
            .create({})
        )
        with trap_exits() as trap:
            composer.action_send_mail()
            self._run_queues()
        self.assertMailStopped(trap)

    @users("rank_salesman")
    def test_composer_mass_mode(self):
        composer = (
            self.env["mail.compose.message"]
            .with_context(
                default_composition_mode="mass_mail", default_model="res.partner", default_res_ids=self.customers.ids
            )
            .create({"subject": "Our new showroom", "body": "<p>Visit our showroom</p>"})
        )
        with trap_exits() as trap:
            composer.action_send_mail()
            self._run_queues()
        self.assertMailStopped(trap)

    @users("rank_salesman")
    def test_composer_mass_mode_scheduled_on_several_deals(self):
        """A message composed for several deals and scheduled for later: the scheduler sends it."""
        deals = self._deal(self.defected, name="Roof") | self._deal(self.happy, name="Garden")
        later = fields.Datetime.now() + datetime.timedelta(days=1)
        composer = (
            self.env["mail.compose.message"]
            .with_context(default_composition_mode="mass_mail", default_model="crm.lead", default_res_ids=deals.ids)
            .create(
                {
                    "subject": "Our spring fair",
                    "body": "<p>Come to our fair</p>",
                    "scheduled_date": fields.Datetime.to_string(later),
                }
            )
        )
        with trap_exits() as trap:
            composer.action_send_mail()
            with freeze_time(later + datetime.timedelta(minutes=5)):
                self._run_queues()
        self.assertMailStopped(trap)

    @users("rank_salesman")
    def test_scheduled_message_on_one_record(self):
        """*Send later* from the composer of one record: the scheduler posts it, nobody writes it now."""
        later = fields.Datetime.now() + datetime.timedelta(days=1)
        for partner in self.customers:
            composer = (
                self.env["mail.compose.message"]
                .with_context(
                    default_composition_mode="comment", default_model="res.partner", default_res_ids=partner.ids
                )
                .create(
                    {
                        "body": "<p>Our spring fair</p>",
                        "partner_ids": [(6, 0, partner.ids)],
                        "scheduled_date": fields.Datetime.to_string(later),
                    }
                )
            )
            composer.action_schedule_message()
        with trap_exits() as trap, freeze_time(later + datetime.timedelta(minutes=5)):
            self._run_cron("mail.ir_cron_post_scheduled_message")
            self._run_queues()
        self.assertMailStopped(trap)

    def test_message_post_scheduled(self):
        """``message_post`` with a scheduled date: the notifications go out by the scheduler."""
        later = fields.Datetime.now() + datetime.timedelta(days=1)
        for partner in self.customers:
            partner.message_post(
                body="Our spring fair", partner_ids=partner.ids, message_type="comment",
                subtype_xmlid="mail.mt_comment", scheduled_date=later,
            )
        with trap_exits() as trap, freeze_time(later + datetime.timedelta(minutes=5)):
            self._run_cron("mail.ir_cron_send_scheduled_message")
            self._run_queues()
        self.assertMailStopped(trap)

    # -- server actions, scheduled actions, automation rules -----------------

    def test_server_action_email_on_one_record(self):
        """An e-mail server action run on one record at a time, as automation rules run it."""
        action = self._server_action(state="mail_post", mail_post_method="email", template_id=self.template.id)
        with trap_exits() as trap:
            for partner in self.customers:
                action.with_context(active_model="res.partner", active_ids=partner.ids, active_id=partner.id).run()
            self._run_queues()
        self.assertMailStopped(trap)

    def test_server_action_message_on_one_record(self):
        action = self._server_action(state="mail_post", mail_post_method="comment", template_id=self.template.id)
        with trap_exits() as trap:
            for partner in self.customers:
                action.with_context(active_model="res.partner", active_ids=partner.ids, active_id=partner.id).run()
            self._run_queues()
        self.assertMailStopped(trap)

    @users("rank_salesman")
    def test_server_action_code_using_the_composer(self):
        """Python code that drives the composer of one record is still an automation."""
        action = self._server_action(
            state="code",
            code=(
                "env['mail.compose.message'].with_context(default_composition_mode='comment',"
                " default_model='res.partner', default_res_ids=record.ids).create("
                "{'body': '<p>Our spring fair</p>', 'partner_ids': [(6, 0, record.ids)]}).action_send_mail()"
            ),
        )
        with trap_exits() as trap:
            for partner in self.customers:
                action.with_context(active_model="res.partner", active_ids=partner.ids, active_id=partner.id).run()
            self._run_queues()
        self.assertMailStopped(trap)

    def test_scheduled_action(self):
        cron = self.env["ir.cron"].create(
            {
                "name": "Monthly newsletter",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "state": "code",
                "code": (
                    f"for partner in model.browse({self.customers.ids}):\n"
                    f"    env['mail.template'].browse({self.template.id}).send_mail(partner.id)"
                ),
                "interval_number": 1,
                "interval_type": "days",
            }
        )
        with trap_exits() as trap:
            cron.method_direct_trigger()
            self._run_queues()
        self.assertMailStopped(trap)

    def _automation(self, **vals):
        if "base.automation" not in self.env:
            self.skipTest("base_automation is not installed (tools/test.sh installs it)")
        automation = self.env["base.automation"].create(
            {"name": "Fair invitation", "model_id": self.env["ir.model"]._get_id("res.partner"), **vals}
        )
        action = self.env["ir.actions.server"].create(
            {
                "name": "Send the invitation",
                "model_id": automation.model_id.id,
                "base_automation_id": automation.id,
                "usage": "base_automation",
                "state": "mail_post",
                "mail_post_method": "email",
                "template_id": self.template.id,
            }
        )
        automation.write({"action_server_ids": [(6, 0, action.ids)]})
        return automation

    def test_automation_rule_time_based(self):
        """A time-based automation rule mails a template to each customer, one record at a time."""
        self._automation(
            trigger="on_time",
            trg_date_id=self.env["ir.model.fields"]._get("res.partner", "crm_rank_date").id,
            # a day before the rank's date: Odoo reads a date as midnight UTC, which is still ahead
            # of the clock when the company's day has begun east of UTC (00:30 in Brussels)
            trg_date_range=1,
            trg_date_range_mode="before",
            trg_date_range_type="day",
            filter_domain=repr([("id", "in", self.customers.ids)]),
        )
        with trap_exits() as trap:
            self._run_cron("base_automation.ir_cron_data_base_automation_check")
            self._run_queues()
        self.assertMailStopped(trap)

    def test_automation_rule_on_a_person_s_change(self):
        """A person edits the customer; the automation rule it triggers is not that person writing."""
        self._automation(trigger="on_create_or_write", filter_domain=repr([("function", "=", "Owner")]))
        with trap_exits() as trap:
            self.customers.with_user(self.salesman).write({"function": "Owner"})
            self._flush()
            self._run_queues()
        self.assertMailStopped(trap)

    # -- documents of the installed apps --------------------------------------

    def test_project_stage_template(self):
        """A construction task reaching a stage that mails the customer (Odoo Project)."""
        stage = self.env["project.task.type"].create(
            {
                "name": "Inspection booked",
                "mail_template_id": self._mail_template("project.task", "{{ object.partner_id.id }}").id,
            }
        )
        project = self.env["project.project"].create({"name": "Renovations", "type_ids": [(6, 0, stage.ids)]})
        tasks = self.env["project.task"].create(
            [{"name": f"Bathroom {p.name}", "project_id": project.id, "partner_id": p.id} for p in self.customers]
        )
        self._flush()
        with trap_exits() as trap:
            tasks.write({"stage_id": stage.id})
            self._flush()
            self._run_queues()
        self.assertMailStopped(trap)

    def test_follower_notification_of_a_deal(self):
        """The customer follows their deal; a note to followers is not a person writing to them."""
        deals = self._deal(self.defected, name="Roof") | self._deal(self.happy, name="Garden")
        for deal in deals:
            deal.message_subscribe(partner_ids=deal.partner_id.ids)
        with trap_exits() as trap:
            for deal in deals:
                deal.message_post(
                    body="Your quotation is ready", message_type="comment", subtype_xmlid="mail.mt_comment"
                )
            self._run_queues()
        self.assertMailStopped(trap)

    # -- mailings ---------------------------------------------------------

    def _mailing(self, model, records, **vals):
        return self.env["mailing.mailing"].create(
            {
                "name": f"Fair {model}",
                "subject": "Spring renovation fair",
                "body_html": "<p>Come to our spring renovation fair</p>",
                "mailing_model_id": self.env["ir.model"]._get_id(model),
                "mailing_domain": repr([("id", "in", records.ids)]),
                **vals,
            }
        )

    def test_mailing_test_send(self):
        """The test send of a mailing, typed to the defected customer's address."""
        mailing = self._mailing("res.partner", self.customers)
        wizard = self.env["mailing.mailing.test"].create(
            {"mass_mailing_id": mailing.id, "email_to": "Defected@Example.jp\nhappy@example.jp"}
        )
        with trap_exits() as trap:
            wizard.send_mail_test()
            self._run_queues()
        self.assertMailStopped(trap)

    def test_mailing_with_exclusion_list_off(self):
        """A mailing list still holds the address of a deleted defected customer; exclusion list off."""
        gone = self._customer("Gone Customer", email="gone@example.jp")
        self._won(gone, completion=0)
        gone._crm_rank_mark_defected("moved")
        self._flush()
        gone.unlink()
        mailing_list = self.env["mailing.list"].create(
            {
                "name": "Newsletter",
                "contact_ids": [
                    (0, 0, {"name": "Gone", "email": "gone@example.jp"}),
                    (0, 0, {"name": "Happy", "email": "happy@example.jp"}),
                ],
            }
        )
        mailing = self.env["mailing.mailing"].create(
            {
                "name": "Newsletter",
                "subject": "Spring renovation fair",
                "body_html": "<p>Come to our spring renovation fair</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("mailing.list"),
                "contact_list_ids": [(6, 0, mailing_list.ids)],
                "use_exclusion_list": False,
            }
        )
        with trap_exits() as trap:
            mailing.action_send_mail(res_ids=mailing_list.contact_ids.ids)
            self._run_queues()
        self.assertNotIn("gone@example.jp", trap.addresses)
        self.assertIn(self.happy_email, trap.addresses)

    def test_mailing_on_meetings(self):
        """A mailing on meetings is marketing, even though meetings are business documents."""
        event = self.env["calendar.event"].create(
            {
                "name": "Showroom visit",
                "start": fields.Datetime.now() - datetime.timedelta(days=1),
                "stop": fields.Datetime.now() - datetime.timedelta(days=1, hours=-1),
                "partner_ids": [(6, 0, self.customers.ids)],
            }
        )
        mailing = self._mailing("calendar.event", event)
        with trap_exits() as trap:
            mailing.action_send_mail()
            self._run_queues()
        self.assertMailStopped(trap)
