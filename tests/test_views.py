import importlib.util
from pathlib import Path

from lxml import etree

from odoo.tests import TransactionCase, tagged

ADDON = "crm_customer_rank"


def _migration(version, name):
    path = Path(__file__).resolve().parents[1] / "migrations" / version / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"crm_customer_rank_{version}_{name}".replace(".", "_"), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# the migrations that delete the views merged into the customer's (19.0.1.2.0) and the deal's (19.0.1.4.0)
MIGRATION = _migration("19.0.1.2.0", "pre-migrate")
MERGED_VIEWS = MIGRATION.MERGED_VIEWS
DEAL_MIGRATION = _migration("19.0.1.4.0", "pre-25-views")
# rank fields shown as a badge, in one colour per rank (static/src/js/crm_rank_badge.js)
RANK_FIELDS = ("crm_rank", "old_rank", "new_rank", "rank")


@tagged("post_install", "-at_install")
class TestViews(TransactionCase):
    """The customer's and the deal's form, list and cards are extended by one view of the addon each."""

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

    def test_deal_views_extended_once(self):
        extensions = self._addon_views().filtered(lambda view: view.model == "crm.lead" and view.mode == "extension")
        for parent, xmlid in (
            ("crm.crm_lead_view_form", "crm_lead_view_form"),
            ("crm.crm_case_kanban_view_leads", "crm_lead_view_kanban"),
            ("crm.crm_case_tree_view_oppor", "crm_lead_view_list_opportunity"),
            ("crm.crm_case_tree_view_leads", "crm_lead_view_list_lead"),
        ):
            with self.subTest(parent=parent):
                ours = extensions.filtered(lambda view, parent=parent: view.inherit_id == self.env.ref(parent))
                self.assertEqual(ours, self.env.ref(f"{ADDON}.{xmlid}"))
                self.assertFalse(ours.inherit_children_ids & extensions, "nothing of ours extends it again")

    def test_rank_colours_in_one_place(self):
        """Every rank shown as a badge uses the rank badge, whose colours live in its JS; no view repeats them."""
        for view in self._addon_views():
            for node in etree.fromstring(view.arch_db.encode()).iter("field"):
                if node.get("name") in RANK_FIELDS and node.get("widget") in ("badge", "crm_rank_badge"):
                    with self.subTest(view=view.xml_id, field=node.get("name")):
                        self.assertEqual(node.get("widget"), "crm_rank_badge")
                        self.assertFalse([attr for attr in node.attrib if attr.startswith("decoration-")])

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

    def _fake_merged_views(self, names, model, parent, arch='<xpath expr="//sheet" position="before"><div/></xpath>'):
        """The addon's views ``names`` as they were before their merge, each with the XML id it had.

        They apply after the addon's views (priority 30), so that a customisation of one
        finds the addon's fields, as it found them in the merged view itself."""
        views = self.env["ir.ui.view"].create(
            [
                {
                    "name": f"{name} (before the merge)",
                    "model": model,
                    "inherit_id": self.env.ref(parent).id,
                    "arch": arch,
                    "priority": 30,
                }
                for name in names
            ]
        )
        self.env["ir.model.data"].create(
            [
                {"module": ADDON, "name": name, "model": "ir.ui.view", "res_id": view.id}
                for name, view in zip(names, views, strict=True)
            ]
        )
        return views

    def test_upgrade_moves_a_customisation_of_a_merged_customer_view(self):
        """A customisation inheriting a merged view inherits the view it was merged into
        (the database refuses to delete a view another inherits)."""
        merged = self._fake_merged_views(list(MERGED_VIEWS), "res.partner", "base.view_partner_form")
        custom = self.env["ir.ui.view"].create(
            {
                "name": "A company's own change to the rank tab",
                "model": "res.partner",
                "inherit_id": merged[0].id,
                "arch": '<xpath expr="//field[@name=\'crm_rank_reason\']" position="attributes">'
                '<attribute name="string">Why</attribute></xpath>',
            }
        )
        MIGRATION.migrate(self.env.cr, "19.0.1.1.0")
        self.assertFalse(merged.exists())
        self.assertEqual(custom.inherit_id, self.env.ref(f"{ADDON}.res_partner_view_form"))
        arch = self.env["res.partner"].get_view(self.env.ref("base.view_partner_form").id)["arch"]
        self.assertRegex(arch, r'name="crm_rank_reason"[^>]*string="Why"')

    def test_upgrade_deletes_the_merged_deal_views(self):
        """From 19.0.1.3.0 the deal's form and cards are one view each: the merged ones are
        deleted before the new views load, a customisation of one moves onto the view holding
        its elements now, and the deal's form still opens with it."""
        form_views = [name for name, holder in DEAL_MIGRATION.MERGED_VIEWS.items() if holder == "crm_lead_view_form"]
        merged = self._fake_merged_views(form_views, "crm.lead", "crm.crm_lead_view_form")
        merged |= self._fake_merged_views(
            ["crm_lead_view_kanban_guidance"],
            "crm.lead",
            "crm.crm_case_kanban_view_leads",
            arch='<xpath expr="//field[@name=\'tag_ids\']" position="before"><span/></xpath>',
        )
        custom = self.env["ir.ui.view"].create(
            {
                "name": "A company's own change to the construction fields",
                "model": "crm.lead",
                "inherit_id": self.env.ref(f"{ADDON}.crm_lead_view_form_construction").id,
                "arch": '<xpath expr="//field[@name=\'project_id\']" position="attributes">'
                '<attribute name="string">Site</attribute></xpath>',
            }
        )
        kept = self._addon_views() - merged

        DEAL_MIGRATION.migrate(self.env.cr, False)  # a new install: nothing to do
        self.assertEqual(merged.exists(), merged)

        DEAL_MIGRATION.migrate(self.env.cr, "19.0.1.3.0")
        self.assertFalse(merged.exists())
        merged_names = list(DEAL_MIGRATION.MERGED_VIEWS)
        self.assertFalse(self.env["ir.model.data"].search([("module", "=", ADDON), ("name", "in", merged_names)]))
        self.assertEqual(kept.exists(), kept, "the other views stay")
        self.assertEqual(custom.inherit_id, self.env.ref(f"{ADDON}.crm_lead_view_form"))
        arch = self.env["crm.lead"].get_view(self.env.ref("crm.crm_lead_view_form").id)["arch"]
        self.assertRegex(arch, r'name="project_id"[^>]*string="Site"')
