"""The reactivation campaign: mailing, call list, direct-mail and fax lists, never to defected customers."""

import csv
import io

from lxml import etree

from odoo import Command
from odoo.tests import Form, tagged, users

from .test_reactivation import CALL, ReactivationCase


@tagged("post_install", "-at_install")
class TestReactivationCampaign(ReactivationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tokyo = cls.env.ref("base.state_jp_jp-13")
        cls.kanagawa = cls.env.ref("base.state_jp_jp-14")
        japan = cls.env.ref("base.jp")
        cls.person = cls._customer(
            "山田 花子",
            name_kana="やまだ はなこ",  # typed in hiragana, stored in katakana
            zip="150-0001",
            state_id=cls.tokyo.id,
            country_id=japan.id,
            city="渋谷区",
            street="神宮前1-2-3",
            street2="リフォームマンション101",
            email="hanako@example.com",
        )
        cls.company_customer = cls._customer(
            "株式会社 小林工務店",
            name_kana="ｺﾊﾞﾔｼｺｳﾑﾃﾝ",  # half-width, stored full-width
            is_company=True,
            zip="220-0012",
            state_id=cls.kanagawa.id,
            country_id=japan.id,
            city="横浜市西区",
            street="みなとみらい2-2-1",
            fax="045-000-1111",
        )
        cls.no_address = cls._customer("住所なし 太郎", phone="03-0000-0000")
        cls.defected = cls._customer(
            "離反 次郎",
            zip="100-0001",
            state_id=cls.tokyo.id,
            city="千代田区",
            street="千代田1-1",
            fax="03-1111-2222",
            email="jiro@example.com",
        )
        cls.other_salesman = cls.env["res.users"].create(
            {
                "name": "Other Salesman",
                "login": "rank_other_salesman",
                "group_ids": [Command.set(cls.env.ref("sales_team.group_sale_salesman").ids)],
            }
        )
        cls._won(cls.person, completion=0, tag_ids=[Command.set(cls.painting.ids)])
        cls._won(cls.company_customer, completion=0, user_id=cls.other_salesman.id)
        cls._won(cls.no_address, completion=0)
        cls._won(cls.defected, completion=0, tag_ids=[Command.set(cls.painting.ids)])
        cls.defected.is_defected = True
        cls.everyone = cls.person | cls.company_customer | cls.no_address | cls.defected

    def _wizard(self, partners=None, **vals):
        Wizard = self.env["crm.rank.campaign"]
        if partners is not None:
            Wizard = Wizard.with_context(active_model="res.partner", active_ids=partners.ids)
        with Form(Wizard) as form:
            for name, value in vals.items():
                setattr(form, name, value)
        return form.record

    def _csv(self, action):
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("/")[3].split("?")[0]))
        raw = attachment.raw
        self.assertTrue(raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM for Excel")
        text = raw.decode("utf-8-sig")
        self.assertIn("\r\n", text)
        return attachment, list(csv.reader(io.StringIO(text)))

    def test_selection_from_the_list_leaves_defected_out(self):
        contact = self._customer("小林 次郎", parent_id=self.company_customer.id)
        wizard = self._wizard(self.person | contact | self.no_address | self.defected)
        self.assertFalse(wizard.crm_rank)
        self.assertEqual(wizard.customer_ids, self.person | self.company_customer | self.no_address)
        self.assertEqual(wizard.customer_count, 3)
        self.assertEqual(wizard.defected_count, 1)
        self.assertEqual(wizard.no_address_count, 1)
        self.assertEqual(wizard.no_fax_count, 2)

    def test_criteria(self):
        with self._at(365):
            self._cron()
            wizard = self._wizard()
            self.assertEqual(wizard.crm_rank, "dormant", "from the menu: the dormant customers")
            self.assertEqual(wizard.customer_ids & self.everyone, self.person | self.company_customer | self.no_address)
            wizard = self._wizard(crm_rank=False)
            self.assertNotIn(self.defected, wizard.customer_ids)
            self.assertGreaterEqual(wizard.defected_count, 1)
            wizard = self._wizard(self.everyone, crm_rank="dormant")
            self.assertEqual(wizard.customer_ids, self.person | self.company_customer | self.no_address)
            self.assertEqual(wizard.defected_count, 0, "a rank filter of dormant already leaves them out")
            wizard = self._wizard(self.everyone)
            wizard.tag_ids = self.painting
            self.assertEqual(wizard.customer_ids, self.person)
            self.assertEqual(wizard.defected_count, 1, "the defected painting customer is left out")
            wizard.tag_ids = False
            wizard.user_ids = self.other_salesman
            self.assertEqual(wizard.customer_ids, self.company_customer)
            wizard.user_ids = False
            wizard.state_ids = self.kanagawa
            self.assertEqual(wizard.customer_ids, self.company_customer)
            wizard.state_ids = False
            wizard.city = "渋谷"
            self.assertEqual(wizard.customer_ids, self.person)

    def test_mailing(self):
        wizard = self._wizard(self.everyone)
        action = wizard.action_create_mailing()
        mailing = self.env["mailing.mailing"].browse(action["res_id"])
        self.assertEqual(mailing.state, "draft")
        self.assertEqual(mailing.mailing_model_real, "res.partner")
        self.assertEqual(
            set(mailing._get_recipients()), set((self.person | self.company_customer | self.no_address).ids)
        )
        self.no_address.is_defected = True
        self.assertEqual(set(mailing._get_recipients()), set((self.person | self.company_customer).ids))

    def test_call_list(self):
        wizard = self._wizard(self.everyone)
        action = wizard.action_schedule_calls()
        self.assertIn("1 defected", action["params"]["message"])
        activities = self._activities(self.everyone)
        self.assertEqual(
            sorted(activities.mapped("res_id")),
            sorted((self.person | self.company_customer | self.no_address).ids),
        )
        self.assertEqual(activities.activity_type_id, self.env.ref(CALL))
        self.assertEqual(set(activities.mapped("date_deadline")), {wizard.date_deadline})
        by_partner = {activity.res_id: activity.user_id for activity in activities}
        self.assertEqual(by_partner[self.company_customer.id], self.other_salesman)
        self.assertEqual(by_partner[self.person.id], self.salesman)
        again = self._wizard(self.everyone).action_schedule_calls()
        self.assertIn("0 call activities", again["params"]["message"])
        self.assertIn("3 customers already have", again["params"]["message"])
        self.assertEqual(self._activities(self.everyone), activities)
        # the call list opens, the existing one when everyone already had a call
        call_list = again["params"]["next"]
        self.assertEqual(call_list["res_model"], "mail.activity")
        self.assertEqual(self.env["mail.activity"].search(call_list["domain"]), activities)

    def test_direct_mail_list(self):
        wizard = self._wizard(self.everyone)
        action = wizard.action_export_direct_mail()
        self.assertEqual(action["target"], "download")
        attachment, rows = self._csv(action)
        self.assertEqual(attachment.mimetype, "text/csv")
        self.assertEqual(rows[0], ["Postal Code", "State", "City", "Street", "Street 2", "Addressee", "Reading"])
        # in あいうえお順 of the readings: コバヤシ before ヤマダ
        self.assertEqual(
            rows[1:],
            [
                ["220-0012", "神奈川県", "横浜市西区", "みなとみらい2-2-1", "", "株式会社 小林工務店 御中"]
                + ["コバヤシコウムテン"],
                ["150-0001", "東京都", "渋谷区", "神宮前1-2-3", "リフォームマンション101", "山田 花子 様"]
                + ["ヤマダ ハナコ"],
            ],
        )
        self.assertNotIn("離反", attachment.raw.decode("utf-8-sig"))

    def test_fax_list(self):
        wizard = self._wizard(self.everyone)
        attachment, rows = self._csv(wizard.action_export_fax())
        self.assertEqual(rows[0][0], "Fax")
        self.assertEqual(
            rows[1:],
            [
                [
                    "045-000-1111",
                    "220-0012",
                    "神奈川県",
                    "横浜市西区",
                    "みなとみらい2-2-1",
                    "",
                    "株式会社 小林工務店 御中",
                    "コバヤシコウムテン",
                ]
            ],
        )
        self.assertNotIn("03-1111-2222", attachment.raw.decode("utf-8-sig"))

    def test_only_defected_selected(self):
        wizard = self._wizard(self.defected)
        self.assertEqual((wizard.customer_count, wizard.defected_count), (0, 1))
        _attachment, rows = self._csv(wizard.action_export_direct_mail())
        self.assertEqual(len(rows), 1, "header only")
        self.assertFalse(self._activities(self.defected))
        wizard.action_schedule_calls()
        self.assertFalse(self._activities(self.defected))

    @users("rank_salesman")
    def test_salesman_runs_the_campaign(self):
        everyone = self.everyone.with_env(self.env)
        wizard = self._wizard(everyone)
        self.assertEqual(wizard.customer_count, 3)
        wizard.action_schedule_calls()
        _attachment, rows = self._csv(wizard.action_export_direct_mail())
        self.assertEqual(len(rows), 3)
        self.assertEqual(len(self._activities(everyone)), 3)

    # -- issue 13 / 18: formula cells, call list, the list before saving --------

    def test_csv_cells_cannot_run_formulas(self):
        """A name typed as a formula reaches the print shop's spreadsheet as text."""
        self.person.name = '=HYPERLINK("http://evil.example","Click")'
        self.company_customer.write({"city": "+1+1", "street": "-2+3", "street2": "@SUM(A1)", "fax": "\t045"})
        wizard = self._wizard(self.everyone)
        _attachment, rows = self._csv(wizard.action_export_direct_mail())
        cells = [cell for row in rows[1:] for cell in row]
        self.assertIn("'=HYPERLINK(\"http://evil.example\",\"Click\") 様", cells)
        self.assertIn("'+1+1", cells)
        self.assertIn("'-2+3", cells)
        self.assertIn("'@SUM(A1)", cells)
        self.assertFalse([cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")])
        _attachment, rows = self._csv(wizard.action_export_fax())
        self.assertEqual(rows[1][0], "045")  # a fax number is stripped of its blanks
        # ordinary values are left alone
        self.assertIn("150-0001", [row[0] for row in self._csv(wizard.action_export_direct_mail())[1][1:]])

    def test_call_list_opens(self):
        wizard = self._wizard(self.everyone)
        action = wizard.action_schedule_calls()
        call_list = action["params"]["next"]
        self.assertEqual((call_list["type"], call_list["res_model"]), ("ir.actions.act_window", "mail.activity"))
        self.assertEqual(call_list["views"][0][1], "list")
        opened = self.env["mail.activity"].search(call_list["domain"])
        self.assertEqual(opened, self._activities(self.everyone))
        self.assertEqual(len(opened), 3)
        # every customer already has one: the existing call list opens, and the message says so
        again = self._wizard(self.everyone).action_schedule_calls()
        self.assertIn("already have an open reactivation activity, opened here", again["params"]["message"])
        self.assertEqual(self.env["mail.activity"].search(again["params"]["next"]["domain"]), opened)

    def test_rank_shown_before_the_wizard_is_saved(self):
        """The web client's onchange gives the rank of every listed customer."""
        Wizard = self.env["crm.rank.campaign"].with_context(active_model="res.partner", active_ids=self.everyone.ids)
        form = Form(Wizard)
        lines = form.line_ids._records
        ranks = {line["partner_id"]: line["crm_rank"] for line in lines}
        self.assertEqual(
            ranks,
            {partner.id: partner.crm_rank for partner in self.person | self.company_customer | self.no_address},
        )
        self.assertTrue(all(ranks.values()))
        # the column is wide enough for its header ("顧客ランク" and the sort caret)
        arch = etree.fromstring(self.env["crm.rank.campaign"].get_view(view_type="form")["arch"])
        [column] = arch.xpath("//field[@name='line_ids']//field[@name='crm_rank']")
        self.assertTrue(column.get("width"))
