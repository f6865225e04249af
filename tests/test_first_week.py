"""What a renovation company's first week showed (#26): numbers, dates and words,
cards and lists, channels, and the demo data a manager must believe."""

import datetime
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from odoo import Command
from odoo.fields import Date
from odoo.tests import Form, tagged
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

from .test_reactivation import ReactivationCase

ADDON_DIR = Path(__file__).resolve().parents[1]


def _arch(env, xmlid, view_type):
    view = env.ref(xmlid)
    return env[view.model].get_view(view.id, view_type)["arch"]


@tagged("post_install", "-at_install")
class TestNumbersDatesWords(ReactivationCase):
    def test_years_are_not_grouped_and_empty_when_none(self):
        form = _arch(self.env, "base.view_partner_form", "form")
        self.assertRegex(form, r'<field name="crm_mourning_year" widget="crm_rank_year"')
        greeting = _arch(self.env, "crm_customer_rank.crm_rank_greeting_view_form", "form")
        self.assertRegex(greeting, r'<field name="year" widget="crm_rank_year"')
        self.assertNotIn("'format': false", form + greeting, "not an option of Odoo's integer field")
        widget = (ADDON_DIR / "static/src/js/year_field.js").read_text()
        self.assertIn('registry.category("fields").add("crm_rank_year"', widget)

    def test_day_counts_not_grouped_and_settings_with_units(self):
        for xmlid, view_type in (
            ("crm_customer_rank.crm_tag_view_form", "form"),
            ("crm_customer_rank.crm_tag_view_list", "list"),
        ):
            arch = _arch(self.env, xmlid, view_type)
            self.assertRegex(arch, r"<field name=\"crm_rank_dormancy_days\"[^>]*'enable_formatting': false")
        settings = _arch(self.env, "base.res_config_settings_view_form", "form")
        for fname, unit in (
            ("crm_rank_dormancy_days", "days"),
            ("crm_rank_referral_threshold", "referrals"),
            ("crm_rank_referral_ask_days", "days after completion"),
            ("crm_aftercare_notice_days", "days before"),
            ("crm_aftercare_grace_days", "days after the due date"),
        ):
            with self.subTest(field=fname):
                self.assertRegex(settings, rf'<field name="{fname}"[^>]*/>\s*<span> {unit}</span>')

    def test_dates_in_full_and_without_midnight(self):
        partner_form = _arch(self.env, "base.view_partner_form", "form")
        for fname in ("crm_rank_date", "crm_last_contact_date", "crm_last_completion_date", "crm_last_contract_date"):
            self.assertRegex(partner_form, rf"<field name=\"{fname}\"[^>]*'numeric': true")
        history = _arch(self.env, "crm_customer_rank.crm_rank_history_view_list", "list")
        self.assertRegex(history, r"<field name=\"date\"[^>]*'show_time': false")
        report = _arch(self.env, "crm_customer_rank.crm_rank_reactivation_report_view_list", "list")
        self.assertRegex(report, r"<field name=\"date\"[^>]*'show_time': false")

    def test_days_to_come_back_whole_and_empty_when_never(self):
        came_back = self._customer("Came back")
        self._won(came_back, completion=0)
        stayed = self._customer("Stayed away")
        self._won(stayed, completion=0)
        with self._at(365):
            self._cron()
        with self._at(400):
            self._deal(came_back, name="New bathroom")
        Report = self.env["crm.rank.reactivation.report"]
        self.assertEqual(Report._fields["days_to_reactivation"].type, "integer")
        rows = {row.partner_id: row for row in Report.search([("partner_id", "in", (came_back | stayed).ids)])}
        self.assertEqual(rows[came_back].days_to_reactivation, 35)
        raw = self.env.execute_query(
            SQL(
                "SELECT days_to_reactivation FROM (%s) AS r WHERE r.partner_id = %s",
                Report._table_query,
                stayed.id,
            )
        )
        self.assertEqual(raw, [(None,)], "never came back: no day count, left out of the average")
        (avg,) = Report._read_group([("partner_id", "in", (came_back | stayed).ids)], [], ["days_to_reactivation:avg"])
        self.assertEqual(avg[0], 35)
        arch = _arch(self.env, "crm_customer_rank.crm_rank_reactivation_report_view_list", "list")
        self.assertRegex(arch, r'<field name="days_to_reactivation"[^>]*invisible="not reactivation_date"')

    def test_mailing_form_counts_recipients_before_saving(self):
        dormant = self.env["res.partner"].create(
            [{"name": f"Mailing target {i}", "email": f"target{i}@example.com"} for i in range(3)]
        )
        for partner in dormant:
            self._won(partner, completion=0)
        with self._at(365):
            self._cron()
        with self._at(365):
            form = Form(self.env["mailing.mailing"])
            form.subject = "Winter campaign"
            form.mailing_model_id = self.env.ref("base.model_res_partner")
            form.mailing_domain = repr([("crm_rank", "=", "dormant"), ("id", "in", dormant.ids)])
            self.assertEqual(form.total, 3, "counted as the filter changes, not 0 until saved")

    def test_saved_mailing_filters_in_japanese(self):
        self.env["res.lang"]._activate_lang("ja_JP")
        self.env["ir.module.module"]._load_module_terms(["crm_customer_rank"], ["ja_JP"])
        saved = self.env.ref("crm_customer_rank.mailing_filter_dormant_customers")
        self.assertEqual(saved.with_context(lang="en_US").name, "Dormant customers")
        self.assertRegex(saved.with_context(lang="ja_JP").name, "[ぁ-んァ-ン一-龥]")


