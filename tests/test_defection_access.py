"""Who may mark a customer defected, reinstate them, and read ranks at all."""

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged, users

from .common import CrmRankCase


@tagged("post_install", "-at_install")
class TestDefectionAccess(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = new_test_user(cls.env, login="rank_portal", groups="base.group_portal", name="Rank Portal")
        cls.customer = cls._customer("Yamada Taro", email="yamada@example.jp")
        cls._won(cls.customer, completion=0)
        cls.company = cls._customer("Kobayashi Koumuten", is_company=True)
        cls.contact = cls._customer("Kobayashi Ichiro", parent_id=cls.company.id)
        cls._deal(cls.contact)
        # the portal user's own partner is a ranked customer
        cls._deal(cls.portal_user.partner_id)

    def _defect(self, partners, reason="complaint", note="Water leak not fixed"):
        wizard = (
            self.env["crm.rank.defection.wizard"]
            .with_context(active_model="res.partner", active_ids=partners.ids)
            .create({"reason": reason, "note": note})
        )
        wizard.action_confirm()
        return wizard

    def _reinstate(self, partners, note="Apologised, repaired for free"):
        wizard = (
            self.env["crm.rank.reinstatement.wizard"]
            .with_context(active_model="res.partner", active_ids=partners.ids)
            .create({"note": note})
        )
        wizard.action_confirm()

    # -- managers ---------------------------------------------------------

    @users("rank_manager")
    def test_manager_marks_defected_and_reinstates(self):
        customer = self.customer.with_env(self.env)
        self.assertRank(customer, "contracted")
        self._defect(customer)
        self.assertRank(customer, "defected", "defected_manual")
        self.assertTrue(customer.is_defected)
        self.assertEqual(customer.defection_reason, "complaint")
        self.assertEqual(customer.defection_note, "Water leak not fixed")
        self.assertEqual(customer.defection_date, fields.Date.context_today(customer))
        self.assertEqual(customer.defection_user_id, self.sales_manager)
        history = self._history(customer)[-1]
        self.assertEqual((history.old_rank, history.new_rank), ("contracted", "defected"))
        self.assertEqual(history.cause, "manual")
        self.assertEqual(history.user_id, self.sales_manager)
        log = customer.message_ids.filtered(lambda m: "Marked defected" in str(m.body))
        self.assertEqual(len(log), 1)
        self.assertIn("Complaint", str(log.body))
        self.assertIn("Water leak not fixed", str(log.body))
        self.assertEqual(log.message_type, "notification", "a log is not a contact with the customer")

        self._reinstate(customer)
        self.assertRank(customer, "contracted")
        self.assertFalse(customer.is_defected)
        self.assertFalse(customer.defection_reason)
        self.assertTrue(customer.crm_rank_reinstated_date)
        history = self._history(customer)[-1]
        self.assertEqual((history.old_rank, history.new_rank, history.cause), ("defected", "contracted", "manual"))
        log = customer.message_ids.filtered(lambda m: "Reinstated" in str(m.body))
        self.assertIn("Apologised, repaired for free", str(log.body))

    @users("rank_manager")
    def test_defection_applies_to_the_company(self):
        self._defect(self.contact.with_env(self.env), reason="competitor")
        self.assertTrue(self.company.is_defected)
        self.assertEqual(self.company.defection_reason, "competitor")
        self.assertFalse(self.contact.is_defected, "stored on the commercial partner only")
        for partner in self.company | self.contact:
            self.assertRank(partner, "defected")
        self._reinstate(self.contact.with_env(self.env))
        for partner in self.company | self.contact:
            self.assertRank(partner, "prospect")

    @users("rank_manager")
    def test_reinstatement_forgives_earlier_defection_loss(self):
        customer = self.customer.with_env(self.env)
        self._lost(self.customer, reason=self.complaint_reason, name="Roof repair")
        self.assertRank(customer, "defected", "defected_lost")
        self.assertTrue(customer.is_defected)  # stored: only a reinstatement ends it
        self.assertEqual(customer.defection_origin, "lost_deal")
        self._reinstate(customer)
        self.assertRank(customer, "lost", "last_deal_lost")

    # -- sales users ------------------------------------------------------

    @users("rank_salesman")
    def test_salesman_cannot_set_or_clear_defection(self):
        customer = self.customer.with_env(self.env)
        for vals in (
            {"is_defected": True},
            {"defection_reason": "other"},
            {"defection_note": "no"},
            {"defection_date": fields.Date.today()},
            {"defection_user_id": self.env.uid},
            {"crm_rank_reinstated_date": fields.Datetime.now()},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                customer.write(vals)
        with self.assertRaises(AccessError):
            self.env["res.partner"].create({"name": "Created defected", "is_defected": True})
        with self.assertRaises(AccessError):
            customer._crm_rank_mark_defected("complaint")
        with self.assertRaises(AccessError):
            self._defect(customer)
        with self.assertRaises(AccessError):
            self.env["crm.rank.reinstatement.wizard"].create({"partner_ids": customer.ids, "note": "x"})
        self.assertRank(customer, "contracted")
        # everything else stays editable
        customer.write({"phone": "03-1234-5678"})
        self.env["res.partner"].create({"name": "Plain new customer", "is_defected": False})

    @users("rank_salesman")
    def test_salesman_cannot_clear_defection(self):
        self.customer.sudo()._crm_rank_mark_defected("moved", "Moved to Osaka")
        customer = self.customer.with_env(self.env)
        # sales users see the defection
        self.assertTrue(customer.is_defected)
        self.assertEqual(customer.defection_reason, "moved")
        self.assertEqual(customer.defection_note, "Moved to Osaka")
        with self.assertRaises(AccessError):
            customer.write({"is_defected": False})
        with self.assertRaises(AccessError):
            customer._crm_rank_reinstate("please")
        self.assertRank(customer, "defected")

    @users("rank_salesman")
    def test_engine_context_from_a_client_grants_nothing(self):
        customer = self.customer.with_env(self.env).with_context(crm_rank_engine=True)
        with self.assertRaises(UserError):
            customer.write({"crm_rank": "referral"})
        self.assertRank(customer, "contracted")

    def test_wizard_buttons_for_managers_only(self):
        for user, visible in ((self.salesman, False), (self.sales_manager, True)):
            arch = self.env["res.partner"].with_user(user).get_view(view_type="form")["arch"]
            with self.subTest(user=user.login):
                self.assertIn('name="defection_reason"', arch, "sales users see the defection")
                self.assertEqual('string="Mark Defected"' in arch, visible)
                self.assertEqual('string="Reinstate"' in arch, visible)

    # -- portal and public ------------------------------------------------

    @users("rank_portal")
    def test_portal_reads_no_rank(self):
        partner = self.env["res.partner"].browse(self.env.user.partner_id.id)  # env.user is sudo
        self.assertTrue(partner.sudo().crm_rank, "the portal user's partner has a rank")
        partner.read(["name", "email"])  # still readable
        for fname in (
            "crm_rank",
            "crm_rank_reason",
            "crm_rank_date",
            "crm_rank_history_ids",
            "is_defected",
            "defection_reason",
            "defection_note",
            "crm_rank_reinstated_date",
            "crm_open_deal_count",
        ):
            with self.subTest(field=fname), self.assertRaises(AccessError):
                partner.read([fname])
        with self.assertRaises(AccessError):
            self.env["res.partner"].search([("crm_rank", "=", "defected")])
        with self.assertRaises(AccessError):
            self.env["crm.rank.history"].search([])
        self.assertFalse({"crm_rank", "is_defected", "defection_reason"} & set(self.env["res.partner"].fields_get()))
