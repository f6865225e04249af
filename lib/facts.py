"""Gather the facts of many commercial customers in one set-based query.

This is the only place that knows where a customer's facts live in the
database. It returns ``rules.CustomerFacts`` per commercial partner id and
never decides a rank itself. A batch of any size is read in one query (deals,
contacts and referrals are its subqueries): the number of queries does not
grow with the number of customers, and a large batch reads each table once.
"""

import contextlib
import datetime
from typing import NamedTuple

import pytz

from odoo.tools import SQL

from . import rules
from .outreach import QUIET_OUTCOMES

# The fields whose change can move a customer's rank at once, per model: what
# the facts below read. The models' write() overrides mark the customers when
# one of them is written (res.partner, crm.lead, project.project); everything
# else a rank depends on moves with time and is the daily update's.
RANK_TRIGGERS = {
    "res.partner": frozenset({"parent_id", "is_company", "referrer_partner_id", "is_defected"}),
    "crm.lead": frozenset(
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
            "project_id",
        }
    ),
    # what can complete (or reopen) a construction
    "project.project": frozenset({"stage_id", "last_update_id", "last_update_status", "date", "active"}),
}
# Messages that count as a contact with the customer: a real exchange. Notes and
# e-mails written by people from the chatter ('comment'), e-mails received from
# the customer ('email': a reply, even to a newsletter), SMS written one to one
# (a mass SMS leaves an internal log), and completed activities. Not: mass
# mailings and e-mails sent by templates or automations ('email_outgoing',
# delivered or not), tracking and system notifications, automatic comments, nor
# activities done with a quiet outcome.
CONTACT_MESSAGE = SQL(
    "((m.message_type IN ('comment', 'email')"
    " OR (m.message_type = 'sms' AND m.is_internal IS NOT TRUE)"
    " OR (m.message_type = 'notification' AND m.mail_activity_type_id IS NOT NULL))"
    " AND NOT EXISTS (SELECT 1 FROM crm_rank_quiet_reason q"
    " WHERE q.message_id = m.id AND q.outcome IN %s))",
    QUIET_OUTCOMES,
)
# The last lost reason of a customer, one definition for the partner form, the
# lost playbook and the reactivation note: the reason of their most recently
# lost deal that has one (a deal lost without a reason says nothing about why);
# "most recently" as the rank's "last deal lost" (``deal_facts``).
LOST_WITH_REASON = SQL("l.won_status = 'lost' AND l.lost_reason_id IS NOT NULL")
LAST_LOST_ORDER = SQL("COALESCE(l.date_closed, l.write_date) DESC, l.id DESC")
# The rank a deal ``l`` without a ranked customer shows (``rules.lead_own_rank``
# in SQL; a test compares both).
LEAD_OWN_RANK = SQL(
    """CASE WHEN l.won_status = 'won' THEN 'contracted'
            WHEN l.won_status = 'lost' THEN 'lost'
            WHEN l.type = 'opportunity' AND l.active THEN 'prospect'
            ELSE 'gathering' END"""
)
# A batch of at least this many ids, covering at least this share of its id
# range, is selected by range (see ``in_batch``).
DENSE_BATCH_MIN = 1000
DENSE_RATIO = 0.25


def local_tz(env):
    """The time zone of the engine's "today" (``fields.Date.context_today``):
    the context's, else the user's, else UTC. Moments (stored in UTC) become
    dates in it, so that an inquiry at 8:00 in Tokyo is "today" there."""
    tz = env.context.get("tz") or env.user.tz
    return tz if tz in pytz.all_timezones_set else "UTC"


def _as_date(value, tz="UTC"):
    """The day of ``value`` in ``tz``: a moment (naive UTC) becomes a date there."""
    if isinstance(value, datetime.datetime):
        return pytz.utc.localize(value).astimezone(pytz.timezone(tz)).date()
    return value


