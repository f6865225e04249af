from odoo import fields, models
from odoo.tools import SQL

from ..lib import rules
from ..lib.period_labels import localized_period_formatter
from ..models.crm_rank_history import CAUSES
from .crm_rank_reactivation_report import REACTIVATION_TRIGGERS

# The funnel a renovation company grows its customers along: each rank's next step.
FUNNEL_NEXT = {"gathering": "prospect", "prospect": "contracted", "contracted": "referral"}
# The funnel's ranks as steps whose keys sort in the funnel's order (the pivot's rows).
FUNNEL_STEPS = [
    ("1_gathering", "Information Gathering"),
    ("2_prospect", "Prospect"),
    ("3_contracted", "Contracted"),
    ("4_referral", "Referral"),
]
# Moves up and down, by the rank entered (README, "Rank movements").
MOVES_UP = ("prospect", "contracted", "referral")
MOVES_DOWN = ("dormant", "lost", "defected")
DIRECTIONS = [("up", "Up"), ("down", "Down"), ("first", "First Rank"), ("other", "Other")]


class CrmRankMovementReport(models.Model):
    """One row per rank change of a customer: from which rank to which, why, and
    how long the customer had stayed in the rank they left.

    Each row weighs one, so the count of a pivot cell (from x to) is the number
    of moves, and the average of *Moved On* over the rows entering a rank is the
    share of the customers who entered it and then took the funnel's next step
    (情報収集 -> 見込み -> 契約 -> 紹介). The customer's neighbouring changes are
    stored on the history row (``crm.rank.history._store_spans``): no window
    over the whole history at each read. The cohort (first inquiry, its source,
    kind of work and team) is joined in sub-queries PostgreSQL drops when the
    report is not grouped or filtered by them.
    """

    _name = "crm.rank.movement.report"
    _description = "Rank Movements"
    _auto = False
    _rec_name = "partner_id"
    _order = "date desc, id desc"
    # flushed before the report is read (a change made earlier in the same request)
    _depends = {
        "crm.rank.history": [
            "date", "partner_id", "old_rank", "new_rank", "reason", "cause", "is_reactivation", "salesperson_id",
            "company_id", "previous_date", "next_rank", "next_date", "became_dormant", "reactivation_id",
            "reactivation_date",
        ],
        "crm.lead": ["create_date", "partner_id", "source_id", "team_id", "tag_ids", "campaign_id", "date_open"],
        "res.partner": ["commercial_partner_id"],
    }

    history_id = fields.Many2one("crm.rank.history", string="Rank Change", readonly=True)
    date = fields.Datetime(string="Moved On", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    old_rank = fields.Selection(rules.RANKS, string="From Rank", readonly=True)
    new_rank = fields.Selection(rules.RANKS, string="To Rank", readonly=True)
    direction = fields.Selection(
        DIRECTIONS,
        readonly=True,
        help="Up: to prospect, contracted or referral. Down: to dormant, lost or defected. First "
        "Rank: the customer's first rank.",
    )
    funnel_step = fields.Selection(
        FUNNEL_STEPS,
        readonly=True,
        help="The rank entered, when it is one of the funnel's: information gathering, prospect, "
        "contracted, referral (in this order).",
    )
    reason = fields.Selection(rules.REASONS, readonly=True)
    cause = fields.Selection(CAUSES, string="What Moved Them", readonly=True)
    is_reactivation = fields.Boolean(string="Came Back from Dormant", readonly=True)
    trigger = fields.Selection(
        REACTIVATION_TRIGGERS,
        string="What Brought Them Back",
        readonly=True,
        help="For a customer who came back from dormant: the last after-care visit, reached "
        "reactivation activity, campaign's deal or mailing before they came back (as the Reactivation "
        "Rate report); otherwise they came back on their own.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        readonly=True,
        help="The customer's responsible salesperson when they moved.",
    )
    company_id = fields.Many2one("res.company", readonly=True)
    days_in_old_rank = fields.Integer(
        string="Days in From Rank",
        readonly=True,
        aggregator="avg",
        help="Days the customer had spent in the rank they left (empty for a first rank; left out of the average).",
    )
    next_rank = fields.Selection(
        rules.RANKS,
        string="Then Moved To",
        readonly=True,
        help="The rank the customer moved to next; empty: still in the rank entered.",
    )
    days_in_new_rank = fields.Integer(
        string="Days in To Rank",
        readonly=True,
        aggregator="avg",
        help="Days the customer stayed in the rank entered, until they left it or until today.",
    )
    move_count = fields.Integer(string="Moves", readonly=True)
    still_count = fields.Integer(
        string="Still There",
        readonly=True,
        help="The customer is still in the rank entered (this was their last move).",
    )
    moved_on_count = fields.Integer(
        string="Took the Next Step",
        readonly=True,
        help="The customer then moved to the funnel's next rank: from information gathering to "
        "prospect, from prospect to contracted, from contracted to referral.",
    )
    conversion_rate = fields.Float(
        string="Next Step Rate (%)",
        readonly=True,
        aggregator="avg",
        help="Share of the moves into a rank after which the customer took the funnel's next step "
        "(information gathering -> prospect -> contracted -> referral).",
    )
    first_inquiry_date = fields.Datetime(
        string="First Inquiry",
        readonly=True,
        help="When the customer's first inquiry came in: group by its month, quarter or year for cohorts.",
    )
    source_id = fields.Many2one("utm.source", string="Source of First Inquiry", readonly=True)
    tag_id = fields.Many2one(
        "crm.tag",
        string="Kind of Work",
        readonly=True,
        help="The first kind of work (CRM tag) of the customer's first inquiry.",
    )
    team_id = fields.Many2one(
        "crm.team", string="Sales Team", readonly=True, help="The sales team of the customer's first inquiry."
    )

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT h.id AS id,
                   h.id AS history_id,
                   h.date AS date,
                   h.partner_id AS partner_id,
                   h.old_rank AS old_rank,
                   h.new_rank AS new_rank,
                   CASE WHEN h.old_rank IS NULL THEN 'first'
                        WHEN h.new_rank IN %(up)s THEN 'up'
                        WHEN h.new_rank IN %(down)s THEN 'down'
                        ELSE 'other' END AS direction,
                   CASE h.new_rank %(funnel_steps)s END AS funnel_step,
                   h.reason AS reason,
                   h.cause AS cause,
                   h.is_reactivation AS is_reactivation,
                   h.salesperson_id AS user_id,
                   h.company_id AS company_id,
                   -- whole days; NULL for a first rank (AVG leaves it out)
                   FLOOR(EXTRACT(EPOCH FROM h.date - h.previous_date) / 86400.0)::integer AS days_in_old_rank,
                   h.next_rank AS next_rank,
                   FLOOR(EXTRACT(EPOCH FROM COALESCE(h.next_date, %(now)s) - h.date) / 86400.0)::integer
                       AS days_in_new_rank,
                   1 AS move_count,
                   CASE WHEN h.next_rank IS NULL THEN 1 ELSE 0 END AS still_count,
                   CASE WHEN %(next_step)s THEN 1 ELSE 0 END AS moved_on_count,
                   CASE WHEN %(next_step)s THEN 100.0 ELSE 0.0 END AS conversion_rate,
                   first_lead.create_date AS first_inquiry_date,
                   first_lead.source_id AS source_id,
                   first_tag.tag_id AS tag_id,
                   first_lead.team_id AS team_id,
                   CASE WHEN h.is_reactivation THEN COALESCE(came_back.trigger, 'own') END AS trigger
              FROM crm_rank_history h
         LEFT JOIN (
                   SELECT DISTINCT ON (p.commercial_partner_id)
                          p.commercial_partner_id AS partner_id, l.id, l.create_date, l.source_id, l.team_id
                     FROM crm_lead l
                     JOIN res_partner p ON p.id = l.partner_id
                 ORDER BY p.commercial_partner_id, l.create_date, l.id
                   ) AS first_lead ON first_lead.partner_id = h.partner_id
         LEFT JOIN (
                   SELECT lead_id, MIN(tag_id) AS tag_id FROM crm_tag_rel GROUP BY lead_id
                   ) AS first_tag ON first_tag.lead_id = first_lead.id
         -- what brought a comeback about: the Reactivation Rate report's look-up, run on
         -- the dormant events (h) that have a comeback; unique per comeback, so that
         -- PostgreSQL leaves the join out when the report does not read the trigger
         LEFT JOIN (
                   SELECT h.reactivation_id AS id, MAX(why.trigger) AS trigger
                     FROM crm_rank_history h
                LEFT JOIN LATERAL (%(trigger_query)s) AS why ON TRUE
                    WHERE h.became_dormant AND h.reactivation_id IS NOT NULL
                 GROUP BY h.reactivation_id
                   ) AS came_back ON came_back.id = h.id
            """,
            up=MOVES_UP,
            down=MOVES_DOWN,
            now=self.env.cr.now(),
            next_step=self._next_step_condition(),
            funnel_steps=SQL(" ").join(
                SQL("WHEN %s THEN %s", step.split("_", 1)[1], step) for step, _label in FUNNEL_STEPS
            ),
            trigger_query=self.env["crm.rank.reactivation.report"]._trigger_query(),
        )

    def _next_step_condition(self):
        """SQL: the customer's next move after entering ``h.new_rank`` is the funnel's next step."""
        return SQL(
            "(h.new_rank, h.next_rank) IN (%s)",
            SQL(", ").join(SQL("(%s, %s)", rank, step) for rank, step in FUNNEL_NEXT.items()),
        )

    def action_open_partner(self):
        """Click-through from a move to its customer."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def action_open_partners(self):
        """Click-through from the moves of a cell (selected in the list) to their customers."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Customers"),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "views": [(self.env.ref("crm_customer_rank.res_partner_view_list_rank").id, "list"), (False, "form")],
            "domain": [("id", "in", self.partner_id.ids)],
        }

    def _web_read_group_groupby_formatter(self, groupby_spec, values):
        """Month and quarter labels in the reader's word order (2026年1月)."""
        formatter = super()._web_read_group_groupby_formatter(groupby_spec, values)
        return localized_period_formatter(self, groupby_spec, formatter)
