"""A caller is found by the number they read out, whatever the format (issue 18.7)."""

from odoo.tests import tagged

from ..lib.phone_search import phone_search_patterns
from .common import CrmRankCase

TYPED_FORMS = (
    "043-4000-1064",
    "04340001064",
    "043 4000 1064",
    "+81 43-4000-1064",
    "+814340001064",
    "(043) 4000-1064",
    "０４３－４０００－１０６４",  # typed with a Japanese input method
    "4000-1064",
)


@tagged("post_install", "-at_install")
class TestPhoneSearch(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.country_id = cls.env.ref("base.jp")
        cls.national = cls._customer("Caller Hyphens", phone="043-4000-1064")
        cls.international = cls._customer("Caller International", phone="+81 43-4000-1064")
        cls.other = cls._customer("Caller Elsewhere", phone="043-4000-9999")
        cls.deal = cls._deal(cls.national, name="Roof of the caller")
        cls.other_deal = cls._deal(cls.other, name="Roof of someone else")

    def test_patterns_only_for_numbers(self):
        self.assertEqual(phone_search_patterns("Sato"), [])
        self.assertEqual(phone_search_patterns("043"), [], "too short to be a number")
        self.assertEqual(phone_search_patterns("3M 2026"), [])
        self.assertEqual(phone_search_patterns("043-4000-1064"), ["%04340001064%", "%814340001064%"])
        self.assertEqual(phone_search_patterns("+81 (0)43-4000-1064"), ["%04340001064%", "%814340001064%"])
        self.assertEqual(phone_search_patterns("+32 485 11 22 33"), ["%32485112233%"])

    def test_contacts_default_search_any_format(self):
        Partner = self.env["res.partner"]
        callers = self.national | self.international
        for typed in TYPED_FORMS:
            with self.subTest(typed=typed):
                found = Partner.search([("crm_phone_search", "ilike", typed)])
                self.assertEqual(found & (callers | self.other), callers)

    def test_name_search_any_format(self):
        """The customer field of a deal and the contacts search (display name) find the caller."""
        Partner = self.env["res.partner"].with_user(self.salesman)
        for typed in TYPED_FORMS:
            with self.subTest(typed=typed):
                ids = [pid for pid, _name in Partner.name_search(typed, limit=100)]
                self.assertIn(self.national.id, ids)
                self.assertIn(self.international.id, ids)
                self.assertNotIn(self.other.id, ids)
                found = Partner.search([("display_name", "ilike", typed)])
                self.assertIn(self.national, found)

    def test_names_still_found_by_name(self):
        Partner = self.env["res.partner"]
        self.assertEqual(Partner.search([("crm_phone_search", "ilike", "Caller")]), Partner)
        self.assertIn(self.national, Partner.search([("display_name", "ilike", "Caller Hyph")]))
        self.assertEqual(
            Partner.search(
                [("crm_phone_search", "not ilike", "04340001064"), ("id", "in", (self.national | self.other).ids)]
            ),
            self.other,
        )

    def test_crm_default_search_any_format(self):
        Lead = self.env["crm.lead"].with_user(self.salesman)
        for typed in TYPED_FORMS:
            with self.subTest(typed=typed):
                found = Lead.search([("crm_phone_search", "ilike", typed)])
                self.assertIn(self.deal, found)
                self.assertNotIn(self.other_deal, found)

    def test_crm_search_by_customer_phone_when_deal_has_none(self):
        self.deal.phone = False
        found = self.env["crm.lead"].search([("crm_phone_search", "ilike", "+814340001064")])
        self.assertIn(self.deal, found, "the customer's number finds their deal")

    def test_search_views_use_the_phone(self):
        """The fields searched on Enter (the first field of each search view) include the phone."""
        for model, view in (
            ("res.partner", "base.view_res_partner_filter"),
            ("crm.lead", "crm.view_crm_case_opportunities_filter"),
            ("crm.lead", "crm.view_crm_case_leads_filter"),
        ):
            with self.subTest(view=view):
                arch = self.env[model].get_view(self.env.ref(view).id, "search")["arch"]
                self.assertIn("('crm_phone_search', 'ilike', self)", arch)