def is_dense_batch(partner_ids):
    """Whether ``partner_ids`` is a large batch of dense ids (see ``in_batch``)."""
    low, high = min(partner_ids), max(partner_ids)
    return len(partner_ids) >= DENSE_BATCH_MIN and len(partner_ids) >= (high - low + 1) * DENSE_RATIO


def in_batch(column, partner_ids, by_range=None):
    """SQL: ``column`` is one of ``partner_ids``.

    A large batch of dense ids (the daily update takes customers in id order)
    is selected by id range: PostgreSQL plans it at once and reads each table
    in one pass. A small or sparse batch is selected by list, through the
    indexes. Rows outside ``partner_ids`` may come back in the range case:
    callers look up the ids they asked for.

    :param by_range: ``None``: by range when the batch is dense; ``False``:
        by list whatever the ids (a subset of a batch, such as the customers
        of a batch entering a rank: its ids may be dense, but every other
        customer of their range would be read with them, a whole-table scan)
    """
    if by_range is None:
        by_range = is_dense_batch(partner_ids)
    if by_range:
        return SQL("%s BETWEEN %s AND %s", column, min(partner_ids), max(partner_ids))
    return SQL("%s = ANY(%s)", column, list(partner_ids))


@contextlib.contextmanager
def without_jit(env):
    """Run the enclosed queries without PostgreSQL's JIT compiler.

    On the one-pass query of a large batch (a second or two), JIT compiles
    for longer than it saves: up to half a second on a 2-core server.
    """
    [(jit,)] = env.execute_query(SQL("SELECT current_setting('jit')"))
    env.execute_query(SQL("SELECT set_config('jit', 'off', true)"))
    try:
        yield
    finally:
        env.execute_query(SQL("SELECT set_config('jit', %s, true)", jit))


def companies_filter(company_ids):
    """SQL: the deal ``l`` belongs to one of ``company_ids`` (or to none); all deals for ``None``.

    The rank counts every deal of a customer; the facts shown to a user of some
    companies count only theirs, so a customer shared between companies does
    not show one company's deals to another.
    """
    if company_ids is None:
        return SQL("TRUE")
    return SQL("(l.company_id IS NULL OR l.company_id = ANY(%s))", list(company_ids))


# The last completed work of a customer among their deals ``l``: the won deal with
# the latest completion date on or before the day; among those completed on one
# day, the last closed, then the last created.
LAST_WORK_ORDER = SQL("l.completion_date DESC, l.date_closed DESC NULLS LAST, l.id DESC")
# The same order as one array per deal, whose greatest (MAX) is the last completed
# work: [completion day, closing moment in microseconds (none: the least), id,
# salesperson, sales team]. MAX keeps the deals' aggregate one parallel pass;
# ARRAY_AGG(... ORDER BY) would sort each customer's deals and make it serial.
LAST_WORK_KEY = SQL(
    """ARRAY[l.completion_date - DATE '1970-01-01',
             COALESCE((EXTRACT(EPOCH FROM l.date_closed) * 1000000)::bigint, -9223372036854775807),
             l.id, l.user_id, l.team_id]"""
)


def completed_work(today):
    """SQL: the deal ``l`` is a work completed on or before ``today``."""
    return SQL("l.won_status = 'won' AND l.completion_date <= %s", today)


