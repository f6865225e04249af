"""Gather the facts of many commercial customers in a few set-based queries.

This is the only place that knows where a customer's facts live in the
database. It returns ``rules.CustomerFacts`` per commercial partner id and
never decides a rank itself. Every query takes the whole batch of ids at once:
the number of queries does not grow with the number of customers.
"""

import datetime

from odoo.tools import SQL

from . import rules

# Outcomes of an activity on a dormant customer after which the customer stays
# dormant: that activity's message is no contact (crm.rank.quiet.reason).
QUIET_OUTCOMES = ("not_now", "unreachable", "competitor", "dissatisfied")
# Messages that count as a contact with the customer: e-mails and notes written
# by people, and completed activities. Tracking and system notifications don't,
# nor activities done with a quiet outcome.
CONTACT_MESSAGE = SQL(
    "((m.message_type IN ('email', 'comment', 'email_outgoing')"
    " OR m.mail_activity_type_id IS NOT NULL)"
    " AND NOT EXISTS (SELECT 1 FROM crm_rank_quiet_reason q"
    " WHERE q.message_id = m.id AND q.outcome IN %s))",
    QUIET_OUTCOMES,
)


def _as_date(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    return value


def deal_facts(env, partner_ids, today):
    """Deals (crm.lead, archived and lost included) per commercial partner."""
    rows = env.execute_query_dict(
        SQL(
            """
            SELECT p.commercial_partner_id AS partner_id,
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
                   BOOL_OR(l.won_status = 'lost' AND r.marks_defected
                           AND (cp.crm_rank_reinstated_date IS NULL
                                OR l.date_closed > cp.crm_rank_reinstated_date)
                           AND EXISTS (
                               SELECT 1 FROM crm_lead w
                                 JOIN res_partner wp ON wp.id = w.partner_id
                                WHERE wp.commercial_partner_id = p.commercial_partner_id
                                  AND w.won_status = 'won' AND w.id != l.id
                                  AND w.date_closed <= l.date_closed)
                   ) AS defected_lost
              FROM crm_lead l
              JOIN res_partner p ON p.id = l.partner_id
              JOIN res_partner cp ON cp.id = p.commercial_partner_id
              LEFT JOIN crm_lost_reason r ON r.id = l.lost_reason_id
             WHERE p.commercial_partner_id = ANY(%(ids)s)
          GROUP BY p.commercial_partner_id
            """,
            ids=list(partner_ids),
            today=today,
        )
    )
    return {row.pop("partner_id"): row for row in rows}


def contact_facts(env, partner_ids):
    """Day of the last contact (message or completed activity) per commercial partner."""
    rows = env.execute_query(
        SQL(
            """
            SELECT partner_id, MAX(day) FROM (
                SELECT p.commercial_partner_id AS partner_id, MAX(m.date) AS day
                  FROM mail_message m
                  JOIN res_partner p ON m.model = 'res.partner' AND m.res_id = p.id
                 WHERE p.commercial_partner_id = ANY(%(ids)s) AND %(contact)s
              GROUP BY 1
                UNION ALL
                SELECT p.commercial_partner_id, MAX(m.date)
                  FROM mail_message m
                  JOIN crm_lead l ON m.model = 'crm.lead' AND m.res_id = l.id
                  JOIN res_partner p ON p.id = l.partner_id
                 WHERE p.commercial_partner_id = ANY(%(ids)s) AND %(contact)s
              GROUP BY 1
            ) AS contacts
            GROUP BY partner_id
            """,
            ids=list(partner_ids),
            contact=CONTACT_MESSAGE,
        )
    )
    return {partner_id: _as_date(day) for partner_id, day in rows}


def referral_facts(env, partner_ids):
    """How many distinct customers each commercial partner referred."""
    rows = env.execute_query(
        SQL(
            """
            SELECT ref.commercial_partner_id, COUNT(DISTINCT p.commercial_partner_id)
              FROM res_partner p
              JOIN res_partner ref ON ref.id = p.referrer_partner_id
             WHERE ref.commercial_partner_id = ANY(%(ids)s)
               AND p.commercial_partner_id != ref.commercial_partner_id
          GROUP BY 1
            """,
            ids=list(partner_ids),
        )
    )
    return dict(rows)


def partner_facts(env, partner_ids):
    """Defection and company of each commercial partner."""
    rows = env.execute_query(
        SQL(
            """
            SELECT id, is_defected, company_id
              FROM res_partner
             WHERE id = ANY(%(ids)s)
            """,
            ids=list(partner_ids),
        )
    )
    return {pid: (is_defected, company_id) for pid, is_defected, company_id in rows}


def last_completed_deals(env, partner_ids, today):
    """The last completed work of each commercial partner: the won deal with the
    latest completion date (on or before ``today``), its salesperson, sales team
    and tags (the kinds of work)."""
    rows = env.execute_query_dict(
        SQL(
            """
            SELECT DISTINCT ON (p.commercial_partner_id)
                   p.commercial_partner_id AS partner_id,
                   l.id AS last_deal_id,
                   l.user_id AS last_deal_user_id,
                   l.team_id AS last_deal_team_id,
                   ARRAY(SELECT r.tag_id FROM crm_tag_rel r
                          WHERE r.lead_id = l.id ORDER BY r.tag_id) AS last_deal_tag_ids
              FROM crm_lead l
              JOIN res_partner p ON p.id = l.partner_id
             WHERE p.commercial_partner_id = ANY(%(ids)s)
               AND l.won_status = 'won'
               AND l.completion_date <= %(today)s
          ORDER BY p.commercial_partner_id, l.completion_date DESC,
                   l.date_closed DESC NULLS LAST, l.id DESC
            """,
            ids=list(partner_ids),
            today=today,
        )
    )
    return {row.pop("partner_id"): row for row in rows}


def _last_contact(contact_day, lead_created):
    """A new inquiry counts as a contact too."""
    created = _as_date(lead_created)
    if created and (not contact_day or created > contact_day):
        return created
    return contact_day


def reactivation_facts(env, partner_ids, today):
    """What a salesperson needs to judge why a customer went quiet, per commercial partner.

    Recency (last contact, last contract), frequency (won deals), monetary (sum
    of the expected revenue of won deals), acquisition channel (UTM source and
    medium of the first inquiry), the reason of the last lost deal, defection,
    and the last completed work (salesperson, team, kinds of work). Four
    queries, whatever the number of customers.
    """
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
                   (ARRAY_AGG(l.lost_reason_id ORDER BY l.date_closed DESC NULLS LAST, l.id DESC)
                        FILTER (WHERE l.won_status = 'lost' AND l.lost_reason_id IS NOT NULL))[1]
                       AS last_lost_reason_id,
                   MAX(l.create_date) AS last_lead_created
              FROM crm_lead l
              JOIN res_partner p ON p.id = l.partner_id
             WHERE p.commercial_partner_id = ANY(%(ids)s)
          GROUP BY p.commercial_partner_id
            """,
            ids=list(partner_ids),
        )
    )
    # The category of the lost reason (crm.lost.reason taxonomy) plugs in here:
    # select it beside last_lost_reason_id once the field exists.
    deals = {row.pop("partner_id"): row for row in rows}
    contacts = contact_facts(env, partner_ids)
    last_deals = last_completed_deals(env, partner_ids, today)
    partners = partner_facts(env, partner_ids)
    result = {}
    for pid in partner_ids:
        deal = deals.get(pid) or {}
        last_contact = _last_contact(contacts.get(pid), deal.pop("last_lead_created", None))
        last_contract = _as_date(deal.get("last_contract"))
        result[pid] = {
            "won_count": 0,
            "won_amount": 0.0,
            "first_source_id": None,
            "first_medium_id": None,
            "last_lost_reason_id": None,
            "last_deal_id": None,
            "last_deal_user_id": None,
            "last_deal_team_id": None,
            "last_deal_tag_ids": [],
            **deal,
            **last_deals.get(pid, {}),
            "last_contact": last_contact,
            "days_since_contact": (today - last_contact).days if last_contact else None,
            "last_contract": last_contract,
            "days_since_contract": (today - last_contract).days if last_contract else None,
            "is_defected": bool(partners.get(pid, (False, None))[0]),
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


def gather(env, partner_ids, today, thresholds):
    """Return ``{commercial partner id: CustomerFacts}`` for ``partner_ids``.

    :param thresholds: callable ``(company_id, deal_row) -> (dormancy_days,
        referral_threshold)``; it lets the models decide per company (and per
        kind of work) without this module knowing the settings. ``deal_row``
        holds the deal counts and dates of ``deal_facts`` and the last completed
        work of ``last_completed_deals`` (``last_deal_tag_ids``: its kinds of work).
    """
    env.flush_all()
    deals = deal_facts(env, partner_ids, today)
    contacts = contact_facts(env, partner_ids)
    referrals = referral_facts(env, partner_ids)
    partners = partner_facts(env, partner_ids)
    last_deals = last_completed_deals(env, partner_ids, today)
    result = {}
    for pid in partner_ids:
        is_defected, company_id = partners.get(pid, (False, None))
        deal = {**(deals.get(pid) or {}), **last_deals.get(pid, {})}
        last_contact = _last_contact(contacts.get(pid), deal.get("last_lead_created"))
        dormancy_days, referral_threshold = thresholds(company_id, deal)
        result[pid] = rules.CustomerFacts(
            deal_count=deal.get("deal_count") or 0,
            open_leads=deal.get("open_leads") or 0,
            open_opportunities=deal.get("open_opportunities") or 0,
            won_count=deal.get("won_count") or 0,
            won_running=deal.get("won_running") or 0,
            last_won=deal.get("last_won"),
            last_lost=deal.get("last_lost"),
            last_completion=deal.get("last_completion"),
            last_contact=last_contact,
            referral_count=referrals.get(pid, 0),
            defected_manual=bool(is_defected),
            defected_lost=bool(deal.get("defected_lost")),
            dormancy_days=dormancy_days,
            referral_threshold=referral_threshold,
        )
    return result


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
    """Lost reason of the most recently lost deal per commercial partner (or None)."""
    env.flush_all()
    rows = env.execute_query(
        SQL(
            """
            SELECT DISTINCT ON (p.commercial_partner_id)
                   p.commercial_partner_id, l.lost_reason_id
              FROM crm_lead l
              JOIN res_partner p ON p.id = l.partner_id
             WHERE p.commercial_partner_id = ANY(%(ids)s) AND l.won_status = 'lost'
          ORDER BY p.commercial_partner_id, COALESCE(l.date_closed, l.write_date) DESC,
                   l.id DESC
            """,
            ids=list(partner_ids),
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
