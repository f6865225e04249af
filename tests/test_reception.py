"""The receptionist: finds the caller by any number format and sees their rank, how to
treat them and whom to transfer them to, without deals or amounts."""

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged, users

from .common import CrmRankCase

RECEPTION = "crm_customer_rank.group_crm_rank_reception"


@tagged("post_install", "-at_install")
class TestReception(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.country_id = cls.env.ref("base.jp")
        cls.receptionist = new_test_user(cls.env, login="rank_reception", groups=RECEPTION, name="Reception")
        cls.caller = cls._customer("Caller Kato", phone="+81 43-4000-1064")
        cls.other = cls._customer("Other Caller", phone="03-9999-0202")
        cls._won(cls.caller, completion=0)
        cls._lost(cls.other)

    def test_every_salesperson_has_the_reception(self):
        self.assertTrue(self.salesman.has_group(RECEPTION))
        self.assertFalse(self.receptionist.has_group("sales_team.group_sale_salesman"))

    @users("rank_reception")
    def test_finds_the_caller_by_any_number_format(self):
        Partner = self.env["res.partner"]
        for typed in (
            "043-4000-1064",
            "04340001064",
            "043 4000 1064",
            "+81 43-4000-1064",
            "０４３－４０００－１０６４",
            "1064",
        ):
            with self.subTest(typed=typed):
                found = Partner.search([("crm_phone_search", "ilike", typed)])
                self.assertIn(self.caller, found)
                self.assertNotIn(self.other, found)

    @users("rank_reception")
    def test_sees_rank_guidance_and_responsible_salesperson(self):
        caller = self.caller.with_user(self.env.user)
        values = caller.read(["crm_rank", "crm_rank_hint", "crm_rank_guidance", "crm_user_id"])[0]
        self.assertEqual(values["crm_rank"], "contracted")
        self.assertTrue(values["crm_rank_hint"])
        self.assertTrue(values["crm_rank_guidance"])
        self.assertEqual(values["crm_user_id"][0], self.salesman.id)

    @users("rank_reception")
    def test_no_deals_and_no_amounts(self):
        with self.assertRaises(AccessError):
            self.env["crm.lead"].search([])
        caller = self.caller.with_user(self.env.user)
        for fname in ("crm_won_amount", "crm_last_contract_date", "crm_first_source_id"):
            with self.subTest(field=fname), self.assertRaises(AccessError):
                caller.read([fname])

    @users("rank_reception")
    def test_caller_lookup_first_screen(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_customer_rank.res_partner_action_caller_lookup")
        views = self.env["res.partner"].get_views([(view_id, mode) for view_id, mode in action["views"]])["views"]
        list_arch = views["list"]["arch"]
        for fname in ("phone", "crm_rank", "crm_rank_hint", "crm_user_id"):
            self.assertIn(f'name="{fname}"', list_arch)
        self.assertNotIn("monetary", list_arch)
        self.assertIn('sample="0"', list_arch)
        self.assertEqual(views["list"]["id"], self.env.ref("crm_customer_rank.res_partner_view_list_caller").id)
        search = self.env["res.partner"].get_views([(action["search_view_id"][0], "search")])["views"]["search"]
        self.assertIn("crm_phone_search", search["arch"])
        menu = self.env.ref("crm_customer_rank.crm_rank_reception_menu")
        self.assertIn(menu.id, self.env["ir.ui.menu"]._visible_menu_ids())

    def test_name_or_phone_search_of_the_lookup(self):
        """The lookup's default search field: a number typed finds by phone, a name by name."""
        view = self.env.ref("crm_customer_rank.res_partner_view_search_caller")
        self.assertIn("('crm_phone_search', 'ilike', self)", view.arch)
        Partner = self.env["res.partner"].with_user(self.receptionist)
        by_number = Partner.search(
            ["|", ("complete_name", "ilike", "0434-0001-064"), ("crm_phone_search", "ilike", "043-4000-1064")]
        )
        self.assertEqual(by_number & (self.caller | self.other), self.caller)
