"""The house (物件), apart from its owner: the deals name it, its after-care and
equipment follow it, and a change of owner hands the next inspection to the new
owner while the former owner keeps the rank their own deals give them."""

import importlib.util
from pathlib import Path

from odoo.exceptions import ValidationError
from odoo.tests import tagged, users

from .common import CrmRankCase

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations" / "19.0.1.5.0"


def _migration(name):
    spec = importlib.util.spec_from_file_location(f"crm_customer_rank_{name.replace('-', '_')}", MIGRATIONS / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

ADDRESS = {"zip": "154-0015", "city": "世田谷区", "street": "桜新町8-3-3"}


@tagged("post_install", "-at_install")
class TestProperty(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.seller = cls._customer("山田 太郎", **ADDRESS)
        cls.buyer = cls._customer("新井 健一")
        # a bath remodel completed 40 days ago: its 1-month inspection recorded, the 6-month planned
        cls.job = cls._won(cls.seller, completion=-40)
        cls.house = cls.job.crm_property_id
        cls.equipment = cls.env["crm.aftercare.equipment"].create(
            {"name": "エコキュート", "lead_id": cls.job.id, "life_years": 10}
        )

    def _items(self, state="planned"):
        return self.job.crm_aftercare_item_ids.filtered(lambda item: item.state == state)

    # -- a deal names its house ------------------------------------------------

    def test_deal_names_the_house_at_its_address(self):
        self.assertTrue(self.house)
        self.assertEqual(self.house.partner_id, self.seller)
        self.assertEqual((self.house.zip, self.house.city, self.house.street), ("154-0015", "世田谷区", "桜新町8-3-3"))
        self.assertEqual(self.house.name, "山田 太郎 Residence")
        self.assertEqual(self.house.lead_ids, self.job)
        self.assertEqual(self.seller.crm_property_count, 1)
        # the same house typed another way (full-width digits, a space) is the same property
        again = self._deal(self.seller, zip="154-0015", city="世田谷区", street="桜新町８-３-３ ")
        self.assertEqual(again.crm_property_id, self.house)
        # another address of the same customer is another house
        second = self._deal(self.seller, street="玉川学園9-24-5", city="町田市", zip="194-0041")
        self.assertTrue(second.crm_property_id)
        self.assertNotEqual(second.crm_property_id, self.house)
        self.seller.invalidate_recordset(["crm_property_count"])
        self.assertEqual(self.seller.crm_property_count, 2)
        # without a street, no house
        self.assertFalse(self._deal(self._customer("住所なし"), name="Inquiry").crm_property_id)

    def test_customer_corrected_on_a_deal_takes_their_own_house(self):
        """A hurried salesperson picks the wrong customer, then corrects it."""
        other = self._customer("山田 次郎", zip="194-0041", city="町田市", street="玉川学園9-24-5")
        deal = self._deal(self.seller, name="Kitchen")
        self.assertEqual(deal.crm_property_id, self.house)
        deal.partner_id = other
        self.assertEqual(deal.crm_property_id.partner_id, other)
        self.assertEqual(deal.crm_property_id.street, "玉川学園9-24-5")
        # a completed job stays on the house it was done on
        self.job.partner_id = other
        self.assertEqual(self.job.crm_property_id, self.house)

    def test_items_and_equipment_name_the_house(self):
        self.assertTrue(self._items())
        self.assertEqual(self.job.crm_aftercare_item_ids.property_id, self.house)
        self.assertEqual(self.equipment.property_id, self.house)
        self.assertEqual(self.house.equipment_ids, self.equipment)
        self.assertEqual(self.house.aftercare_item_ids, self.job.crm_aftercare_item_ids)

    def test_year_built_typo_refused(self):
        with self.assertRaises(ValidationError):
            self.house.year_built = 1201
        self.house.year_built = 1996

    # -- a change of owner -------------------------------------------------------

    def test_change_of_owner_hands_the_items_to_the_new_owner(self):
        first = self._items().sorted("due_date")[0]
        first._record_outcome("fine")  # the seller's 1-month inspection
        self._flush()
        self.assertRank(self.seller, "contracted")
        seller_rank = (self.seller.crm_rank, self.seller.crm_rank_reason)
        planned = self._items()
        self.assertTrue(planned)

        self.house.with_context(crm_property_owner_date=self.today).partner_id = self.buyer
        self._flush()

        # the house's items and equipment go to the new owner; the recorded one stays the seller's
        self.assertEqual(planned.partner_id, self.buyer)
        self.assertEqual(self.equipment.partner_id, self.buyer)
        self.assertEqual(first.partner_id, self.seller)
        self.assertEqual(self.buyer.crm_next_aftercare_date, planned.sorted("due_date")[0].due_date)
        self.assertFalse(self.seller.crm_next_aftercare_date)
        # the seller keeps the rank of their own deals; the buyer is a new customer, gathering
        self.assertEqual((self.seller.crm_rank, self.seller.crm_rank_reason), seller_rank)
        self.assertRank(self.buyer, "gathering")
        intro = self.env["crm.lead"].search([("partner_id", "=", self.buyer.id)])
        self.assertEqual(intro.crm_property_id, self.house)
        self.assertEqual(intro.type, "lead")
        # the owner history says who, from when to when
        owners = self.house.owner_ids.sorted("id")
        self.assertEqual(owners.partner_id, self.seller | self.buyer)
        self.assertEqual(owners[0].date_to, self.today)
        self.assertEqual((owners[1].date_from, owners[1].date_to), (self.today, False))
        self.assertTrue(owners[1].is_current)
        # the job stays the seller's
        self.assertEqual(self.job.partner_id, self.seller)

    def test_new_owner_gets_the_activity_on_their_own_record(self):
        self.house.partner_id = self.buyer
        self._flush()
        item = self._items().sorted("due_date")[0]
        activity_type = self.env.ref("crm_customer_rank.mail_activity_type_aftercare")
        activity = item._schedule_activities(activity_type)
        self.assertEqual((activity.res_model, activity.res_id), ("res.partner", self.buyer.id))
        # recording it is a contact with the buyer, not with the seller
        item._record_outcome("fine")
        self._flush()
        self.assertEqual(item.partner_id, self.buyer)
        done = self.env["mail.message"].search(
            [("mail_activity_type_id", "=", activity_type.id), ("res_id", "in", [self.buyer.id, self.job.id])]
        )
        self.assertEqual((done.model, done.res_id), ("res.partner", self.buyer.id))

    def test_repair_found_at_the_new_owners_visit_is_theirs(self):
        self.house.partner_id = self.buyer
        self._flush()
        seller_rank = self.seller.crm_rank
        item = self._items().sorted("due_date")[0]
        item._record_outcome("repair")
        self._flush()
        self.assertEqual(item.repair_lead_id.partner_id, self.buyer)
        self.assertEqual(item.repair_lead_id.crm_property_id, self.house)
        self.assertRank(self.buyer, "prospect")
        self.assertEqual(self.seller.crm_rank, seller_rank)

    def test_defected_seller_does_not_cancel_the_buyers_aftercare(self):
        self.house.partner_id = self.buyer
        self._flush()
        planned = self._items()
        self.seller._crm_rank_mark_defected("complaint")
        self._flush()
        self.env["crm.aftercare.item"]._sync_leads(self.job)
        self.assertEqual(planned.mapped("state"), ["planned"] * len(planned))
        # a defected buyer, on the other hand, gets no after-care call
        self.buyer._crm_rank_mark_defected("complaint")
        self._flush()
        self.assertEqual(set(planned.mapped("state")), {"cancel"})

    def test_owner_history_dates_checked(self):
        with self.assertRaises(ValidationError):
            self.house.owner_ids.write({"date_from": self.today, "date_to": "2000-01-01"})

    def test_assign_all_is_set_based_and_idempotent(self):
        deals = self._deal(self._customer("A", **ADDRESS)) | self._deal(self._customer("B", street="駒沢1-1"))
        deals.crm_property_id = False
        self.env["crm.property"]._crm_assign_all()
        self.assertEqual(len(deals.crm_property_id), 2)
        count = self.env["crm.property"].search_count([])
        self.env["crm.property"]._crm_assign_all()
        self.assertEqual(self.env["crm.property"].search_count([]), count)

    def test_upgrade_gives_the_existing_deals_their_houses(self):
        """19.0.1.4.0 -> 19.0.1.5.0: the deals of before (no property) get their houses,
        their after-care items and equipment name them; a fresh install is left alone."""
        other = self._customer("佐藤 一郎", street="駒沢1-1", city="世田谷区")
        old_job = self._won(other, completion=-40)
        (self.job | old_job).crm_property_id = False
        self.env["crm.property"].search([]).unlink()
        self.assertFalse(old_job.crm_aftercare_item_ids.property_id)
        _migration("post-29-property.py").migrate(self.env.cr, False)  # a fresh install: nothing
        self.assertFalse(old_job.crm_property_id)
        _migration("pre-29-property.py").migrate(self.env.cr, "19.0.1.4.0")  # the columns exist: nothing
        _migration("post-29-property.py").migrate(self.env.cr, "19.0.1.4.0")
        self.env.invalidate_all()
        self.assertEqual(old_job.crm_property_id.partner_id, other)
        self.assertEqual(self.job.crm_property_id.partner_id, self.seller)
        self.assertEqual(old_job.crm_aftercare_item_ids.property_id, old_job.crm_property_id)
        self.assertEqual(self.equipment.property_id, self.job.crm_property_id)
        self.assertFalse(old_job.crm_property_id.owner_ids.date_from)

    # -- access ---------------------------------------------------------------------

    @users("rank_salesman")
    def test_salesperson_records_a_house(self):
        customer = self.env["res.partner"].create({"name": "鈴木 花子"})
        house = self.env["crm.property"].create(
            {"partner_id": customer.id, "street": "駒沢2-2", "building_type": "apartment", "floor_plan": "3LDK"}
        )
        self.assertEqual(house.name, "鈴木 花子 Residence")
        self.assertEqual(house.owner_ids.partner_id, customer)
        self.assertEqual(house.company_id, self.env.company)

    def test_houses_of_another_company_are_not_seen(self):
        other_company = self.env["res.company"].create({"name": "Other Renovation"})
        theirs = self.env["crm.property"].create({"name": "Other house", "company_id": other_company.id})
        ours = self.env["crm.property"].with_user(self.salesman).search([])
        self.assertIn(self.house, ours)
        self.assertNotIn(theirs, ours)
        household = self.env["crm.household"].create({"name": "Other family", "company_id": other_company.id})
        self.assertNotIn(household, self.env["crm.household"].with_user(self.salesman).search([]))

    def test_japanese(self):
        if self.env["res.lang"]._activate_lang("ja_JP"):
            self.env["ir.module.module"]._load_module_terms(["crm_customer_rank"], ["ja_JP"])
        env_ja = self.env(context=dict(self.env.context, lang="ja_JP"))
        selection = env_ja["crm.property"].fields_get(["building_type"])["building_type"]["selection"]
        self.assertEqual(dict(selection), {"house": "戸建", "apartment": "マンション"})
        # a house is named in its owner's language, whoever types it: a Japanese
        # customer's by an English-speaking salesperson, an English customer's
        # by a Japanese one
        self.buyer.lang = "ja_JP"
        self.assertEqual(self.env["crm.property"].create({"partner_id": self.buyer.id}).name, "新井 健一様邸")
        self.assertEqual(self._won(self.buyer, street="玉川学園9-24-5").crm_property_id.name, "新井 健一様邸")
        english = self._customer("John Smith", lang="en_US")
        self.assertEqual(env_ja["crm.property"].create({"partner_id": english.id}).name, "John Smith Residence")
        scope = env_ja["crm.rank.defection.wizard"].fields_get(["scope"])["scope"]
        self.assertEqual((scope["string"], dict(scope["selection"])["household"]), ("離反の範囲", "世帯全員"))
        self.assertEqual(env_ja.ref("crm_customer_rank.crm_property_menu").name, "物件")
