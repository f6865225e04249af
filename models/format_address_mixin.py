from odoo import models

# The Japanese order of an address: postal code, prefecture, city, street (as
# OCA's l10n_jp_address_layout lays out the contacts' form).
JAPANESE_ADDRESS_ORDER = ("zip", "state_id", "city", "street", "street2", "country_id")


class FormatAddressMixin(models.AbstractModel):
    """Addresses in Japanese order on every form with one, for a Japanese company.

    OCA's l10n_jp_address_layout gives the contacts' form (``res.partner``) its
    Japanese address layout; Odoo applies such a layout to that model only, and
    orders the other forms' address (a deal's, a company's) by the city line of
    the country's format alone (street first, postal code last). Those forms get
    the same order as the contacts' here.
    """

    _inherit = "format.address.mixin"

    def _view_get_address(self, arch):
        arch = super()._view_get_address(arch)
        country = self.env.company.country_id
        layout = country.address_view_id.sudo()
        if (
            country.code != "JP"
            or self.env.context.get("no_address_format")
            or (layout and layout.model in (False, self._name))  # the OCA's layout was applied
        ):
            return arch
        for address in arch.xpath("//div[hasclass('o_address_format')]"):
            children = list(address)
            fields = {child.get("name"): child for child in children if child.tag == "field"}
            ordered = [fields[name] for name in JAPANESE_ADDRESS_ORDER if name in fields]
            if len(ordered) < 2:
                continue
            position = min(children.index(field) for field in ordered)
            for field in ordered:
                address.remove(field)
            for offset, field in enumerate(ordered):
                address.insert(position + offset, field)
        return arch
