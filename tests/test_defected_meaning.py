"""Who is defected: one definition, the rank, in a domain and in SQL that agree.

Every reader (mailings, the send gate, campaigns, greetings, after-care,
referral requests, reactivation) asks ``DEFECTED_DOMAIN`` or ``defected_sql``;
this proves that both select the same partners, that a partner without a rank
is not defected on either side (NULL), and that every stored defection, however
it was made, carries the rank the definition reads.
"""

from odoo.fields import Domain
from odoo.tests import tagged
from odoo.tools import SQL

from ..models.crm_rank_defection import DEFECTED_DOMAIN, defected_sql
from .common import CrmRankCase


@tagged("post_install", "-at_install")
class TestDefectedMeaning(CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # defected by a manager, with a contact person who shares the rank
        cls.company = cls._customer("Defected Koumuten", is_company=True)
        cls.contact = cls._customer("Contact of Defected", parent_id=cls.company.id)
        cls._won(cls.company, completion=0)
        cls.company._crm_rank_mark_defected("complaint")
        # defected by a loss after a won deal
        cls.lost_defected = cls._customer("Complained")
        cls._won(cls.lost_defected, completion=0)
        cls._lost(cls.lost_defected, reason=cls.complaint_reason)
        # created defected (an import), never a deal
        cls.created = cls._customer("Imported Defected", is_defected=True)
        # a person who left a defected company keeps the defection
        cls.leaver = cls._customer("Leaver", parent_id=cls.company.id)
        cls.env.cr.flush()
        cls.leaver.parent_id = False
        # reinstated: not defected any more
        cls.reinstated = cls._customer("Reinstated")
        cls._won(cls.reinstated, completion=0)
        cls.reinstated._crm_rank_mark_defected("moved")
        cls.env.cr.flush()
        cls.reinstated._crm_rank_reinstate("Came back")
        cls.plain = cls._customer("Plain")
        cls._won(cls.plain, completion=0)
        cls.unranked = cls._customer("Supplier, no rank")
        cls.partners = (
            cls.company
            | cls.contact
            | cls.lost_defected
            | cls.created
            | cls.leaver
            | cls.reinstated
            | cls.plain
            | cls.unranked
        )

    def _sql_ids(self, negate=False):
        condition = SQL("%s IS NOT TRUE", defected_sql("p")) if negate else defected_sql("p")
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL("SELECT p.id FROM res_partner p WHERE p.id = ANY(%s) AND %s", self.partners.ids, condition)
        )
        return {row[0] for row in rows}

    def test_domain_and_sql_agree(self):
        Partner = self.env["res.partner"].with_context(active_test=False)
        defected = Partner.search(DEFECTED_DOMAIN & Domain("id", "in", self.partners.ids))
        expected = self.company | self.contact | self.lost_defected | self.created | self.leaver
        self.assertEqual(defected, expected)
        self.assertEqual(self._sql_ids(), set(expected.ids))
        others = self.partners - expected
        self.assertEqual(Partner.search(~DEFECTED_DOMAIN & Domain("id", "in", self.partners.ids)), others)
        self.assertEqual(self._sql_ids(negate=True), set(others.ids), "a partner without a rank is not defected")
        self.assertEqual(self.partners.filtered_domain(DEFECTED_DOMAIN), expected)

    def test_every_stored_defection_carries_the_rank(self):
        """The flag is the stored fact; the rank the definition reads follows it."""
        self._flush()
        flagged = self.env["res.partner"].with_context(active_test=False).search([("is_defected", "=", True)])
        self.assertTrue(flagged >= self.company | self.lost_defected | self.created | self.leaver)
        self.assertEqual(flagged.filtered_domain(DEFECTED_DOMAIN), flagged)
