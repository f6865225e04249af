"""Small ORM and SQL helpers shared by the addon's models."""

from odoo.exceptions import ValidationError
from odoo.tools import SQL

MODULE = "crm_customer_rank"


def check_selection_values(records, vals_list):
    """Refuse unknown values of this addon's selection fields, in the user's language.

    Without it an RPC ``create``/``write`` with an unknown value gets the ORM's
    technical English ``ValueError``. Only the fields this addon defines (or
    extends) are checked: Odoo's own fields keep Odoo's behaviour. Empty values
    are left to ``required``.

    :param records: any recordset (or empty model) of the model being written
    :param vals_list: the list of value dicts of ``create``, or ``[vals]`` of ``write``
    :raise ValidationError: naming the field, the value and the allowed values
    """
    env = records.env
    fields_by_name = records._fields
    for vals in vals_list:
        for name, value in vals.items():
            field = fields_by_name.get(name)
            if (
                field is None
                or field.type != "selection"
                or MODULE not in field._modules
                or not value
            ):
                continue
            if value in field.get_values(env):
                continue
            allowed = ", ".join(
                f"{key} ({label})" for key, label in field._description_selection(env)
            )
            # sudo: only the model's display name, for the message
            model_name = env["ir.model"].sudo()._get(records._name).name or records._name
            raise ValidationError(
                env._(
                    '"%(value)s" is not a valid value for the field %(field)s of %(model)s. '
                    "Allowed values: %(allowed)s.",
                    value=value,
                    field=field._description_string(env),
                    model=model_name,
                    allowed=allowed,
                )
            )


def cached_ref(env, xmlid):
    """The record of ``xmlid``, or ``None``: ``env.ref`` without its query.

    ``env.ref`` checks that the record still exists with one query per call;
    the engine reads its activity types on every rank change, so it goes through
    ``ir.model.data``'s cache only. Deleting a record through the ORM deletes its
    XML id too, so a stale id can only match nothing.
    """
    res_model, res_id = env["ir.model.data"]._xmlid_to_res_model_res_id(xmlid, raise_if_not_found=False)
    return env[res_model].browse(res_id) if res_model and res_id else None


def xmlid_ids_sql(xmlids):
    """A subquery of the record ids of ``xmlids`` (``module.name``), to use in a
    query of one's own: the ids are resolved by the database, no lookup first."""
    pairs = tuple(tuple(xmlid.split(".", 1)) for xmlid in xmlids)
    return SQL("SELECT res_id FROM ir_model_data WHERE (module, name) IN %s", pairs)


def parse_or_refuse(parse, text, refusal):
    """``parse(text)``, for a constraint: the ``ValueError`` a parser raises with the
    refused item becomes the ``ValidationError`` that ``refusal(item)`` words for
    the user (in their language)."""
    try:
        return parse(text)
    except ValueError as error:
        raise ValidationError(refusal(error.args[0])) from error
