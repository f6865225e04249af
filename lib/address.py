"""Addresses in Japanese usage (pure Python, no ORM).

Shared by the customers' cards (``res.partner.crm_address_line``) and the
properties (``crm.property``): one address, written one way.
"""

import unicodedata


def address_line(zip_code, state, city, street, street2, country_code, country):
    """The address on one line as its country writes it: in Japan the postal mark
    and code, then prefecture, city and street without separators
    (〒154-0015 東京都世田谷区桜新町8-3-3); elsewhere the city and the country."""
    if country_code == "JP":
        place = "".join(filter(None, (state, city, street, street2)))
        return " ".join(filter(None, (zip_code and f"〒{zip_code}", place)))
    return ", ".join(filter(None, (city, country)))


def _compact(text):
    """Full-width and half-width alike, case and spaces ignored."""
    return "".join(unicodedata.normalize("NFKC", text or "").lower().split()).replace("-", "").replace("ー", "")


def address_key(zip_code, state_id, city, street, street2):
    """What tells two houses apart: the same key is the same house, however the
    address was typed (全角/半角, spaces, hyphens). ``None`` without a street:
    a postal code or a city alone is no house."""
    if not (street or "").strip():
        return None
    return (_compact(zip_code), state_id or False, _compact(city), _compact(street), _compact(street2))
