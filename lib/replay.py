"""A customer's past rank changes, replayed from their deals (no ORM).

The rank history starts when the addon first decided a customer's rank: at
install, or when old deals were imported, that is one row "nothing -> the
current rank" on that day. ``replay`` rebuilds what the history would have
been: it asks the rank rules (``lib/rules.py``, the engine's list) at every
moment something happened to the customer (a deal came in, was won or lost, a
construction was completed, a referred customer came, the defection) and on
the day a dormancy period ended, with the facts as they stood then.

What the deals do not tell is left out: contacts other than the deals (messages,
activities, after-care visits: a contact only delays dormancy), a defection
ended by a reinstatement, a deal's type before it was converted. The caller
ends the replay on the customer's stored rank when they differ.
"""

import datetime
import typing

from . import rules


class PastDeal(typing.NamedTuple):
    """One deal of the customer, as stored now (``crm.lead``)."""

    created: datetime.datetime
    lead_type: str  # "lead" or "opportunity"
    won_status: str  # "won", "lost" or "pending"
    closed: datetime.datetime | None = None
    completion: datetime.date | None = None
    active: bool = True


def facts_at(moment, deals, referred=(), defected_on=None, defection_origin=None, **thresholds):
    """``rules.CustomerFacts`` of the customer at ``moment`` (a naive UTC ``datetime``).

    :param referred: when each customer they referred came (``datetime``)
    :param defected_on: the day of the customer's stored defection, if any
    :param thresholds: ``dormancy_days`` and ``referral_threshold``
    """
    day = moment.date()
    created = [deal for deal in deals if deal.created <= moment]
    closed = [deal for deal in created if deal.won_status in ("won", "lost") and deal.closed and deal.closed <= moment]
    # a deal not concluded yet was open then, unless it is archived without being lost
    still_open = [deal for deal in created if deal not in closed and (deal.active or deal.won_status == "lost")]
    won = [deal for deal in closed if deal.won_status == "won"]
    lost = [deal for deal in closed if deal.won_status == "lost"]
    completions = [deal.completion for deal in won if deal.completion and deal.completion <= day]
    contacts = [deal.created.date() for deal in created] + [deal.closed.date() for deal in won]
    return rules.CustomerFacts(
        deal_count=len(created),
        open_leads=sum(1 for deal in still_open if deal.lead_type == "lead"),
        open_opportunities=sum(1 for deal in still_open if deal.lead_type != "lead"),
        won_count=len(won),
        won_running=sum(1 for deal in won if not deal.completion or deal.completion > day),
        last_won=max((deal.closed for deal in won), default=None),
        last_lost=max((deal.closed for deal in lost), default=None),
        last_completion=max(completions, default=None),
        last_contact=max(contacts, default=None),
        referral_count=sum(1 for came in referred if came <= moment),
        is_defected=bool(defected_on and defected_on <= day),
        defection_origin=defection_origin if defected_on and defected_on <= day else None,
        **thresholds,
    )


def _start_of(day):
    return datetime.datetime.combine(day, datetime.time())


def replay(deals, now, referred=(), defected_on=None, defection_origin=None, rank_rules=rules.RULES, **thresholds):
    """The customer's rank changes up to ``now``: ``[(moment, rank, reason)]`` in order.

    Each entry is a change of rank (a change of reason alone is none), the
    first one from no rank. Arguments as ``facts_at``; ``rank_rules`` the
    engine's rules (``crm.rank.engine._rank_rules``).
    """
    moments = {deal.created for deal in deals}
    moments |= {deal.closed for deal in deals if deal.closed and deal.won_status in ("won", "lost")}
    moments |= {_start_of(deal.completion) for deal in deals if deal.won_status == "won" and deal.completion}
    moments |= set(referred)
    if defected_on:
        moments.add(_start_of(defected_on))
    pending = sorted(moment for moment in moments if moment <= now)
    changes = []
    current = rules.NO_RANK[0]
    while pending:
        moment = pending.pop(0)
        facts = facts_at(moment, deals, referred, defected_on, defection_origin, **thresholds)
        rank, reason = rules.decide_rank(facts, moment.date(), rank_rules)
        if rank != current:
            changes.append((moment, rank, reason))
            current = rank
        # time moves ranks too: the day the dormancy period ends, when nothing happens before
        end = rules.dormancy_date(facts)
        if end and moment < _start_of(end) <= now and (not pending or _start_of(end) < pending[0]):
            pending.insert(0, _start_of(end))
    return changes
