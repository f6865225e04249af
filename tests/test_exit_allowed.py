"""The few kinds of message that still reach a defected customer, and only those.

Personal (a person writing now on one record: answering a complaint must
work), business documents of the models listed in the settings (meeting
invitations by default), Odoo's system messages (password reset, portal
invitation). Each is stamped where the message is born; the tests follow
the message to the SMTP or SMS provider call (``trap_exits``).
"""

import datetime

from odoo import fields
from odoo.tests import tagged, users

from .common import ExitCase, trap_exits


@tagged("post_install", "-at_install")
class TestExitAllowed(ExitCase):
    # -- personal -----------------------------------------------------------

    def test_chatter_post_reaches_the_customer(self):
        """A salesperson answers the complaint from the customer's chatter (the web client's route)."""
        self.authenticate("rank_salesman", "rank_salesman")
        with trap_exits() as trap:
            result = self.make_jsonrpc_request(
                "/mail/message/post",
                {
                    "thread_model": "res.partner",
                    "thread_id": self.defected.id,
                    "post_data": {
                        "body": "We are sorry about the delay; our manager will call you tomorrow.",
                        "message_type": "comment",
                        "partner_ids": self.defected.ids,
                        "subtype_xmlid": "mail.mt_comment",
                    },
                },
            )
            self._run_queues()
        self.assertIn(self.defected_email, trap.addresses)
        notification = self.env["mail.message"].browse(result["message_id"]).notification_ids
        self.assertEqual(notification.res_partner_id, self.defected)
        self.assertEqual(notification.notification_status, "sent")

    @users("rank_salesman")
    def test_composer_on_one_record_reaches_the_customer(self):
        composer = (
            self.env["mail.compose.message"]
            .with_context(
                default_composition_mode="comment",
                default_model="res.partner",
                default_res_ids=self.defected.ids,
                default_template_id=self._mail_template().id,
            )
            .create({})
        )
        with trap_exits() as trap:
            composer.action_send_mail()
            self._run_queues()
        self.assertIn(self.defected_email, trap.addresses)

    @users("rank_salesman")
    def test_composer_on_one_deal_reaches_the_customer(self):
        deal = self._deal(self.defected, name="Leaking roof")
        composer = (
            self.env["mail.compose.message"]
            .with_context(default_composition_mode="comment", default_model="crm.lead", default_res_ids=deal.ids)
            .create({"body": "<p>Our roofer comes on Monday.</p>", "partner_ids": [(6, 0, self.defected.ids)]})
        )
        with trap_exits() as trap:
            composer.action_send_mail()
        self.assertIn(self.defected_email, trap.addresses)

    @users("rank_salesman")
    def test_sms_composer_on_one_record_reaches_the_customer(self):
        composer = self.env["sms.composer"].create(
            {
                "composition_mode": "comment",
                "res_model": "res.partner",
                "res_id": self.defected.id,
                "body": "Our manager will call you tomorrow.",
            }
        )
        with trap_exits() as trap:
            composer.action_send_sms()
            self._run_queues()
        self.assertIn(self.defected_number, trap.numbers)

    # -- business documents ----------------------------------------------------

    @users("rank_salesman")
    def test_meeting_invitation_reaches_the_customer(self):
        start = fields.Datetime.now() + datetime.timedelta(days=7)
        with trap_exits() as trap:
            self.env["calendar.event"].create(
                {
                    "name": "Repair visit",
                    "start": start,
                    "stop": start + datetime.timedelta(hours=1),
                    "partner_ids": [(6, 0, (self.defected | self.salesman.partner_id).ids)],
                }
            )
            self._run_queues()
        self.assertIn(self.defected_email, trap.addresses)

    def test_business_models_are_a_setting(self):
        """A manager lists the models whose documents go to every customer; mailings never do."""
        settings = self.env["res.config.settings"].create({})
        self.assertIn("calendar.event", settings.crm_rank_business_model_ids.mapped("model"))
        deal = self._deal(self.defected, name="Leaking roof")
        template = self._mail_template("crm.lead", "{{ object.partner_id.id }}")
        with trap_exits() as trap:
            template.send_mail(deal.id, force_send=True)
        self.assertNotIn(self.defected_email, trap.addresses)
        settings.crm_rank_business_model_ids = self.env["ir.model"]._get("crm.lead")
        settings.execute()
        self.assertEqual(self.env["res.config.settings"].create({}).crm_rank_business_model_ids.model, "crm.lead")
        with trap_exits() as trap:
            template.send_mail(deal.id, force_send=True)
        self.assertIn(self.defected_email, trap.addresses)
        # a mailing on a listed model is still marketing
        mailing = self.env["mailing.mailing"].create(
            {
                "name": "Deals",
                "subject": "Spring fair",
                "body_html": "<p>Spring fair</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("crm.lead"),
                "mailing_domain": repr([("id", "=", deal.id)]),
                "use_exclusion_list": False,
            }
        )
        with trap_exits() as trap:
            mailing.action_send_mail(res_ids=deal.ids)
            self._run_queues()
        self.assertNotIn(self.defected_email, trap.addresses)

    # -- Odoo's system messages --------------------------------------------------

    def _portal_user(self):
        return (
            self.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": self.defected.name,
                    "login": self.defected_email,
                    "partner_id": self.defected.id,
                    "group_ids": [(6, 0, self.env.ref("base.group_portal").ids)],
                }
            )
        )

    def test_password_reset_reaches_the_customer(self):
        user = self._portal_user()
        with trap_exits() as trap:
            user.action_reset_password()
            self._run_queues()
        self.assertIn(self.defected_email, trap.addresses)

    def test_portal_invitation_reaches_the_customer(self):
        wizard = (
            self.env["portal.wizard"].with_context(active_model="res.partner", active_ids=self.defected.ids).create({})
        )
        with trap_exits() as trap:
            wizard.user_ids.action_grant_access()
            self._run_queues()
        self.assertIn(self.defected_email, trap.addresses)