def deal_facts(batch, today, company_ids=None, by_range=None, last_work=False):
    """Deals (crm.lead, archived and lost included) per commercial partner.

    :param last_work: also ``last_work``, the ``LAST_WORK_KEY`` of the last
        completed work (see ``last_deal_facts``: its id, salesperson and sales
        team are its 3rd, 4th and 5th items), in the same pass over the deals
    """
    last_work_column = SQL()
    if last_work:
        last_work_column = SQL(
            """,
               MAX(%s) FILTER (WHERE %s) AS last_work""",
            LAST_WORK_KEY,
            completed_work(today),
        )
    return SQL(
        """
        SELECT p.commercial_partner_id AS customer_id,
               COUNT(*) AS deal_count,
               COUNT(*) FILTER (WHERE l.active AND l.type = 'lead'
                                AND l.won_status = 'pending') AS open_leads,
               COUNT(*) FILTER (WHERE l.active AND l.type = 'opportunity'
                                AND l.won_status = 'pending') AS open_opportunities,
               COUNT(*) FILTER (WHERE l.won_status = 'won') AS won_count,
               COUNT(*) FILTER (WHERE l.won_status = 'won'
                                AND (l.completion_date IS NULL
                                     OR l.completion_date > %(today)s)) AS won_running,
               MAX(COALESCE(l.date_closed, l.write_date)) FILTER (WHERE l.won_status = 'won') AS last_won,
               MAX(COALESCE(l.date_closed, l.write_date)) FILTER (WHERE l.won_status = 'lost') AS last_lost,
               MAX(l.completion_date) FILTER (WHERE l.won_status = 'won'
                                AND l.completion_date <= %(today)s) AS last_completion,
               MAX(l.create_date) AS last_lead_created,
               MIN(l.date_closed) FILTER (WHERE l.won_status = 'won') AS first_won,
               MAX(l.date_closed) FILTER (WHERE l.won_status = 'lost'
                                          AND r.marks_defected) AS last_defection_loss
               %(last_work)s
          FROM crm_lead l
          JOIN res_partner p ON p.id = l.partner_id
          LEFT JOIN crm_lost_reason r ON r.id = l.lost_reason_id
         WHERE %(in_batch)s AND %(companies)s
      GROUP BY p.commercial_partner_id
        """,
        today=today,
        in_batch=in_batch(SQL("p.commercial_partner_id"), batch, by_range),
        companies=companies_filter(company_ids),
        last_work=last_work_column,
    )


def contact_facts(batch, by_range=None):
    """Moment of the last contact (message or completed activity) per commercial partner.

    The messages are joined once with every record they may be posted on (the
    customer, their contact persons, their deals), so a large batch reads
    them in one pass.
    """
    return SQL(
        """
        SELECT r.customer_id, MAX(m.date) AS last_message
          FROM (
            SELECT 'res.partner' AS model, p.id AS res_id, p.commercial_partner_id AS customer_id
              FROM res_partner p
             WHERE %(in_batch)s
             UNION ALL
            SELECT 'crm.lead', l.id, p.commercial_partner_id
              FROM crm_lead l
              JOIN res_partner p ON p.id = l.partner_id
             WHERE %(in_batch)s
          ) AS r
          JOIN mail_message m ON m.model = r.model AND m.res_id = r.res_id
         WHERE m.model IN ('res.partner', 'crm.lead') AND %(contact)s
      GROUP BY r.customer_id
        """,
        in_batch=in_batch(SQL("p.commercial_partner_id"), batch, by_range),
        contact=CONTACT_MESSAGE,
    )


def referral_facts(batch, by_range=None):
    """How many distinct customers each commercial partner referred.

    The referred partners are found through the index of their referrer (few
    partners have one), and their referrers by primary key: not every partner
    of the batch read and sorted to meet the few referred ones.
    """
    return SQL(
        """
        SELECT ref.commercial_partner_id AS customer_id,
               COUNT(DISTINCT p.commercial_partner_id) AS referral_count
          FROM res_partner p
          JOIN res_partner ref ON ref.id = p.referrer_partner_id
         WHERE p.referrer_partner_id IS NOT NULL AND %(in_batch)s
           AND p.commercial_partner_id != ref.commercial_partner_id
      GROUP BY 1
        """,
        in_batch=in_batch(SQL("ref.commercial_partner_id"), batch, by_range),
    )


def work_kinds(deal_id, by_range):
    """SQL ``(column, join)``: the kinds of work (tag ids, in order) of the deal
    ``deal_id`` (an SQL expression)."""
    if by_range:
        # a large batch: the kinds of work of all deals at once, joined by hash
        # (a subquery per customer costs a second on 100,000 customers)
        join = SQL(
            """LEFT JOIN (SELECT lead_id, ARRAY_AGG(tag_id ORDER BY tag_id) AS tag_ids
                            FROM crm_tag_rel GROUP BY lead_id) AS tags
                     ON tags.lead_id = %s""",
            deal_id,
        )
        return SQL("COALESCE(tags.tag_ids, '{}')"), join
    return SQL("ARRAY(SELECT t.tag_id FROM crm_tag_rel t WHERE t.lead_id = %s ORDER BY t.tag_id)", deal_id), SQL()


