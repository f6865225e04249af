from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..lib import facts as rank_facts

# Project fields whose change can complete (or reopen) a construction (declared with the facts).
CONSTRUCTION_TRIGGER_FIELDS = rank_facts.RANK_TRIGGERS["project.project"]


class ProjectProject(models.Model):
    _inherit = "project.project"

    crm_lead_ids = fields.One2many(
        "crm.lead",
        "project_id",
        string="Deals",
        context={"active_test": False},
        readonly=True,
    )
    crm_lead_count = fields.Integer(string="Deal Count", compute="_compute_crm_lead_count")
    construction_done_date = fields.Date(
        string="Construction Completed On",
        compute="_compute_construction_done_date",
        store=True,
        copy=False,
        help="Set when the project is done: its stage is folded (Done, Cancelled) or "
        "its last status update is Complete. The end date when it is already past, "
        "otherwise the day it was marked done.",
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    def _compute_crm_lead_count(self):
        counts = dict(
            self.env["crm.lead"]
            .with_context(active_test=False)
            ._read_group([("project_id", "in", self.ids)], ["project_id"], ["__count"])
        )
        for project in self:
            project.crm_lead_count = counts.get(project, 0)

    @api.depends("stage_id.fold", "last_update_status", "date")
    def _compute_construction_done_date(self):
        today = fields.Date.context_today(self)
        for project in self:
            if not project._crm_construction_is_done():
                project.construction_done_date = False
            elif project.date and project.date <= today:
                project.construction_done_date = project.date
            else:
                # keep the day it became done
                project.construction_done_date = project.construction_done_date or today

    def _crm_construction_is_done(self):
        """A construction is done when its project is closed.

        Odoo considers projects in a folded stage closed (Done and Cancelled by
        default); without project stages, a status update "Complete" closes it.
        """
        self.ensure_one()
        return bool(self.stage_id.fold) or self.last_update_status == "done"

    @api.model
    def _crm_lead_constructions(self, leads):
        """``{lead id: (state, progress in %)}``: the construction of each deal, from its
        project, or without one from its completion date once it is won."""
        today = fields.Date.context_today(self)
        result = {}
        for lead in leads:
            if lead.project_id:
                result[lead.id] = lead.project_id._crm_construction_state(today)
            elif lead.won_status == "won" and lead.completion_date:
                result[lead.id] = ("done", 100.0) if lead.completion_date <= today else ("in_progress", 0.0)
            else:
                result[lead.id] = (False, 0.0)
        return result

    def _crm_construction_state(self, today):
        """Return ``(state, progress in %)`` of the construction of this project."""
        self.ensure_one()
        if self.construction_done_date:
            return "done", 100.0
        if self.task_count:
            progress = 100.0 * self.task_completion_percentage
        else:
            progress = float(self.last_update_id.progress or 0)
        started = (
            progress
            or self.last_update_status not in (False, "to_define")
            or (self.date_start and self.date_start <= today)
        )
        return ("in_progress" if started else "not_started"), progress

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    def write(self, vals):
        # checked before super(): project.write() pops last_update_status
        trigger = not CONSTRUCTION_TRIGGER_FIELDS.isdisjoint(vals)
        res = super().write(vals)
        if trigger:
            self._crm_construction_refresh()
        return res

    @api.model
    def _crm_constructions_by_customer(self, customer_ids):
        """``{commercial id: project.project}``: the constructions of each customer's
        won deals that are not done yet, as the current user may see them.
        """
        customer_ids = [pid for pid in customer_ids if pid]
        if not customer_ids:
            return {}
        projects = self.search(
            [
                ("construction_done_date", "=", False),
                (
                    "crm_lead_ids",
                    "any",
                    [("partner_id.commercial_partner_id", "in", customer_ids), ("won_status", "=", "won")],
                ),
            ]
        )
        by_customer = defaultdict(self.browse)
        for lead in projects.crm_lead_ids:
            if lead.won_status == "won":
                by_customer[lead.partner_id.commercial_partner_id.id] |= lead.project_id
        return dict(by_customer)

    @api.model
    def _crm_create_for_leads(self, leads):
        """Create the construction project of the won deals among ``leads`` that have
        none (one each, ``crm.lead._prepare_construction_project_values``), link it,
        and return those deals."""
        leads = leads.filtered(lambda lead: lead.won_status == "won" and not lead.project_id)
        if not leads:
            raise UserError(self.env._("Only a won deal without a project can get a construction project."))
        leads.check_access("write")
        # Salespeople hand their won deals over to construction without project
        # manager rights: only the projects of deals they may edit are created.
        projects_sudo = self.sudo().create([lead._prepare_construction_project_values() for lead in leads])
        for lead, project_sudo in zip(leads, projects_sudo, strict=True):
            lead.project_id = project_sudo.id  # one value per deal
        return leads

    def _crm_construction_refresh(self):
        """The customers of these projects' deals: rank now (construction changed)."""
        if not self:
            return
        # project users may have no CRM rights; only the deals' customers are read
        leads_sudo = (
            self.env["crm.lead"]
            .sudo()
            .with_context(active_test=False)
            .search([("project_id", "in", self.ids)])
        )
        if leads_sudo:
            leads_sudo.partner_id._crm_rank_refresh("construction")
            # a completed construction gets its inspections at once
            self.env["crm.aftercare.item"]._sync_leads(leads_sudo)

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_open_crm_leads(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm.crm_lead_action_pipeline"
        )
        action.update(
            {
                "name": self.env._("Deals"),
                "domain": [("project_id", "=", self.id)],
                "context": {"active_test": False, "default_project_id": self.id},
                "view_mode": "list,form",
                "views": [(False, "list"), (False, "form")],
            }
        )
        if self.crm_lead_count == 1:
            action.update(
                {
                    "res_id": self.crm_lead_ids.id,
                    "view_mode": "form",
                    "views": [(False, "form")],
                }
            )
        return action
