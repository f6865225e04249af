"""Duplicates caught at the door, and merged without losing anything (issue 27).

The same family registered twice splits its deals, its rank and its defection:
the customer form shows the customers with the same number (whatever its
format) or the same reading while the new one is typed in, before it is saved,
and Odoo's merge wizard makes one customer of them, defection included.
"""

from odoo.tests import Form, tagged, users

from .common import CrmRankCase

MERGE_WIZARD = "base.partner.merge.automatic.wizard"


@tagged("post_install", "-at_install")
class TestDuplicates(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.country_id = cls.env.ref("base.jp")
        # salespeople who may create contacts (Odoo's merge wizard needs that right)
        cls.salesman.group_ids += cls.env.ref("base.group_partner_manager")
        cls.existing = cls._customer(
            "佐藤 健", name_kana="サトウ ケン", phone="043-4000-1064", email="sato@example.com"
        )
        cls.company_customer = cls._customer("鈴木工務店", is_company=True, phone="03-5555-0000")
        cls.other = cls._customer("高橋 誠", name_kana="タカハシ マコト", phone="03-9999-1234")

    def _new_form(self, **values):
        form = Form(self.env["res.partner"])
        for name, value in values.items():
            setattr(form, name, value)
        return form

    # -- flagged before saving --------------------------------------------------

    @users("rank_salesman")
    def test_same_number_in_another_format_is_flagged(self):
        typed_forms = ("043-4000-1064", "04340001064", "+81 43-4000-1064", "(043) 4000 1064")
        for typed in (*typed_forms, "０４３－４０００－１０６４"):
            with self.subTest(typed=typed):
                form = self._new_form(name="さとう けん", phone=typed)
                self.assertEqual(form.crm_duplicate_ids[:], self.existing.with_env(self.env))
        self.assertFalse(self.env["res.partner"].search([("name", "=", "さとう けん")]), "shown before saving")

    @users("rank_salesman")
    def test_number_as_fax_is_flagged_too(self):
        form = self._new_form(name="Sato fax", fax="+814340001064")
        self.assertEqual(form.crm_duplicate_ids[:], self.existing.with_env(self.env))

    @users("rank_salesman")
    def test_same_reading_in_any_kana_is_flagged(self):
        for typed in ("さとう けん", "サトウケン", "ｻﾄｳ ｹﾝ"):
            with self.subTest(typed=typed):
                form = self._new_form(name="佐藤 謙", name_kana=typed)
                self.assertEqual(form.crm_duplicate_ids[:], self.existing.with_env(self.env))

    @users("rank_salesman")
    def test_edited_customer_is_flagged(self):
        with Form(self.other.with_env(self.env)) as form:
            self.assertFalse(form.crm_duplicate_ids)
            form.phone = "+81-43-4000-1064"
            self.assertEqual(form.crm_duplicate_ids[:], self.existing.with_env(self.env))
            form.phone = "03-9999-1234"
            self.assertFalse(form.crm_duplicate_ids)

    @users("rank_salesman")
    def test_not_flagged(self):
        """Another number, a number being typed, another reading, the customer
        itself, or a contact person sharing their company's number."""
        for values in (
            {"phone": "043-4000-1065"},
            {"phone": "1064"},
            {"phone": "4000-1064"},
            {"name_kana": "サトウ ケンジ"},
            {"name_kana": "サトウ"},
        ):
            with self.subTest(values=values):
                form = self._new_form(name="New customer", **values)
                self.assertFalse(form.crm_duplicate_ids)
        self.assertFalse(self.existing.with_env(self.env).crm_duplicate_ids)
        form = self._new_form(name="田中 (鈴木工務店)", parent_id=self.company_customer, phone="03-5555-0000")
        self.assertFalse(form.crm_duplicate_ids)
        form = self._new_form(name="Someone else", phone="03-5555-0000")
        self.assertEqual(form.crm_duplicate_ids[:], self.company_customer.with_env(self.env))

    def test_form_warns_with_the_merge_button(self):
        from lxml import etree

        arch = etree.fromstring(self.env["res.partner"].get_view(view_type="form")["arch"])
        warning = arch.xpath("//div[@name='warning_crm_duplicates']")
        self.assertTrue(warning)
        self.assertEqual(warning[0].get("invisible"), "not crm_duplicate_ids")
        self.assertTrue(warning[0].xpath(".//button[@name='action_crm_merge_duplicates']"))
        self.assertTrue(warning[0].xpath(".//field[@name='crm_duplicate_ids']"))

    # -- merged with Odoo's wizard --------------------------------------------------

    def _saved_duplicate(self, **values):
        form = self._new_form(name="佐藤 健 (2)", phone="+81 43-4000-1064", **values)
        return form.save()

    def _merge(self, duplicate):
        """As the user clicks: Merge on the form, then Odoo's wizard's Merge Contacts."""
        action = duplicate.action_crm_merge_duplicates()
        self.assertEqual(action["res_model"], MERGE_WIZARD)
        wizard = Form(self.env[MERGE_WIZARD].with_context(**action["context"])).save()
        self.assertEqual(wizard.partner_ids, (duplicate | self.existing).with_env(self.env))
        self.assertEqual(wizard.dst_partner_id, self.existing.with_env(self.env), "the customer who was there first")
        wizard.action_merge()
        self._flush()
        return wizard

    @users("rank_salesman")
    def test_merge_moves_the_deals_and_decides_the_rank(self):
        """Typed without an e-mail address, the duplicate is merged by a salesperson too."""
        duplicate = self._saved_duplicate()
        deal = self._deal(duplicate, name="Kitchen of the duplicate")
        self._merge(duplicate)
        self.assertFalse(duplicate.exists())
        existing = self.existing.with_env(self.env)
        self.assertEqual(deal.partner_id, existing)
        self.assertRank(existing, "prospect")

    @users("rank_salesman")
    def test_merge_keeps_the_defection_of_the_duplicate(self):
        """A salesperson merges the defected duplicate into the customer kept: defected."""
        duplicate = self._saved_duplicate(email="sato@example.com")  # Odoo's own e-mail rule passes
        self._won(duplicate)
        duplicate.with_user(self.sales_manager)._crm_rank_mark_defected("complaint", "Leaking roof")
        self._flush()
        self._merge(duplicate)
        existing = self.existing.with_env(self.env)
        self.assertTrue(existing.is_defected)
        self.assertEqual((existing.defection_reason, existing.defection_note), ("complaint", "Leaking roof"))
        self.assertEqual(existing.defection_user_id, self.sales_manager)
        self.assertRank(existing, "defected")
        # and it keeps staying out of marketing, like any defected customer
        self.assertNotIn(existing, self.env["res.partner"].search([("crm_rank", "!=", "defected")]))

    @users("rank_salesman")
    def test_merge_keeps_the_defection_of_the_customer_kept(self):
        self.existing.with_user(self.sales_manager)._crm_rank_mark_defected("competitor")
        self._flush()
        duplicate = self._saved_duplicate(email="sato@example.com")
        self._deal(duplicate)
        self._merge(duplicate)
        existing = self.existing.with_env(self.env)
        self.assertTrue(existing.is_defected)
        self.assertEqual(existing.defection_reason, "competitor")
        self.assertRank(existing, "defected")

    def test_merge_of_a_referral_between_the_two(self):
        """A duplicate that referred (or was referred by) the customer kept: no self-referral left."""
        duplicate = self._saved_duplicate()
        self.existing.referrer_partner_id = duplicate
        self._merge(duplicate)
        self.assertFalse(self.existing.referrer_partner_id)