def last_deal_facts(batch, today, by_range=None):
    """The last completed work of each commercial partner: the won deal with the
    latest completion date (on or before ``today``), its salesperson, sales team
    and tags (the kinds of work)."""
    if by_range is None:
        by_range = is_dense_batch(batch)
    tag_ids, tags = work_kinds(SQL("last.last_deal_id"), by_range)
    return SQL(
        """
        SELECT last.customer_id, last.last_deal_id, last.last_deal_user_id, last.last_deal_team_id,
               %(tag_ids)s AS last_deal_tag_ids
          FROM (SELECT DISTINCT ON (p.commercial_partner_id)
                       p.commercial_partner_id AS customer_id,
                       l.id AS last_deal_id,
                       l.user_id AS last_deal_user_id,
                       l.team_id AS last_deal_team_id
                  FROM crm_lead l
                  JOIN res_partner p ON p.id = l.partner_id
                 WHERE %(in_batch)s AND %(completed)s
              ORDER BY p.commercial_partner_id, %(order)s) AS last
          %(tags)s
        """,
        tag_ids=tag_ids,
        tags=tags,
        completed=completed_work(today),
        order=LAST_WORK_ORDER,
        in_batch=in_batch(SQL("p.commercial_partner_id"), batch, by_range),
    )


def last_completed_deals(env, partner_ids, today):
    """``{commercial partner id: last completed work}`` (see ``last_deal_facts``)."""
    if not partner_ids:
        return {}
    wanted = set(partner_ids)
    rows = env.execute_query_dict(last_deal_facts(list(wanted), today))
    return {row.pop("customer_id"): row for row in rows if row["customer_id"] in wanted}


# The columns of ``customer_rows``, in order: the customer, then the facts the
# rules read in the order of ``rules.CustomerFacts`` (its fields but the two
# thresholds), then what the thresholds and the features read.
FACT_COLUMNS = rules.CustomerFacts._fields[:-2]
CUSTOMER_COLUMNS = (
    "partner_id",
    *FACT_COLUMNS,
    "company_id",
    "last_deal_id",
    "last_deal_user_id",
    "last_deal_team_id",
    "last_deal_tag_ids",
)
_FACTS_END = 1 + len(FACT_COLUMNS)
_COMPANY = CUSTOMER_COLUMNS.index("company_id")
_TAGS = CUSTOMER_COLUMNS.index("last_deal_tag_ids")


def customer_rows(env, partner_ids, today, company_ids=None, by_range=None, snapshot=None):
    """One row per commercial partner of ``partner_ids``: their deals,
    defection, company, last contact, referrals and last completed work, in a
    single query; tuples of ``CUSTOMER_COLUMNS`` (a tuple per customer, not a
    dict: the daily update reads 100,000 of them).

    :param snapshot: a ``Snapshot`` of every company's deals on ``today`` (see
        ``take_snapshot``): the rows are read from it, not gathered again
    """
    if snapshot is not None and company_ids is None and snapshot.serves(env, today):
        return env.execute_query(
            SQL(
                "SELECT %s FROM %s WHERE %s",
                SQL(", ").join(SQL.identifier(column) for column in CUSTOMER_COLUMNS),
                SQL.identifier("pg_temp", SNAPSHOT_TABLE),
                in_batch(SQL.identifier("partner_id"), partner_ids, by_range),
            )
        )
    return env.execute_query(customer_rows_query(env, partner_ids, today, company_ids, by_range))


