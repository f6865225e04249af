import datetime

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..lib import facts as rank_facts

LOST_CATEGORIES = [
    ("budget", "Budget"),
    ("competitor", "Competitor"),
    ("timing", "Timing / Postponed"),
    ("plan_changed", "Plan Changed"),
    ("complaint", "Dissatisfaction / Complaint"),
    ("no_response", "No Response"),
    ("other", "Other"),
]
FOLLOWUP_CHANNELS = [
    ("phone", "Phone Call"),
    ("visit", "Visit"),
    ("email", "E-mail"),
    ("direct_mail", "Direct Mail (DM)"),
    ("event", "Campaign / Event Invitation"),
]
MAX_FOLLOWUP_DELAY = 3650  # ten years: anything longer is a typo
# Deal fields whose change can make a deal lost for a reason (its playbook's follow-up).
FOLLOWUP_TRIGGER_FIELDS = frozenset({"lost_reason_id", "active", "probability", "stage_id"})


class CrmLostReason(models.Model):
    _name = "crm.lost.reason"
    _inherit = ["crm.lost.reason", "crm.rank.selection.check"]

    marks_defected = fields.Boolean(
        string="Marks Defection",
        help="Losing a past customer's deal for this reason makes the customer "
        "defected (for example a complaint).",
    )
    category = fields.Selection(
        LOST_CATEGORIES,
        required=True,
        default="other",
        help="Groups the lost reasons in the lost analysis.",
    )
    followup_activity_type_id = fields.Many2one(
        "mail.activity.type",
        string="Follow-up Activity",
        domain="[('res_model', 'in', (False, 'crm.lead'))]",
        help="Losing a deal for this reason schedules this activity on the deal for "
        "its salesperson. Leave empty for no follow-up.",
    )
    followup_delay_days = fields.Integer(
        string="Follow-up After (days)",
        default=90,
        help="Days between the loss and the follow-up activity's due date.",
    )
    followup_channel = fields.Selection(
        FOLLOWUP_CHANNELS,
        string="Follow-up Channel",
        help="How the salesperson gets back to the customer.",
    )
    followup_instruction = fields.Char(
        string="Follow-up Instruction",
        translate=True,
        help="What the salesperson should do, in one sentence; it becomes the "
        "activity's summary.",
    )


    def _crm_rank_refresh_customers(self):
        """Ticking *Marks Defection* applies at once to the past customers who lost a
        deal for this reason (they become defected, until a manager reinstates them);
        unticking it ends no defection already made."""
        # every customer concerned, whatever deals the manager may read
        leads_sudo = self.env["crm.lead"].sudo().with_context(active_test=False)
        groups = leads_sudo._read_group(
            [("lost_reason_id", "in", self.ids), ("won_status", "=", "lost"), ("partner_id", "!=", False)],
            ["partner_id"],
        )
        partners = self.env["res.partner"].browse([partner.id for (partner,) in groups])
        partners._crm_rank_refresh("deal")

    @api.constrains("followup_delay_days")
    def _check_followup_delay_days(self):
        for reason in self:
            if not 0 <= reason.followup_delay_days <= MAX_FOLLOWUP_DELAY:
                raise ValidationError(
                    self.env._(
                        "The follow-up of the lost reason %(reason)s must be due between "
                        "0 and %(max)s days after the loss.",
                        reason=reason.name,
                        max=MAX_FOLLOWUP_DELAY,
                    )
                )

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    def write(self, vals):
        if "category" in vals:
            # the deals' stored category follows without a write on them
            self.env["crm.rank.report.summary"]._keep_counted_for_reasons(self)
        res = super().write(vals)
        if "marks_defected" in vals:
            self._crm_rank_refresh_customers()
        return res

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    @api.model
    def _crm_rank_playbooks(self, customer_ids):
        """``{commercial id: text}``: the playbook of the last lost reason of each
        customer of ``customer_ids`` (a few queries for all of them).
        """
        reason_ids = rank_facts.last_lost_reasons(self.env, customer_ids) if customer_ids else {}
        # the playbook is shared text, shown to whoever may see the rank
        reasons_sudo = self.sudo().browse({rid for rid in reason_ids.values() if rid})
        channels = dict(reasons_sudo._fields["followup_channel"]._description_selection(self.env))
        result = {}
        for customer_id, reason_id in reason_ids.items():
            reason = reasons_sudo.browse(reason_id).with_prefetch(reasons_sudo._prefetch_ids)
            if not reason:
                continue
            lines = [self.env._("Last lost reason: %(reason)s", reason=reason.name)]
            if reason.followup_instruction:
                lines.append(self.env._("Follow-up: %(instruction)s", instruction=reason.followup_instruction))
            if reason.followup_channel:
                lines.append(
                    self.env._(
                        "Channel: %(channel)s, %(days)s days after the loss",
                        channel=channels[reason.followup_channel],
                        days=reason.followup_delay_days,
                    )
                )
            result[customer_id] = "\n".join(lines)
        return result

    @api.model
    def _crm_schedule_followups(self, leads, fnames=None):
        """Schedule the follow-up of the lost reason's playbook on the lost deals among ``leads``.

        One open follow-up per deal: losing again (or writing the same reason
        again) keeps the open one; losing for another reason replaces it.

        :param fnames: the deal fields just written; ``None``: the deals were created
        """
        if fnames is not None and FOLLOWUP_TRIGGER_FIELDS.isdisjoint(fnames):
            return
        if self.env.context.get("mail_activity_automation_skip"):
            return
        leads = leads.filtered(lambda lead: lead.won_status == "lost" and lead.lost_reason_id.followup_activity_type_id)
        if not leads:
            return
        open_followups = self.env["mail.activity"].search(
            [
                ("res_model", "=", "crm.lead"),
                ("res_id", "in", leads.ids),
                ("crm_lost_reason_id", "!=", False),
            ]
        )
        reason_by_lead = {lead.id: lead.lost_reason_id for lead in leads}
        outdated = open_followups.filtered(lambda act: act.crm_lost_reason_id != reason_by_lead[act.res_id])
        outdated.unlink()
        kept = {act.res_id for act in open_followups - outdated}
        todo = leads.filtered(lambda lead: lead.id not in kept)
        if not todo:
            return
        today = fields.Date.context_today(self)
        model_id = self.env["ir.model"]._get_id("crm.lead")
        # the customer's responsible salesperson (crm.rank.responsible), else whoever lost it
        responsible = self.env["crm.rank.responsible"]._assign(
            {
                lead.id: (lead.partner_id.commercial_partner_id.user_id.id, lead.user_id.id, lead.team_id.id)
                for lead in todo
            }
        )
        assignees = {lead.id: responsible[lead.id] or self.env.uid for lead in todo}
        vals_list = []
        # written in the language of the salesperson who does the follow-up
        for lang, lead_ids in self.env["mail.activity"]._crm_rank_group_by_reader(assignees).items():
            env = self.with_context(lang=lang).env
            channels = dict(self._fields["followup_channel"]._description_selection(env))
            for lead in todo.with_env(env).browse(lead_ids):
                reason = lead.lost_reason_id
                if reason.followup_channel:
                    note = env._(
                        "Lost reason: %(reason)s. Channel: %(channel)s.",
                        reason=reason.name,
                        channel=channels[reason.followup_channel],
                    )
                else:
                    note = env._("Lost reason: %(reason)s.", reason=reason.name)
                vals_list.append(
                    {
                        "res_model_id": model_id,
                        "res_id": lead.id,
                        "activity_type_id": reason.followup_activity_type_id.id,
                        "summary": reason.followup_instruction or reason.name,
                        "note": Markup("<p>%s</p>") % note,
                        "date_deadline": today + datetime.timedelta(days=reason.followup_delay_days),
                        "user_id": assignees[lead.id],
                        "automated": True,
                        "crm_lost_reason_id": reason.id,
                    }
                )
        self.env["mail.activity"].create(vals_list)

    @api.model
    def _crm_sync_lead_categories(self):
        """Set every lost deal's category from its lost reason with SQL (at install:
        the related field's value, without computing it deal by deal)."""
        self.env.flush_all()
        self.env.execute_query(
            SQL(
                """
                UPDATE crm_lead l SET lost_reason_category = r.category
                  FROM crm_lost_reason r
                 WHERE r.id = l.lost_reason_id AND l.lost_reason_category IS DISTINCT FROM r.category
                """
            )
        )
        self.env["crm.lead"].invalidate_model(["lost_reason_category"])
