"""Duplicates caught at the door: the same family registered twice.

A customer typed in anew while they already exist (a caller's number noted by
the receptionist, an inquiry form, an import) splits their deals, their rank and
their defection between two records. The customer form shows the customers
that share a phone or fax number (compared digits-only, with or without +81 or
the trunk 0, as the receptionist's search compares them) or the reading, while
the customer is typed in, before it is saved; Odoo's merge wizard then makes
one customer of them.

A service model: ``res.partner`` keeps the ``crm_duplicate_ids`` field and the
merge button, and calls these methods.
"""

import re
import unicodedata

from odoo import api, models
from odoo.fields import Domain
from odoo.tools import SQL

from ..lib.phone_search import DEFAULT_COUNTRY_CODE, PHONE_STRIP_PATTERN, phone_search_domain, phone_search_patterns

# A number is compared once it has the digits of a Japanese number without its
# trunk 0 (9, e.g. 3-1234-5678): a number being typed is no duplicate yet.
DUPLICATE_MIN_DIGITS = 9
# Shown on the form: enough to recognise the family; the merge wizard takes 3 at most.
DUPLICATE_LIMIT = 5
NUMBER_FIELDS = ("phone", "fax")


def number_digits(number):
    """The digits of a phone number as typed (full-width digits and hyphens of a
    Japanese input method too), or "" when it is no number."""
    typed = re.sub(PHONE_STRIP_PATTERN, "", unicodedata.normalize("NFKC", number or ""))
    return typed.lstrip("+") if re.fullmatch(r"\+?\d+", typed) else ""


def compact_reading(reading):
    """A normalised reading without its spaces: ヤマダ タロウ and ヤマダタロウ are one reading."""
    return (reading or "").replace(" ", "")


class CrmRankDuplicate(models.AbstractModel):
    """Find the possible duplicates of customers and open Odoo's merge wizard (no table)."""

    _name = "crm.rank.duplicate"
    _description = "Duplicate Customers"

    @api.model
    def _find(self, partners):
        """``{partner: possible duplicates}`` for ``partners`` (new records of a form too).

        One search for all of them: the customers with one of their numbers or
        their reading, outside their own company (a contact person shares the
        company's number), then matched to each partner in Python. Archived
        customers are left out, as everywhere in Odoo's contact lookups.
        """
        Partner = self.env["res.partner"]
        result = {partner: Partner for partner in partners}
        country = self.env.company.country_id
        country_code = (country.phone_code if country else DEFAULT_COUNTRY_CODE) or DEFAULT_COUNTRY_CODE
        numbers = []  # the numbers looked up, as typed
        wanted = {}  # partner: (its numbers' digits as stored, without %; its compact reading)
        for partner in partners:
            typed = [partner[fname] for fname in NUMBER_FIELDS]
            typed = [number for number in typed if len(number_digits(number)) >= DUPLICATE_MIN_DIGITS]
            patterns = {
                pattern.strip("%") for number in typed for pattern in phone_search_patterns(number, country_code)
            }
            reading = compact_reading(partner._normalize_name_kana(partner.name_kana) if partner.name_kana else "")
            if patterns or reading:
                wanted[partner] = (patterns, reading)
                numbers += typed
        if not wanted:
            return result
        readings = sorted({reading for _patterns, reading in wanted.values() if reading})
        domain = Domain.FALSE
        if numbers:
            domain |= phone_search_domain(Partner, list(NUMBER_FIELDS), "in", numbers)
        if readings:
            domain |= Domain.custom(
                to_sql=lambda model, alias, query: SQL(
                    "(%(column)s IS NOT NULL AND REPLACE(%(column)s, ' ', '') IN %(readings)s)",
                    column=SQL.identifier(alias, "name_kana"),
                    readings=tuple(readings),
                )
            )
        own_ids = [partner._origin.id for partner in wanted if partner._origin.id]
        if own_ids:
            domain &= Domain("id", "not in", own_ids)
        # No LIMIT: with "ORDER BY id LIMIT n", PostgreSQL walks the primary key and
        # filters every customer when nothing matches (0.7 s at 300,000 customers);
        # without it, the indexes of each condition are used (a few ms).
        candidates = Partner.search(domain, order="id")
        for partner, (patterns, reading) in wanted.items():
            family = partner.parent_id.commercial_partner_id or partner._origin.commercial_partner_id
            result[partner] = candidates.filtered(
                lambda candidate, patterns=patterns, reading=reading, family=family: (
                    not (family and candidate.commercial_partner_id == family)
                    and self._matches(candidate, patterns, reading)
                )
            )[:DUPLICATE_LIMIT]
        return result

    @api.model
    def _matches(self, candidate, patterns, reading):
        """Whether ``candidate`` has one of the numbers (digits ``patterns``) or the ``reading``."""
        if reading and compact_reading(candidate.name_kana) == reading:
            return True
        return any(pattern in number_digits(candidate[fname]) for fname in NUMBER_FIELDS for pattern in patterns)

    @api.model
    def _action_merge(self, partner):
        """Odoo's merge wizard with ``partner`` and its first possible duplicates.

        The wizard merges three contacts at most and keeps the oldest by default,
        i.e. the customer who was there first; the deals, rank history,
        activities and the defection go to the one kept
        (``base.partner.merge.automatic.wizard``, ``wizards/base_partner_merge_automatic_wizard.py``).
        """
        partners = partner | partner.crm_duplicate_ids[:2]
        action = self.env["ir.actions.act_window"]._for_xml_id("base.action_partner_merge")
        action["context"] = {"active_model": "res.partner", "active_ids": partners.ids, "active_test": False}
        return action
