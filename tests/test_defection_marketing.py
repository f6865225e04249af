"""Defected customers never receive a mailing or an SMS: real sends, queue processed."""

from ast import literal_eval

from odoo.tests import new_test_user, tagged, users
from odoo.tools import email_normalize, mute_logger

from odoo.addons.mass_mailing.tests.common import MassMailCase
from odoo.addons.mass_mailing_sms.tests.common import MassSMSCase

from .common import CrmRankCase


@tagged("post_install", "-at_install")
class TestDefectionMarketing(CrmRankCase, MassMailCase, MassSMSCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.marketer = new_test_user(
            cls.env,
            login="rank_marketer",
            groups="base.group_user,mass_mailing.group_mass_mailing_user",
            name="Rank Marketer",
        )
        cls.lead_marketer = new_test_user(
            cls.env,
            login="rank_lead_marketer",
            groups="mass_mailing.group_mass_mailing_user,sales_team.group_sale_salesman_all_leads",
            name="Rank Lead Marketer",
        )
        # defected: an individual, a company with its contact person, an archived one
        cls.defected = cls._customer("Defected Individual", email="Defected@Example.jp", phone="+81 90-1111-0001")
        cls._won(cls.defected, completion=0)
        cls.defected_company = cls._customer(
            "Defected Koumuten", is_company=True, email="office@defected-co.jp", phone="+81 90-1111-0002"
        )
        cls.defected_contact = cls._customer(
            "Defected Contact",
            parent_id=cls.defected_company.id,
            email="contact@defected-co.jp",
            phone="+81 90-1111-0003",
        )
        cls._deal(cls.defected_company)
        cls.archived = cls._customer("Archived Defected", email="archived@example.jp", phone="+81 90-1111-0004")
        (cls.defected | cls.defected_company | cls.archived)._crm_rank_mark_defected("no_contact")
        cls.archived.action_archive()
        # not defected: a customer, and a partner without any rank
        cls.customer = cls._customer("Happy Customer", email="happy@example.jp", phone="+81 90-2222-0001")
        cls._won(cls.customer, completion=0)
        cls.unranked = cls._customer("New Contact", email="new@example.jp", phone="+81 90-2222-0002")
        cls.partners = cls.defected | cls.defected_company | cls.defected_contact | cls.customer | cls.unranked
        # leads: of a defected customer, of a customer, without customer
        cls.lead_defected = cls._deal(cls.defected, name="Kitchen", phone="+81 90-1111-0001")
        cls.lead_customer = cls._deal(cls.customer, name="Garden", phone="+81 90-2222-0001")
        cls.lead_anonymous = cls.env["crm.lead"].create(
            {
                "name": "Walk-in inquiry",
                "email_from": "walkin@example.jp",
                "phone": "+81 90-2222-0003",
                "type": "lead",
            }
        )
        cls.leads = cls.lead_defected | cls.lead_customer | cls.lead_anonymous
        # a mailing list with the same people, e-mail addresses written differently
        cls.mailing_list = cls.env["mailing.list"].create({"name": "Newsletter"})
        Contact = cls.env["mailing.contact"]
        cls.list_defected = Contact.create(
            {"name": "Defected (list)", "email": "DEFECTED@example.jp", "mobile": "+81 90-1111-0001"}
        )
        cls.list_archived = Contact.create(
            {"name": "Archived (list)", "email": '"Archived" <archived@example.jp>', "mobile": "+81 90-1111-0004"}
        )
        cls.list_contact = Contact.create(
            {"name": "Contact (list)", "email": "contact@defected-co.jp", "mobile": "+81 90-1111-0003"}
        )
        cls.list_happy = Contact.create(
            {"name": "Happy (list)", "email": "happy@example.jp", "mobile": "+81 90-2222-0001"}
        )
        cls.list_only = Contact.create(
            {"name": "List only", "email": "list-only@example.jp", "mobile": "+81 90-2222-0004"}
        )
        cls.list_no_email = Contact.create({"name": "Phone only", "mobile": "+81 90-2222-0005"})
        cls.list_contacts = (
            cls.list_defected
            | cls.list_archived
            | cls.list_contact
            | cls.list_happy
            | cls.list_only
            | cls.list_no_email
        )
        cls.mailing_list.contact_ids = cls.list_contacts
        cls.defected_emails = {
            "defected@example.jp",
            "office@defected-co.jp",
            "contact@defected-co.jp",
            "archived@example.jp",
        }
        cls.defected_numbers = {"+819011110001", "+819011110002", "+819011110003", "+819011110004"}

    # -- helpers ----------------------------------------------------------

    def _mailing(self, model, mailing_type="mail", records=None, **vals):
        values = {
            "name": f"Spring campaign {model} {mailing_type}",
            "subject": "Spring renovation fair",
            "mailing_type": mailing_type,
            "mailing_model_id": self.env["ir.model"]._get(model).id,
            **vals,
        }
        if mailing_type == "mail":
            values["body_html"] = "<p>Come to our spring renovation fair</p>"
        else:
            values["body_plaintext"] = "Spring renovation fair this Sunday"
        if records is not None:
            values["mailing_domain"] = repr([("id", "in", records.ids)])
        return self.env["mailing.mailing"].create(values)

    def _run_queue(self, mailing):
        """Launch the mailing and let the scheduled actions do the rest, as in production."""
        mailing.action_launch()
        self._trigger("mass_mailing.ir_cron_mass_mailing_queue")
        self._trigger(
            "mail.ir_cron_mail_scheduler_action"
            if mailing.mailing_type == "mail"
            else "sms.ir_cron_sms_scheduler_action"
        )
        mailing.invalidate_recordset()

    def _trigger(self, cron_xmlid):
        # an HttpCase (the SMS mock) runs in registry test mode: the job's commits are savepoints
        self.env.ref(cron_xmlid).sudo().method_direct_trigger()

    def _sent_emails(self):
        return {email_normalize(address) for mail in self._mails for address in mail["email_to"]}

    def _sent_numbers(self):
        return {sms["number"] for sms in self._sms}

    def _traced(self, mailing, status=None):
        traces = mailing.mailing_trace_ids
        if status:
            traces = traces.filtered(lambda t: t.trace_status == status)
        return set(traces.mapped("res_id"))

    # -- e-mail -----------------------------------------------------------

    @users("rank_marketer")
    @mute_logger("odoo.addons.mail.models.mail_mail", "odoo.addons.mass_mailing.models.mailing")
    def test_mail_to_partners(self):
        """A marketing user (no sales rights) mails contacts: the defected get nothing."""
        mailing = self._mailing("res.partner", records=self.partners)
        self.assertEqual(mailing.crm_defected_excluded_count, 3)
        self.assertEqual(mailing.total, 2)
        action = mailing.action_view_crm_defected_excluded()
        self.assertEqual(
            set(self.env["res.partner"].search(action["domain"]).ids),
            set((self.defected | self.defected_company | self.defected_contact).ids),
        )
        with self.mock_mail_gateway(mail_unlink_sent=False):
            self._run_queue(mailing)
        self.assertEqual(mailing.state, "done")
        self.assertEqual(self._traced(mailing), set((self.customer | self.unranked).ids))
        sent = self._sent_emails()
        self.assertTrue({"happy@example.jp", "new@example.jp"} <= sent)
        self.assertFalse(sent & self.defected_emails)

    @users("rank_lead_marketer")
    @mute_logger("odoo.addons.mail.models.mail_mail", "odoo.addons.mass_mailing.models.mailing")
    def test_mail_to_leads(self):
        """Leads of a defected customer are left out; leads without customer still receive."""
        mailing = self._mailing("crm.lead", records=self.leads)
        self.assertEqual(mailing.crm_defected_excluded_count, 1)
        with self.mock_mail_gateway(mail_unlink_sent=False):
            self._run_queue(mailing)
        self.assertEqual(self._traced(mailing), set((self.lead_customer | self.lead_anonymous).ids))
        sent = self._sent_emails()
        self.assertTrue({"happy@example.jp", "walkin@example.jp"} <= sent)
        self.assertFalse(sent & self.defected_emails)

    @users("rank_marketer")
    @mute_logger("odoo.addons.mail.models.mail_mail", "odoo.addons.mass_mailing.models.mailing")
    def test_mail_to_mailing_list(self):
        """List contacts with a defected customer's address (archived too) are left out."""
        mailing = self._mailing("mailing.list", contact_list_ids=[(4, self.mailing_list.id)])
        self.assertEqual(mailing.crm_defected_excluded_count, 3)
        self.assertEqual(
            self.env["mailing.contact"].search([("crm_is_defected", "=", True), ("id", "in", self.list_contacts.ids)]),
            self.list_defected | self.list_archived | self.list_contact,
        )
        with self.mock_mail_gateway(mail_unlink_sent=False):
            self._run_queue(mailing)
        self.assertEqual(self._traced(mailing), set((self.list_happy | self.list_only | self.list_no_email).ids))
        sent = self._sent_emails()
        self.assertTrue({"happy@example.jp", "list-only@example.jp"} <= sent)
        self.assertFalse(sent & self.defected_emails)

    @users("rank_marketer")
    @mute_logger("odoo.addons.mail.models.mail_mail", "odoo.addons.mass_mailing.models.mailing")
    def test_defected_after_scheduling_is_left_out(self):
        """The exclusion is decided when the mailing goes out, not when it is planned."""
        mailing = self._mailing("res.partner", records=self.customer | self.unranked)
        mailing.action_put_in_queue()
        self.customer.sudo()._crm_rank_mark_defected("complaint")
        with self.mock_mail_gateway(mail_unlink_sent=False):
            self._run_queue(mailing)
        self.assertEqual(self._traced(mailing), set(self.unranked.ids))
        self.assertNotIn("happy@example.jp", self._sent_emails())

    @users("rank_marketer")
    @mute_logger("odoo.addons.mail.models.mail_mail", "odoo.addons.mass_mailing.models.mailing")
    def test_mail_explicit_recipients(self):
        """Recipients given by id bypass the domain: the exit cancels the defected (and the mailing counts them)."""
        mailing = self._mailing("res.partner", records=self.partners, use_exclusion_list=False)
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail(res_ids=(self.defected | self.defected_contact | self.customer).ids)
            self._trigger("mail.ir_cron_mail_scheduler_action")
        traces = mailing.mailing_trace_ids
        canceled = traces.filtered(lambda t: t.trace_status == "cancel")
        self.assertEqual(set(canceled.mapped("res_id")), set((self.defected | self.defected_contact).ids))
        self.assertEqual(set(canceled.mapped("failure_type")), {"crm_defected"})
        self.assertEqual(set((traces - canceled).mapped("res_id")), set(self.customer.ids))
        sent = self._sent_emails()
        self.assertIn("happy@example.jp", sent)
        self.assertFalse(sent & self.defected_emails)

    @users("rank_salesman")
    @mute_logger("odoo.addons.mail.models.mail_mail")
    def test_composer_mass_mode(self):
        """Selected contacts, "Send email" in mass mode: no mailing, still no defected."""
        composer = (
            self.env["mail.compose.message"]
            .with_context(
                default_composition_mode="mass_mail",
                default_model="res.partner",
                default_res_ids=(self.defected | self.defected_contact | self.customer).ids,
            )
            .create({"subject": "Our new showroom", "body": "<p>Visit our showroom</p>"})
        )
        with self.mock_mail_gateway(mail_unlink_sent=False):
            composer._action_send_mail()
            mails = self._new_mails
            self._trigger("mail.ir_cron_mail_scheduler_action")
        by_partner = {mail.recipient_ids: mail for mail in mails}
        for partner in self.defected | self.defected_contact:
            self.assertEqual(by_partner[partner].state, "cancel")
            self.assertEqual(by_partner[partner].failure_type, "crm_defected")
        sent = self._sent_emails()
        self.assertIn("happy@example.jp", sent)
        self.assertFalse(sent & self.defected_emails)

    # -- SMS --------------------------------------------------------------

    @users("rank_marketer")
    def test_sms_to_partners(self):
        mailing = self._mailing("res.partner", mailing_type="sms", records=self.partners)
        self.assertEqual(mailing.crm_defected_excluded_count, 3)
        with self.mockSMSGateway():
            self._run_queue(mailing)
        self.assertEqual(self._traced(mailing), set((self.customer | self.unranked).ids))
        numbers = self._sent_numbers()
        self.assertTrue({"+819022220001", "+819022220002"} <= numbers)
        self.assertFalse(numbers & self.defected_numbers)

    @users("rank_lead_marketer")
    def test_sms_to_leads(self):
        mailing = self._mailing("crm.lead", mailing_type="sms", records=self.leads, sms_force_send=True)
        with self.mockSMSGateway():
            mailing.action_send_mail()
        self.assertEqual(self._traced(mailing), set((self.lead_customer | self.lead_anonymous).ids))
        self.assertEqual(self._sent_numbers(), {"+819022220001", "+819022220003"})

    @users("rank_marketer")
    def test_sms_to_mailing_list(self):
        """Contacts without e-mail are kept for SMS (no NOT IN with NULL)."""
        mailing = self._mailing(
            "mailing.list", mailing_type="sms", contact_list_ids=[(4, self.mailing_list.id)], sms_force_send=True
        )
        self.assertEqual(mailing.crm_defected_excluded_count, 3)
        with self.mockSMSGateway():
            mailing.action_send_mail()
        self.assertEqual(self._traced(mailing), set((self.list_happy | self.list_only | self.list_no_email).ids))
        numbers = self._sent_numbers()
        self.assertEqual(numbers, {"+819022220001", "+819022220004", "+819022220005"})

    @users("rank_marketer")
    def test_sms_explicit_recipients(self):
        mailing = self._mailing("res.partner", mailing_type="sms", sms_force_send=True, use_exclusion_list=False)
        with self.mockSMSGateway():
            mailing.action_send_mail(res_ids=(self.defected | self.defected_company | self.customer).ids)
        canceled = mailing.mailing_trace_ids.filtered(lambda t: t.trace_status == "cancel")
        self.assertEqual(set(canceled.mapped("res_id")), set((self.defected | self.defected_company).ids))
        self.assertEqual(set(canceled.mapped("failure_type")), {"crm_defected"})
        self.assertEqual(self._sent_numbers(), {"+819022220001"})

    @users("rank_salesman")
    def test_sms_composer_mass_mode(self):
        composer = self.env["sms.composer"].create(
            {
                "composition_mode": "mass",
                "res_model": "res.partner",
                "res_ids": repr((self.defected | self.defected_contact | self.customer).ids),
                "body": "Our showroom is open on Sunday",
                "mass_force_send": True,
            }
        )
        with self.mockSMSGateway():
            sms = composer._action_send_sms()
        canceled = sms.filtered(lambda s: s.state == "canceled")
        self.assertEqual(canceled.partner_id, self.defected | self.defected_contact)
        self.assertEqual(set(canceled.mapped("failure_type")), {"crm_defected"})
        self.assertEqual(self._sent_numbers(), {"+819022220001"})

    # -- targeting ranks --------------------------------------------------

    @users("rank_marketer")
    def test_rank_filters(self):
        """The saved filters target ranks; ranks are searchable in the filter editor."""
        lost = self._lost(self._customer("Lost Customer", email="lost@example.jp"))
        after_care = self._won(self._customer("After-care Customer"), completion=0)
        self.assertTrue(self.env["res.partner"].fields_get(["crm_rank"])["crm_rank"]["searchable"])
        for xmlid, member, rank in (
            ("mailing_filter_lost_customers", lost.partner_id, "lost"),
            ("mailing_filter_contracted_customers", after_care.partner_id, "contracted"),
        ):
            mailing_filter = self.env.ref(f"crm_customer_rank.{xmlid}")
            found = self.env["res.partner"].search(literal_eval(mailing_filter.mailing_domain))
            with self.subTest(filter=mailing_filter.name):
                self.assertIn(member, found)
                self.assertEqual(set(found.mapped("crm_rank")), {rank})
        for xmlid in ("mailing_filter_dormant_customers", "mailing_filter_referral_customers"):
            mailing_filter = self.env.ref(f"crm_customer_rank.{xmlid}")
            self.env["res.partner"].search(literal_eval(mailing_filter.mailing_domain))
        mailing = self._mailing("res.partner")
        mailing.mailing_filter_id = self.env.ref("crm_customer_rank.mailing_filter_lost_customers")
        self.assertIn(lost.partner_id, self.env["res.partner"].search(mailing._get_recipients_domain()))
