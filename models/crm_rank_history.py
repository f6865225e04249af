from odoo import api, fields, models

CAUSES = [
    ("deal", "Deal change"),
    ("referral", "Referral"),
    ("construction", "Construction"),
    ("scheduled", "Scheduled update"),
    ("manual", "Manual"),
    ("install", "Installation"),
]


class CrmRankHistory(models.Model):
    _name = "crm.rank.history"
    _description = "Customer Rank History"
    _order = "date desc, id desc"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        "res.company",
        related="partner_id.company_id",
        store=True,
        index=True,
    )
    old_rank = fields.Selection(
        selection=lambda self: self.env["res.partner"]._fields["crm_rank"].selection,
        string="Previous Rank",
    )
    new_rank = fields.Selection(
        selection=lambda self: self.env["res.partner"]._fields["crm_rank"].selection,
        string="New Rank",
    )
    reason = fields.Selection(
        selection=lambda self: self.env["res.partner"]._fields["crm_rank_reason"].selection,
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    cause = fields.Selection(CAUSES, required=True, default="manual")
    user_id = fields.Many2one("res.users", default=lambda self: self.env.user)
    is_reactivation = fields.Boolean(
        compute="_compute_is_reactivation",
        store=True,
        help="A dormant customer came back with a new inquiry or opportunity.",
    )

    @api.depends("old_rank", "new_rank")
    def _compute_is_reactivation(self):
        for entry in self:
            entry.is_reactivation = entry.old_rank == "dormant" and entry.new_rank in (
                "gathering",
                "prospect",
                "contracted",
            )
