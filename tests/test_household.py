"""Households (世帯): one card and one direct mail per household (連名), each
person's rank their own, and a defection that covers the household by default
or the person only, the suppression list following the choice."""

import base64
import csv
import io

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..lib.household import joint_addressee
from .common import CrmRankCase

ADDRESS = {"zip": "225-0002", "city": "横浜市青葉区", "street": "美しが丘4-16-7"}


@tagged("post_install", "-at_install")
class TestHousehold(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.household = cls.env["crm.household"].create({"name": "山田家"})
        cls.wife = cls._customer(
            "山田 花子", email="hanako@example.jp", crm_household_id=cls.household.id, **ADDRESS
        )
        cls.husband = cls._customer(
            "山田 太郎", email="taro@example.jp", crm_household_id=cls.household.id, **ADDRESS
        )
        cls.son = cls._customer(
            "山田 翔太", email="shota@example.jp", crm_household_id=cls.household.id, **ADDRESS
        )
        cls.household.main_partner_id = cls.wife
        cls._won(cls.wife, completion=-30)
        cls._won(cls.husband, completion=-300)
        cls._deal(cls.son, name="Inquiry")
        cls.neighbour = cls._customer("佐藤 一郎", **ADDRESS)
        cls._won(cls.neighbour)

    def _csv(self, action):
        attachment_id = int(action["url"].split("/web/content/")[1].split("?")[0])
        text = base64.b64decode(self.env["ir.attachment"].browse(attachment_id).datas).decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text)))

    def test_joint_addressee(self):
        main = ("山田 花子", "山田 花子 様")
        self.assertEqual(joint_addressee(main, [("山田 太郎", "山田 太郎 様")]), "山田 花子 様\u3000太郎 様")
        self.assertEqual(joint_addressee(main, [("佐藤 一郎", "佐藤 一郎 様")]), "山田 花子 様\u3000佐藤 一郎 様")
        self.assertEqual(joint_addressee(("Hanako", "Hanako 様"), []), "Hanako 様")

    def test_each_person_keeps_their_rank(self):
        self.assertRank(self.wife, "contracted")
        self.assertRank(self.son, "prospect")
        self.assertEqual(self.household.partner_ids, self.wife | self.husband | self.son)

    def test_greeting_list_one_line_per_household(self):
        wizard = self.env["crm.rank.greeting"].with_user(self.salesman).create({"season": "new_year", "year": 2027})
        # one card for the household, to the main contact, the others beside her (the son
        # too: no completed work of his own, but his parents' household is a past customer)
        self.assertEqual(wizard.card_count, 2)
        joint = "山田 花子 様\u3000太郎 様\u3000翔太 様"
        line = wizard.card_line_ids.filtered(lambda line: line.partner_id == self.wife)
        self.assertEqual(line.addressee, joint)
        self.assertNotIn(self.husband, wizard.customer_ids)
        rows = self._csv(wizard.action_export())
        addressees = [row[6] for row in rows[1:]]
        self.assertEqual(sorted(addressees), sorted([joint, "佐藤 一郎 様"]))

    def test_household_in_mourning_gets_one_winter_greeting(self):
        self.husband.crm_mourning_year = 2026
        wizard = self.env["crm.rank.greeting"].create({"season": "new_year", "year": 2027})
        self.assertEqual(wizard.mourning_ids, self.wife)
        self.assertEqual(wizard.mourning_line_ids.addressee, "山田 花子 様\u3000太郎 様\u3000翔太 様")
        self.assertEqual(wizard.customer_ids, self.neighbour)

    def test_direct_mail_one_letter_per_household(self):
        campaign = self.env["crm.rank.campaign"].create(
            {"crm_rank": False, "partner_ids": [(6, 0, (self.wife | self.husband | self.neighbour).ids)]}
        )
        rows = self._csv(campaign.action_export_direct_mail())
        self.assertEqual(len(rows), 3)  # the header, the household, the neighbour
        self.assertIn("山田 花子 様\u3000太郎 様", [row[5] for row in rows])

    def _defect(self, partner, scope=None):
        values = {"partner_ids": [(6, 0, partner.ids)], "reason": "complaint"}
        if scope:
            values["scope"] = scope
        wizard = self.env["crm.rank.defection.wizard"].with_user(self.sales_manager).create(values)
        wizard.action_confirm()
        self._flush()
        return wizard

    def _suppressed(self, partner):
        return set(self.env["crm.rank.suppression"].sudo().search([("partner_id", "=", partner.id)]).mapped("address"))

    def test_defection_covers_the_household_by_default(self):
        wizard = self._defect(self.husband)
        self.assertEqual(wizard.scope, "household")
        self.assertEqual(wizard.household_member_ids, self.wife | self.son)
        for person in (self.husband, self.wife, self.son):
            self.assertRank(person, "defected")
        self.assertIn("hanako@example.jp", self._suppressed(self.wife))
        self.assertIn("shota@example.jp", self._suppressed(self.son))
        greeting = self.env["crm.rank.greeting"].create({"season": "new_year", "year": 2027})
        self.assertEqual(greeting.customer_ids, self.neighbour)

    def _reinstate(self, partner, scope=None):
        values = {"partner_ids": [(6, 0, partner.ids)], "note": "Talked it over"}
        if scope:
            values["scope"] = scope
        wizard = self.env["crm.rank.reinstatement.wizard"].with_user(self.sales_manager).create(values)
        shown = wizard.household_member_ids  # what the manager sees before confirming
        wizard.action_confirm()
        self._flush()
        return shown

    def test_reinstatement_follows_the_household_choice(self):
        self._defect(self.husband)
        shown = self._reinstate(self.husband, scope="person")
        self.assertEqual(shown, self.wife | self.son)
        self.assertRank(self.husband, "contracted")
        self.assertRank(self.wife, "defected")
        self.assertIn("hanako@example.jp", self._suppressed(self.wife))
        self.assertFalse(self._suppressed(self.husband))
        shown = self._reinstate(self.wife)  # the whole household, by default
        self.assertEqual(shown, self.son)
        self.assertRank(self.wife, "contracted")
        self.assertRank(self.son, "prospect")
        self.assertFalse(self._suppressed(self.son))

    def test_defection_of_this_person_only(self):
        self._defect(self.husband, scope="person")
        self.assertRank(self.husband, "defected")
        self.assertRank(self.wife, "contracted")
        self.assertRank(self.son, "prospect")
        self.assertIn("taro@example.jp", self._suppressed(self.husband))
        self.assertFalse(self._suppressed(self.wife))
        self.assertFalse(self._suppressed(self.son))
        # the household's card goes to the others, without the defected husband
        greeting = self.env["crm.rank.greeting"].create({"season": "new_year", "year": 2027})
        line = greeting.card_line_ids.filtered(lambda line: line.partner_id == self.wife)
        self.assertEqual(line.addressee, "山田 花子 様\u3000翔太 様")

    def test_a_company_is_no_household_member(self):
        company = self._customer("山田工務店", is_company=True)
        with self.assertRaises(ValidationError):
            company.crm_household_id = self.household

    def test_main_contact_is_a_member(self):
        with self.assertRaises(ValidationError):
            self.household.main_partner_id = self.neighbour
