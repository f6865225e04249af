"""Contact means a real exchange: a newsletter or a mass SMS does not end dormancy."""

from odoo.tests import tagged
from odoo.tools import email_normalize, mute_logger

from odoo.addons.mass_mailing.tests.common import MassMailCase
from odoo.addons.mass_mailing_sms.tests.common import MassSMSCase

from .common import CrmRankCase


@tagged("post_install", "-at_install")
class TestContactMeaning(CrmRankCase, MassMailCase, MassSMSCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer("Quiet Customer", email="quiet@example.jp", phone="+81 90-3333-0001", lang="en_US")
        cls._won(cls.customer, completion=0)

    def _dormant(self):
        with self._at(366):
            self._run_scheduled_actions()
        self.assertRank(self.customer, "dormant", "quiet")

    def _update_next_day(self):
        with self._at(371):
            self._run_scheduled_actions()

    def _mailing(self, mailing_type):
        values = {
            "name": f"Newsletter {mailing_type}",
            "subject": "Spring renovation fair",
            "mailing_type": mailing_type,
            "mailing_model_id": self.env["ir.model"]._get("res.partner").id,
            "mailing_domain": repr([("id", "=", self.customer.id)]),
            # as the form proposes for SMS: keep a log on the document
            "keep_archives": mailing_type == "sms",
        }
        if mailing_type == "mail":
            values["body_html"] = "<p>Come to our spring renovation fair</p>"
        else:
            values["body_plaintext"] = "Spring renovation fair this Sunday"
        return self.env["mailing.mailing"].create(values)

    def _chatter(self, message_type):
        return self.env["mail.message"].search(
            [("model", "=", "res.partner"), ("res_id", "=", self.customer.id), ("message_type", "=", message_type)]
        )

    @mute_logger("odoo.addons.mail.models.mail_mail", "odoo.addons.mass_mailing.models.mailing")
    def test_newsletter_delivered_is_no_contact(self):
        self._dormant()
        with self._at(370), self.mock_mail_gateway(mail_unlink_sent=False):
            self._mailing("mail").action_send_mail()
            self._new_mails.send()
        self.assertIn("quiet@example.jp", {email_normalize(to) for mail in self._mails for to in mail["email_to"]})
        self.assertTrue(self._chatter("email_outgoing"), "the newsletter is kept on the customer's chatter")
        self._update_next_day()
        self.assertRank(self.customer, "dormant", "quiet")

    @mute_logger("odoo.addons.mail.models.mail_mail", "odoo.addons.mass_mailing.models.mailing")
    def test_newsletter_failed_is_no_contact(self):
        """No mail server (the seed database): the newsletter stays on the chatter,
        its e-mail failed; still no contact."""
        self._dormant()
        with self._at(370), self.mock_mail_gateway(mail_unlink_sent=False):
            self._mailing("mail").action_send_mail()
            # what the mail queue leaves without a mail server
            self._new_mails.write({"state": "exception", "failure_type": "mail_smtp", "failure_reason": "No server"})
        self.assertTrue(self._chatter("email_outgoing"))
        self._update_next_day()
        self.assertRank(self.customer, "dormant", "quiet")

    def test_mass_sms_is_no_contact(self):
        self._dormant()
        with self._at(370), self.mockSMSGateway():
            self._mailing("sms").action_send_sms()
            self.env["sms.sms"].sudo().search([("state", "=", "outgoing")]).send()
        self.assertTrue(self._chatter("sms"), "the mass SMS is logged on the customer's chatter")
        self._update_next_day()
        self.assertRank(self.customer, "dormant", "quiet")

    def test_reply_to_the_newsletter_is_contact(self):
        """The customer answers the newsletter by e-mail: that is an exchange."""
        self._dormant()
        with self._at(370):
            self.customer.message_post(
                body="Could you come and look at our roof?",
                message_type="email",
                author_id=self.customer.id,
                subtype_xmlid="mail.mt_comment",
            )
        self._update_next_day()
        self.assertRank(self.customer, "contracted", "after_care")

    def test_one_to_one_sms_is_contact(self):
        """An SMS written to the customer from their chatter is an exchange."""
        self._dormant()
        with self._at(370), self.mockSMSGateway():
            self.customer._message_sms("We will visit on Monday", partner_ids=self.customer.ids)
        self._update_next_day()
        self.assertRank(self.customer, "contracted", "after_care")

    def test_note_written_is_contact(self):
        self._dormant()
        with self._at(370):
            self.customer.message_post(body="Called: they want a new kitchen", message_type="comment")
        self._update_next_day()
        self.assertRank(self.customer, "contracted", "after_care")
