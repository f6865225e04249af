"""Bad input is refused with a clear error and changes nothing."""

import datetime
import re

from dateutil.relativedelta import relativedelta

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools.translate import code_translations

from .common import CrmRankCase


@tagged("post_install", "-at_install")
class TestRankBadInput(CrmRankCase):
    def test_import_of_rank_column_refused(self):
        Partner = self.env["res.partner"]
        before = Partner.search_count([])
        result = Partner.load(["name", "crm_rank"], [["Imported Customer", "referral"]])
        self.assertFalse(result["ids"])
        self.assertTrue(result["messages"])
        self.assertEqual(result["messages"][0]["type"], "error")
        self.assertEqual(Partner.search_count([]), before)

    def test_import_of_unknown_rank_value_refused(self):
        Partner = self.env["res.partner"]
        result = Partner.load(["name", "crm_rank"], [["Imported Customer", "vip"]])
        self.assertFalse(result["ids"])
        self.assertEqual(result["messages"][0]["type"], "error")
        self.assertFalse(Partner.search([("name", "=", "Imported Customer")]))

    def test_import_of_absurd_threshold_refused(self):
        Company = self.env["res.company"]
        result = Company.load(
            ["id", "crm_rank_dormancy_days"],
            [[self.company.get_external_id()[self.company.id] or "", "-5"]],
        )
        self.assertFalse(result["ids"])
        self.assertEqual(self.company.crm_rank_dormancy_days, 365)

    def test_import_of_completion_typo_refused(self):
        deal = self._won(self._customer("Imported completion"))
        external_id = deal._export_rows([["id"]])[0][0]
        result = self.env["crm.lead"].load(["id", "completion_date"], [[external_id, "1926-01-01"]])
        self.assertFalse(result["ids"])
        self.assertFalse(deal.completion_date)

    def test_import_of_completion_before_won_accepted(self):
        """Imported history: the deals are won on the import's day, the work was done years ago."""
        deal = self._won(self._customer("Imported history"))
        external_id = deal._export_rows([["id"]])[0][0]
        result = self.env["crm.lead"].load(["id", "completion_date"], [[external_id, "2001-01-01"]])
        self.assertEqual(result["ids"], deal.ids, result["messages"])
        self.assertEqual(deal.completion_date, datetime.date(2001, 1, 1))


