from odoo import api, fields, models
from odoo.tools import SQL

CAUSES = [
    ("deal", "Deal change"),
    ("referral", "Referral"),
    ("construction", "Construction"),
    ("scheduled", "Scheduled update"),
    ("manual", "Manual"),
    ("install", "Installation"),
]
# A dormant customer who comes back to one of these ranks was reactivated.
REACTIVATED_RANKS = ("gathering", "prospect", "contracted")


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
            entry.is_reactivation = entry.old_rank == "dormant" and entry.new_rank in REACTIVATED_RANKS

    @api.model
    def _create_set_based(self, rows, cause):
        """Insert many history rows in one query, for bulk rank updates.

        Stores what ``create`` would store, the computed fields included.

        :param rows: ``[(partner id, old rank, new rank, reason)]``
        """
        if not rows:
            return
        partner_ids, old_ranks, new_ranks, reasons = (list(column) for column in zip(*rows, strict=True))
        now = self.env.cr.now()
        self.env.execute_query(
            SQL(
                """
                INSERT INTO crm_rank_history (partner_id, company_id, old_rank, new_rank, reason, cause,
                                              date, user_id, is_reactivation, create_uid, create_date,
                                              write_uid, write_date)
                SELECT v.partner_id, p.company_id, v.old_rank, v.new_rank, v.reason, %(cause)s,
                       %(date)s, %(uid)s,
                       COALESCE(v.old_rank = 'dormant' AND v.new_rank = ANY(%(reactivated)s), false),
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM unnest(%(partner_ids)s::int[], %(old_ranks)s::varchar[], %(new_ranks)s::varchar[],
                              %(reasons)s::varchar[]) AS v(partner_id, old_rank, new_rank, reason)
                  JOIN res_partner p ON p.id = v.partner_id
                """,
                cause=cause,
                date=fields.Datetime.now(),
                uid=self.env.uid,
                reactivated=list(REACTIVATED_RANKS),
                now=now,
                partner_ids=partner_ids,
                old_ranks=[rank or None for rank in old_ranks],
                new_ranks=[rank or None for rank in new_ranks],
                reasons=[reason or None for reason in reasons],
            )
        )
