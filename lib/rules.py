"""The seven customer ranks, decided from a customer's facts.

A reader opens this module to learn the ranks (the README's section "The rank
rules" says the same in words). It imports nothing from Odoo so it can be read
and unit-tested on its own: the ORM gathers the facts (``lib/facts.py``),
this module decides, and the engine model (``crm.rank.engine``) writes what
changed. Another addon adds or reorders rules by overriding
``crm.rank.engine._rank_rules``, not by editing this module.
"""

import datetime
import typing

# The company settings' defaults (res.company), also the facts' defaults below.
DEFAULT_DORMANCY_DAYS = 365
DEFAULT_REFERRAL_THRESHOLD = 1

# The ranks (key, label), in the order of the lifecycle: every selection of a
# rank (customers, deals, history, reports, wizards) is this list. A list, not
# a tuple: Odoo translates the labels and records the values of list selections.
RANKS = [
    ("gathering", "Information Gathering"),
    ("prospect", "Prospect"),
    ("lost", "Lost"),
    ("contracted", "Contracted"),
    ("dormant", "Dormant"),
    ("referral", "Referral"),
    ("defected", "Defected"),
]

# Why a customer has their rank (key, label): one per outcome of the rules below
# (a list, like RANKS). "defected_manual" is any stored defection but a loss's:
# a manager's, an import's, or a person's who left a defected customer (the
# defection's origin says which).
REASONS = [
    ("defected_manual", "Marked defected"),
    ("defected_lost", "Deal lost for a defection reason"),
    ("construction", "Construction not completed yet"),
    ("open_opportunity", "Open opportunity"),
    ("referrals", "Referred other customers"),
    ("last_deal_lost", "Last deal lost"),
    ("quiet", "No contact for the dormancy period"),
    ("after_care", "Completed contract, after-care"),
    ("inquiry", "Inquiry only"),
]


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
    is_defected: bool = False  # a stored defection (res.partner.is_defected), whoever or whatever made it
    defected_lost: bool = False  # a defection loss not stored yet (crm.rank.defection stores it)
    defection_origin: str | None = None  # of the stored defection: "lost_deal", "manual"...
    dormancy_days: int = DEFAULT_DORMANCY_DAYS
    referral_threshold: int = DEFAULT_REFERRAL_THRESHOLD


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


# The rules, one function each: ``rule(facts, today)`` returns ``(rank, reason)``
# when it applies, else ``None``. ``RULES`` lists them in the order they are
# decided (the first that applies wins; README, "The rank rules").


def rule_defected(facts, today):
    """A stored defection (a manager's, an import's, or a defection loss the engine stored)."""
    if facts.is_defected:
        return "defected", "defected_lost" if facts.defection_origin == "lost_deal" else "defected_manual"
    return None


def rule_defected_lost(facts, today):
    """A past customer's deal lost for a defection reason, not stored yet."""
    return ("defected", "defected_lost") if facts.defected_lost else None


def rule_construction(facts, today):
    """A won deal whose construction is not completed."""
    return ("contracted", "construction") if facts.won_running else None


def rule_open_opportunity(facts, today):
    """An open opportunity."""
    return ("prospect", "open_opportunity") if facts.open_opportunities else None


def rule_referrals(facts, today):
    """A past customer who referred enough customers."""
    if facts.won_count and facts.referral_count >= max(facts.referral_threshold, 1):
        return "referral", "referrals"
    return None


def rule_last_deal_lost(facts, today):
    """The most recently concluded deal was lost."""
    if facts.last_lost and (not facts.last_won or facts.last_lost >= facts.last_won):
        return "lost", "last_deal_lost"
    return None


def rule_completed(facts, today):
    """Completed contract: dormant after the dormancy period without contact, else after-care."""
    if facts.won_count and facts.last_completion:
        if today >= dormancy_date(facts):
            return "dormant", "quiet"
        return "contracted", "after_care"
    return None


def rule_inquiry(facts, today):
    """An inquiry that never went further."""
    return ("gathering", "inquiry") if facts.deal_count else None


RULES = (
    rule_defected,
    rule_defected_lost,
    rule_construction,
    rule_open_opportunity,
    rule_referrals,
    rule_last_deal_lost,
    rule_completed,
    rule_inquiry,
)


# A dormant customer who comes back for one of these reasons (a new inquiry,
# opportunity or contract) was reactivated; one who is only contacted was not.
REACTIVATION_REASONS = ("inquiry", "open_opportunity", "construction")


def became(rank, old_rank, new_rank):
    """Whether a change from ``old_rank`` to ``new_rank`` enters ``rank`` (became dormant, defected...)."""
    return new_rank == rank and old_rank != rank


def entering(changes, rank):
    """The customers of the engine's ``changes`` (``{id: ((old rank, old reason), (rank,
    reason))}``) whose change enters ``rank``, in the order of ``changes``."""
    return [pid for pid, (old, new) in changes.items() if became(rank, old[0], new[0])]


def is_reactivation(old_rank, reason):
    """Whether a change from ``old_rank`` for ``reason`` brings a dormant customer back."""
    return old_rank == "dormant" and reason in REACTIVATION_REASONS


def lead_own_rank(won_status, lead_type, active):
    """The rank a deal without a ranked customer shows, from its own state
    (the same in SQL: ``facts.LEAD_OWN_RANK``)."""
    if won_status == "won":
        return "contracted"
    if won_status == "lost":
        return "lost"
    if lead_type == "opportunity" and active:
        return "prospect"
    return "gathering"


def decide_rank(facts, today, rules=RULES):
    """Return ``(rank, reason)`` for ``facts`` on ``today``; ``(False, False)`` for no rank.

    The first of ``rules`` that applies wins. The engine passes the rules of
    ``crm.rank.engine._rank_rules()``, which another addon may extend.
    """
    for rule in rules:
        outcome = rule(facts, today)
        if outcome:
            return outcome
    return NO_RANK
