"""Completion survey answers: the deal they answer for, and what the answer means.

An answer linked to a deal (``crm_lead_id``, set when ``crm.rank.survey``
invites the customer or prints the survey) is judged when it is completed
(``state`` becomes ``done``, however that happens): ``crm.rank.survey`` then
schedules the referral request or the team leader's call.
"""

from odoo import api, fields, models

from ..lib.orm import check_selection_values

SURVEY_SATISFACTIONS = [
    ("good", "Satisfied"),
    ("bad", "Dissatisfied"),
]


class SurveyUserInput(models.Model):
    _inherit = "survey.user_input"

    crm_lead_id = fields.Many2one(
        "crm.lead",
        string="Deal",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
        help="The completed job this completion survey was sent or printed for.",
    )
    # The deal's customer and salesperson when the survey was sent or printed, kept
    # (not related fields: a related field would make every change of a deal's
    # salesperson or customer look for survey answers, one query more each time)
    crm_customer_id = fields.Many2one(
        "res.partner", string="Customer", readonly=True, index="btree_not_null", ondelete="set null"
    )
    crm_user_id = fields.Many2one("res.users", string="Salesperson", readonly=True, ondelete="set null")
    crm_satisfaction = fields.Selection(
        SURVEY_SATISFACTIONS,
        string="Satisfaction",
        readonly=True,
        copy=False,
        help="Satisfied when the completed survey's score reaches the company's threshold "
        "(CRM settings, Completion Survey), dissatisfied below it.",
    )
    crm_satisfied_rate = fields.Float(
        string="Satisfied (%)",
        compute="_compute_crm_satisfied_rate",
        store=True,
        aggregator="avg",
        help="100 for a satisfied answer, 0 for a dissatisfied one: its average is the share of "
        "satisfied customers.",
    )

    @api.depends("crm_satisfaction")
    def _compute_crm_satisfied_rate(self):
        for answer in self:
            answer.crm_satisfied_rate = 100.0 if answer.crm_satisfaction == "good" else 0.0

    @api.model_create_multi
    def create(self, vals_list):
        check_selection_values(self, vals_list)
        self._crm_deal_values(vals_list)
        answers = super().create(vals_list)
        self.env["crm.rank.survey"]._answers_done(answers.filtered(lambda answer: answer.state == "done"))
        return answers

    def write(self, vals):
        check_selection_values(self, [vals])
        self._crm_deal_values([vals])
        done_before = self.filtered(lambda answer: answer.state == "done") if "state" in vals else None
        res = super().write(vals)
        if done_before is not None:
            self.env["crm.rank.survey"]._answers_done(
                self.filtered(lambda answer: answer.state == "done") - done_before
            )
        return res

    @api.model
    def _crm_deal_values(self, vals_list):
        """Fill the customer and the salesperson of the values naming a deal (in place)."""
        lead_ids = {vals["crm_lead_id"] for vals in vals_list if vals.get("crm_lead_id")}
        if not lead_ids:
            return
        # sudo: the customer completes the survey as the public user
        leads_sudo = self.env["crm.lead"].sudo().browse(lead_ids)
        for vals in vals_list:
            if vals.get("crm_lead_id"):
                lead = leads_sudo.browse(vals["crm_lead_id"])
                vals.setdefault("crm_customer_id", lead.partner_id.commercial_partner_id.id)
                vals.setdefault("crm_user_id", lead.user_id.id)

    @api.model
    def _crm_action(self, domain):
        """The completion survey answers of ``domain`` (a deal's, a customer's), latest first."""
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_customer_rank.survey_user_input_crm_action")
        action["domain"] = domain
        action["context"] = {"create": False}
        return action
