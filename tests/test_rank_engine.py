"""Ranks follow deals at once: every rule through the ORM, the way users move deals."""

from dateutil.relativedelta import relativedelta

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import CrmRankCase


@tagged("post_install", "-at_install")
class TestRankEngine(CrmRankCase):
    def test_partner_without_deal_has_no_rank(self):
        vendor = self._customer("Timber Supplier")
        self.assertRank(vendor, False)
        self.assertFalse(self._history(vendor))

    def test_inquiry_gathering_then_prospect(self):
        customer = self._customer("Sato Kenichi")
        lead = self._deal(customer, lead_type="lead")
        self.assertRank(customer, "gathering", "inquiry")
        self.assertEqual(lead.crm_rank, "gathering")
        lead.convert_opportunity(customer)
        self.assertRank(customer, "prospect", "open_opportunity")
        self.assertEqual(lead.crm_rank, "prospect")

    def test_lost_deal_makes_lost(self):
        customer = self._customer("Takahashi Makoto")
        deal = self._lost(customer)
        self.assertRank(customer, "lost", "last_deal_lost")
        self.assertEqual(deal.crm_rank, "lost")

    def test_lost_wizard(self):
        customer = self._customer("Lost Through Wizard")
        deal = self._deal(customer)
        wizard = self.env["crm.lead.lost"].create(
            {"lead_ids": deal.ids, "lost_reason_id": self.lost_reason.id}
        )
        wizard.action_lost_reason_apply()
        self.assertRank(customer, "lost")

    def test_won_deal_contracted_until_completion(self):
        customer = self._customer("Tanaka Koji")
        deal = self._won(customer)
        self.assertRank(customer, "contracted", "construction")
        deal.completion_date = self.today + relativedelta(years=1)
        self.assertRank(customer, "contracted", "construction")
        deal.completion_date = self.today
        self.assertRank(customer, "contracted", "after_care")
        self.assertEqual(customer.crm_last_completion_date, self.today)
        self.assertEqual(customer.crm_won_deal_count, 1)

    def test_prospect_beats_lost_and_after_care(self):
        customer = self._customer("Ito Yumi")
        self._won(customer, completion=0)
        self._lost(customer)
        self.assertRank(customer, "lost")
        self._deal(customer, name="Kitchen")
        self.assertRank(customer, "prospect")

    def test_running_construction_beats_prospect(self):
        customer = self._customer("Watanabe Osamu")
        self._deal(customer, name="Exterior painting")
        self._won(customer)
        self.assertRank(customer, "contracted", "construction")

    def test_referral_rank_and_threshold(self):
        referrer = self._customer("Referrer")
        self._won(referrer, completion=0)
        self.assertRank(referrer, "contracted")
        friend = self._customer("Friend", referrer_partner_id=referrer.id)
        self.assertRank(referrer, "referral", "referrals")
        self.assertEqual(referrer.crm_referral_count, 1)
        self.assertEqual(self._history(referrer)[-1].cause, "referral")
        self.company.crm_rank_referral_threshold = 2
        referrer._crm_rank_refresh()
        self.assertRank(referrer, "contracted")
        second = self._customer("Second friend")
        second.referrer_partner_id = referrer
        self.assertRank(referrer, "referral")
        friend.referrer_partner_id = False
        self.assertRank(referrer, "contracted")

    def test_referral_needs_a_won_deal(self):
        referrer = self._customer("Only asked")
        self._deal(referrer, lead_type="lead")
        self._customer("Friend", referrer_partner_id=referrer.id)
        self.assertRank(referrer, "gathering")

    def test_defected_by_manager_beats_everything(self):
        customer = self._customer("Kato Naoki")
        self._won(customer)
        customer.is_defected = True
        self.assertRank(customer, "defected", "defected_manual")
        self._deal(customer, name="New inquiry")
        self.assertRank(customer, "defected")
        customer.is_defected = False
        self.assertRank(customer, "contracted")

    def test_complaint_of_past_customer_defects(self):
        customer = self._customer("Past customer")
        self._won(customer, completion=0)
        self._lost(customer, reason=self.complaint_reason, name="Roof")
        self.assertRank(customer, "defected", "defected_lost")

    def test_complaint_of_new_customer_is_lost(self):
        customer = self._customer("Never signed")
        self._lost(customer, reason=self.complaint_reason)
        self.assertRank(customer, "lost")

    def test_company_and_contacts_share_rank(self):
        company = self._customer("Kobayashi Koumuten", is_company=True)
        ichiro = self._customer("Kobayashi Ichiro", parent_id=company.id)
        hanako = self._customer("Kobayashi Hanako", parent_id=company.id)
        deal = self._deal(ichiro)
        for partner in company | ichiro | hanako:
            self.assertRank(partner, "prospect")
        self.assertEqual(deal.crm_rank, "prospect")
        self.assertEqual(len(self._history(company)), 1)
        self.assertFalse(
            self.env["crm.rank.history"].search([("partner_id", "in", (ichiro | hanako).ids)])
        )
        # a contact who leaves takes no rank along; the company keeps it
        other = self._customer("Other Company", is_company=True)
        hanako.parent_id = other
        self.assertRank(hanako, False)
        self.assertRank(company, "prospect")
        # a contact who joins gets the company's rank
        newcomer = self._customer("Newcomer")
        newcomer.parent_id = company
        self.assertRank(newcomer, "prospect")
        # a contact person created under the company has its rank at once too
        self.assertRank(self._customer("Kobayashi Jiro", parent_id=company.id), "prospect")

    def test_lead_without_customer_has_own_rank(self):
        lead = self.env["crm.lead"].create({"name": "Web form", "type": "lead"})
        self.assertEqual(lead.crm_rank, "gathering")
        opportunity = self.env["crm.lead"].create(
            {"name": "Phone call", "type": "opportunity", "stage_id": self.stage_new.id}
        )
        self.assertEqual(opportunity.crm_rank, "prospect")
        opportunity.action_set_won()
        self.assertEqual(opportunity.crm_rank, "contracted")
        lead.action_set_lost()
        self.assertEqual(lead.crm_rank, "lost")

    def test_lead_follows_customer_rank(self):
        customer = self._customer("Suzuki Misaki")
        old = self._lost(customer)
        self.assertEqual(old.crm_rank, "lost")
        self._deal(customer, name="Kitchen")
        self._flush()  # the customer's other deals follow at the latest at the flush
        self.assertEqual(old.crm_rank, "prospect")

    def test_history_records_each_change_once(self):
        customer = self._customer("History")
        deal = self._deal(customer)
        self._flush()  # each step as a request of its own
        deal.write({"stage_id": self.stage_quote.id})
        self._flush()
        deal.action_set_won()
        self._flush()
        deal.completion_date = self.today
        history = self._history(customer)
        self.assertEqual(
            [(h.old_rank, h.new_rank) for h in history],
            [(False, "prospect"), ("prospect", "contracted")],
        )
        self.assertEqual(set(history.mapped("cause")), {"deal"})
        self.assertEqual(customer.crm_rank_date, self.today)
        customer._crm_rank_refresh()
        self.assertEqual(len(self._history(customer)), 2)

    def test_one_transaction_decides_once(self):
        """Many writes in one transaction: the engine runs once, at the end."""
        customer = self._customer("Busy day")
        deal = self._deal(customer)
        deal.write({"stage_id": self.stage_quote.id})
        deal.action_set_won()
        with self.assertQueryCount(0, flush=False):
            customer._crm_rank_refresh()  # only marks the customer
        self.assertRank(customer, "contracted", "construction")  # reading decides
        self.assertEqual(
            [(h.old_rank, h.new_rank) for h in self._history(customer)], [(False, "contracted")]
        )

    def test_reading_a_rank_creates_nothing(self):
        """A read or a search decides the rank; what the change causes waits for the commit."""
        customer = self._customer("Read only")
        deal = self._deal(customer)
        self._flush()
        deal.action_set_lost(lost_reason_id=self.lost_reason.id)
        history_count = self.env["crm.rank.history"].search_count([])
        activity_count = self.env["mail.activity"].search_count([])
        message_count = self.env["mail.message"].search_count([])
        Partner = self.env["res.partner"]
        self.assertEqual(Partner.search([("id", "=", customer.id), ("crm_rank", "=", "lost")]), customer)
        self.assertRank(customer, "lost")
        self.assertEqual(self.env["crm.rank.history"].search_count([]), history_count)
        self.assertEqual(self.env["mail.activity"].search_count([]), activity_count)
        self.assertEqual(self.env["mail.message"].search_count([]), message_count)
        self._flush()  # the commit
        self.assertEqual(
            [(h.old_rank, h.new_rank) for h in self._history(customer)], [(False, "prospect"), ("prospect", "lost")]
        )
        self.assertGreater(self.env["mail.message"].search_count([]), message_count)  # the tracking line

    def test_rank_change_tracked_in_chatter(self):
        customer = self._customer("Tracked")
        self.env.cr.flush()  # as if created in an earlier transaction
        self._deal(customer)
        self.env.cr.flush()  # tracking values are written at commit
        customer.invalidate_recordset()
        tracked = customer.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "crm_rank"
        )
        self.assertTrue(tracked)

    def test_unlinked_deal_moves_rank(self):
        customer = self._customer("Deleted deal")
        self._lost(customer)
        deal = self._deal(customer)
        self.assertRank(customer, "prospect")
        deal.unlink()
        self.assertRank(customer, "lost")

    def test_rank_cannot_be_written(self):
        customer = self._customer("Direct write")
        with self.assertRaises(UserError):
            customer.write({"crm_rank": "referral"})
        with self.assertRaises(UserError):
            self.env["res.partner"].create({"name": "Imported", "crm_rank": "dormant"})
        deal = self._deal(customer)
        with self.assertRaises(UserError):
            deal.write({"crm_rank": "dormant"})
        self.assertRank(customer, "prospect")

    def test_unknown_rank_value_refused(self):
        customer = self._customer("Unknown value")
        with self.assertRaisesRegex(ValidationError, "vip"):
            customer.with_context(crm_rank_engine=True).write({"crm_rank": "vip"})

    def test_completion_typo_refused(self):
        customer = self._customer("Early completion")
        deal = self._won(customer)
        with self.assertRaises(ValidationError):
            deal.completion_date = deal.date_closed.date().replace(year=1900, day=1)
        self.assertFalse(deal.completion_date)

    def test_completion_date_in_form(self):
        customer = self._customer("Form user")
        deal = self._won(customer)
        with Form(deal) as form:
            form.completion_date = self.today
        self.assertRank(customer, "contracted", "after_care")

    def test_absurd_thresholds_refused(self):
        for vals in (
            {"crm_rank_dormancy_days": 0},
            {"crm_rank_dormancy_days": -30},
            {"crm_rank_dormancy_days": 100000},
            {"crm_rank_referral_threshold": 0},
        ):
            with self.subTest(vals=vals), self.assertRaises(ValidationError):
                self.company.write(vals)

    def test_settings_change_thresholds(self):
        settings = self.env["res.config.settings"].create(
            {"crm_rank_dormancy_days": 180, "crm_rank_referral_threshold": 3}
        )
        settings.execute()
        self.assertEqual(self.company.crm_rank_dormancy_days, 180)
        self.assertEqual(self.company.crm_rank_referral_threshold, 3)

    def test_stage_change_query_count_is_bounded(self):
        """One deal moving recomputes one customer in a bounded number of queries."""
        customer = self._customer("Query count")
        deal = self._deal(customer)
        self._won(customer, completion=0, name="Earlier work")
        self._flush()
        self.env.invalidate_all()
        # 42 measured: crm's own won-stage work (scoring frequencies, tracking) and one
        # engine run (facts, family, writes, history, the customer's tracking line)
        with self.assertQueryCount(__system__=46):
            deal.write({"stage_id": self.stage_won.id})
            self._flush()
        self.assertRank(customer, "contracted", "construction")
