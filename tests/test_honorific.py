"""様 and 御中 come from the customer's honorific title (OCA's l10n_jp_partner_title_qweb),
and addresses are in Japanese order (OCA's l10n_jp_address_layout) (issue 27).

Nothing changes for a user who never sets a title: a person gets 様, a
company 御中. A title set on the customer (殿, 各位, 先生...) is printed
instead, on the warranty certificate and in the exported lists.
"""

import base64
import csv
import io

from lxml import etree

from odoo.tests import Form, tagged

from .common import CrmRankCase


@tagged("post_install", "-at_install")
class TestHonorific(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        japan = cls.env.ref("base.jp")
        cls.tokyo = cls.env.ref("base.state_jp_jp-13")
        cls.company.write(
            {
                "country_id": japan.id,
                "zip": "154-0004",
                "state_id": cls.tokyo.id,
                "city": "世田谷区",
                "street": "太子堂2-15-3",
                "street2": "さくらビル1階",
            }
        )
        cls.company.external_report_layout_id = cls.env.ref("web.external_layout_standard")
        cls.address = {
            "zip": "150-0001",
            "state_id": cls.tokyo.id,
            "city": "渋谷区",
            "street": "神宮前1-2-3",
            "country_id": japan.id,
        }

    def _certificate(self, partner):
        deal = self._won(partner, completion=0, warranty_years=10)
        html = self.env["ir.actions.report"]._render_qweb_html("crm_customer_rank.report_crm_warranty", deal.ids)[0]
        return html.decode()

    def _export_rows(self, partner):
        self._won(partner, completion=0)
        wizard = (
            self.env["crm.rank.campaign"]
            .with_context(active_model="res.partner", active_ids=partner.ids)
            .create({"crm_rank": False})
        )
        action = wizard.action_export_direct_mail()
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("/web/content/")[1].split("?")[0]))
        return list(csv.reader(io.StringIO(base64.b64decode(attachment.datas).decode("utf-8-sig"))))

    def test_default_without_a_title(self):
        person = self._customer("山田 花子")
        company = self._customer("株式会社 小林工務店", is_company=True)
        self.assertFalse(person.honorific_title)
        self.assertEqual((person.crm_addressee, person.crm_honorific_default), ("山田 花子 様", "様"))
        self.assertEqual((company.crm_addressee, company.crm_honorific_default), ("株式会社 小林工務店 御中", "御中"))

    def test_dono_on_the_certificate_and_the_export(self):
        customer = self._customer("田中 一郎", honorific_title="殿", **self.address)
        self.assertEqual(customer.crm_addressee, "田中 一郎 殿")
        html = self._certificate(customer)
        self.assertIn("田中 一郎 殿", html)
        self.assertNotIn("田中 一郎 様", html)
        rows = self._export_rows(customer)
        self.assertEqual(rows[1][5], "田中 一郎 殿")

    def test_other_titles_and_position(self):
        for title, position, expected in (
            ("各位", "after", "関係者 各位"),
            ("先生", "after", "関係者 先生"),
            ("Dr.", "before", "Dr. 関係者"),
        ):
            with self.subTest(title=title):
                partner = self._customer("関係者", honorific_title=title, honorific_title_position=position)
                self.assertEqual(partner.crm_addressee, expected)
        company = self._customer("Kobayashi Komuten", is_company=True, honorific_title="様")
        self.assertEqual(company.crm_addressee, "Kobayashi Komuten 様", "the title wins over the default")

    def test_certificate_default_and_japanese_address_order(self):
        customer = self._customer("Default Customer", **self.address)
        html = self._certificate(customer)
        self.assertIn("Default Customer 様", html)
        # the customer's and the company's addresses: postal code, prefecture, city, street
        customer_address = ("150-0001", "東京都", "渋谷区", "神宮前1-2-3")
        company_address = ("154-0004", "東京都", "世田谷区", "太子堂2-15-3")
        for parts in (customer_address, company_address):
            with self.subTest(parts=parts):
                positions = [html.index(part, html.index(parts[0])) for part in parts]
                self.assertEqual(positions, sorted(positions))

    def test_forms_in_japanese_address_order(self):
        """With a Japanese company, the customer, deal and company forms ask postal code,
        prefecture, city, street; with another country, Odoo's own order stays."""
        for model in ("res.partner", "crm.lead", "res.company"):
            arch = etree.fromstring(self.env[model].get_view(view_type="form")["arch"])
            for address in arch.xpath("//div[hasclass('o_address_format')]"):
                with self.subTest(model=model):
                    fields = [field.get("name") for field in address.iter("field") if field.get("name") != "type"]
                    order = [fields.index(name) for name in ("zip", "state_id", "city", "street")]
                    self.assertEqual(order, sorted(order), fields)
        self.company.country_id = self.env.ref("base.us")
        self.env.registry.clear_cache("templates")  # views are cached per company, not per country
        arch = etree.fromstring(self.env["crm.lead"].get_view(view_type="form")["arch"])
        fields = [field.get("name") for field in arch.xpath("//div[hasclass('o_address_format')]")[0].iter("field")]
        self.assertLess(fields.index("street"), fields.index("zip"))

    def test_form_applies_after_the_oca_extensions(self):
        """The customer form's extension anchors on the OCA's honorific title: it must apply
        after the OCA's views whatever their ids. Upgrading from 19.0.1.3.0 creates the OCA's
        views after ours (a lower id applies first at equal priority): the upgrade failed with
        "cannot be located in parent view" until ours got a later priority."""
        ours = self.env.ref("crm_customer_rank.res_partner_view_form")
        for xmlid in ("l10n_jp_partner_title_qweb.view_partner_form", "partner_fax.view_partner_form_fax"):
            with self.subTest(view=xmlid):
                self.assertGreater(ours.priority, self.env.ref(xmlid).priority)

    def test_form_shows_the_default_as_placeholder(self):
        arch = etree.fromstring(self.env["res.partner"].get_view(view_type="form")["arch"])
        titles = arch.xpath("//field[@name='honorific_title']")
        self.assertEqual(len(titles), 2, "the customer's and the contact person's")
        for title in titles:
            self.assertIn("crm_honorific_default", title.get("options"))
        with Form(self.env["res.partner"]) as form:
            form.name = "Form Customer"
            self.assertEqual(form.crm_honorific_default, "様")
            form.company_type = "company"
            self.assertEqual(form.crm_honorific_default, "御中")
