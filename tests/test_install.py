"""Install on a large database: the addon's stored computed fields on the
customers' and deals' tables are created and filled set-based, not computed by
the ORM for every existing row."""

from odoo.tests import tagged
from odoo.tools import SQL

from ..hooks import PREFILLED_COLUMNS
from .common import CrmRankCase


@tagged("post_install", "-at_install")
class TestInstall(CrmRankCase):
    def test_every_stored_computed_field_on_the_large_tables_is_prefilled(self):
        """A stored computed field added later to res.partner or crm.lead must be
        created by the pre_init_hook too (or Odoo computes it row by row at install)."""
        for model_name in ("res.partner", "crm.lead"):
            model = self.env[model_name]
            ours = {
                field.name: field.column_type[0]
                for field in model._fields.values()
                if "crm_customer_rank" in field._modules and field.store and (field.compute or field.related)
            }
            self.assertEqual(ours, PREFILLED_COLUMNS[model._table], model_name)

    def test_lost_category_filled_from_the_reason(self):
        customer = self._customer("Lost before the install")
        deal = self._deal(customer)
        deal.action_set_lost(lost_reason_id=self.env.ref("crm_customer_rank.crm_lost_reason_budget").id)
        self._flush()
        # as the column is at install: created empty by the pre_init_hook
        self.env.cr.execute(SQL("UPDATE crm_lead SET lost_reason_category = NULL WHERE id = %s", deal.id))
        deal.invalidate_recordset(["lost_reason_category"])
        self.assertFalse(deal.lost_reason_category)
        self.env["crm.lost.reason"]._crm_sync_lead_categories()
        self.assertEqual(deal.lost_reason_category, "budget")
