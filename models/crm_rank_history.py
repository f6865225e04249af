from odoo import api, fields, models
from odoo.tools import SQL

from ..engine import facts as rank_facts
from .period_labels import localized_period_formatter
from .res_partner import CRM_RANK_REASONS, CRM_RANKS

CAUSES = [
    ("deal", "Deal change"),
    ("referral", "New referral"),
    ("construction", "Construction"),
    ("scheduled", "Scheduled update"),
    ("manual", "Manual"),
    ("install", "Installation"),
]
# A dormant customer who comes back for one of these reasons (a new inquiry,
# opportunity or contract) was reactivated; one who is only contacted was not.
REACTIVATION_REASONS = ("inquiry", "open_opportunity", "construction")


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
    # declared as lists (not callables) so that Odoo translates their labels
    old_rank = fields.Selection(CRM_RANKS, string="Previous Rank")
    new_rank = fields.Selection(CRM_RANKS)
    reason = fields.Selection(CRM_RANK_REASONS)
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    cause = fields.Selection(CAUSES, required=True, default="manual")
    user_id = fields.Many2one("res.users", default=lambda self: self.env.user)
    is_reactivation = fields.Boolean(
        compute="_compute_is_reactivation",
        store=True,
        help="A dormant customer came back with a new inquiry or opportunity.",
    )

    @api.depends("old_rank", "new_rank", "reason")
    def _compute_is_reactivation(self):
        # A new inquiry, opportunity or contract: a dormant customer who is only
        # contacted goes back to after-care, which is not a reactivation.
        for entry in self:
            entry.is_reactivation = entry.old_rank == "dormant" and entry.reason in REACTIVATION_REASONS

    salesperson_id = fields.Many2one(
        "res.users",
        index="btree_not_null",
        help="Salesperson of the customer's last completed work when the rank changed.",
    )
    became_dormant = fields.Boolean(
        compute="_compute_became_dormant",
        store=True,
        help="The customer became dormant with this change.",
    )

    @api.depends("old_rank", "new_rank")
    def _compute_became_dormant(self):
        for entry in self:
            entry.became_dormant = entry.new_rank == "dormant" and entry.old_rank != "dormant"

    @api.model_create_multi
    def create(self, vals_list):
        """Remember who followed the customer at the time (one query per batch)."""
        partner_ids = {
            vals["partner_id"] for vals in vals_list if vals.get("partner_id") and "salesperson_id" not in vals
        }
        if partner_ids:
            self.env.flush_all()
            today = fields.Date.context_today(self)
            commercial = {
                partner.id: partner.commercial_partner_id.id
                for partner in self.env["res.partner"].sudo().browse(partner_ids)
            }
            last_deals = rank_facts.last_completed_deals(self.env, set(commercial.values()), today)
            vals_list = [
                vals
                if "salesperson_id" in vals or not vals.get("partner_id")
                else {
                    **vals,
                    "salesperson_id": last_deals.get(commercial[vals["partner_id"]], {}).get("last_deal_user_id"),
                }
                for vals in vals_list
            ]
        return super().create(vals_list)

    @api.model
    def _create_set_based(self, rows, cause):
        """Insert many history rows in one query, for bulk rank updates.

        Stores what ``create`` would store: the company, the salesperson of the
        customer's last completed work and the computed fields
        (``_compute_is_reactivation``, ``_compute_became_dormant``).

        :param rows: ``[(partner id, old rank, new rank, reason)]``
        """
        if not rows:
            return
        partner_ids, old_ranks, new_ranks, reasons = (list(column) for column in zip(*rows, strict=True))
        self.env.flush_all()
        today = fields.Date.context_today(self)
        commercial = dict(
            self.env.execute_query(
                SQL("SELECT id, commercial_partner_id FROM res_partner WHERE id = ANY(%s)", partner_ids)
            )
        )
        last_deals = rank_facts.last_completed_deals(self.env, set(commercial.values()), today)
        salesperson_ids = [
            last_deals.get(commercial.get(partner_id), {}).get("last_deal_user_id") for partner_id in partner_ids
        ]
        now = self.env.cr.now()
        self.env.execute_query(
            SQL(
                """
                INSERT INTO crm_rank_history (partner_id, company_id, old_rank, new_rank, reason, cause,
                                              date, user_id, salesperson_id, is_reactivation,
                                              became_dormant, create_uid, create_date, write_uid,
                                              write_date)
                SELECT v.partner_id, p.company_id, v.old_rank, v.new_rank, v.reason, %(cause)s,
                       %(date)s, %(uid)s, v.salesperson_id,
                       COALESCE(v.old_rank = 'dormant' AND v.reason = ANY(%(reactivated)s), false),
                       COALESCE(v.new_rank = 'dormant' AND v.old_rank IS DISTINCT FROM 'dormant', false),
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM unnest(%(partner_ids)s::int[], %(old_ranks)s::varchar[], %(new_ranks)s::varchar[],
                              %(reasons)s::varchar[], %(salesperson_ids)s::int[])
                       AS v(partner_id, old_rank, new_rank, reason, salesperson_id)
                  JOIN res_partner p ON p.id = v.partner_id
                """,
                cause=cause,
                date=fields.Datetime.now(),
                uid=self.env.uid,
                reactivated=list(REACTIVATION_REASONS),
                now=now,
                partner_ids=partner_ids,
                old_ranks=[rank or None for rank in old_ranks],
                new_ranks=[rank or None for rank in new_ranks],
                reasons=[reason or None for reason in reasons],
                salesperson_ids=salesperson_ids,
            )
        )

    def _web_read_group_groupby_formatter(self, groupby_spec, values):
        """Month and quarter labels in the reader's word order (2026年1月)."""
        formatter = super()._web_read_group_groupby_formatter(groupby_spec, values)
        return localized_period_formatter(self, groupby_spec, formatter)
