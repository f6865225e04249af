"""The suppression list remembers every address a defected customer has or had.

A changed address, a second address in the same field, a deleted or merged
customer: the old addresses stay suppressed until a sales manager reinstates
the customer. Each test tries it the way a hurried salesperson, an import or
an RPC script would, and follows a message to the exit (``trap_exits``).
"""

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged, users

from ..models.crm_rank_suppression import PENDING_KEY as SUPPRESSION_PENDING_KEY
from .common import CrmRankCase, trap_exits


@tagged("post_install", "-at_install")
class TestSuppressionList(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = new_test_user(
            cls.env, login="rank_admin", name="Rank Admin",
            groups="base.group_system,base.group_partner_manager,sales_team.group_sale_manager",
        )
        cls.exporting_manager = new_test_user(
            cls.env, login="rank_exporting_manager", name="Exporting Manager",
            groups="sales_team.group_sale_manager,base.group_allow_export",
        )

    def _suppressed(self, partner=None):
        """``{address: (customer, reason)}`` of the list (of ``partner``'s entries when given)."""
        domain = [("partner_id", "=", partner.id)] if partner else []
        entries = self.env["crm.rank.suppression"].sudo().search(domain)
        return {entry.address: (entry.partner_id, entry.reason) for entry in entries}

    def _defected(self, name="Defected Customer", **vals):
        customer = self._customer(name, **vals)
        self._won(customer, completion=0)
        customer._crm_rank_mark_defected("complaint")
        self._flush()
        return customer

    def _mail_to(self, *addresses):
        """What reaches SMTP of a plain e-mail (not a person's, not a document) to ``addresses``."""
        mails = self.env["mail.mail"].create(
            [{"subject": "Spring fair", "body_html": "<p>Spring fair</p>", "email_to": a} for a in addresses]
        )
        with trap_exits() as trap:
            mails.send()
        return trap.addresses

    # -- what goes on the list -----------------------------------------------

    def test_defection_lists_every_address_of_the_customer(self):
        company = self._customer("Sato Koumuten", is_company=True, email="office@sato.jp", phone="+81 3-1234-5678")
        contact = self._customer("Sato Ichiro", parent_id=company.id, email="ichiro@sato.jp", phone="+81 90-4444-0001")
        self._won(company, completion=0)
        company._crm_rank_mark_defected("complaint")
        self._flush()
        entries = self.env["crm.rank.suppression"].sudo().search([("partner_id", "=", company.id)])
        self.assertEqual(
            set(entries.mapped("address")),
            {"office@sato.jp", "+81312345678", "ichiro@sato.jp", "+819044440001"},
        )
        self.assertEqual(set(entries.mapped("reason")), {"complaint"})
        self.assertEqual(set(entries.mapped("date")), {self.today})
        self.assertEqual(
            {entry.address: entry.address_type for entry in entries if entry.address.startswith("+")},
            {"+81312345678": "phone", "+819044440001": "phone"},
        )
        self.assertEqual(contact.commercial_partner_id, company)

    def test_two_addresses_in_one_field(self):
        customer = self._defected(email="yamada@example.jp, Yamada Home <home@yamada.jp>")
        self.assertIn("home@yamada.jp", self._suppressed(customer))
        self.assertIn("yamada@example.jp", self._suppressed(customer))
        self.assertEqual(self._mail_to("home@yamada.jp", "happy@example.jp"), {"happy@example.jp"})

    def test_changed_address_stays_suppressed(self):
        """A salesperson changes the defected customer's e-mail and number: old and new are suppressed."""
        customer = self._defected(email="old@example.jp", phone="+81 90-5555-0001")
        customer.with_user(self.salesman).write({"email": "new@example.jp", "phone": "+81 90-5555-0002"})
        self._flush()
        self.assertTrue(
            {"old@example.jp", "new@example.jp", "+819055550001", "+819055550002"} <= set(self._suppressed(customer))
        )
        self.assertEqual(self._mail_to("old@example.jp", "new@example.jp", "happy@example.jp"), {"happy@example.jp"})

    def test_changed_in_the_same_request_as_the_defection(self):
        """Marked defected, then the address changed before the request ends: both are kept."""
        customer = self._customer("Quick Change", email="first@example.jp")
        self._won(customer, completion=0)
        self._flush()
        customer._crm_rank_mark_defected("complaint")
        customer.email = "second@example.jp"
        self._flush()
        self.assertTrue({"first@example.jp", "second@example.jp"} <= set(self._suppressed(customer)))

    def test_lost_for_a_complaint_and_address_changed_in_one_request(self):
        """A past customer loses a deal over a complaint (the defection is stored when the rank is
        decided, at the latest before commit) and their e-mail is changed in the same request."""
        customer = self._customer("Lost And Moved", email="before@example.jp")
        self._won(customer, completion=0)
        self._flush()
        self._lost(customer, reason=self.complaint_reason)
        customer.email = "after@example.jp"
        self._flush()
        self.assertRank(customer, "defected", "defected_lost")
        self.assertTrue({"before@example.jp", "after@example.jp"} <= set(self._suppressed(customer)))

    def test_other_customers_cost_the_list_nothing(self):
        """Writing the address of a customer who is not defected queues nothing for the list."""
        customer = self._customer("Ordinary", email="ordinary@example.jp")
        self._won(customer, completion=0)
        self._flush()
        customer.write({"email": "ordinary-new@example.jp", "phone": "+81 90-9999-0001"})
        self._customer("Ordinary Contact", parent_id=customer.id, email="contact@ordinary.jp")
        self.assertNotIn(SUPPRESSION_PENDING_KEY, self.env.cr.precommit.data)
        self._flush()
        self.assertFalse(self._suppressed(customer))

    def test_contact_joining_a_defected_company(self):
        company = self._defected("Defected Koumuten", is_company=True, email="office@defected-co.jp")
        newcomer = self._customer("Newcomer", email="newcomer@example.jp")
        newcomer.parent_id = company
        self._customer("New Contact", parent_id=company.id, email="contact@defected-co.jp")
        self._flush()
        self.assertTrue({"newcomer@example.jp", "contact@defected-co.jp"} <= set(self._suppressed(company)))

    def test_deletion_keeps_the_addresses(self):
        customer = self._defected("Gone", email="Gone@Example.jp", phone="+81 90-3333-0001")
        customer.unlink()
        self._flush()
        entries = self.env["crm.rank.suppression"].sudo().search(
            [("address", "in", ["gone@example.jp", "+819033330001"])]
        )
        self.assertEqual(len(entries), 2)
        self.assertFalse(entries.partner_id)
        self.assertEqual(set(entries.mapped("partner_name")), {"Gone"})
        # Odoo's blacklist is Odoo's: the suppression list does not write into it
        self.assertFalse(self.env["mail.blacklist"].search([("email", "=", "gone@example.jp")]))
        self.assertEqual(self._mail_to("gone@example.jp", "happy@example.jp"), {"happy@example.jp"})
        list_contact = self.env["mailing.contact"].create({"name": "Gone", "email": "gone@example.jp"})
        self.assertTrue(list_contact.crm_is_defected)

    def test_defected_and_deleted_in_one_request(self):
        """A script marks a customer defected and deletes it: nothing fails at commit, the address stays."""
        customer = self._customer("Short Lived", email="short@example.jp")
        deal = self._won(customer, completion=0)
        self._flush()
        customer._crm_rank_mark_defected("complaint")
        deal.unlink()
        customer.unlink()
        self._flush()  # the commit
        self.assertIn("short@example.jp", self._suppressed())

    def test_lost_and_deleted_in_one_request(self):
        """A past customer loses a deal over a complaint (a defection by loss) and is deleted at once."""
        customer = self._customer("Lost Then Gone", email="lostgone@example.jp")
        self._won(customer, completion=0)
        self._flush()
        self._lost(customer, reason=self.complaint_reason)
        self.env["crm.lead"].search([("partner_id", "=", customer.id)]).unlink()
        customer.unlink()
        self._flush()
        self.assertIn("lostgone@example.jp", self._suppressed())

    def test_merge_keeps_the_addresses(self):
        """The defected customer is merged into a duplicate: the duplicate is defected, both addresses kept."""
        customer = self._defected("Merged Away", email="merged@example.jp", phone="+81 90-6666-0001")
        duplicate = self._customer("Merged Away (duplicate)", email="duplicate@example.jp")
        wizard = (
            self.env["base.partner.merge.automatic.wizard"]
            .with_user(self.admin)
            .with_context(active_model="res.partner", active_ids=(customer | duplicate).ids)
            .create({"dst_partner_id": duplicate.id})
        )
        wizard.action_merge()
        self._flush()
        self.assertFalse(customer.exists())
        self.assertTrue(duplicate.is_defected)
        self.assertRank(duplicate, "defected")
        suppressed = self._suppressed()
        self.assertTrue({"merged@example.jp", "+819066660001", "duplicate@example.jp"} <= set(suppressed))
        self.assertEqual(self._mail_to("merged@example.jp", "happy@example.jp"), {"happy@example.jp"})

    # -- defection is immediate on every way in ----------------------------------

    def test_import_of_a_new_defected_customer(self):
        Partner = self.env["res.partner"].with_user(self.sales_manager).with_context(import_file=True)
        result = Partner.load(["name", "email", "is_defected"], [["Imported Defector", "imported@example.jp", "1"]])
        self.assertEqual(len(result["ids"]), 1, result["messages"])
        self._flush()  # the commit of the import
        customer = self.env["res.partner"].browse(result["ids"])
        self.assertRank(customer, "defected")
        self.assertEqual(self._suppressed(customer), {"imported@example.jp": (customer, "other")})
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "Spring fair",
                "body_html": "<p>Spring fair</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "mailing_domain": repr([("id", "=", customer.id)]),
            }
        )
        self.assertFalse(self.env["res.partner"].search(mailing._get_recipients_domain()))

    def test_rpc_create_of_a_defected_customer(self):
        customer = (
            self.env["res.partner"]
            .with_user(self.sales_manager)
            .create(
                {"name": "RPC Defector", "email": "rpc@example.jp", "is_defected": True, "defection_reason": "moved"}
            )
        )
        self._flush()
        self.assertRank(customer, "defected")
        self.assertEqual(self._suppressed(customer), {"rpc@example.jp": (customer, "moved")})

    def test_rpc_write_of_a_defection(self):
        """A manager's script writes the defection on an existing customer (no wizard)."""
        customer = self._customer("Written Defector", email="written@example.jp", phone="+81 90-8888-0001")
        self._won(customer, completion=0)
        self._flush()
        customer.with_user(self.sales_manager).write({"is_defected": True, "defection_reason": "competitor"})
        self._flush()
        self.assertRank(customer, "defected")
        self.assertEqual(
            self._suppressed(customer),
            {"written@example.jp": (customer, "competitor"), "+819088880001": (customer, "competitor")},
        )

    def test_lost_reason_flag(self):
        """Ticking *Marks Defection* on a lost reason already used defects its past customers, listed at commit."""
        reason = self.env["crm.lost.reason"].create({"name": "Rude plasterer"})
        customer = self._customer("Offended", email="offended@example.jp")
        self._won(customer, completion=0)
        self._lost(customer, reason=reason)
        self._flush()
        self.assertRank(customer, "lost")
        reason.with_user(self.sales_manager).marks_defected = True
        self._flush()
        self.assertRank(customer, "defected")
        self.assertIn("offended@example.jp", self._suppressed(customer))

    # -- the way out ---------------------------------------------------------------

    def test_reinstatement_removes_the_entries(self):
        customer = self._defected("Forgiven", email="forgiven@example.jp", phone="+81 90-7777-0001")
        customer.email = "forgiven-new@example.jp"
        self._flush()
        other = self._defected("Still Defected", email="forgiven@example.jp")
        customer.with_user(self.sales_manager)._crm_rank_reinstate("Repaired for free")
        self._flush()
        self.assertFalse(self._suppressed(customer))
        # the same address, suppressed for another customer, stays suppressed
        self.assertIn("forgiven@example.jp", self._suppressed(other))
        self.assertEqual(self._mail_to("forgiven-new@example.jp"), {"forgiven-new@example.jp"})

    @users("rank_exporting_manager")
    def test_managers_read_and_export_only(self):
        """A sales manager reads the list and, with Odoo's export right, exports it; nobody edits it."""
        self._defected("Listed", email="listed@example.jp")
        Suppression = self.env["crm.rank.suppression"]
        entries = Suppression.search([("address", "=", "listed@example.jp")])
        self.assertEqual(entries.partner_name, "Listed")
        exported = entries.export_data(["address", "address_type", "partner_id", "reason", "date"])["datas"]
        self.assertEqual(exported[0][0], "listed@example.jp")
        with self.assertRaises(AccessError):
            entries.unlink()
        with self.assertRaises(AccessError):
            entries.write({"address": "other@example.jp"})
        with self.assertRaises(AccessError):
            Suppression.create({"address": "spam@example.jp", "address_type": "email"})

    @users("rank_salesman")
    def test_salespeople_cannot_read_it(self):
        with self.assertRaises(AccessError):
            self.env["crm.rank.suppression"].search([])
