"""What brought a dormant customer back, on the reactivation report."""

import datetime

from odoo import Command, fields
from odoo.tests import Form, tagged
from odoo.tools import SQL

from .test_reactivation import ReactivationCase


@tagged("post_install", "-at_install")
class TestReactivationTrigger(ReactivationCase):
    def _dormant(self, name, **vals):
        """A customer who became dormant 365 days from today (the company's inspection plan)."""
        customer = self._customer(name, phone="03-1234-5678")
        deal = self._won(customer, completion=0, **vals)
        with self._at(365):
            self._cron()
        self.assertRank(customer, "dormant")
        return customer, deal

    def _trigger(self, customer):
        self._flush()
        row = self.env["crm.rank.reactivation.report"].search([("partner_id", "=", customer.id)])
        self.assertEqual(len(row), 1)
        return row.trigger

    def test_triggers(self):
        by_campaign, _deal = self._dormant("Came with the spring campaign")
        on_their_own, _deal = self._dormant("Came on their own")
        inspected, deal = self._dormant("Inspection found a leak")
        called, _deal = self._dormant("Reached by the reactivation call")
        still_dormant, _deal = self._dormant("Still dormant")
        spring = self.env["utm.campaign"].create({"name": "Spring renovation fair"})
        # the inspection on the work list: the 1-year one (the earlier ones were missed)
        item = self.env["crm.aftercare.item"].search(
            [("lead_id", "=", deal.id), ("kind", "=", "inspection"), ("is_current", "=", True)]
        )
        self.assertEqual(item.key, 12)
        with self._at(380):
            # the test cursor keeps one transaction time for create_date / date_open: set the day
            self._deal(by_campaign, name="Fair visit", campaign_id=spring.id, date_open=fields.Datetime.now())
            self._deal(on_their_own, name="Called us about the roof")
            item.with_user(self.salesman).action_done_repair()
            activity = self._activities(called).with_user(self.salesman)
            action = activity.with_context(crm_outcome_prompt=True).action_done()
            with Form(self.env[action["res_model"]].with_user(self.salesman).with_context(**action["context"])) as form:
                form.outcome = "interested"
                form.note = "Wants a new kitchen"
            form.record.action_confirm()
        with self._at(381):
            self._cron()
        self.assertEqual(self._trigger(by_campaign), "campaign")
        self.assertEqual(self._trigger(on_their_own), "own")
        self.assertEqual(self._trigger(inspected), "inspection")
        self.assertEqual(self._trigger(called), "reactivation")
        self.assertFalse(self._trigger(still_dormant), "no trigger before a comeback")
        groups = dict(
            self.env["crm.rank.reactivation.report"]._read_group(
                [("partner_id", "in", (by_campaign | on_their_own | inspected | called).ids)],
                ["trigger"],
                ["reactivated_count:sum"],
            )
        )
        self.assertEqual(groups, {"campaign": 1, "own": 1, "inspection": 1, "reactivation": 1})

    def test_call_in_the_season_of_the_kind_of_work(self):
        """Reached in a month the kind of work is approached in: the season brought them back."""
        customer, _deal = self._dormant("Painted in spring", tag_ids=[Command.set(self.painting.ids)])
        self.assertTrue(self.painting.crm_rank_outreach_months)
        # the call is recorded on the first day of a month of the painting season
        month = int(self.painting.crm_rank_outreach_months.split(",")[0])
        day = self._first_of(month)
        activity = self._activities(customer).with_user(self.salesman)
        with self._frozen(day):
            action = activity.with_context(crm_outcome_prompt=True).action_done()
            with Form(self.env[action["res_model"]].with_user(self.salesman).with_context(**action["context"])) as form:
                form.outcome = "interested"
            form.record.action_confirm()
            self._cron()
        self.assertEqual(self._trigger(customer), "season")

    def _first_of(self, month):
        """Noon on the first ``month`` 1st after the customer became dormant (366 days on)."""
        start = self.today + datetime.timedelta(days=366)
        candidate = datetime.date(start.year, month, 1)
        if candidate < start:
            candidate = candidate.replace(year=start.year + 1)
        return datetime.datetime.combine(candidate, datetime.time(12))

    def test_mailing_sent_before_the_comeback(self):
        """A mailing that reached the customer while dormant brought them back;
        one that bounced or was cancelled did not."""
        mailed, _deal = self._dormant("Read the autumn newsletter")
        bounced, _deal = self._dormant("Newsletter bounced")
        mailing = self.env["mailing.mailing"].create(
            {"subject": "Autumn renovation fair", "mailing_model_id": self.env.ref("base.model_res_partner").id}
        )
        sent_on = fields.Datetime.now() + datetime.timedelta(days=370)
        traces = self.env["mailing.trace"]
        for customer, status in ((mailed, "sent"), (bounced, "bounce")):
            traces += self.env["mailing.trace"].create(
                {
                    "mass_mailing_id": mailing.id,
                    "model": "res.partner",
                    "res_id": customer.id,
                    "email": customer.email or "customer@example.com",
                    "trace_status": status,
                }
            )
        # the ORM stamps create_date with the transaction's time: the mailing went out on day 370
        self.env.cr.execute(SQL("UPDATE mailing_trace SET create_date = %s WHERE id IN %s", sent_on, tuple(traces.ids)))
        with self._at(380):
            self._deal(mailed, name="Asked for a quote after the newsletter")
            self._deal(bounced, name="Called us about the roof")
        with self._at(381):
            self._cron()
        self.assertEqual(self._trigger(mailed), "campaign")
        self.assertEqual(self._trigger(bounced), "own", "a bounced mailing did not reach them")
