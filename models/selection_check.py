"""Unknown choices for the addon's own selection fields, refused in the user's language.

Odoo refuses an unknown selection value with a technical ``ValueError`` in
English ("Wrong value for res.partner.crm_contact_channel: 'x'"), which is what
an XML-RPC/JSON-RPC client or an import would show the user.
"""

from odoo.exceptions import ValidationError

ADDON = "crm_customer_rank"


def check_selection_values(model, vals_list):
    """Raise a translated ``ValidationError`` when ``vals_list`` gives one of the
    addon's selection fields of ``model`` a value outside its choices."""
    for vals in vals_list:
        for fname, value in vals.items():
            field = model._fields.get(fname)
            if not value or field is None or field.type != "selection" or field._module != ADDON:
                continue
            choices = dict(field._description_selection(model.env))
            if value not in choices:
                raise ValidationError(
                    model.env._(
                        '"%(value)s" is not a valid choice for %(field)s. Choose one of: %(choices)s.',
                        value=value,
                        field=field._description_string(model.env),
                        choices=", ".join(f"{key} ({label})" for key, label in choices.items()),
                    )
                )