def customer_rows_query(env, partner_ids, today, company_ids=None, by_range=None):
    """The SQL of ``customer_rows``, gathering the rows from the deals, messages and partners."""
    if by_range is None:
        by_range = is_dense_batch(partner_ids)
    if company_ids is None:
        # the last completed work in the same pass over the deals as the other facts
        tag_ids, last_work_join = work_kinds(SQL("d.last_work[3]::int"), by_range)
        last_work = SQL(
            """d.last_work[3]::int, d.last_work[4]::int, d.last_work[5]::int,
               CASE WHEN d.last_work IS NOT NULL THEN %s END""",
            tag_ids,
        )
    else:
        # the last completed work is every company's (as for the rank), the
        # other facts count the deals of ``company_ids`` only
        last_work = SQL("ld.last_deal_id, ld.last_deal_user_id, ld.last_deal_team_id, ld.last_deal_tag_ids")
        last_work_join = SQL(
            "LEFT JOIN (%s) AS ld ON ld.customer_id = cp.id", last_deal_facts(partner_ids, today, by_range)
        )
    return SQL(
        """
            SELECT cp.id AS partner_id,
                   COALESCE(d.deal_count, 0), COALESCE(d.open_leads, 0),
                   COALESCE(d.open_opportunities, 0), COALESCE(d.won_count, 0),
                   COALESCE(d.won_running, 0),
                   d.last_won, d.last_lost, d.last_completion,
                   -- a new deal counts as a contact too, and so does signing a contract
                   -- (the day a deal is won: the customer met us to sign)
                   (GREATEST(c.last_message, d.last_lead_created, d.last_won)
                    AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date AS last_contact,
                   COALESCE(r.referral_count, 0) AS referral_count,
                   COALESCE(cp.is_defected, false) AS is_defected,
                   -- a deal lost for a defection reason, after a won deal and after
                   -- the last reinstatement (the latest such loss decides both)
                   COALESCE(d.last_defection_loss >= d.first_won
                            AND (cp.crm_rank_reinstated_date IS NULL
                                 OR d.last_defection_loss > cp.crm_rank_reinstated_date),
                            false) AS defected_lost,
                   cp.defection_origin, cp.company_id,
                   %(last_work)s
              FROM res_partner cp
              LEFT JOIN (%(deals)s) AS d ON d.customer_id = cp.id
              LEFT JOIN (%(contacts)s) AS c ON c.customer_id = cp.id
              LEFT JOIN (%(referrals)s) AS r ON r.customer_id = cp.id
              %(last_work_join)s
             WHERE %(in_batch)s AND cp.id = cp.commercial_partner_id
            """,
        deals=deal_facts(partner_ids, today, company_ids, by_range, last_work=company_ids is None),
        contacts=contact_facts(partner_ids, by_range),
        referrals=referral_facts(partner_ids, by_range),
        last_work=last_work,
        last_work_join=last_work_join,
        in_batch=in_batch(SQL("cp.id"), partner_ids, by_range),
        tz=local_tz(env),
    )


# The temporary table of a full update's facts (see ``take_snapshot``)
SNAPSHOT_TABLE = "crm_rank_facts_snapshot"


class Snapshot(NamedTuple):
    """The facts' rows of every customer of a full update, gathered in one pass
    into a temporary table (``take_snapshot``) for its batches to read."""

    day: datetime.date  # the "today" the rows were gathered for
    tz: str  # the time zone of that day (``local_tz``)
    taken_at: datetime.datetime  # the moment of the transaction that gathered them

    def serves(self, env, today):
        """Whether the rows are those ``customer_rows`` would gather on ``today`` in ``env``'s time zone."""
        return self.day == today and self.tz == local_tz(env)

    def is_stale(self, env):
        """Whether the rows were gathered in an earlier transaction than ``env``'s
        (a scheduled action commits after each batch): deals and customers may
        have changed since, and a rank decided from them is checked again."""
        return env.cr.now() != self.taken_at


