"""The seven customer ranks, decided from a customer's facts.

This module is the one place that knows what the ranks mean (see ``README.md``,
section "The rank rules"). It imports nothing from Odoo so it can be read and
unit-tested on its own: the ORM gathers the facts (``engine/facts.py``), this
module decides, and the models write what changed.
"""

import datetime
import typing

# Keys of the rank selection, in the order of the lifecycle (used for display).
RANKS = (
    "gathering",
    "prospect",
    "lost",
    "contracted",
    "dormant",
    "referral",
    "defected",
)

# Why a customer has their rank: one key per rule of ranks.md.
REASONS = (
    "defected_manual",  # a manager marked the customer defected
    "defected_lost",  # a past customer's deal was lost for a defection reason
    "construction",  # a won deal whose construction is not completed
    "open_opportunity",  # an open opportunity
    "referrals",  # a past customer who referred enough customers
    "last_deal_lost",  # the most recently concluded deal was lost
    "quiet",  # completed contract, no contact for the dormancy period
    "after_care",  # completed contract inside the dormancy period
    "inquiry",  # an inquiry that never went further
)


class CustomerFacts(typing.NamedTuple):
    """What the rules need to know about one commercial customer.

    Dates are ``datetime.date`` (closing moments ``datetime``); counts are ints. The defaults describe a
    partner with no deal at all (no rank). A named tuple, not a dataclass: the
    daily update builds one per customer, and a tuple is built several times faster.
    """

    deal_count: int = 0
    open_leads: int = 0
    open_opportunities: int = 0
    won_count: int = 0
    won_running: int = 0
    last_won: datetime.datetime | None = None  # when the last won deal closed
    last_lost: datetime.datetime | None = None  # when the last lost deal closed
    last_completion: datetime.date | None = None
    last_contact: datetime.date | None = None
    referral_count: int = 0
    defected_manual: bool = False  # a stored defection (whoever or whatever caused it)
    defected_lost: bool = False  # a defection loss not stored yet (the engine stores it)
    defection_origin: str | None = None  # of the stored defection: "lost_deal", "manual"...
    dormancy_days: int = 365
    referral_threshold: int = 1


NO_RANK = (False, False)


def dormant_since(facts):
    """Day the dormancy clock started: the later of last completion and last contact."""
    if not facts.last_completion:
        return None
    if facts.last_contact and facts.last_contact > facts.last_completion:
        return facts.last_contact
    return facts.last_completion


def dormancy_date(facts):
    """First day on which a completed customer without contact becomes dormant."""
    start = dormant_since(facts)
    if start is None:
        return None
    return start + datetime.timedelta(days=facts.dormancy_days)


def decide_rank(facts, today):
    """Return ``(rank, reason)`` for ``facts`` on ``today``; ``(False, False)`` for no rank.

    The first rule that applies wins (ranks.md, "in the order they are decided").
    """
    if facts.defected_manual:
        return "defected", "defected_lost" if facts.defection_origin == "lost_deal" else "defected_manual"
    if facts.defected_lost:
        return "defected", "defected_lost"
    if facts.won_running:
        return "contracted", "construction"
    if facts.open_opportunities:
        return "prospect", "open_opportunity"
    if facts.won_count and facts.referral_count >= max(facts.referral_threshold, 1):
        return "referral", "referrals"
    if facts.last_lost and (not facts.last_won or facts.last_lost >= facts.last_won):
        return "lost", "last_deal_lost"
    if facts.won_count and facts.last_completion:
        if today >= dormancy_date(facts):
            return "dormant", "quiet"
        return "contracted", "after_care"
    if facts.deal_count:
        return "gathering", "inquiry"
    return NO_RANK
