"""Ranks and reasons in the reader's language; chatter lines in the customer's."""

from odoo.tests import tagged

from .common import CrmRankCase

CALL = "crm_customer_rank.mail_activity_type_reactivation_call"


@tagged("post_install", "-at_install")
class TestRankLanguage(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if cls.env["res.lang"]._activate_lang("ja_JP"):
            cls.env["ir.module.module"]._load_module_terms(["crm_customer_rank"], ["ja_JP"])
        cls.env_ja = cls.env(context=dict(cls.env.context, lang="ja_JP"))
        # the scheduler's language: English
        cls.env = cls.env(context=dict(cls.env.context, lang="en_US"))

    def _rank_lines(self, partner):
        """``[(old, new)]``: the rank's tracking lines in the customer's chatter, oldest first."""
        field = self.env["ir.model.fields"]._get("res.partner", "crm_rank")
        values = self.env["mail.tracking.value"].search(
            [("field_id", "=", field.id), ("mail_message_id.res_id", "=", partner.id),
             ("mail_message_id.model", "=", "res.partner")],
            order="id",
        )
        return [(value.old_value_char, value.new_value_char) for value in values]

    def test_history_labels_in_japanese(self):
        customer = self._customer("履歴の顧客")
        self._deal(customer)
        self._flush()
        history = self._history(customer).with_env(self.env_ja)
        fields = history.fields_get(["old_rank", "new_rank", "reason"])
        self.assertEqual(dict(fields["new_rank"]["selection"])["prospect"], "見込み顧客")
        self.assertEqual(dict(fields["old_rank"]["selection"])["dormant"], "休眠顧客")
        self.assertEqual(dict(fields["reason"]["selection"])["quiet"], "休眠期間中に連絡なし")
        # what the list and the report show: the label of each row
        [row] = history.web_read({"new_rank": {}, "reason": {}})
        self.assertEqual(row["new_rank"], "prospect")
        self.assertEqual(
            dict(history._fields["new_rank"]._description_selection(self.env_ja))[row["new_rank"]], "見込み顧客"
        )

    def test_last_lost_category_in_japanese(self):
        fields = self.env_ja["res.partner"].fields_get(["crm_last_lost_category"])
        self.assertEqual(dict(fields["crm_last_lost_category"]["selection"])["budget"], "予算")

    def test_daily_update_writes_in_the_customers_language(self):
        japanese = self._customer("日本の顧客", lang="ja_JP", phone="03-1111-2222")
        english = self._customer("English Customer", lang="en_US", phone="03-1111-3333")
        for customer in japanese | english:
            self._won(customer, completion=0)
        with self._at(366):
            self._run_scheduled_actions()
        self.assertRank(japanese, "dormant")
        self.assertEqual(self._rank_lines(japanese)[-1], ("契約顧客", "休眠顧客"))
        self.assertEqual(self._rank_lines(english)[-1], ("Contracted", "Dormant"))

    def test_cancelled_activity_note_in_the_customers_language(self):
        customer = self._customer("休眠の顧客", lang="ja_JP", phone="03-1111-4444")
        self._won(customer, completion=0)
        with self._at(366):
            self._run_scheduled_actions()
        with self._at(367):
            customer._crm_rank_mark_defected("moved")
        notes = customer.message_ids.filtered(lambda message: "取り消しました" in (message.body or ""))
        self.assertEqual(len(notes), 1)
        self.assertIn("離反顧客", notes.body)
