"""Printing: the warranty certificate, the inspection sheet and the call list render with
what an office needs, in the customer's language, without the layout dialog; as PDF
where wkhtmltopdf is installed."""

import io
import unicodedata
import unittest
from unittest.mock import patch

from odoo.tests import HttpCase, tagged

from odoo.addons.base.models.ir_actions_report import _wkhtml

from .common import CrmRankCase


def _japan(env):
    return {"country_id": env.ref("base.jp").id, "state_id": env.ref("base.state_jp_jp-13").id}


@tagged("post_install", "-at_install")
class TestPrinting(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("ja_JP")
        cls.env["ir.module.module"]._load_module_terms(["crm_customer_rank"], ["ja_JP"])
        cls.company.write(
            {
                "name": "さくらリフォーム株式会社",
                "zip": "154-0004",
                "city": "世田谷区",
                "street": "太子堂2-15-3",
                "street2": "さくらビル1階",
                "phone": "03-6805-4120",
                "crm_inspection_plan": "1m,1y",
                **_japan(cls.env),
            }
        )
        cls.company.external_report_layout_id = False  # a company that never chose a layout
        cls.customer = cls._customer(
            "山田 太郎", zip="155-0031", city="世田谷区", street="北沢3-1-2", phone="03-1234-5678",
            lang="ja_JP", **_japan(cls.env),
        )
        cls.deal = cls._won(
            cls.customer, name="浴室リフォーム", completion=-20, warranty_years=10,
            warranty_scope="ユニットバスの施工不良", warranty_exclusions="天災",
        )
        cls.heater = cls.env["crm.aftercare.equipment"].create(
            {
                "name": "エコキュート 370L",
                "maker": "Panasonic",
                "model": "HE-NS37",
                "lead_id": cls.deal.id,
                "life_years": 10,
            }
        )
        cls.item = cls.env["crm.aftercare.item"].search([("lead_id", "=", cls.deal.id), ("key", "=", 1)])
        cls.item.note = "脱衣所の床のきしみを確認"

    def _html(self, report, records):
        return self.env["ir.actions.report"]._render_qweb_html(report, records.ids)[0].decode()

    # -- the warranty certificate -----------------------------------------

    def test_warranty_certificate_number_date_seal_and_address(self):
        action = self.deal.with_user(self.salesman).action_print_warranty()
        self.assertEqual(action["type"], "ir.actions.report")
        number = self.deal.warranty_number
        self.assertRegex(number, rf"^{self.today.year}-\d{{4}}$")
        self.assertEqual(self.deal.warranty_issue_date, self.today)
        other = self._won(self._customer("Second job"), completion=-5, warranty_years=2)
        other.action_print_warranty()
        self.assertNotEqual(other.warranty_number, number)
        self.deal.action_print_warranty()  # a reprint keeps its number and date
        self.assertEqual(self.deal.warranty_number, number)
        html = self._html("crm_customer_rank.report_crm_warranty", self.deal)
        self.assertIn("工事保証書", html)  # printed in the customer's language
        self.assertIn(number, html)
        self.assertIn("発行日", html)
        self.assertIn("山田 太郎", html)
        self.assertIn("様", html)
        self.assertIn("〒155-0031", html)
        # the company's address in Japanese order: postal code, prefecture, city, street, building
        self.assertRegex(html, r"〒154-0004</span>\s*東京都世田谷区太子堂2-15-3\s+さくらビル1階")
        self.assertIn("印", html)  # the place for the company seal
        self.assertIn("社印", html)

    def test_no_layout_dialog_for_an_administrator(self):
        """Odoo opens its document-layout dialog (a US invoice preview) on an administrator's first
        print when the company has no layout; the addon's printouts go straight to the document."""
        admin_env = self.env(user=self.env.ref("base.user_admin"))
        self.assertTrue(admin_env.is_admin())
        self.assertFalse(admin_env.company.external_report_layout_id)
        actions = [
            self.deal.with_env(admin_env).action_print_warranty(),
            self.item.with_env(admin_env).action_print_inspection_sheet(),
            admin_env["crm.rank.campaign"].create({"crm_rank": "contracted"}).action_print_call_list(),
        ]
        for action in actions:
            with self.subTest(report=action.get("report_name")):
                self.assertEqual(action["type"], "ir.actions.report")
                self.assertTrue(action["report_name"].startswith("crm_customer_rank."))

    # -- the inspection sheet ---------------------------------------------

    def test_inspection_sheet(self):
        html = self._html("crm_customer_rank.report_crm_aftercare_inspection", self.item)
        for expected in (
            "1ヶ月点検",  # the item, in the customer's language
            "点検シート",
            "山田 太郎",
            "〒155-0031",
            "東京都世田谷区北沢3-1-2",
            "03-1234-5678",
            "浴室リフォーム",
            "エコキュート 370L",
            "HE-NS37",
            "脱衣所の床のきしみを確認",  # the item's note
            "お客様確認",  # signature boxes
            "点検者",
        ):
            with self.subTest(expected=expected):
                self.assertIn(expected, html)
        english = self.item.with_context(lang="en_US")
        self.customer.lang = "en_US"
        html = self._html("crm_customer_rank.report_crm_aftercare_inspection", english)
        for expected in ("Inspection Sheet", "Checklist", "Customer's confirmation", "Inspector"):
            with self.subTest(expected=expected):
                self.assertIn(expected, html)

    def test_inspection_sheet_is_in_the_items_print_menu(self):
        report = self.env.ref("crm_customer_rank.action_report_crm_aftercare_inspection")
        self.assertEqual(report.binding_model_id.model, "crm.aftercare.item")

    # -- the call list ----------------------------------------------------

    def test_call_list(self):
        quiet = self._customer("休眠 花子", phone="090-9999-0001", **_japan(self.env))
        self._won(quiet, completion=-20)
        campaign = self.env["crm.rank.campaign"].with_user(self.salesman).create(
            {"name": "秋の点検キャンペーン", "crm_rank": "contracted"}
        )
        self.assertIn(quiet, campaign.customer_ids)
        action = campaign.action_print_call_list()
        self.assertEqual(action["report_name"], "crm_customer_rank.report_crm_rank_call_list")
        html = self.env["ir.actions.report"].with_user(self.salesman)._render_qweb_html(
            "crm_customer_rank.report_crm_rank_call_list", campaign.ids
        )[0].decode()
        for expected in ("秋の点検キャンペーン", "休眠 花子", "090-9999-0001", "1-month inspection", "No answer"):
            with self.subTest(expected=expected):
                self.assertIn(expected, html)
        japanese = campaign.with_context(lang="ja_JP")
        html = self.env["ir.actions.report"].with_context(lang="ja_JP")._render_qweb_html(
            "crm_customer_rank.report_crm_rank_call_list", japanese.ids
        )[0].decode()
        self.assertIn("架電リスト", html)
        self.assertIn("1ヶ月点検", html)


@tagged("post_install", "-at_install")
class TestPrintingPdf(HttpCase):
    """PDF through wkhtmltopdf (skipped where it is not installed), with a server for its
    assets: the Japanese text must come out as text, not as missing glyphs."""

    def test_pdfs_in_japanese(self):
        if _wkhtml().state != "ok":
            raise unittest.SkipTest("wkhtmltopdf is not installed: tools/run.sh installs it")
        try:
            from PyPDF2 import PdfReader  # noqa: PLC0415 - Odoo's own PDF library
        except ImportError:
            from pypdf import PdfReader  # noqa: PLC0415
        env = self.env
        env["res.lang"]._activate_lang("ja_JP")
        env["ir.module.module"]._load_module_terms(["crm_customer_rank"], ["ja_JP"])
        customer = env["res.partner"].create({"name": "山田 太郎", "lang": "ja_JP", "phone": "03-1234-5678"})
        deal = env["crm.lead"].create({"name": "浴室リフォーム", "type": "opportunity", "partner_id": customer.id})
        deal.action_set_won()
        deal.write({"completion_date": deal.date_closed.date(), "warranty_years": 10})
        deal.action_print_warranty()
        items = env["crm.aftercare.item"].search([("lead_id", "=", deal.id)], limit=2)
        self.assertEqual(len(items), 2)
        campaign = env["crm.rank.campaign"].create({"name": "秋の点検", "crm_rank": False, "partner_ids": customer.ids})
        Report = env["ir.actions.report"].with_context(force_report_rendering=True, lang="ja_JP")
        for report, records, expected, pages in (
            ("crm_customer_rank.report_crm_warranty", deal, "工事保証書", 1),
            # several documents in one PDF: Debian's wkhtmltopdf has no patched Qt
            ("crm_customer_rank.report_crm_aftercare_inspection", items, "点検シート", 2),
            ("crm_customer_rank.report_crm_rank_call_list", campaign, "架電リスト", 1),
        ):
            with self.subTest(report=report):
                try:
                    pdf, kind = Report._render_qweb_pdf(report, records.ids)
                except unittest.SkipTest as skipped:  # Odoo's way out for an unpatched Qt: a failure here
                    self.fail(f"{report}: {skipped}")
                self.assertEqual(kind, "pdf")
                self.assertTrue(pdf.startswith(b"%PDF"))
                reader = PdfReader(io.BytesIO(pdf))
                self.assertEqual(len(reader.pages), pages)
                text = "".join(page.extract_text() for page in reader.pages)
                # the fonts map some kanji to their radicals' code points (⼯ for 工): as read
                text = unicodedata.normalize("NFKC", text)
                self.assertIn(expected, text.replace(" ", ""))
                self.assertIn("山田", text)


@tagged("post_install", "-at_install")
class TestPrintingFallbackTour(HttpCase):
    """Without wkhtmltopdf (the server's state patched: the HTTP server runs in this process), an
    administrator of a company without a document layout prints an inspection sheet."""

    def test_print_without_wkhtmltopdf(self):
        self.env.company.external_report_layout_id = False
        customer = self.env["res.partner"].create({"name": "Tour Printing Kato"})
        deal = self.env["crm.lead"].create(
            {"name": "Tour Printing Bath", "type": "opportunity", "partner_id": customer.id}
        )
        deal.action_set_won()
        deal.completion_date = deal.date_closed.date()
        item = self.env["crm.aftercare.item"].search([("lead_id", "=", deal.id)], limit=1)
        Report = type(self.env["ir.actions.report"])
        with patch.object(Report, "get_wkhtmltopdf_state", lambda self: "install"):
            self.start_tour(
                f"/odoo/action-crm_customer_rank.crm_aftercare_item_action/{item.id}",
                "crm_rank_printing_tour",
                login="admin",
            )
