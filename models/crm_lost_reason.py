from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..lib import facts as rank_facts
from ..lib.orm import check_selection_values

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


class CrmLostReason(models.Model):
    _inherit = "crm.lost.reason"

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

    @api.model_create_multi
    def create(self, vals_list):
        check_selection_values(self, vals_list)
        return super().create(vals_list)

    def write(self, vals):
        check_selection_values(self, [vals])
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

        Called by ``res.partner._compute_crm_rank_guidance`` for the lost customers.
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
