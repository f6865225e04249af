"""Japanese first: labels, selections, menus, errors and guidance come back in Japanese."""

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import CrmRankCase


@tagged("post_install", "-at_install")
class TestJapanese(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        lang = cls.env["res.lang"]._activate_lang("ja_JP")
        if lang:
            cls.env["ir.module.module"]._load_module_terms(["crm_customer_rank"], ["ja_JP"])
        cls.env_ja = cls.env(context=dict(cls.env.context, lang="ja_JP"))

    def test_field_labels(self):
        Fields = self.env_ja["ir.model.fields"]
        self.assertEqual(Fields._get("res.partner", "crm_rank").field_description, "顧客ランク")
        self.assertEqual(Fields._get("crm.lead", "crm_rank").field_description, "顧客ランク")
        fields = self.env_ja["res.partner"].fields_get(["crm_rank", "crm_rank_date"])
        self.assertEqual(fields["crm_rank"]["string"], "顧客ランク")

    def test_rank_selection(self):
        selection = dict(
            self.env_ja["res.partner"].fields_get(["crm_rank"])["crm_rank"]["selection"]
        )
        self.assertEqual(
            selection,
            {
                "gathering": "情報収集顧客",
                "prospect": "見込み顧客",
                "lost": "失注顧客",
                "contracted": "契約顧客",
                "dormant": "休眠顧客",
                "referral": "紹介顧客",
                "defected": "離反顧客",
            },
        )

    def test_menus(self):
        menu = self.env_ja.ref("crm_customer_rank.crm_lead_rank_menu")
        self.assertEqual(menu.name, "ランク別パイプライン")

    def test_errors(self):
        customer = self._customer("エラー確認")
        with self.assertRaisesRegex(UserError, "顧客ランク"):
            customer.with_env(self.env_ja).write({"crm_rank": "referral"})
        with self.assertRaisesRegex(ValidationError, "休眠期間"):
            self.company.with_env(self.env_ja).crm_rank_dormancy_days = -1

    def test_guidance_in_both_languages(self):
        customer = self._customer("ガイダンス")
        self._deal(customer)
        self.assertRank(customer, "prospect")
        record = self.env.ref("crm_customer_rank.guidance_prospect")
        english = customer.with_context(lang="en_US").crm_rank_guidance
        japanese = customer.with_env(self.env_ja).crm_rank_guidance
        self.assertEqual(english, record.with_context(lang="en_US").guidance)
        self.assertEqual(japanese, record.with_env(self.env_ja).guidance)
        self.assertNotEqual(japanese, english)
        self.assertRegex(japanese, "[ぁ-んァ-ン一-龥]")

    def test_every_rank_guidance_translated(self):
        shipped = self.env["crm.rank.guidance"].search([("company_id", "=", False)])
        for record in shipped:
            with self.subTest(rank=record.rank):
                self.assertRegex(record.with_env(self.env_ja).guidance, "[ぁ-んァ-ン一-龥]")
                self.assertRegex(record.with_env(self.env_ja).hint, "[ぁ-んァ-ン一-龥]")