@tagged("post_install", "-at_install")
class TestCardsAndLists(ReactivationCase):
    def test_pipeline_cards_mark_lost_without_a_ribbon(self):
        arch = _arch(self.env, "crm_customer_rank.crm_lead_view_kanban_rank", "kanban")
        self.assertRegex(arch, r'<widget name="web_ribbon" id="lost_ribbon"[^>]*invisible="True"')
        self.assertIn("o_crm_rank_lost_mark", arch)
        self.assertIn('sample="0"', arch)
        header = (ADDON_DIR / "static/src/xml/kanban_header.xml").read_text()
        self.assertIn("o_crm_rank_count_label", header, "the column says it counts deals")

    def test_customers_by_rank_compact_cards(self):
        arch = _arch(self.env, "crm_customer_rank.res_partner_view_kanban_rank", "kanban")
        self.assertIn("o_crm_rank_kanban", arch, "the narrow columns of the pipeline by rank")
        self.assertNotIn("avatar_128", arch, "no large picture")
        self.assertIn('name="crm_user_id"', arch)
        self.assertIn('sample="0"', arch)

    def test_filter_for_information_gathering(self):
        arch = _arch(self.env, "base.view_res_partner_filter", "search")
        self.assertIn('name="crm_rank_gathering"', arch)

    def test_lost_analysis_list_says_why(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_customer_rank.crm_lead_lost_analysis_action")
        list_id = next(view_id for view_id, mode in action["views"] if mode == "list")
        arch = self.env["crm.lead"].get_view(list_id, "list")["arch"]
        self.assertIn('name="lost_reason_id"', arch)
        self.assertIn('name="lost_reason_category"', arch)

    def test_rank_badges_and_phones_not_cut(self):
        for xmlid, view_type, fname in (
            ("base.view_partner_tree", "list", "crm_rank"),
            ("base.view_partner_tree", "list", "phone"),
            ("crm_customer_rank.crm_rank_report_view_list", "list", "crm_rank"),
            ("crm_customer_rank.crm_rank_history_view_list", "list", "new_rank"),
            ("crm_customer_rank.crm_rank_campaign_view_form", "form", "phone"),
        ):
            with self.subTest(view=xmlid, field=fname):
                self.assertRegex(_arch(self.env, xmlid, view_type), rf'<field name="{fname}"[^>]*width="\d+')

    def test_no_sample_data_on_our_screens(self):
        for path in list((ADDON_DIR / "views").glob("*.xml")) + list((ADDON_DIR / "report").glob("*.xml")):
            self.assertNotIn('sample="1"', path.read_text(), path.name)
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_customer_rank.crm_lead_action_rank")
        for view_id, mode in action["views"]:
            if mode in ("kanban", "list"):
                self.assertIn('sample="0"', self.env["crm.lead"].get_view(view_id, mode)["arch"])

    def test_customer_activities_in_crm(self):
        """Reactivation calls live on the customer: CRM lists them for their salesperson."""
        customer = self._customer("Dormant, to call", phone="03-1234-0000")
        self._won(customer, completion=0)
        with self._at(365):
            self._cron()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_customer_rank.mail_activity_action_crm_customers")
        self.assertEqual(safe_eval(action["context"])["search_default_filter_user_id_uid"], 1, "my activities first")
        Activity = self.env["mail.activity"].with_user(self.salesman)
        mine = Activity.search(safe_eval(action["domain"]) + [("user_id", "=", self.salesman.id)])
        self.assertEqual(mine, self._activities(customer))
        menu = self.env.ref("crm_customer_rank.mail_activity_crm_customers_menu")
        self.assertEqual(menu.parent_id, self.env.ref("crm.crm_menu_sales"))

    def test_greeting_list_shows_rank_before_saving_and_the_mourning(self):
        customers = self.env["res.partner"]
        for name in ("Card customer", "Mourning customer"):
            customer = self._customer(name, zip="100-0001", city="Chiyoda", street="1-1")
            self._won(customer, completion=-10)
            customers |= customer
        card, mourning = customers
        Greeting = self.env["crm.rank.greeting"]
        mourning.crm_mourning_year = Greeting._default_year() - 1
        # what the web client gets for the wizard not saved yet (its first onchange)
        lines_spec = {"fields": {"partner_id": {}, "crm_rank": {}}}
        spec = {"season": {}, "year": {}, "card_line_ids": lines_spec, "mourning_line_ids": lines_spec}
        values = Greeting.onchange({}, [], spec)["value"]
        cards = {command[2]["partner_id"]: command[2]["crm_rank"] for command in values["card_line_ids"]}
        self.assertEqual(cards[card.id], "contracted", "the rank of a wizard not saved yet")
        self.assertNotIn(mourning.id, cards)
        ((_create, _id, mourning_line),) = values["mourning_line_ids"]
        self.assertEqual((mourning_line["partner_id"], mourning_line["crm_rank"]), (mourning.id, "contracted"))
        arch = _arch(self.env, "crm_customer_rank.crm_rank_greeting_view_form", "form")
        self.assertIn('name="mourning_line_ids"', arch)


@tagged("post_install", "-at_install")
class TestChannels(ReactivationCase):
    def test_line_sms_visit_drive_the_activity_type(self):
        cases = {
            "line": (self._customer("Reads LINE", phone="090-1111-2222", crm_contact_channel="line"), "line"),
            "sms": (self._customer("Texts", phone="090-1111-3333", crm_contact_channel="sms"), "sms"),
            "sms without number": (
                self._customer("Texts, no number", email="sms@example.com", crm_contact_channel="sms"),
                "email",
            ),
            "visit": (
                self._customer("Visit", street="1-1 Chiyoda", city="Tokyo", crm_contact_channel="visit"),
                "visit",
            ),
            "visit without address": (self._customer("Visit, no address", crm_contact_channel="visit"), "phone"),
        }
        for partner, _channel in cases.values():
            self._won(partner, completion=0)
        with self._at(365):
            self._cron()
        types = self.env["crm.rank.reactivation"]._activity_types()
        for case, (partner, channel) in cases.items():
            with self.subTest(case=case):
                activity = self.env["mail.activity"].search(
                    [("res_model", "=", "res.partner"), ("res_id", "=", partner.id)]
                )
                self.assertEqual(activity.activity_type_id, types[channel])
                self.assertEqual(activity.crm_outcome_kind, "reactivation", "its outcome is asked like any call")

    def test_new_channel_types_in_japanese(self):
        self.env["res.lang"]._activate_lang("ja_JP")
        self.env["ir.module.module"]._load_module_terms(["crm_customer_rank"], ["ja_JP"])
        visit = self.env.ref("crm_customer_rank.mail_activity_type_reactivation_visit")
        self.assertEqual(visit.with_context(lang="ja_JP").name, "訪問")
        selection = dict(
            self.env["res.partner"]
            .with_context(lang="ja_JP")
            .fields_get(["crm_contact_channel"])["crm_contact_channel"]["selection"]
        )
        self.assertEqual(selection["visit"], "訪問")


@tagged("post_install", "-at_install")
class TestSigningIsContact(ReactivationCase):
    def test_last_contact_is_never_before_the_last_contract(self):
        customer = self._customer("Signed later")
        deal = self._deal(customer)
        with self._at(30):
            deal.action_set_won()
        customer.invalidate_recordset()
        self.assertEqual(customer.crm_last_contact_date, self.today + datetime.timedelta(days=30))
        self.assertGreaterEqual(customer.crm_last_contact_date, customer.crm_last_contract_date)


@tagged("post_install", "-at_install")
class TestDemoData(ReactivationCase):
    """The demo data files, read as a manager reads the screens they fill."""

    KINDS = {
        "浴室": "crm_tag_bathroom",
        "キッチン": "crm_tag_kitchen",
        "外壁塗装": "crm_tag_exterior_painting",
        "給湯器": "crm_tag_water_heater",
        "トイレ": "crm_tag_toilet",
        "屋根": "crm_tag_roof",
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.demo = ET.parse(ADDON_DIR / "demo/crm_customer_rank_demo.xml").getroot()

    def _leads(self):
        for record in self.demo.iter("record"):
            fields = {field.get("name"): field for field in record.iter("field")}
            if record.get("model") == "crm.lead" and "name" in fields:
                yield record.get("id"), fields

    def test_every_deal_tagged_with_its_kind_of_work(self):
        for xmlid, fields in self._leads():
            kinds = [tag for word, tag in self.KINDS.items() if word in fields["name"].text]
            if kinds:
                with self.subTest(deal=xmlid):
                    self.assertIn(f"ref('{kinds[0]}')", fields["tag_ids"].get("eval"))

    def test_every_deal_has_its_source_before_ranks_are_given(self):
        for xmlid, fields in self._leads():
            with self.subTest(deal=xmlid):
                self.assertIn("source_id", fields)
        manifest = (ADDON_DIR / "__manifest__.py").read_text()
        self.assertNotIn("crm_lead_source_demo", manifest, "no second file setting sources after the ranks")

    def test_equipment_installed_by_a_job_of_its_kind(self):
        aftercare = ET.parse(ADDON_DIR / "demo/crm_aftercare_demo.xml").getroot()
        leads = dict(self._leads())
        for record in aftercare.iter("record"):
            if record.get("model") != "crm.aftercare.equipment":
                continue
            lead = leads[record.find("field[@name='lead_id']").get("ref")]
            name = record.find("field[@name='name']").text
            with self.subTest(equipment=name):
                if "エコキュート" in name:
                    self.assertIn("給湯器", lead["name"].text)
                    self.assertIn("years=-10", lead["completion_date"].get("eval"))

    def test_no_customer_without_a_salesperson_of_their_deals(self):
        """Customers get their salesperson from their deals, not a different one typed in the demo."""
        for record in self.demo.iter("record"):
            if record.get("model") == "res.partner" and record.get("id", "").startswith("customer_"):
                with self.subTest(customer=record.get("id")):
                    self.assertIsNone(record.find("field[@name='user_id']"))

    def test_inquiries_spread_up_to_the_install_day(self):
        customers = [self._customer(f"Spread {i}") for i in range(10)]
        leads = self.env["crm.lead"].union(*(self._deal(customer, lead_type="lead") for customer in customers))
        self._flush()
        Data = self.env["ir.model.data"]
        Data.create(
            [
                {
                    "module": "crm_customer_rank",
                    "name": f"test_spread_{lead.id}",
                    "model": "crm.lead",
                    "res_id": lead.id,
                }
                for lead in leads
            ]
        )
        self.env["crm.rank.demo"]._backdate_leads(leads.ids)
        # the days of the company's calendar (at 0:30 in Brussels, 22:30 UTC is already tomorrow)
        days = sorted((self.today - Date.context_today(lead, lead.create_date)).days for lead in leads)
        self.assertEqual(days[0], 0, "the latest came in on the install day")
        self.assertEqual(days[-1], 89)
        self.assertEqual(len({day // 30 for day in days}), 3, "in each of the last three months")

    def test_referral_and_defection_dated_in_the_history(self):
        """As in the demo: everything created on the install day, the deals' own dates in the past."""
        referrer = self._customer("Referrer")
        won = self._won(referrer, completion=-190)
        referred = self._deal(self._customer("Referred", referrer_partner_id=referrer.id), name="Referred inquiry")
        complained = self._customer("Complained")
        self._won(complained, completion=-290)
        claim = self._lost(complained, reason=self.complaint_reason, name="Claim")
        manual = self._customer("Marked")
        self._won(manual, completion=-100)
        manual.write({"is_defected": True, "defection_reason": "competitor"})
        self._flush()
        noon = datetime.datetime.combine(self.today, datetime.time(12))
        for query in (
            SQL("UPDATE crm_lead SET date_closed = %s WHERE id = %s", noon - datetime.timedelta(days=200), won.id),
            SQL("UPDATE crm_lead SET create_date = %s WHERE id = %s", noon - datetime.timedelta(days=50), referred.id),
            SQL("UPDATE crm_lead SET date_closed = %s WHERE id = %s", noon - datetime.timedelta(days=20), claim.id),
            SQL(
                "UPDATE res_partner SET defection_date = %s WHERE id = %s",
                self.today - datetime.timedelta(days=10),
                manual.id,
            ),
        ):
            self.env.execute_query(query)
        self.env.invalidate_all()
        data = self.env["ir.model.data"]
        data.create(
            [
                {
                    "module": "crm_customer_rank",
                    "name": f"test_history_{partner.id}",
                    "model": "res.partner",
                    "res_id": partner.id,
                }
                for partner in (referrer, complained, manual)
            ]
        )
        self.env["crm.rank.demo"]._backdate_history()
        for partner, rank, day in (
            (referrer, "referral", self.today - datetime.timedelta(days=50)),
            (complained, "defected", self.today - datetime.timedelta(days=20)),
            (manual, "defected", self.today - datetime.timedelta(days=10)),
        ):
            with self.subTest(partner=partner.name):
                row = self._history(partner).filtered(lambda h, rank=rank: h.new_rank == rank)[-1:]
                self.assertEqual(row.date.date(), day)

    def test_odoo_demo_contacts_archived(self):
        company = self.env["res.partner"].create({"name": "Odoo Demo Furniture", "is_company": True})
        person = self.env["res.partner"].create({"name": "Odoo Demo Person", "parent_id": company.id})
        user_partner = self.salesman.partner_id
        ours = self._customer("Our customer")
        self.env["ir.model.data"].create(
            [
                {
                    "module": "base",
                    "name": f"test_demo_partner_{partner.id}",
                    "model": "res.partner",
                    "res_id": partner.id,
                }
                for partner in (company, person, user_partner, self.company.partner_id)
            ]
        )
        self.env["crm.rank.demo"]._archive_odoo_demo_contacts()
        self.assertFalse(company.active)
        self.assertFalse(person.active)
        self.assertTrue(user_partner.active, "a user's partner stays")
        self.assertTrue(self.company.partner_id.active, "the company stays")
        self.assertTrue(ours.active)
        self.assertTrue(
            re.search(
                r"crm\.lost\.reason\" name=\"action_archive\"", (ADDON_DIR / "demo/res_company_demo.xml").read_text()
            )
        )

    def test_at_risk_customer_in_the_demo(self):
        """The demo's at-risk story: a toilet to inspect after 1 and 6 months, both missed
        (entered past the grace period: nobody visited)."""
        toilet = self.env["crm.tag"].create({"name": "Toilet", "crm_inspection_plan": "1m,6m"})
        customer = self._customer("Ogawa", phone="03-6379-2514")
        with self._at(-335):  # signed 335 days ago (a contact), completed 15 days later
            deal = self._won(customer, completion=-320, tag_ids=[Command.set(toilet.ids)])
        self.env["crm.aftercare.item"]._cron_sync()  # the daily update plans the completed job
        items = self.env["crm.aftercare.item"].search([("lead_id", "=", deal.id)])
        self.assertEqual(items.mapped("state"), ["missed", "missed"])
        self._update_all()
        self.assertRank(customer, "contracted", "after_care")
        self.assertIn(customer.id, self.env["crm.aftercare.item"]._at_risk_partner_ids())
