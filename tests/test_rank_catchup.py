"""A catch-up in the scheduled action creates its reactivation activities in chunks."""

from unittest.mock import patch

from odoo.tests import tagged

from ..models import crm_rank_reactivation
from .common import CrmRankCase


@tagged("post_install", "-at_install")
class TestRankCatchup(CrmRankCase):
    def test_chunks_hand_out_every_activity_once(self):
        customers = self.env["res.partner"].create([{"name": f"Quiet {i}", "phone": "03-1234-5678"} for i in range(5)])
        for customer in customers:
            self._won(customer, completion=0)
        changes = {customer.id: (("contracted", "after_care"), ("dormant", "quiet")) for customer in customers}
        Reactivation = self.env["crm.rank.reactivation"].with_context(ir_cron_progress_id=1)
        calls = []
        original = type(Reactivation)._schedule

        def schedule(records, partner_ids, *args, **kwargs):
            calls.append(list(partner_ids))
            return original(records, partner_ids, *args, **kwargs)

        with (
            patch.object(crm_rank_reactivation, "SCHEDULE_CHUNK", 2),
            patch.object(type(Reactivation), "_schedule", schedule),
        ):
            # the engine's hook, as the scheduled action's flush calls it
            self.env["crm.rank.engine"].with_context(ir_cron_progress_id=1)._on_rank_changes(changes, "scheduled")
        self.assertEqual([len(chunk) for chunk in calls], [2, 2, 1])
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "in", customers.ids)]
        )
        self.assertEqual(sorted(activities.mapped("res_id")), sorted(customers.ids))
