"""How and when to approach a dormant customer, and what came of it: pure helpers, no ORM.

The reactivation side effect (``models/crm_rank_reactivation.py``) gathers the
customer's data set-based and asks these functions which channel to use and on
which day, so the choices can be read and unit-tested on their own.
"""

import datetime
import re
import unicodedata

# The channels tried in this order when the customer has no preference (or one
# their data does not allow).
CHANNELS = ("phone", "email", "direct_mail", "fax")
# Channels used only when the customer prefers them: LINE (reached through the
# company's official account, which the salesperson knows), SMS (a number to
# text) and a visit (a postal address to go to).
PREFERRED_ONLY = ("line", "sms", "visit")

# What a salesperson learnt approaching a dormant customer (the outcome of a
# reactivation activity, crm.rank.quiet.reason), and what each outcome means:
OUTCOMES = [
    ("interested", "Interested"),
    ("not_now", "Not Now"),
    ("competitor", "Went to a Competitor"),
    ("dissatisfied", "Dissatisfied"),
    ("unreachable", "Unreachable"),
    ("not_recorded", "Not Recorded"),
]
# the customer was reached (the reactivation report's "what brought them back");
REACHED_OUTCOMES = ("interested", "not_now", "competitor", "dissatisfied")
# the customer stays dormant: the done activity's message is no contact for the
# rank (lib/facts.py); the outcomes proposing a defection to a sales manager are
# crm.rank.defection's DEFECTION_REASON_OF_OUTCOME.
QUIET_OUTCOMES = ("not_now", "unreachable", "competitor", "dissatisfied")

# Separators people type between months: commas, Japanese commas, spaces.
_MONTH_SEPARATORS = re.compile(r"[\s,、]+")


def parse_months(text):
    """Return the months (1-12) listed in ``text`` as a frozenset.

    Accepts "3,4,9,10", "3, 4 9、10" and full-width digits; an empty text gives
    an empty set (any month). Raises ``ValueError`` on anything else.
    """
    text = unicodedata.normalize("NFKC", text or "").strip()
    months = set()
    for item in _MONTH_SEPARATORS.split(text):
        if not item:
            continue
        if not item.isdigit() or not 1 <= int(item) <= 12:
            raise ValueError(item)
        months.add(int(item))
    return frozenset(months)


def format_months(months):
    """The canonical text of a month set: "3,4,9,10"."""
    return ",".join(str(month) for month in sorted(months))


def outreach_day(today, months):
    """Day to approach the customer: today when this month is allowed (or no month
    is set), else the first day of the next allowed month."""
    if not months or today.month in months:
        return today
    for step in range(1, 13):
        month = (today.month - 1 + step) % 12 + 1
        if month in months:
            year = today.year + (today.month - 1 + step) // 12
            return datetime.date(year, month, 1)
    return today  # unreachable: months is a non-empty subset of 1..12


def choose_channel(preference, *, phone=False, email=False, postal=False, fax=False):
    """Channel to approach a customer: their preference when we can use it,
    otherwise phone, e-mail (not blacklisted), direct mail (postal address), fax.

    The flags say whether the customer has usable data for each channel. A
    preference for LINE is always usable (the salesperson reaches them through
    the company's account); SMS needs a phone number and a visit a postal
    address. Without any usable data we still ask for a call: the salesperson
    knows the customer and finds a way.
    """
    available = {
        "phone": phone,
        "email": email,
        "direct_mail": postal,
        "fax": fax,
        "line": True,
        "sms": phone,
        "visit": postal,
    }
    if preference in available and available[preference]:
        return preference
    for channel in CHANNELS:
        if available[channel]:
            return channel
    return "phone"