@tagged("post_install", "-at_install")
class TestRankBadInputChannels(CrmRankCase):
    """The same bad input through each way in: the form, a write or create as an
    XML-RPC/JSON-RPC client sends it (as the user), and a CSV import (``load``).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer("Channel Customer")
        cls.deal = cls._won(cls.customer, completion=0)
        cls.budget = cls.env.ref("crm_customer_rank.crm_lost_reason_budget")

    def _xmlid(self, record):
        return record._export_rows([["id"]])[0][0]

    def _assert_import_refused(self, records, fields, rows, message=None):
        """Nothing is imported and the error names the problem."""
        result = records.load(fields, rows)
        self.assertFalse(any(result["ids"] or []), result["messages"])
        errors = [m["message"] for m in result["messages"] if m["type"] == "error"]
        self.assertTrue(errors)
        if message:
            self.assertIn(message, "\n".join(errors))
        return errors

    # -- the rank ---------------------------------------------------------------

    def test_rank_not_editable_in_forms(self):
        with self.assertRaises(AssertionError):
            Form(self.customer).crm_rank = "referral"
        with self.assertRaises(AssertionError):
            Form(self.deal).crm_rank = "referral"
        self.assertRank(self.customer, "contracted")

    def test_unknown_rank_value_from_a_client_refused_clearly(self):
        """A client sending an unknown rank gets the rank's own error, not a technical one."""
        for record in (self.customer, self.deal):
            with self.subTest(model=record._name), self.assertRaises(UserError) as error:
                record.with_user(self.salesman).write({"crm_rank": "vip"})
            self.assertIn("cannot be set by hand", str(error.exception))
        with self.assertRaises(UserError):
            self.env["crm.lead"].with_user(self.salesman).create({"name": "RPC deal", "crm_rank": "vip"})
        self.assertRank(self.customer, "contracted")

    def test_import_of_deal_rank_refused(self):
        for value in ("referral", "vip"):
            with self.subTest(value=value):
                self._assert_import_refused(self.env["crm.lead"], ["name", "crm_rank"], [["Imported deal", value]])
        self._assert_import_refused(self.env["crm.lead"], ["id", "crm_rank"], [[self._xmlid(self.deal), "dormant"]])
        self.assertFalse(self.env["crm.lead"].search([("name", "=", "Imported deal")]))
        self.assertEqual(self.deal.crm_rank, "contracted")

    # -- referrals --------------------------------------------------------------

    def test_self_referral_and_cycle_by_import(self):
        a = self._customer("Import A")
        b = self._customer("Import B", referrer_partner_id=a.id)
        Partner = self.env["res.partner"]
        self._assert_import_refused(
            Partner, ["id", "referrer_partner_id/id"], [[self._xmlid(a), self._xmlid(a)]], "own referrer"
        )
        self._assert_import_refused(
            Partner, ["id", "referrer_partner_id/id"], [[self._xmlid(a), self._xmlid(b)]], "circle"
        )
        self.assertFalse(a.referrer_partner_id)

    def test_referral_cycle_from_a_client_refused(self):
        a = self._customer("Client A")
        b = self._customer("Client B", referrer_partner_id=a.id)
        with self.assertRaises(ValidationError):
            a.with_user(self.salesman).write({"referrer_partner_id": b.id})
        with self.assertRaises(ValidationError):
            a.with_user(self.salesman).write({"referrer_partner_id": a.id})
        self.assertFalse(a.referrer_partner_id)

    # -- thresholds ---------------------------------------------------------------

    def test_absurd_thresholds_in_settings_form(self):
        for fname, value in (
            ("crm_rank_dormancy_days", -1),
            ("crm_rank_dormancy_days", 0),
            ("crm_rank_dormancy_days", 999999),
            ("crm_rank_referral_threshold", 0),
            ("crm_rank_referral_threshold", -3),
        ):
            with self.subTest(field=fname, value=value), self.assertRaises(ValidationError):
                with Form(self.env["res.config.settings"]) as form:
                    setattr(form, fname, value)
                form.record.execute()
        self.assertEqual(self.company.crm_rank_dormancy_days, 365)
        self.assertEqual(self.company.crm_rank_referral_threshold, 1)

    def test_absurd_thresholds_from_a_client_refused(self):
        admin = self.company.with_user(self.env.ref("base.user_admin"))
        with self.assertRaises(ValidationError):
            admin.write({"crm_rank_dormancy_days": -30})
        self.assertEqual(self.company.crm_rank_dormancy_days, 365)

    def test_kind_of_work_thresholds_by_import(self):
        Tag = self.env["crm.tag"]
        self._assert_import_refused(
            Tag, ["name", "crm_rank_dormancy_days"], [["Roof", "-30"]], "dormancy period of Roof"
        )
        self._assert_import_refused(
            Tag, ["name", "crm_rank_outreach_months"], [["Painting", "3,13"]], "outreach months of Painting"
        )
        self.assertFalse(Tag.search([("name", "in", ("Roof", "Painting"))]))

    # -- lost reasons -------------------------------------------------------------

    def test_negative_playbook_delay_by_import(self):
        delay = self.budget.followup_delay_days
        Reason = self.env["crm.lost.reason"]
        self._assert_import_refused(
            Reason,
            ["id", "followup_delay_days"],
            [["crm_customer_rank.crm_lost_reason_budget", "-10"]],
            "must be due between 0 and",
        )
        self._assert_import_refused(Reason, ["name", "followup_delay_days"], [["Rain", "99999"]])
        self.assertEqual(self.budget.followup_delay_days, delay)
        self.assertFalse(Reason.search([("name", "=", "Rain")]))

    def test_negative_playbook_delay_in_form(self):
        delay = self.budget.followup_delay_days
        form = Form(self.budget.with_user(self.sales_manager))
        form.followup_delay_days = -5
        with self.assertRaises(ValidationError):
            form.save()
        self.assertEqual(self.budget.followup_delay_days, delay)

    # -- completion ---------------------------------------------------------------

    def test_completion_typo_in_form(self):
        form = Form(self.deal.with_user(self.salesman))
        form.completion_date = self.deal.date_closed.date().replace(year=1925, day=1)
        with self.assertRaises(ValidationError):
            form.save()
        self.assertEqual(self.deal.completion_date, self.today)

    def test_completion_before_won_in_form_accepted(self):
        """The win was recorded after the work: the salesperson types the real day."""
        earlier = self.deal.date_closed.date() - datetime.timedelta(days=40)
        with Form(self.deal.with_user(self.salesman)) as form:
            form.completion_date = earlier
        self.assertEqual(self.deal.completion_date, earlier)

    def test_completion_typo_from_a_client_refused(self):
        far_future = self.today.replace(year=self.today.year + 11, day=1)
        for value in ("1949-12-31", far_future.isoformat(), "0202-05-01"):
            with self.subTest(value=value), self.assertRaises(ValidationError):
                self.deal.with_user(self.salesman).write({"completion_date": value})
        self.assertEqual(self.deal.completion_date, self.today)
        # the bounds themselves are accepted
        for value in ("1950-01-01", (self.today + relativedelta(years=10)).isoformat()):
            self.deal.with_user(self.salesman).write({"completion_date": value})

    # -- defection ----------------------------------------------------------------

    def test_defection_by_import_as_salesman_refused(self):
        Partner = self.env["res.partner"].with_user(self.salesman)
        xmlid = self._xmlid(self.customer)
        for fields, row in (
            (["id", "is_defected"], [xmlid, "1"]),
            (["id", "defection_reason"], [xmlid, "complaint"]),
            (["name", "is_defected"], ["Imported defected", "1"]),
        ):
            with self.subTest(fields=fields):
                self._assert_import_refused(Partner, fields, [row], "Only sales managers")
        self.assertFalse(self.customer.is_defected)
        self.assertRank(self.customer, "contracted")

    def test_defection_fields_read_only_in_form(self):
        form = Form(self.customer.with_user(self.salesman))
        with self.assertRaises(AssertionError):
            form.is_defected = True
        self.assertFalse(self.customer.is_defected)


