from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, sql

from .res_partner import CRM_RANKS

# Lead fields whose change can move the customer's rank at once.
RANK_TRIGGER_FIELDS = frozenset(
    {
        "partner_id",
        "stage_id",
        "active",
        "probability",
        "type",
        "lost_reason_id",
        "completion_date",
        "date_closed",
        "referrer_partner_id",
    }
)
# The rank a lead ``l`` gets from its own state: the set-based twin of
# ``_crm_rank_own`` (test_rank_bulk checks that both agree).
LEAD_OWN_RANK_SQL = SQL(
    """CASE WHEN l.won_status = 'won' THEN 'contracted'
            WHEN l.won_status = 'lost' THEN 'lost'
            WHEN l.type = 'opportunity' AND l.active THEN 'prospect'
            ELSE 'gathering' END"""
)


class CrmLead(models.Model):
    _inherit = "crm.lead"

    crm_rank = fields.Selection(
        CRM_RANKS,
        string="Customer Rank",
        compute="_compute_crm_rank",
        store=True,
        index=True,
        group_expand=True,
        help="The customer's rank; for a lead without a customer, the rank its own "
        "state gives.",
    )
    completion_date = fields.Date(
        string="Completion Date",
        copy=False,
        tracking=True,
        help="Day the construction of this won deal was (or will be) completed. The "
        "dormancy period of the customer starts from it.",
    )
    referrer_partner_id = fields.Many2one(
        "res.partner",
        string="Referrer",
        index="btree_not_null",
        tracking=True,
        help="The customer who referred this inquiry to us.",
    )

    # ------------------------------------------------------------
    # COMPUTES / CONSTRAINTS
    # ------------------------------------------------------------

    @api.depends("partner_id.crm_rank", "type", "won_status", "active")
    def _compute_crm_rank(self):
        for lead in self:
            lead.crm_rank = lead.partner_id.crm_rank or lead._crm_rank_own()

    def _crm_rank_own(self):
        """The rank a lead without a ranked customer gets from its own state."""
        self.ensure_one()
        if self.won_status == "won":
            return "contracted"
        if self.won_status == "lost":
            return "lost"
        if self.type == "opportunity" and self.active:
            return "prospect"
        return "gathering"

    @api.constrains("completion_date", "date_closed", "won_status")
    def _check_completion_date(self):
        for lead in self:
            if (
                lead.completion_date
                and lead.won_status == "won"
                and lead.date_closed
                and lead.completion_date < lead.date_closed.date()
            ):
                raise ValidationError(
                    self.env._(
                        "The completion date of %(deal)s (%(completion)s) cannot be "
                        "before the day the deal was won (%(won)s).",
                        deal=lead.display_name,
                        completion=lead.completion_date,
                        won=lead.date_closed.date(),
                    )
                )

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        self._crm_rank_check_write(vals_list)
        leads = super().create(vals_list)
        leads.partner_id._crm_rank_refresh("deal")
        return leads

    def write(self, vals):
        self._crm_rank_check_write([vals])
        if RANK_TRIGGER_FIELDS.isdisjoint(vals):
            return super().write(vals)
        before = self.partner_id
        res = super().write(vals)
        (before | self.partner_id)._crm_rank_refresh("deal")
        return res

    def unlink(self):
        partners = self.partner_id
        res = super().unlink()
        partners.exists()._crm_rank_refresh("deal")
        return res

    def _crm_rank_check_write(self, vals_list):
        if any("crm_rank" in vals for vals in vals_list):
            raise UserError(
                self.env._(
                    "The rank of a deal follows its customer and cannot be set by hand."
                )
            )

    # ------------------------------------------------------------
    # DEMO
    # ------------------------------------------------------------

    @api.model
    def _crm_rank_demo_backdate(self, lead_ids):
        """Demo data only: a closed deal was created some weeks before it closed."""
        self.env.flush_all()
        self.env.execute_query(
            SQL(
                "UPDATE crm_lead SET create_date = date_closed - INTERVAL '45 days'"
                " WHERE id = ANY(%s) AND date_closed IS NOT NULL",
                list(lead_ids),
            )
        )
        self.env.invalidate_all()

    # ------------------------------------------------------------
    # SET-BASED RANKS (install, large change sets)
    # ------------------------------------------------------------

    def _auto_init(self):
        """Create the rank column before the ORM computes it lead by lead.

        On a database with many leads, computing the new stored field at
        install would take minutes; the post-init hook fills the column
        set-based instead (``_crm_rank_sync``).
        """
        if not sql.column_exists(self.env.cr, self._table, "crm_rank"):
            sql.create_column(self.env.cr, self._table, "crm_rank", "varchar")
        return super()._auto_init()

    @api.model
    def _crm_rank_sync(self, partner_ids=None):
        """Set the rank of leads from their customer's rank with SQL.

        :param partner_ids: only the leads of these partners; all leads when
            ``None``. Same result as ``_compute_crm_rank``.
        """
        self.env.flush_all()
        rank = SQL("COALESCE(p.crm_rank, %s)", LEAD_OWN_RANK_SQL)
        only = SQL("l.partner_id = ANY(%s)", list(partner_ids)) if partner_ids is not None else SQL("TRUE")
        self.env.execute_query(
            SQL(
                """
                UPDATE crm_lead l SET crm_rank = %(rank)s
                  FROM res_partner p
                 WHERE p.id = l.partner_id AND %(only)s
                   AND l.crm_rank IS DISTINCT FROM %(rank)s
                """,
                rank=rank,
                only=only,
            )
        )
        if partner_ids is None:
            self.env.execute_query(
                SQL(
                    """
                    UPDATE crm_lead l SET crm_rank = %(own)s
                     WHERE l.partner_id IS NULL AND l.crm_rank IS DISTINCT FROM %(own)s
                    """,
                    own=LEAD_OWN_RANK_SQL,
                )
            )
        self.invalidate_model(["crm_rank"])
