import datetime
import operator as py_operator

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib import facts as rank_facts
from ..lib import rules
from ..lib.period_labels import localized_period_formatter

CAUSES = [
    ("deal", "Deal change"),
    ("referral", "New referral"),
    ("construction", "Construction"),
    ("scheduled", "Scheduled update"),
    ("manual", "Manual"),
    ("install", "Installation"),
    ("aftercare", "After-care visit"),
    ("rebuild", "Rebuilt from past deals"),
]

# The ranks a customer may enter again and again, counted on the customer ("Times Dormant"...).
RANKS_COUNTED = ("dormant", "lost", "contracted")
INTEGER_TESTS = {
    "=": py_operator.eq,
    "!=": py_operator.ne,
    "<": py_operator.lt,
    "<=": py_operator.le,
    ">": py_operator.gt,
    ">=": py_operator.ge,
}


def _integer_test(operator, value):
    """``count -> bool`` for a search on a count, ``None`` for an operator it does not support."""
    if operator in ("in", "not in"):
        values = set(value)
        return (lambda count: count in values) if operator == "in" else (lambda count: count not in values)
    if operator in INTEGER_TESTS and isinstance(value, int | float) and not isinstance(value, bool):
        return lambda count: INTEGER_TESTS[operator](count, value)
    return None


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
    old_rank = fields.Selection(rules.RANKS, string="Previous Rank")
    new_rank = fields.Selection(rules.RANKS)
    reason = fields.Selection(rules.REASONS)
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    cause = fields.Selection(CAUSES, required=True, default="manual")
    user_id = fields.Many2one("res.users", default=lambda self: self.env.user)
    is_reactivation = fields.Boolean(
        compute="_compute_is_reactivation",
        store=True,
        help="A dormant customer came back with a new inquiry or opportunity.",
    )

    @api.depends("old_rank", "reason")
    def _compute_is_reactivation(self):
        for entry in self:
            entry.is_reactivation = rules.is_reactivation(entry.old_rank, entry.reason)

    salesperson_id = fields.Many2one(
        "res.users",
        index="btree_not_null",
        help="The customer's responsible salesperson when the rank changed (else the salesperson "
        "of their last completed work).",
    )
    became_dormant = fields.Boolean(
        compute="_compute_became_dormant",
        store=True,
        help="The customer became dormant with this change.",
    )

    @api.depends("old_rank", "new_rank")
    def _compute_became_dormant(self):
        for entry in self:
            entry.became_dormant = rules.became("dormant", entry.old_rank, entry.new_rank)

    # Stored on the row of a customer becoming dormant, so that the
    # *Reactivation Rate* report reads it instead of searching each dormant
    # event's comeback (a sub-query per row, seconds at 100,000 customers).
    # Written by ``_store_comebacks`` from every path that adds or changes rows.
    reactivation_id = fields.Many2one(
        "crm.rank.history",
        string="Came Back With",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="For a customer who became dormant: the change with which they came back (a new inquiry, "
        "opportunity or contract) before becoming dormant again.",
    )
    reactivation_date = fields.Datetime(
        string="Came Back On",
        readonly=True,
        help="Date of the change with which the customer came back.",
    )
    # The customer's neighbouring changes, stored so that the *Rank Movements*
    # report reads the time spent in each rank without a window over the whole
    # history at each read. Written by ``_store_spans`` from every path that
    # adds or changes rows (as the comebacks above).
    previous_date = fields.Datetime(
        string="Previous Rank Since",
        readonly=True,
        help="When the customer entered the previous rank (the date of their change before this one).",
    )
    next_rank = fields.Selection(
        rules.RANKS,
        string="Then Moved To",
        readonly=True,
        help="The rank of the customer's next change; empty: they are still in this change's new rank.",
    )
    next_date = fields.Datetime(
        string="Left On",
        readonly=True,
        help="When the customer left this change's new rank (the date of their next change).",
    )

    @api.model_create_multi
    def create(self, vals_list):
        """Remember who followed the customer at the time (one query per batch)."""
        partner_ids = {
            vals["partner_id"] for vals in vals_list if vals.get("partner_id") and "salesperson_id" not in vals
        }
        if partner_ids:
            self.env.flush_all()
            today = fields.Date.context_today(self)
            partners_sudo = self.env["res.partner"].sudo().browse(partner_ids)
            commercial = {partner.id: partner.commercial_partner_id for partner in partners_sudo}
            last_deals = rank_facts.last_completed_deals(
                self.env, {customer.id for customer in commercial.values()}, today
            )
            vals_list = [
                vals
                if "salesperson_id" in vals or not vals.get("partner_id")
                else {
                    **vals,
                    "salesperson_id": commercial[vals["partner_id"]].user_id.id
                    or last_deals.get(commercial[vals["partner_id"]].id, {}).get("last_deal_user_id"),
                }
                for vals in vals_list
            ]
        entries = super().create(vals_list)
        entries._store_comebacks_of_events()
        self._store_spans(set(entries.partner_id.ids))
        return entries

    def write(self, vals):
        """Keep the stored comebacks right when an entry's ranks, reason, date or customer change."""
        concerned = {"partner_id", "old_rank", "new_rank", "reason", "date"}.intersection(vals)
        old_partner_ids = set(self.partner_id.ids) if concerned else set()
        result = super().write(vals)
        if concerned:
            self._store_comebacks(old_partner_ids | set(self.partner_id.ids), clear_stale=True)
            self._store_spans(old_partner_ids | set(self.partner_id.ids))
        return result

    def unlink(self):
        """Removing a comeback or a dormant event changes the comebacks of its customer."""
        partner_ids = set(self.partner_id.ids)
        result = super().unlink()
        self._store_comebacks(partner_ids)
        self._store_spans(partner_ids)
        return result

    def _store_comebacks_of_events(self):
        """``_store_comebacks`` for the customers of the entries that are dormant events or comebacks."""
        events = self.filtered(lambda entry: entry.became_dormant or entry.is_reactivation)
        if events:
            self._store_comebacks(set(events.partner_id.ids))

    @api.model
    def _store_comebacks(self, partner_ids=None, clear_stale=False):
        """Store on each entry of a customer becoming dormant the entry with which
        they came back (``reactivation_id``, ``reactivation_date``), in one query.

        The comeback of a dormant event is the customer's first reactivation after
        it (``date``, then ``id``) unless they became dormant again before: the
        next event among the dormant events and the reactivations, if it is a
        reactivation.

        :param partner_ids: the customers to update; ``None``: every customer
            (the migration to 19.0.1.3.0)
        :param clear_stale: also clear the comeback of the entries that are no
            longer dormant events (after a ``write``)
        """
        if partner_ids is not None and not partner_ids:
            return
        self.env.flush_all()
        only_partners = SQL("TRUE") if partner_ids is None else SQL("partner_id = ANY(%s)", sorted(partner_ids))
        self.env.execute_query(
            SQL(
                """
                WITH events AS (
                    SELECT id, became_dormant,
                           LEAD(id) OVER next_event AS next_id,
                           LEAD(date) OVER next_event AS next_date,
                           LEAD(is_reactivation) OVER next_event AS next_is_reactivation
                      FROM crm_rank_history
                     WHERE (became_dormant OR is_reactivation) AND %(only_partners)s
                    WINDOW next_event AS (PARTITION BY partner_id ORDER BY date, id)
                ), comebacks AS (
                    SELECT id,
                           CASE WHEN next_is_reactivation THEN next_id END AS back_id,
                           CASE WHEN next_is_reactivation THEN next_date END AS back_date
                      FROM events
                     WHERE became_dormant
                )
                UPDATE crm_rank_history h
                   SET reactivation_id = c.back_id, reactivation_date = c.back_date
                  FROM comebacks c
                 WHERE h.id = c.id
                   AND (h.reactivation_id IS DISTINCT FROM c.back_id
                        OR h.reactivation_date IS DISTINCT FROM c.back_date)
                """,
                only_partners=only_partners,
            )
        )
        if clear_stale:
            self.env.execute_query(
                SQL(
                    """
                    UPDATE crm_rank_history
                       SET reactivation_id = NULL, reactivation_date = NULL
                     WHERE NOT became_dormant AND reactivation_id IS NOT NULL AND %s
                    """,
                    only_partners,
                )
            )
        self.invalidate_model(["reactivation_id", "reactivation_date"])

    @api.model
    def _store_spans(self, partner_ids=None):
        """Store on each entry the customer's previous and next change (``previous_date``,
        ``next_rank``, ``next_date``), in one query.

        The neighbours are the customer's entries ordered by ``date``, then ``id``
        (two changes on the same day keep the order they were made in).

        :param partner_ids: the customers to update; ``None``: every customer
            (the migration to 19.0.1.5.0)
        """
        if partner_ids is not None and not partner_ids:
            return
        self.env.flush_all()
        only_partners = SQL("TRUE") if partner_ids is None else SQL("partner_id = ANY(%s)", sorted(partner_ids))
        self.env.execute_query(
            SQL(
                """
                WITH spans AS (
                    SELECT id,
                           LAG(date) OVER by_customer AS previous_date,
                           LEAD(new_rank) OVER by_customer AS next_rank,
                           LEAD(date) OVER by_customer AS next_date
                      FROM crm_rank_history
                     WHERE %s
                    WINDOW by_customer AS (PARTITION BY partner_id ORDER BY date, id)
                )
                UPDATE crm_rank_history h
                   SET previous_date = s.previous_date, next_rank = s.next_rank, next_date = s.next_date
                  FROM spans s
                 WHERE h.id = s.id
                   AND (h.previous_date IS DISTINCT FROM s.previous_date
                        OR h.next_rank IS DISTINCT FROM s.next_rank
                        OR h.next_date IS DISTINCT FROM s.next_date)
                """,
                only_partners,
            )
        )
        self.invalidate_model(["previous_date", "next_rank", "next_date"])

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
        rows_by_partner = {
            partner_id: (commercial_id, user_id)
            for partner_id, commercial_id, user_id in self.env.execute_query(
                SQL(
                    """SELECT p.id, p.commercial_partner_id, cp.user_id
                         FROM res_partner p JOIN res_partner cp ON cp.id = p.commercial_partner_id
                        WHERE p.id = ANY(%s)""",
                    partner_ids,
                )
            )
        }
        last_deals = rank_facts.last_completed_deals(
            self.env, {commercial_id for commercial_id, _user in rows_by_partner.values()}, today
        )
        # the customer's responsible salesperson, else the one of their last completed work
        salesperson_ids = [
            rows_by_partner.get(partner_id, (None, None))[1]
            or last_deals.get(rows_by_partner.get(partner_id, (None, None))[0], {}).get("last_deal_user_id")
            for partner_id in partner_ids
        ]
        # the computed fields, by the computes' own definitions
        reactivations = [rules.is_reactivation(old, reason) for _pid, old, _new, reason in rows]
        dormant_events = [rules.became("dormant", old, new) for _pid, old, new, _reason in rows]
        now = self.env.cr.now()
        self.env.execute_query(
            SQL(
                """
                INSERT INTO crm_rank_history (partner_id, company_id, old_rank, new_rank, reason, cause,
                                              date, user_id, salesperson_id, is_reactivation,
                                              became_dormant, create_uid, create_date, write_uid,
                                              write_date)
                SELECT v.partner_id, p.company_id, v.old_rank, v.new_rank, v.reason, %(cause)s,
                       %(date)s, %(uid)s, v.salesperson_id, v.is_reactivation, v.became_dormant,
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM unnest(%(partner_ids)s::int[], %(old_ranks)s::varchar[], %(new_ranks)s::varchar[],
                              %(reasons)s::varchar[], %(salesperson_ids)s::int[], %(reactivations)s::bool[],
                              %(dormant_events)s::bool[])
                       AS v(partner_id, old_rank, new_rank, reason, salesperson_id, is_reactivation, became_dormant)
                  JOIN res_partner p ON p.id = v.partner_id
                """,
                cause=cause,
                date=fields.Datetime.now(),
                uid=self.env.uid,
                now=now,
                partner_ids=partner_ids,
                old_ranks=[rank or None for rank in old_ranks],
                new_ranks=[rank or None for rank in new_ranks],
                reasons=[reason or None for reason in reasons],
                salesperson_ids=salesperson_ids,
                reactivations=reactivations,
                dormant_events=dormant_events,
            )
        )
        events = zip(partner_ids, reactivations, dormant_events, strict=True)
        self._store_comebacks({pid for pid, reactivation, dormant in events if reactivation or dormant})
        self._store_spans(set(partner_ids))

    # ------------------------------------------------------------
    # TIME IN RANK (the customers' fields, res.partner)
    # ------------------------------------------------------------

    @api.model
    def _times_entered(self, partner_ids):
        """``{customer id: {rank: times entered}}`` of the ranks that can come back
        (dormant, lost, contracted), in one query."""
        if not partner_ids:
            return {}
        groups = self._read_group(
            [("partner_id", "in", list(partner_ids)), ("new_rank", "in", list(RANKS_COUNTED))],
            ["partner_id", "new_rank"],
            ["__count"],
        )
        times = {}
        for partner, rank, count in groups:
            times.setdefault(partner.id, {})[rank] = count
        return times

    @api.model
    def _times_entered_domain(self, rank, operator, value):
        """The partners domain of ``times entered rank <operator> value`` (0 included:
        a customer never in the rank has no history row for it)."""
        test = _integer_test(operator, value)
        if test is None:
            return NotImplemented
        groups = self._read_group([("new_rank", "=", rank)], ["partner_id"], ["__count"])
        if test(0):
            return [("commercial_partner_id", "not in", [partner.id for partner, count in groups if not test(count)])]
        return [("commercial_partner_id", "in", [partner.id for partner, count in groups if test(count)])]

    @api.model
    def _rank_days_domain(self, operator, value):
        """The partners domain of ``days in the current rank <operator> value``, on
        the stored ``crm_rank_date`` (an index scan, not a computation per partner)."""
        today = fields.Date.context_today(self)
        date_operators = {">": "<", ">=": "<=", "<": ">", "<=": ">="}
        if operator in date_operators and isinstance(value, int | float):
            return [("crm_rank_date", date_operators[operator], today - datetime.timedelta(days=int(value)))]
        if operator in ("in", "not in") and all(isinstance(days, int) for days in value):
            return [("crm_rank_date", operator, [today - datetime.timedelta(days=days) for days in value])]
        return NotImplemented

    def _web_read_group_groupby_formatter(self, groupby_spec, values):
        """Month and quarter labels in the reader's word order (2026年1月)."""
        formatter = super()._web_read_group_groupby_formatter(groupby_spec, values)
        return localized_period_formatter(self, groupby_spec, formatter)
