"""Browser tour: a salesperson's after-care week on the due list."""

import datetime

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestAftercareTour(HttpCase):
    """On the real clock: the browser keeps its own, which a frozen Python clock
    would contradict (tools/test_awkward_days.sh moves both)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.write(
            {"crm_inspection_plan": "1m,1y", "crm_aftercare_notice_days": 30, "crm_aftercare_grace_days": 60}
        )
        cls.salesman = new_test_user(
            cls.env, login="rank_tour_aftercare", name="Tour Aftercare", groups="sales_team.group_sale_salesman"
        )
        today = fields.Date.context_today(cls.env["crm.lead"])
        # days ago the job was completed: its 1-month inspection is then
        cls.overdue = cls._job("Tour Aftercare Sato", today, 40, phone="090-7777-0001")  # 9-12 days late
        cls.this_week = cls._job("Tour Aftercare Suzuki", today, 26)  # due in 2-5 days
        cls.next_month = cls._job("Tour Aftercare Tanaka", today, 5)  # due in 23-26 days
        cls.long_ago = cls._job("Tour Aftercare Ito", today, 3 * 365)  # missed long ago
        cls.env["crm.aftercare.item"]._cron_schedule_activities()
        cls.env.cr.flush()  # as the setup's commit would: what the ranks' changes cause

    @classmethod
    def _job(cls, name, today, completed_days_ago, **customer_values):
        customer = cls.env["res.partner"].create({"name": name, **customer_values})
        deal = cls.env["crm.lead"].create(
            {"name": f"{name} Bath", "type": "opportunity", "partner_id": customer.id, "user_id": cls.salesman.id}
        )
        deal.action_set_won()
        deal.completion_date = today - datetime.timedelta(days=completed_days_ago)
        return deal

    def _first(self, deal):
        return self.env["crm.aftercare.item"].search([("lead_id", "=", deal.id), ("key", "=", 1)])

    def test_aftercare_week(self):
        self.assertEqual(self._first(self.long_ago).state, "missed")
        overdue = self._first(self.overdue)
        self.assertEqual(overdue.state, "planned")
        self.start_tour("/odoo", "crm_rank_aftercare_tour", login="rank_tour_aftercare")
        fine = self._first(self.this_week)
        self.assertEqual((fine.state, fine.outcome), ("done", "fine"))
        self.assertEqual((overdue.state, overdue.outcome), ("done", "repair"))
        self.assertEqual(overdue.note, "Leak under the washbasin")
        self.assertEqual(overdue.repair_lead_id.partner_id, self.overdue.partner_id)
        self.assertEqual(self.overdue.partner_id.crm_rank, "prospect")
        self.assertEqual(self._first(self.next_month).state, "planned")