def take_snapshot(env, partner_ids, today):
    """Gather ``customer_rows`` for every customer of ``partner_ids`` in one pass,
    into a temporary table that the batches of a full update read by id
    (``customer_rows(..., snapshot=...)``); return its ``Snapshot``.

    Each batch of a large update gathering its own rows reads the whole deals and
    messages tables (a batch's customers are scattered through them): ten
    batches read them ten times. A temporary table is seen by this database
    connection only, and lives across the commits of a scheduled action until
    ``drop_snapshot`` or the end of the connection.
    """
    env.flush_all()
    drop_snapshot(env)
    table = SQL.identifier("pg_temp", SNAPSHOT_TABLE)
    with without_jit(env):
        env.execute_query(
            SQL(
                "CREATE TEMPORARY TABLE %s (%s) AS %s",
                SQL.identifier(SNAPSHOT_TABLE),
                SQL(", ").join(SQL.identifier(column) for column in CUSTOMER_COLUMNS),
                customer_rows_query(env, partner_ids, today, by_range=True),
            )
        )
    env.execute_query(SQL("CREATE INDEX ON %s (partner_id)", table))
    env.execute_query(SQL("ANALYZE %s", table))
    return Snapshot(today, local_tz(env), env.cr.now())


def drop_snapshot(env):
    """Drop the temporary table of ``take_snapshot``, if this connection has one."""
    env.execute_query(SQL("DROP TABLE IF EXISTS %s", SQL.identifier("pg_temp", SNAPSHOT_TABLE)))


def gather(env, partner_ids, today, thresholds, company_ids=None, rows=None, snapshot=None):
    """Return ``{commercial partner id: CustomerFacts}`` for ``partner_ids``.

    :param thresholds: callable ``(company_id, row) -> (dormancy_days,
        referral_threshold)``, where ``row`` is a mapping with
        ``last_deal_tag_ids`` (the kinds of work of the last completed deal);
        it lets the models decide per company and kind of work without this
        module knowing the settings. Asked once per company and kinds of work.
    :param company_ids: count only the deals of these companies (the facts a
        user is shown); ``None``: every deal (the rank).
    :param rows: a dict that receives ``{commercial partner id: row}``, the
        rows of ``customer_rows`` the facts were made from
    :param snapshot: read the rows from this ``Snapshot`` (``take_snapshot``)
        when it serves ``today`` and every company's deals
    """
    env.flush_all()
    if snapshot is not None and company_ids is None and snapshot.serves(env, today):
        fetched = customer_rows(env, partner_ids, today, snapshot=snapshot)
    elif is_dense_batch(partner_ids):
        with without_jit(env):
            fetched = customer_rows(env, partner_ids, today, company_ids)
    else:
        fetched = customer_rows(env, partner_ids, today, company_ids)
    wanted = set(partner_ids)
    result = {}
    limits_of = {}  # (company id, kinds of work): (dormancy days, referral threshold)
    make = rules.CustomerFacts._make
    for row in fetched:
        pid = row[0]
        if pid not in wanted:
            continue
        tag_ids = row[_TAGS]
        key = (row[_COMPANY], tuple(tag_ids) if tag_ids else ())
        limits = limits_of.get(key)
        if limits is None:
            limits = limits_of[key] = tuple(thresholds(key[0], {"last_deal_tag_ids": list(key[1])}))
        result[pid] = make(row[1:_FACTS_END] + limits)
        if rows is not None:
            rows[pid] = row
    for pid in wanted.difference(result):
        result[pid] = rules.CustomerFacts()
    return result


def last_defection_losses(env, partner_ids):
    """``{commercial partner id: (deal name, lost reason id, lost category)}``: the
    latest deal of each customer lost for a reason that marks defection."""
    if not partner_ids:
        return {}
    rows = env.execute_query(
        SQL(
            """
            SELECT DISTINCT ON (p.commercial_partner_id)
                   p.commercial_partner_id, l.name, r.id, r.category
              FROM crm_lead l
              JOIN res_partner p ON p.id = l.partner_id
              JOIN crm_lost_reason r ON r.id = l.lost_reason_id
             WHERE p.commercial_partner_id = ANY(%s)
               AND l.won_status = 'lost' AND r.marks_defected
          ORDER BY p.commercial_partner_id, l.date_closed DESC NULLS LAST, l.id DESC
            """,
            list(partner_ids),
        )
    )
    return {pid: (deal, reason, category) for pid, deal, reason, category in rows}


