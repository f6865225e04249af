"""The last gate: marketing e-mails and SMS never leave Odoo towards a defected customer.

Whatever created them (a mailing on any model, a composer over several records,
a server action, a mail queued before the defection), they are cancelled at send
time; a message written from one customer's chatter still goes.
"""

from odoo.tests import tagged, users
from odoo.tools import email_normalize, mute_logger

from odoo.addons.mass_mailing.tests.common import MassMailCase
from odoo.addons.mass_mailing_sms.tests.common import MassSMSCase

from .common import CrmRankCase


@tagged("post_install", "-at_install")
class TestDefectionGate(CrmRankCase, MassMailCase, MassSMSCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.marketer = cls.env["res.users"].create(
            {
                "name": "Gate Marketer",
                "login": "gate_marketer",
                "email": "marketer@example.jp",
                "group_ids": [
                    (4, cls.env.ref("base.group_user").id),
                    (4, cls.env.ref("mass_mailing.group_mass_mailing_user").id),
                ],
            }
        )
        cls.salesman.email = "salesman@example.jp"
        cls.defected = cls._customer("Defected Customer", email="Defected@Example.jp", phone="+81 90-1111-0001")
        cls._won(cls.defected, completion=0)
        cls.defected._crm_rank_mark_defected("no_contact")
        cls.customer = cls._customer("Happy Customer", email="happy@example.jp", phone="+81 90-2222-0001")
        cls._won(cls.customer, completion=0)
        cls.unranked = cls._customer("New Contact", email="new@example.jp", phone="+81 90-2222-0002")
        # the same person typed in a second time: not a customer, same address / same mobile
        cls.email_twin = cls._customer("Defected (second record)", email='"D." <defected@example.jp>')
        cls.phone_twin = cls._customer("Defected (mobile)", phone="090-1111-0001", country_id=cls.env.ref("base.jp").id)
        cls.template = cls.env["mail.template"].create(
            {
                "name": "Showroom invitation",
                "model_id": cls.env["ir.model"]._get_id("res.partner"),
                "subject": "Our new showroom",
                "body_html": "<p>Visit our showroom</p>",
                "partner_to": "{{ object.id }}",
            }
        )

    # -- helpers ----------------------------------------------------------

    def _mailing(self, model, records, mailing_type="mail", **vals):
        values = {
            "name": f"Gate {model} {mailing_type}",
            "subject": "Spring renovation fair",
            "mailing_type": mailing_type,
            "mailing_model_id": self.env["ir.model"]._get(model).id,
            "mailing_domain": repr([("id", "in", records.ids)]),
            **vals,
        }
        if mailing_type == "mail":
            values["body_html"] = "<p>Come to our spring renovation fair</p>"
        else:
            values["body_plaintext"] = "Spring renovation fair this Sunday"
        return self.env["mailing.mailing"].create(values)

    def _process_mail_queue(self):
        self.env.ref("mail.ir_cron_mail_scheduler_action").sudo().method_direct_trigger()

    def _sent_emails(self):
        return {email_normalize(address) for mail in self._mails for address in mail["email_to"]}

    def _sent_numbers(self):
        return {sms["number"] for sms in self._sms}

    def _trace(self, mailing, record):
        return mailing.mailing_trace_ids.filtered(lambda trace: trace.res_id == record.id)

    def assertGated(self, trace):
        self.assertEqual(trace.trace_status, "cancel")
        self.assertEqual(trace.failure_type, "crm_defected")

    # -- composers over several records ------------------------------------

    @users("rank_salesman")
    @mute_logger("odoo.addons.mail.models.mail_mail")
    def test_mail_composer_comment_mode_several_records(self):
        """"Send email" in comment mode on selected contacts (RPC or list view): the defected get nothing."""
        composer = (
            self.env["mail.compose.message"]
            .with_context(
                default_composition_mode="comment",
                default_model="res.partner",
                default_res_ids=(self.defected | self.customer).ids,
                default_template_id=self.template.id,
            )
            .create({})
        )
        with self.mock_mail_gateway(mail_unlink_sent=False):
            _mails, messages = composer._action_send_mail()
            self._process_mail_queue()
        self.assertEqual(len(messages), 2)
        sent = self._sent_emails()
        self.assertIn("happy@example.jp", sent)
        self.assertNotIn("defected@example.jp", sent)
        notification = messages.notification_ids.filtered(lambda n: n.res_partner_id == self.defected)
        self.assertEqual(notification.notification_status, "canceled")
        self.assertEqual(notification.failure_type, "crm_defected")

    @users("rank_salesman")
    def test_sms_composer_comment_mode_several_records(self):
        composer = self.env["sms.composer"].create(
            {
                "composition_mode": "comment",
                "res_model": "res.partner",
                "res_ids": repr((self.defected | self.customer).ids),
                "body": "Our showroom is open on Sunday",
            }
        )
        with self.mockSMSGateway():
            messages = composer._action_send_sms()
            self.env.ref("sms.ir_cron_sms_scheduler_action").sudo().method_direct_trigger()
        self.assertEqual(self._sent_numbers(), {"+819022220001"})
        notification = messages.notification_ids.filtered(lambda n: n.res_partner_id == self.defected)
        self.assertEqual(notification.notification_status, "canceled")
        self.assertEqual(notification.failure_type, "crm_defected")

    @users("rank_salesman")
    @mute_logger("odoo.addons.mail.models.mail_mail")
    def test_server_action_several_records(self):
        action = (
            self.env["ir.actions.server"]
            .sudo()
            .create(
                {
                    "name": "Invite to the showroom",
                    "model_id": self.env["ir.model"]._get_id("res.partner"),
                    "state": "mail_post",
                    "mail_post_method": "email",
                    "template_id": self.template.id,
                }
            )
        )
        with self.mock_mail_gateway(mail_unlink_sent=False):
            action.with_context(active_model="res.partner", active_ids=(self.defected | self.customer).ids).run()
            self._process_mail_queue()
        sent = self._sent_emails()
        self.assertIn("happy@example.jp", sent)
        self.assertNotIn("defected@example.jp", sent)

    # -- one-to-one messages still go -------------------------------------

    @users("rank_salesman")
    @mute_logger("odoo.addons.mail.models.mail_mail")
    def test_composer_on_one_record_still_sent(self):
        """Answering a complaint from the composer of the customer's record is a person writing.

        The chatter's own route is tested in ``test_exit_allowed.py``; ``message_post``
        called by code is no person writing and is stopped (``test_exit_mail.py``).
        """
        with self.mock_mail_gateway(mail_unlink_sent=False):
            composer = (
                self.env["mail.compose.message"]
                .with_context(
                    default_composition_mode="comment",
                    default_model="res.partner",
                    default_res_ids=self.defected.ids,
                    default_template_id=self.template.id,
                )
                .create({})
            )
            composer.action_send_mail()
            self._process_mail_queue()
        sent = [email_normalize(address) for mail in self._mails for address in mail["email_to"]]
        self.assertEqual(sent.count("defected@example.jp"), 1)

    # -- mailings ---------------------------------------------------------

    @users("gate_marketer")
    @mute_logger("odoo.addons.mail.models.mail_mail", "odoo.addons.mass_mailing.models.mailing")
    def test_mailing_on_event_attendees(self):
        """A mailing on meetings: only the defected attendee is left out, not the meeting."""
        event = (
            self.env["calendar.event"]
            .sudo()
            .create(
                {
                    "name": "Kitchen showroom visit",
                    "start": "2026-03-01 10:00:00",
                    "stop": "2026-03-01 11:00:00",
                    "partner_ids": [(6, 0, (self.defected | self.customer | self.unranked).ids)],
                }
            )
        )
        mailing = self._mailing("calendar.event", event)
        self.assertEqual(mailing.total, 1)
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
            self._process_mail_queue()
        sent = self._sent_emails()
        self.assertTrue({"happy@example.jp", "new@example.jp"} <= sent)
        self.assertNotIn("defected@example.jp", sent)
        self.assertEqual(self._trace(mailing, event).trace_status, "sent")

    @users("gate_marketer")
    @mute_logger("odoo.addons.mail.models.mail_mail", "odoo.addons.mass_mailing.models.mailing")
    def test_queued_mail_then_defection(self):
        """Mail queued for a customer who defects before the queue runs is cancelled, and counted."""
        mailing = self._mailing("res.partner", self.customer | self.unranked)
        # a large mailing goes through the queue (past Odoo's immediate-send limit)
        self.env["ir.config_parameter"].sudo().set_param("mail.mail.force.send.limit", 0)
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
            queued = self._new_mails
            self.assertEqual(set(queued.mapped("state")), {"outgoing"})
            self.customer.sudo()._crm_rank_mark_defected("complaint")
            self._process_mail_queue()
        sent = self._sent_emails()
        self.assertNotIn("happy@example.jp", sent)
        self.assertIn("new@example.jp", sent)
        self.assertGated(self._trace(mailing, self.customer))
        self.assertEqual(self._trace(mailing, self.unranked).trace_status, "sent")
        mail = queued.filtered(lambda mail: mail.mailing_trace_ids.res_id == self.customer.id)
        self.assertEqual((mail.state, mail.failure_type), ("cancel", "crm_defected"))
        mailing.invalidate_recordset()
        self.assertEqual(mailing.crm_defected_excluded_count, 1)
        action = mailing.action_view_crm_defected_excluded()
        self.assertEqual(self.env["res.partner"].search(action["domain"]), self.customer)

    @users("gate_marketer")
    @mute_logger("odoo.addons.mail.models.mail_mail", "odoo.addons.mass_mailing.models.mailing")
    def test_duplicate_partner_same_email(self):
        """A second partner typed with the defected customer's e-mail: left out (suppression list), and
        stopped at the exit when given by hand."""
        mailing = self._mailing("res.partner", self.email_twin | self.customer)
        self.assertEqual(mailing.crm_defected_excluded_count, 1)
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
            mailing.action_send_mail(res_ids=self.email_twin.ids)
            self._process_mail_queue()
        sent = self._sent_emails()
        self.assertIn("happy@example.jp", sent)
        self.assertNotIn("defected@example.jp", sent)
        self.assertGated(self._trace(mailing, self.email_twin))

    @users("gate_marketer")
    def test_duplicate_partner_same_mobile_sms(self):
        self.assertEqual(self.phone_twin.phone_sanitized, "+819011110001")
        mailing = self._mailing("res.partner", self.phone_twin | self.customer, mailing_type="sms", sms_force_send=True)
        self.assertEqual(mailing.crm_defected_excluded_count, 1)
        with self.mockSMSGateway():
            mailing.action_send_mail()
            mailing.action_send_mail(res_ids=self.phone_twin.ids)
        self.assertEqual(self._sent_numbers(), {"+819022220001"})
        self.assertGated(self._trace(mailing, self.phone_twin))
