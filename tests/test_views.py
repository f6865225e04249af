import importlib.util
from pathlib import Path

from odoo.tests import TransactionCase, tagged

ADDON = "crm_customer_rank"


def _pre_migrate_1_2():
    """The 19.0.1.2.0 migration, which deletes the views merged into the customer's."""
    path = Path(__file__).resolve().parents[1] / "migrations" / "19.0.1.2.0" / "pre-migrate.py"
    spec = importlib.util.spec_from_file_location("crm_customer_rank_pre_migrate_1_2", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MIGRATION = _pre_migrate_1_2()
MERGED_VIEWS = MIGRATION.MERGED_VIEWS


@tagged("post_install", "-at_install")
class TestViews(TransactionCase):
    """The customer's form, list and cards are extended by one view of the addon each."""

    def _addon_views(self):
        data = self.env["ir.model.data"].search([("module", "=", ADDON), ("model", "=", "ir.ui.view")])
        return self.env["ir.ui.view"].browse(data.mapped("res_id"))

    def test_customer_views_extended_once(self):
        extensions = self._addon_views().filtered(lambda view: view.model == "res.partner" and view.mode == "extension")
        for parent, xmlid in (
            ("base.view_partner_form", "res_partner_view_form"),
            ("base.view_partner_tree", "res_partner_view_list"),
            ("base.res_partner_kanban_view", "res_partner_view_kanban"),
        ):
            with self.subTest(parent=parent):
                ours = extensions.filtered(lambda view, parent=parent: view.inherit_id == self.env.ref(parent))
                self.assertEqual(ours, self.env.ref(f"{ADDON}.{xmlid}"))
                self.assertFalse(ours.inherit_children_ids & extensions, "nothing of ours extends it again")

    def test_merged_views_keep_their_japanese(self):
        """The terms of the merged views are translated on the view that holds them now."""
        arch = self.env.ref(f"{ADDON}.res_partner_view_form").with_context(lang="ja_JP").arch_db
        for english, japanese in (
            ("Reactivation Facts", "掘り起こし用データ"),  # was res_partner_view_form_reactivation
            ("Referrals Signed", "紹介の成約"),  # was res_partner_view_form_followup
            ("Constructions", "工事"),  # was res_partner_view_form_followup
            ("Reactivation Outcomes", "掘り起こしの結果"),  # was res_partner_view_form_quiet_reason
            ("Review Defection", "離反を確認"),  # was res_partner_view_form_quiet_reason
            ("Mark Defected", "離反として登録"),  # was res_partner_view_form_defection
        ):
            with self.subTest(term=english):
                self.assertNotIn(f'"{english}"', arch)
                self.assertNotIn(f">{english}<", arch)
                self.assertIn(japanese, arch)

    def test_upgrade_deletes_the_merged_views(self):
        """An upgrade from 19.0.1.1.0 deletes the merged views before the new ones load
        (the old defection view would not apply to the new form and stop the update)."""
        views = self.env["ir.ui.view"].create(
            [
                {
                    "name": f"{name} (as before 19.0.1.2.0)",
                    "model": "res.partner",
                    "inherit_id": self.env.ref("base.view_partner_form").id,
                    "arch": '<xpath expr="//sheet" position="before"><div/></xpath>',
                }
                for name in MERGED_VIEWS
            ]
        )
        self.env["ir.model.data"].create(
            [
                {"module": ADDON, "name": name, "model": "ir.ui.view", "res_id": view.id}
                for name, view in zip(MERGED_VIEWS, views, strict=True)
            ]
        )
        kept = self._addon_views() - views

        MIGRATION.migrate(self.env.cr, False)  # a new install: nothing to do
        self.assertEqual(len(views.exists()), len(MERGED_VIEWS))

        MIGRATION.migrate(self.env.cr, "19.0.1.1.0")
        self.assertFalse(views.exists())
        self.assertFalse(
            self.env["ir.model.data"].search([("module", "=", ADDON), ("name", "in", MERGED_VIEWS)])
        )
        self.assertEqual(kept.exists(), kept, "the other views stay")