def reactivation_facts(env, partner_ids, today, company_ids=None, customers=None):
    """What a salesperson needs to judge why a customer went quiet, per commercial partner.

    Recency (last contact, last contract), frequency (won deals), monetary (sum
    of the expected revenue of won deals), acquisition channel (UTM source and
    medium of the first inquiry), the reason of the last lost deal, defection,
    and the last completed work (salesperson, team, kinds of work). Two
    queries, whatever the number of customers.

    :param customers: ``{commercial partner id: row}`` of ``customer_rows``
        (a dict of ``CUSTOMER_COLUMNS``) already read in this transaction, for
        the same ``today`` and companies (the rank engine's, see
        ``crm.rank.engine._gathered_rows``): only the others are read again.
    """
    if not partner_ids:
        return {}
    env.flush_all()
    rows = env.execute_query_dict(
        SQL(
            """
            SELECT p.commercial_partner_id AS partner_id,
                   COUNT(*) FILTER (WHERE l.won_status = 'won') AS won_count,
                   COALESCE(SUM(l.expected_revenue) FILTER (WHERE l.won_status = 'won'), 0)
                       AS won_amount,
                   MAX(l.date_closed) FILTER (WHERE l.won_status = 'won') AS last_contract,
                   (ARRAY_AGG(l.source_id ORDER BY l.create_date, l.id))[1] AS first_source_id,
                   (ARRAY_AGG(l.medium_id ORDER BY l.create_date, l.id))[1] AS first_medium_id,
                   (ARRAY_AGG(l.lost_reason_id ORDER BY %(last_lost)s) FILTER (WHERE %(with_reason)s))[1]
                       AS last_lost_reason_id
              FROM crm_lead l
              JOIN res_partner p ON p.id = l.partner_id
             WHERE p.commercial_partner_id = ANY(%(ids)s) AND %(companies)s
          GROUP BY p.commercial_partner_id
            """,
            ids=list(partner_ids),
            companies=companies_filter(company_ids),
            last_lost=LAST_LOST_ORDER,
            with_reason=LOST_WITH_REASON,
        )
    )
    deals = {row.pop("partner_id"): row for row in rows}
    # Last contact, defection and last completed work: the rank engine's query, by
    # list (a subset of the engine's batch: by range it would read the whole range)
    customers = dict(customers or {})
    missing = [pid for pid in partner_ids if pid not in customers]
    if missing:
        for row in customer_rows(env, missing, today, company_ids, by_range=False):
            customers[row[0]] = dict(zip(CUSTOMER_COLUMNS, row, strict=True))
    result = {}
    for pid in partner_ids:
        deal = deals.get(pid) or {}
        customer = customers.get(pid) or {}
        last_contact = customer.get("last_contact")
        last_contract = _as_date(deal.get("last_contract"), local_tz(env))
        result[pid] = {
            "won_count": 0,
            "won_amount": 0.0,
            "first_source_id": None,
            "first_medium_id": None,
            "last_lost_reason_id": None,
            **deal,
            "last_deal_id": customer.get("last_deal_id"),
            "last_deal_user_id": customer.get("last_deal_user_id"),
            "last_deal_team_id": customer.get("last_deal_team_id"),
            "last_deal_tag_ids": customer.get("last_deal_tag_ids") or [],
            "last_contact": last_contact,
            "days_since_contact": (today - last_contact).days if last_contact else None,
            "last_contract": last_contract,
            "days_since_contract": (today - last_contract).days if last_contract else None,
            "is_defected": bool(customer.get("is_defected")),
        }
    return result