@tagged("post_install", "-at_install")
class TestRankBadInputJapanese(CrmRankCase):
    """The errors of bad input come in the user's language (when ja.po has them)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("ja_JP")
        cls.customer = cls._customer("Translated Customer")
        cls.deal = cls._won(cls.customer, completion=0)
        cls.referred = cls._customer("Translated Referred", referrer_partner_id=cls.customer.id)
        cls.tag = cls.env["crm.tag"].create({"name": "Translated Roof"})
        cls.reason = cls.env["crm.lost.reason"].create({"name": "Translated reason"})
        cls.translations = code_translations.get_python_translations("crm_customer_rank", "ja_JP")

    def _cases(self):
        return {
            "rank": (self.customer, {"crm_rank": "referral"}),
            "deal rank": (self.deal, {"crm_rank": "lost"}),
            "self referral": (self.customer, {"referrer_partner_id": self.customer.id}),
            "referral cycle": (self.customer, {"referrer_partner_id": self.referred.id}),
            "dormancy period": (self.company, {"crm_rank_dormancy_days": -1}),
            "referral threshold": (self.company, {"crm_rank_referral_threshold": 0}),
            "kind of work period": (self.tag, {"crm_rank_dormancy_days": -1}),
            "outreach months": (self.tag, {"crm_rank_outreach_months": "13"}),
            "playbook delay": (self.reason, {"followup_delay_days": -1}),
            "completion typo": (self.deal, {"completion_date": "1901-01-01"}),
            "defection": (self.customer.with_user(self.salesman), {"is_defected": True}),
        }

    def _message(self, record, vals, lang):
        with self.assertRaises(UserError) as error:  # ValidationError and AccessError too
            record.with_context(lang=lang).write(vals)
        return str(error.exception.args[0])

    def _template(self, message):
        """The source string (msgid) ``message`` was made from, if ja.po translates it."""
        for source in self.translations:
            pattern = re.escape(source)
            pattern = re.sub(r"%\\\(\w+\\\)s", ".+", pattern)
            if re.fullmatch(pattern, message, re.DOTALL):
                return source
        return None

    def test_errors_translated(self):
        untranslated = []
        for name, (record, vals) in self._cases().items():
            with self.subTest(case=name):
                english = self._message(record, vals, "en_US")
                japanese = self._message(record, vals, "ja_JP")
                if not self._template(english):
                    untranslated.append(name)
                    continue
                self.assertNotEqual(japanese, english)
                self.assertRegex(japanese, "[ぁ-んァ-ン一-龥]")
        if untranslated:
            self.skipTest(f"not in i18n/ja.po yet: {', '.join(untranslated)}")


@tagged("post_install", "-at_install")
class TestUnknownSelectionValues(CrmRankCase):
    """An RPC client sending an unknown value of one of our selection fields gets a
    translated ValidationError naming the field and the allowed values, not the
    ORM's technical ValueError."""

    def test_lost_reason_category(self):
        reason = self.env["crm.lost.reason"].with_user(self.sales_manager).create({"name": "RPC reason"})
        with self.assertRaises(ValidationError) as error:
            reason.write({"category": "nope"})
        message = str(error.exception)
        self.assertIn('"nope"', message)
        self.assertIn("Category", message)
        self.assertIn("budget (Budget)", message)
        self.assertEqual(reason.category, "other")
        with self.assertRaises(ValidationError):
            self.env["crm.lost.reason"].with_user(self.sales_manager).create(
                {"name": "RPC channel", "followup_channel": "pigeon"}
            )

    def test_deal_and_wizards(self):
        deal = self._won(self._customer("Selection deal"))
        cases = [
            (deal.with_user(self.salesman), {"referral_ask_outcome": "maybe"}),
            (
                self.env["crm.rank.guidance"].with_user(self.sales_manager),
                {"rank": "vip", "hint": "h", "guidance": "g"},
            ),
            (self.env["crm.rank.campaign"].with_user(self.salesman), {"crm_rank": "vip"}),
            (self.env["crm.rank.reactivation.outcome"], {"outcome": "nope"}),
            (self.env["crm.rank.referral.outcome"], {"outcome": "nope"}),
        ]
        for records, vals in cases:
            with self.subTest(model=records._name), self.assertRaises(ValidationError):
                if records:
                    records.write(vals)
                else:
                    records.create(vals)

    def test_known_and_empty_values_pass(self):
        reason = self.env["crm.lost.reason"].create({"name": "Fine", "category": "budget", "followup_channel": False})
        reason.write({"category": "competitor"})
        self.assertEqual(reason.category, "competitor")

    def test_helper_checks_only_our_fields(self):
        """Odoo's own selection fields keep Odoo's behaviour."""
        from odoo.addons.crm_customer_rank.models.crm_rank_tools import check_selection_values

        check_selection_values(self.env["crm.lead"], [{"priority": "nope", "name": "x"}])  # crm's field: not ours
        with self.assertRaises(ValidationError):
            check_selection_values(self.env["crm.lead"], [{"referral_ask_outcome": "nope"}])

    def test_unknown_value_message_in_japanese(self):
        self.env["res.lang"]._activate_lang("ja_JP")
        reason = self.env["crm.lost.reason"].create({"name": "RPC reason ja"})
        with self.assertRaises(ValidationError) as error:
            reason.with_context(lang="ja_JP").write({"category": "nope"})
        self.assertRegex(str(error.exception), "[ぁ-んァ-ン一-龥]")
