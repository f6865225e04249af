"""Every activity the addon writes is in the language of the person who reads it.

The scheduled action, a manager or a colleague triggers them in English; the
salesperson (or manager) they are assigned to reads Japanese.
"""

import datetime

from odoo import Command
from odoo.tests import Form, new_test_user, tagged

from .test_reactivation import ReactivationCase

REFERRAL_ASK = "crm_customer_rank.mail_activity_type_referral_ask"
REVIEW = "crm_customer_rank.mail_activity_type_defection_review"


@tagged("post_install", "-at_install")
class TestReaderLanguage(ReactivationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if cls.env["res.lang"]._activate_lang("ja_JP"):
            cls.env["ir.module.module"]._load_module_terms(["crm_customer_rank"], ["ja_JP"])
        cls.salesman_ja = new_test_user(
            cls.env, login="rank_salesman_ja", groups="sales_team.group_sale_salesman",
            name="営業 花子", lang="ja_JP",
        )
        cls.manager_ja = new_test_user(
            cls.env, login="rank_manager_ja", groups="sales_team.group_sale_manager",
            name="部長 太郎", lang="ja_JP",
        )
        # whoever triggers the texts reads English
        cls.admin = cls.env.ref("base.user_admin")
        cls.admin.lang = "en_US"
        cls.salesman.lang = "en_US"
        cls.sales_manager.lang = "en_US"
        cls.company.crm_rank_referral_ask_days = 30
        cls.budget = cls.env.ref("crm_customer_rank.crm_lost_reason_budget")

    def _cron_in_english(self):
        self._run_scheduled_actions(self.env(user=self.admin, context=dict(self.env.context, lang="en_US")))

    def _activities_of(self, records, activity_type=None):
        domain = [("res_model", "=", records._name), ("res_id", "in", records.ids)]
        if activity_type:
            domain.append(("activity_type_id", "=", activity_type.id))
        return self.env["mail.activity"].search(domain)

    def test_reactivation_activity(self):
        customer_ja = self._customer("森 由美", phone="03-1234-5678")
        self._won(customer_ja, completion=0, user_id=self.salesman_ja.id, tag_ids=[Command.set(self.kitchen.ids)])
        customer_en = self._customer("Emily Forest", phone="03-1234-0000")
        self._won(customer_en, completion=0, tag_ids=[Command.set(self.kitchen.ids)])
        with self._at(365):
            self._cron_in_english()
        self.assertRank(customer_ja, "dormant")
        activity_ja = self._activities(customer_ja)
        self.assertEqual(activity_ja.user_id, self.salesman_ja)
        self.assertEqual(activity_ja.summary, "この休眠顧客を掘り起こす")
        self.assertIn("この顧客が休眠した背景", str(activity_ja.note))
        self.assertIn("最終連絡", str(activity_ja.note))
        self.assertNotIn("Last contact", str(activity_ja.note))
        # the same run writes the English salesperson's activity in English
        activity_en = self._activities(customer_en)
        self.assertEqual(activity_en.user_id, self.salesman)
        self.assertEqual(activity_en.summary, "Reactivate this dormant customer")
        self.assertIn("Last contact", str(activity_en.note))

    def test_referral_ask(self):
        deal_ja = self._won(self._customer("田中 誠"), completion=0, user_id=self.salesman_ja.id)
        deal_en = self._won(self._customer("Makoto Tanaka"), completion=0)
        with self._at(30):
            self._cron_in_english()
        ask_type = self.env.ref(REFERRAL_ASK)
        ask_ja = self._activities_of(deal_ja, ask_type)
        self.assertEqual(ask_ja.user_id, self.salesman_ja)
        self.assertEqual(ask_ja.summary, "紹介のお願い")
        self.assertIn("田中 誠 様の工事は", str(ask_ja.note))
        self.assertIn("完工しました", str(ask_ja.note))
        ask_en = self._activities_of(deal_en, ask_type)
        self.assertEqual(ask_en.summary, "Ask for a referral")
        self.assertIn("The construction for Makoto Tanaka", str(ask_en.note))

    def test_lost_followup(self):
        """An English manager loses two deals at once: each follow-up in its salesperson's language."""
        deal_ja = self._deal(self._customer("山下 拓也"), user_id=self.salesman_ja.id)
        deal_en = self._deal(self._customer("Takuya Yamashita"))
        deals = (deal_ja | deal_en).with_user(self.sales_manager).with_context(lang="en_US")
        deals.env["crm.lead.lost"].create(
            {"lead_ids": deals.ids, "lost_reason_id": self.budget.id}
        ).action_lost_reason_apply()
        followup_ja = self._activities_of(deal_ja).filtered("crm_lost_reason_id")
        self.assertEqual(followup_ja.user_id, self.salesman_ja)
        self.assertEqual(followup_ja.summary, "次回のキャンペーン・値引きイベントにご案内")
        self.assertIn("失注理由: 予算超過。", str(followup_ja.note))
        self.assertIn("キャンペーン・イベントのご案内", str(followup_ja.note))
        followup_en = self._activities_of(deal_en).filtered("crm_lost_reason_id")
        self.assertEqual(followup_en.summary, "Invite to the next campaign or discount event")
        self.assertIn("Lost reason: Over budget.", str(followup_en.note))

    def _record(self, activity, outcome, user, next_date=None):
        activity = activity.with_user(user).with_context(lang="en_US")
        action = activity.with_context(crm_outcome_prompt=True).action_done()
        with Form(activity.env[action["res_model"]].with_context(**action["context"])) as form:
            form.outcome = outcome
            if next_date:
                form.next_contact_date = next_date
        return form.record.action_confirm()

    def test_outcome_followup_and_defection_review(self):
        """An English colleague records outcomes: the call-back goes to the Japanese
        salesperson in Japanese, the defection review to the Japanese manager in Japanese."""
        self.team.user_id = self.manager_ja
        customer = self._customer("青木 美咲", phone="03-1111-2222")
        self._won(customer, completion=0, user_id=self.salesman_ja.id, tag_ids=[Command.set(self.kitchen.ids)])
        leaving = self._customer("柴田 剛", phone="03-3333-4444")
        self._won(leaving, completion=0, tag_ids=[Command.set(self.kitchen.ids)])
        with self._at(365):
            self._cron_in_english()
        with self._at(370):
            next_date = self.today + datetime.timedelta(days=400)
            self._record(self._activities(customer), "not_now", self.sales_manager, next_date=next_date)
            self._record(self._activities(leaving), "competitor", self.salesman)
        followup = self._activities(customer)
        self.assertEqual(followup.user_id, self.salesman_ja)
        self.assertEqual(followup.summary, "再連絡: 顧客は「今は不要」とのこと")
        review = self._activities_of(leaving, self.env.ref(REVIEW))
        self.assertEqual(review.user_id, self.manager_ja)
        self.assertEqual(review.summary, "離反を提案: 他社に決定")
        self.assertIn("Rank Salesman さんがこの顧客を離反顧客とすることを提案しています", str(review.note))