def contact_channel_facts(env, partner_ids):
    """How each commercial partner can be reached, and by whom they are followed."""
    env.flush_all()
    rows = env.execute_query_dict(
        SQL(
            """
            SELECT p.id AS partner_id,
                   NULLIF(TRIM(p.phone), '') IS NOT NULL AS phone,
                   p.email_normalized IS NOT NULL AS email,
                   EXISTS (SELECT 1 FROM mail_blacklist b
                            WHERE b.email = p.email_normalized AND b.active) AS email_blacklisted,
                   (NULLIF(TRIM(p.street), '') IS NOT NULL AND NULLIF(TRIM(p.city), '') IS NOT NULL)
                       OR NULLIF(TRIM(p.zip), '') IS NOT NULL AS postal,
                   NULLIF(TRIM(p.fax), '') IS NOT NULL AS fax,
                   p.crm_contact_channel AS preference,
                   p.user_id AS user_id
              FROM res_partner p
             WHERE p.id = ANY(%(ids)s)
            """,
            ids=list(partner_ids),
        )
    )
    return {row.pop("partner_id"): row for row in rows}


def referred_customers(env, partner_ids):
    """Customers each commercial partner referred, and whether each one signed.

    Returns ``{referrer commercial id: {referred commercial id: has a won deal}}``;
    counted like ``referral_facts`` (commercial customers, never oneself).
    """
    env.flush_all()
    rows = env.execute_query(
        SQL(
            """
            SELECT DISTINCT ref.commercial_partner_id, p.commercial_partner_id,
                   EXISTS (
                       SELECT 1 FROM crm_lead l
                         JOIN res_partner lp ON lp.id = l.partner_id
                        WHERE lp.commercial_partner_id = p.commercial_partner_id
                          AND l.won_status = 'won')
              FROM res_partner p
              JOIN res_partner ref ON ref.id = p.referrer_partner_id
             WHERE ref.commercial_partner_id = ANY(%(ids)s)
               AND p.commercial_partner_id != ref.commercial_partner_id
            """,
            ids=list(partner_ids),
        )
    )
    result = {}
    for referrer_id, referred_id, signed in rows:
        result.setdefault(referrer_id, {})[referred_id] = signed
    return result


def last_lost_reasons(env, partner_ids):
    """``{commercial partner id: lost reason id}``: the last lost reason (see
    ``LOST_WITH_REASON``); customers who never lost a deal with a reason are left out."""
    env.flush_all()
    rows = env.execute_query(
        SQL(
            """
            SELECT DISTINCT ON (p.commercial_partner_id)
                   p.commercial_partner_id, l.lost_reason_id
              FROM crm_lead l
              JOIN res_partner p ON p.id = l.partner_id
             WHERE p.commercial_partner_id = ANY(%(ids)s) AND %(with_reason)s
          ORDER BY p.commercial_partner_id, %(last_lost)s
            """,
            ids=list(partner_ids),
            with_reason=LOST_WITH_REASON,
            last_lost=LAST_LOST_ORDER,
        )
    )
    return dict(rows)


def referral_cycles(env, partner_ids):
    """Commercial partners among ``partner_ids`` that are in a referral cycle.

    Follows "referred by" links between commercial customers (a contact's link
    is their company's) from each of them and reports those the walk leads back
    to; each (start, customer) pair is visited once, so any cycle ends the walk.
    """
    env["res.partner"].flush_model(["referrer_partner_id", "commercial_partner_id"])
    rows = env.execute_query(
        SQL(
            """
            WITH RECURSIVE walk(start, node) AS (
                SELECT p.commercial_partner_id, ref.commercial_partner_id
                  FROM res_partner p
                  JOIN res_partner ref ON ref.id = p.referrer_partner_id
                 WHERE p.commercial_partner_id = ANY(%(ids)s)
                UNION
                SELECT walk.start, ref.commercial_partner_id
                  FROM walk
                  JOIN res_partner p ON p.commercial_partner_id = walk.node
                  JOIN res_partner ref ON ref.id = p.referrer_partner_id
            )
            SELECT DISTINCT start FROM walk WHERE node = start
            """,
            ids=list(partner_ids),
        )
    )
    return {row[0] for row in rows}
