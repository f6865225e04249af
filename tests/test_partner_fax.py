"""The fax number is OCA's partner_fax field; the upgrade from 19.0.1.3.0 keeps the numbers (issue 27)."""

import importlib.util
from pathlib import Path

from odoo.tests import Form, tagged

from .common import CrmRankCase

MIGRATION_PATH = Path(__file__).resolve().parents[1] / "migrations" / "19.0.1.4.0" / "pre-27-partner-fax.py"


def _migration():
    spec = importlib.util.spec_from_file_location("crm_customer_rank_pre_27_partner_fax", MIGRATION_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestPartnerFax(CrmRankCase):
    def _xmlids(self):
        field = self.env["ir.model.fields"]._get("res.partner", "fax")
        data = self.env["ir.model.data"].search([("model", "=", "ir.model.fields"), ("res_id", "=", field.id)])
        return field, {(row.module, row.name) for row in data}

    def test_fax_is_partner_fax_field(self):
        field, xmlids = self._xmlids()
        self.assertEqual(xmlids, {("partner_fax", "field_res_partner__fax")}, "the addon declares no fax of its own")
        self.assertEqual(field.modules, "partner_fax")
        customer = self._customer("Fax customer", fax="045-000-1111", crm_contact_channel="fax")
        self.assertEqual(customer.fax, "045-000-1111")
        with Form(customer) as form:
            form.fax = "045-000-2222"
        self.assertEqual(customer.fax, "045-000-2222")

    def _as_in_19_0_1_3_0(self, with_partner_fax):
        """The field's external ids as an upgrade finds them: the addon's, and partner_fax's
        when partner_fax was loaded before (a new dependency is)."""
        field, _xmlids = self._xmlids()
        Data = self.env["ir.model.data"]
        Data.search([("model", "=", "ir.model.fields"), ("res_id", "=", field.id)]).unlink()
        modules = ["crm_customer_rank", "partner_fax"] if with_partner_fax else ["crm_customer_rank"]
        Data.create(
            [
                {"module": module, "name": "field_res_partner__fax", "model": "ir.model.fields", "res_id": field.id}
                for module in modules
            ]
        )
        self.env.flush_all()
        return field

    def test_migration_keeps_the_numbers(self):
        customers = self._customer("Fax one", fax="045-000-1111") | self._customer("Fax two", fax="03-1111-2222")
        migration = _migration()
        for with_partner_fax in (True, False):
            with self.subTest(with_partner_fax=with_partner_fax):
                field = self._as_in_19_0_1_3_0(with_partner_fax)
                migration.migrate(self.env.cr, "19.0.1.3.0")
                self.env.invalidate_all()
                field, xmlids = self._xmlids()
                # the addon no longer owns the field: the end of the upgrade, which
                # deletes the fields an addon dropped, cannot drop the column
                self.assertEqual(xmlids, {("partner_fax", "field_res_partner__fax")})
                self.assertTrue(field.exists())
                self.assertEqual(customers.mapped("fax"), ["045-000-1111", "03-1111-2222"])
                # what that end of the upgrade does with the addon's fields it no longer loads
                ours = [("module", "=", "crm_customer_rank"), ("model", "=", "ir.model.fields")]
                self.assertFalse(self.env["ir.model.data"].search([*ours, ("res_id", "=", field.id)]))

    def test_migration_on_a_new_install_does_nothing(self):
        _field, before = self._xmlids()
        _migration().migrate(self.env.cr, None)
        self.assertEqual(self._xmlids()[1], before)
