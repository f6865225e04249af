"""The addon's links to records deleted in daily use are indexed.

Deleting a record makes PostgreSQL find the rows that point to it (to set them
null or delete them): without an index, a scan of the whole table for every
activity marked done, deal or customer deleted.
"""

from odoo.tests import TransactionCase, tagged

# activities are deleted each time one is marked done; deals and customers are
# deleted or merged; equipment is removed from a job
DELETED_IN_DAILY_USE = ("mail.activity", "crm.lead", "res.partner", "crm.aftercare.equipment")


@tagged("post_install", "-at_install")
class TestIndexes(TransactionCase):
    def test_links_to_records_deleted_in_daily_use_are_indexed(self):
        missing = [
            f"{model._name}.{field.name}"
            for model in self.env.registry.values()
            if model._auto and not model._transient
            for field in model._fields.values()
            if field.type == "many2one"
            and field.store
            and field.comodel_name in DELETED_IN_DAILY_USE
            and "crm_customer_rank" in field._modules
            and not field.index
        ]
        self.assertEqual(missing, [])

    def test_the_index_exists_in_the_database(self):
        self.env.cr.execute(
            """SELECT indexname FROM pg_indexes
                WHERE tablename = 'crm_aftercare_item' AND indexdef LIKE '%%(activity_id)%%'"""
        )
        self.assertTrue(self.env.cr.fetchall(), "marking an activity done looks its after-care item up by index")
