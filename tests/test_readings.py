"""Readings (フリガナ) where a Japanese office uses them (issue 27).

The reading is OCA's (l10n_jp_kana's mixins on res.partner): stored normalised,
found whichever kana is typed. The addon uses it in the receptionist's search,
the customer lists, the call list and the direct-mail, fax and greeting-card
lists (あいうえお順, with a reading column).
"""

import base64
import csv
import io

from lxml import etree

from odoo.tests import Form, tagged, users

from .common import CrmRankCase

KANA_FORMAT_PARTNER = "l10n_jp_kana.format.res.partner"


@tagged("post_install", "-at_install")
class TestReadings(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.country_id = cls.env.ref("base.jp")
        tokyo = cls.env.ref("base.state_jp_jp-13")
        address = {"zip": "154-0015", "state_id": tokyo.id, "city": "世田谷区", "street": "桜新町1-1"}
        # typed as a hurried receptionist types them: hiragana, half-width, full-width spaces
        cls.yamada = cls._customer("山田 太郎", name_kana="やまだ　たろう", phone="03-1111-0001", **address)
        cls.aoki = cls._customer("青木 花子", name_kana="ｱｵｷ ﾊﾅｺ", fax="03-1111-0002", **address)
        cls.kato = cls._customer(
            "加藤 工務店", is_company=True, name_kana="カトウコウムテン", fax="03-1111-0003", **address
        )
        cls.nameless = cls._customer("Without Reading", fax="03-1111-0004", **address)
        cls.customers = cls.yamada | cls.aoki | cls.kato | cls.nameless
        for customer in cls.customers:
            cls._won(customer, completion=-30)
        # あいうえお順: アオキ, カトウ, ヤマダ, then the customer without a reading
        cls.in_order = [cls.aoki, cls.kato, cls.yamada, cls.nameless]

    def _csv_rows(self, action):
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("/web/content/")[1].split("?")[0]))
        text = base64.b64decode(attachment.datas).decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text)))

    def _campaign(self):
        wizard = self.env["crm.rank.campaign"].with_context(active_model="res.partner", active_ids=self.customers.ids)
        with Form(wizard) as form:
            pass
        return form.record

    # -- stored and found ------------------------------------------------------

    def test_readings_are_stored_normalised(self):
        self.assertEqual(self.yamada.name_kana, "ヤマダ タロウ")
        self.assertEqual(self.aoki.name_kana, "アオキ ハナコ")

    def test_hiragana_finds_katakana_and_the_reverse(self):
        """The receptionist types the reading in whichever kana the input method gives."""
        Partner = self.env["res.partner"].with_user(self.salesman)
        for typed in ("やまだ", "ヤマダ", "ﾔﾏﾀﾞ", "やまだ たろう"):
            with self.subTest(typed=typed):
                self.assertIn(self.yamada, Partner.search([("name_kana_search", "ilike", typed)]))
                self.assertIn(self.yamada.id, [pid for pid, _name in Partner.name_search(typed)])
                self.assertNotIn(self.aoki, Partner.search([("name_kana_search", "ilike", typed)]))
        # the reverse: a company that keeps its readings in hiragana, a reading typed in katakana
        self.env["ir.config_parameter"].sudo().set_param(KANA_FORMAT_PARTNER, "hiragana")
        hiragana = self._customer("森 由美", name_kana="モリ ユミ")
        self.assertEqual(hiragana.name_kana, "もり ゆみ")
        for typed in ("モリ", "ﾓﾘ ﾕﾐ", "もり"):
            with self.subTest(typed=typed):
                self.assertIn(hiragana, Partner.search([("name_kana_search", "ilike", typed)]))
                self.assertIn(hiragana.id, [pid for pid, _name in Partner.name_search(typed)])

    @users("rank_salesman")
    def test_receptionist_search_finds_a_caller_by_reading(self):
        """The contacts' default search (Name) finds the caller by reading, number or name."""
        Partner = self.env["res.partner"]
        arch = etree.fromstring(Partner.get_view(view_type="search")["arch"])
        name_filter = arch.xpath("//field[@name='name']")[0].get("filter_domain")
        self.assertIn("name_kana_search", name_filter)
        self.assertIn("crm_phone_search", name_filter)
        self.assertTrue(arch.xpath("//field[@name='name_kana_search']"))
        for typed in ("やまだ", "ヤマダ タロウ", "03-1111-0001", "山田"):
            with self.subTest(typed=typed):
                domain = [
                    "|",
                    "|",
                    ("complete_name", "ilike", typed),
                    ("crm_phone_search", "ilike", typed),
                    ("name_kana_search", "ilike", typed),
                ]
                self.assertIn(self.yamada, Partner.search(domain))
        # and a deal's customer field, or the CRM search by customer, too
        deals = self.env["crm.lead"].search([("partner_id", "ilike", "やまだ")])
        self.assertTrue(deals)
        self.assertEqual(deals.partner_id, self.yamada)

    # -- customer lists ----------------------------------------------------------

    def test_customer_lists_show_and_sort_by_reading(self):
        Partner = self.env["res.partner"]
        for view_type in ("list", "kanban"):
            with self.subTest(view_type=view_type):
                arch = etree.fromstring(Partner.get_view(view_type=view_type)["arch"])
                self.assertTrue(arch.xpath("//field[@name='name_kana']"))
        action = self.env.ref("crm_customer_rank.res_partner_action_crm_rank")
        for view in action.view_ids.filtered(lambda view: view.view_mode in ("list", "kanban")):
            with self.subTest(view_mode=view.view_mode):
                arch = etree.fromstring(Partner.get_view(view.view_id.id, view.view_mode)["arch"])
                self.assertTrue(arch.get("default_order").startswith("name_kana"))
                self.assertTrue(arch.xpath("//field[@name='name_kana']"))
                found = Partner.search([("id", "in", self.customers.ids)], order=arch.get("default_order"))
                self.assertEqual(list(found), self.in_order)
        form = etree.fromstring(Partner.get_view(view_type="form")["arch"])
        self.assertTrue(form.xpath("//field[@name='name_kana']"))
        self.assertTrue(form.xpath("//field[@name='child_ids']//form//field[@name='name_kana']"))

    # -- the exports and the call list ---------------------------------------------

    def test_direct_mail_and_fax_lists_sorted_by_reading(self):
        wizard = self._campaign()
        self.assertEqual(list(wizard.line_ids.partner_id), self.in_order, "the list shown before the export")
        self.assertEqual(wizard.line_ids[0].name_kana, "アオキ ハナコ")
        rows = self._csv_rows(wizard.action_export_direct_mail())
        self.assertEqual(rows[0][-2:], ["Addressee", "Reading"])
        self.assertEqual(
            [row[-2:] for row in rows[1:]],
            [
                ["青木 花子 様", "アオキ ハナコ"],
                ["加藤 工務店 御中", "カトウコウムテン"],
                ["山田 太郎 様", "ヤマダ タロウ"],
                ["Without Reading 様", ""],
            ],
        )
        rows = self._csv_rows(wizard.action_export_fax())
        self.assertEqual(rows[0][0], "Fax")
        self.assertEqual(
            [(row[0], row[-1]) for row in rows[1:]],
            [("03-1111-0002", "アオキ ハナコ"), ("03-1111-0003", "カトウコウムテン"), ("03-1111-0004", "")],
        )

    def test_greeting_cards_sorted_by_reading(self):
        self.env["res.partner"].create({"name": "Someone else", "name_kana": "イイダ"})  # no deal: no card
        self.kato.crm_mourning_year = 2026
        wizard = self.env["crm.rank.greeting"].create({"season": "new_year", "year": 2027})
        mine = wizard.customer_ids & self.customers
        self.assertEqual(list(mine), [self.aoki, self.yamada, self.nameless])
        rows = self._csv_rows(wizard.action_export())
        self.assertEqual(rows[0][-1], "Reading")
        ours = [row for row in rows[1:] if row[-2] in {partner.crm_addressee for partner in self.customers}]
        self.assertEqual(
            [row[-1] for row in ours],
            ["アオキ ハナコ", "ヤマダ タロウ", "", "カトウコウムテン"],
            "New Year cards in あいうえお順, then the winter greetings",
        )

    def test_call_list_sorted_by_reading(self):
        wizard = self._campaign()
        action = wizard.action_schedule_calls()["params"]["next"]
        view_id, view_type = action["views"][0]
        self.assertEqual(view_type, "list")
        Activity = self.env["mail.activity"]
        arch = etree.fromstring(Activity.get_view(view_id, "list")["arch"])
        self.assertTrue(arch.xpath("//field[@name='crm_partner_name_kana']"))
        order = arch.get("default_order")
        self.assertEqual(order, "date_deadline, crm_partner_name_kana, id")
        activities = Activity.search(action["domain"], order=order)
        self.assertEqual([activity.res_id for activity in activities], [partner.id for partner in self.in_order])
        self.assertEqual(activities[0].crm_partner_name_kana, "アオキ ハナコ")
        descending = Activity.search(action["domain"], order="crm_partner_name_kana desc nulls last")
        self.assertEqual(descending[:1], activities[2])
