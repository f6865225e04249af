"""Finding a caller by the number they read out, in whatever form it was typed.

A receptionist types 043-4000-1064, 0434001064, 043 4000 1064 or +81 43-4000-1064
(caller ID, business card, e-mail signature); the number may be stored in any of
those forms too. Both sides are compared digits-only, the way Odoo's
``phone_mobile_search`` does (same stripped characters, so the same expression
indexes serve), and the national trunk prefix 0 is matched with the company's
country code (+81 for Japan) in both directions.
"""

import re
import unicodedata

from odoo.fields import Domain
from odoo.tools import SQL

# The characters Odoo strips before comparing numbers (phone_validation's
# PHONE_REGEX_PATTERN): keep them identical so its expression indexes are used.
PHONE_STRIP_PATTERN = r"[\s\\./\(\)\-]"
PHONE_MIN_DIGITS = 4
DEFAULT_COUNTRY_CODE = "81"


def phone_search_patterns(value, country_code=DEFAULT_COUNTRY_CODE):
    """The LIKE patterns on digits-only numbers that match the typed ``value``.

    Empty when ``value`` does not read as a phone number (letters, fewer than
    four digits), so a name search stays a name search.
    """
    if not isinstance(value, str):
        return []
    # full-width digits and hyphens typed with a Japanese input method
    typed = re.sub(PHONE_STRIP_PATTERN, "", unicodedata.normalize("NFKC", value))
    if not re.fullmatch(r"\+?\d+", typed):
        return []
    digits = typed.lstrip("+")
    if len(digits) < PHONE_MIN_DIGITS:
        return []
    country_code = str(country_code or "")
    if typed.startswith("+") or digits.startswith("00"):
        international = digits if typed.startswith("+") else digits[2:]
        if country_code and international.startswith(country_code):
            # "+81 (0)43-..." keeps the trunk 0 after the country code
            national = international[len(country_code) :].removeprefix("0")
            return [f"%0{national}%", f"%{country_code}{national}%"]
        return [f"%{international}%"]
    if digits.startswith("0") and country_code:
        national = digits[1:]
        return [f"%0{national}%", f"%{country_code}{national}%"]
    return [f"%{digits}%"]


def phone_search_domain(model, fnames, operator, value):
    """A domain on ``model`` matching ``value`` in any of its phone fields ``fnames``.

    Set-based: one SQL condition per field on the digits-only expression that
    phone_validation indexes (btree and trigram), no per-record filtering.
    """
    if operator not in ("ilike", "like", "in"):
        return NotImplemented
    values = value if operator == "in" else [value]
    country = model.env.company.country_id
    country_code = country.phone_code if country else DEFAULT_COUNTRY_CODE
    patterns = [pattern for val in values for pattern in phone_search_patterns(val, country_code)]
    fnames = [fname for fname in fnames if fname in model._fields and model._fields[fname].store]
    if not patterns or not fnames:
        return Domain.FALSE

    def to_sql(model_, alias, query):
        conditions = []
        for fname in fnames:
            column = SQL.identifier(alias, fname)
            digits_only = SQL("regexp_replace((%s::text), %s::text, ''::text, 'g'::text)", column, PHONE_STRIP_PATTERN)
            matches = SQL(" OR ").join(SQL("%s LIKE %s", digits_only, pattern) for pattern in patterns)
            conditions.append(SQL("(%s IS NOT NULL AND (%s))", column, matches))
        return SQL("(%s)", SQL(" OR ").join(conditions))

    return Domain.custom(to_sql=to_sql)
