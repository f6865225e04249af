"""Gather the facts of many commercial customers in one set-based query.

This is the only place that knows where a customer's facts live in the
database. It returns ``rules.CustomerFacts`` per commercial partner id and
never decides a rank itself. A batch of any size is read in one query (deals,
contacts and referrals are its subqueries): the number of queries does not
grow with the number of customers, and a large batch reads each table once.
"""

import contextlib

from odoo.tools import SQL

from . import rules

# Messages that count as a contact with the customer: e-mails and notes written
# by people, and completed activities. Tracking and system notifications don't.
CONTACT_MESSAGE = SQL(
    "(m.message_type IN ('email', 'comment', 'email_outgoing')"
    " OR m.mail_activity_type_id IS NOT NULL)"
)
# A batch of at least this many ids, covering at least this share of its id
# range, is selected by range (see ``in_batch``).
DENSE_BATCH_MIN = 1000
DENSE_RATIO = 0.25


def is_dense_batch(partner_ids):
    """Whether ``partner_ids`` is a large batch of dense ids (see ``in_batch``)."""
    low, high = min(partner_ids), max(partner_ids)
    return len(partner_ids) >= DENSE_BATCH_MIN and len(partner_ids) >= (high - low + 1) * DENSE_RATIO


def in_batch(column, partner_ids):
    """SQL: ``column`` is one of ``partner_ids``.

    A large batch of dense ids (the daily update takes customers in id order)
    is selected by id range: PostgreSQL plans it at once and reads each table
    in one pass. A small or sparse batch is selected by list, through the
    indexes. Rows outside ``partner_ids`` may come back in the range case:
    callers look up the ids they asked for.
    """
    if is_dense_batch(partner_ids):
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


def deal_facts(batch, today):
    """Deals (crm.lead, archived and lost included) per commercial partner."""
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
          FROM crm_lead l
          JOIN res_partner p ON p.id = l.partner_id
          LEFT JOIN crm_lost_reason r ON r.id = l.lost_reason_id
         WHERE %(in_batch)s
      GROUP BY p.commercial_partner_id
        """,
        today=today,
        in_batch=in_batch(SQL("p.commercial_partner_id"), batch),
    )


def contact_facts(batch):
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
        in_batch=in_batch(SQL("p.commercial_partner_id"), batch),
        contact=CONTACT_MESSAGE,
    )


def referral_facts(batch):
    """How many distinct customers each commercial partner referred."""
    return SQL(
        """
        SELECT ref.commercial_partner_id AS customer_id,
               COUNT(DISTINCT p.commercial_partner_id) AS referral_count
          FROM res_partner p
          JOIN res_partner ref ON ref.id = p.referrer_partner_id
         WHERE %(in_batch)s
           AND p.commercial_partner_id != ref.commercial_partner_id
      GROUP BY 1
        """,
        in_batch=in_batch(SQL("ref.commercial_partner_id"), batch),
    )


def customer_rows(env, partner_ids, today):
    """One row per commercial partner of ``partner_ids``: their deals,
    defection, company, last contact and referrals, in a single query."""
    return env.execute_query_dict(
        SQL(
            """
            SELECT cp.id AS partner_id, cp.is_defected, cp.company_id,
                   d.deal_count, d.open_leads, d.open_opportunities, d.won_count, d.won_running,
                   d.last_won, d.last_lost, d.last_completion,
                   -- a new deal counts as a contact too
                   GREATEST(c.last_message, d.last_lead_created)::date AS last_contact,
                   COALESCE(r.referral_count, 0) AS referral_count,
                   -- a deal lost for a defection reason, after a won deal and after
                   -- the last reinstatement (the latest such loss decides both)
                   COALESCE(d.last_defection_loss >= d.first_won
                            AND (cp.crm_rank_reinstated_date IS NULL
                                 OR d.last_defection_loss > cp.crm_rank_reinstated_date),
                            false) AS defected_lost
              FROM res_partner cp
              LEFT JOIN (%(deals)s) AS d ON d.customer_id = cp.id
              LEFT JOIN (%(contacts)s) AS c ON c.customer_id = cp.id
              LEFT JOIN (%(referrals)s) AS r ON r.customer_id = cp.id
             WHERE %(in_batch)s AND cp.id = cp.commercial_partner_id
            """,
            deals=deal_facts(partner_ids, today),
            contacts=contact_facts(partner_ids),
            referrals=referral_facts(partner_ids),
            in_batch=in_batch(SQL("cp.id"), partner_ids),
        )
    )


def gather(env, partner_ids, today, thresholds):
    """Return ``{commercial partner id: CustomerFacts}`` for ``partner_ids``.

    :param thresholds: callable ``(company_id, row) -> (dormancy_days,
        referral_threshold)``, where ``row`` has the columns of
        ``customer_rows``; it lets the models decide per company (and per
        kind of work) without this module knowing the settings.
    """
    env.flush_all()
    if is_dense_batch(partner_ids):
        with without_jit(env):
            rows = customer_rows(env, partner_ids, today)
    else:
        rows = customer_rows(env, partner_ids, today)
    wanted = set(partner_ids)
    result = {}
    for row in rows:
        pid = row["partner_id"]
        if pid not in wanted:
            continue
        dormancy_days, referral_threshold = thresholds(row["company_id"], row)
        result[pid] = rules.CustomerFacts(
            deal_count=row["deal_count"] or 0,
            open_leads=row["open_leads"] or 0,
            open_opportunities=row["open_opportunities"] or 0,
            won_count=row["won_count"] or 0,
            won_running=row["won_running"] or 0,
            last_won=row["last_won"],
            last_lost=row["last_lost"],
            last_completion=row["last_completion"],
            last_contact=row["last_contact"],
            referral_count=row["referral_count"],
            defected_manual=bool(row["is_defected"]),
            defected_lost=row["defected_lost"],
            dormancy_days=dormancy_days,
            referral_threshold=referral_threshold,
        )
    for pid in wanted.difference(result):
        result[pid] = rules.CustomerFacts()
    return result
