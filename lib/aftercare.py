"""After-care: when a completed job's inspections, warranty end and replacements fall due.

Pure helpers, no ORM (``models/crm_aftercare_item.py`` gathers the deals and
writes the items). Japanese renovation companies visit or call past customers
on a plan counted from completion (定期点検: 1 month, 6 months, 1, 2, 5, 10
years...), hand over a warranty per job (工事保証) and know when installed
equipment wears out; each due item is a reason to contact the customer.
"""

import datetime
import re
import unicodedata

# The default inspection plan of a company (months after completion).
DEFAULT_INSPECTION_PLAN = "1m,6m,1y,2y,5y,10y"
# Days an item may stay overdue before it is missed, for a company that set no
# other: two months. A visit put off by a busy season (New Year, Obon) or by the
# customer is still made within them; beyond them it is pointless (a 1-month
# inspection three months late is no 1-month inspection) and the next item of
# the plan is the better reason to call. The referral request has the same grace.
DEFAULT_GRACE_DAYS = 60
MAX_GRACE_DAYS = 365
MAX_OFFSET_MONTHS = 50 * 12  # fifty years: anything longer is a typo

# "6m", "1y", "6ヶ月", "1年", "18" (months); separated by commas, Japanese commas or spaces
_SEPARATORS = re.compile(r"[\s,、]+")
_OFFSET = re.compile(r"^(\d+)(m|y|ヶ月|か月|カ月|ケ月|月|年)?$")
_YEAR_UNITS = frozenset({"y", "年"})


def parse_offsets(text):
    """Return the months after completion listed in ``text``, sorted, without repeats.

    Raises ``ValueError`` with the offending item on anything that is not an
    offset between 1 month and ``MAX_OFFSET_MONTHS``.
    """
    text = unicodedata.normalize("NFKC", text or "").strip().lower()
    months = set()
    for item in _SEPARATORS.split(text):
        if not item:
            continue
        match = _OFFSET.match(item)
        if not match:
            raise ValueError(item)
        number = int(match.group(1)) * (12 if match.group(2) in _YEAR_UNITS else 1)
        if not 1 <= number <= MAX_OFFSET_MONTHS:
            raise ValueError(item)
        months.add(number)
    return tuple(sorted(months))


def add_months(day, months):
    """``day`` plus ``months`` calendar months (the 31st becomes the month's last day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    next_month = datetime.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last_day))


def missed_before(today, grace_days):
    """The first due date that is not missed on ``today``: an item due before it,
    still not recorded, is missed (``grace_days`` after its due date)."""
    return today - datetime.timedelta(days=grace_days)


def initial_state(due, today, grace_days):
    """The state an item gets when it is planned: a job entered late (completed
    years ago, imported) gets its long-past items as missed, not as overdue work."""
    return "missed" if due < missed_before(today, grace_days) else "planned"


def plan_for(tag_plans, company_plan):
    """The inspection plan of a job: the plan of its kinds of work (the union when
    several kinds have one), else the company's plan (texts, see ``parse_offsets``)."""
    months = set()
    for text in tag_plans:
        months.update(parse_offsets(text))
    if months:
        return tuple(sorted(months))
    return parse_offsets(company_plan)


def desired_items(completion, plan, warranty_years, equipment):
    """What a completed job should have on its after-care list.

    :param completion: completion date of the job
    :param plan: months after completion of its inspections
    :param warranty_years: length of its warranty (0: none)
    :param equipment: ``{equipment id: (installed date, life in years)}``
    :return: ``{(kind, key): due date}``; ``key`` tells the items of one kind apart
        (the months of an inspection, the equipment id)
    """
    items = {("inspection", months): add_months(completion, months) for months in plan}
    if warranty_years:
        items[("warranty", 0)] = add_months(completion, 12 * warranty_years)
    for equipment_id, (installed, life_years) in equipment.items():
        if life_years:
            items[("replacement", equipment_id)] = add_months(installed or completion, 12 * life_years)
    return items
