"""The exit denies by default: which messages may still reach a suppressed recipient.

Every e-mail (``mail.mail``) and SMS (``sms.sms``) is stamped, when it is
created, with the kind it was born as (``crm_send_kind``), and only three
kinds pass the last gate towards an address of the suppression list:

- *personal*: a person (an internal user) writing now on one record: the
  chatter's message route, the e-mail composer and the SMS composer on one
  record (``born_as("personal")`` around them);
- *business*: a message about a record of a model listed in the settings
  (quotations and orders, invoices, meetings by default), whatever sends it;
- *system*: Odoo's own messages a user needs: password reset, signup, portal
  invitation (``born_as("system")`` around them).

Everything else is not stamped and is cancelled at the exit when its
recipient is suppressed: mailings and their test sends, templates and
``message_post`` called by code, notifications to followers, scheduled
messages, server actions, scheduled actions and automation rules
(``automated()`` around every server action: a person's mark inside one does
not count), SMS to typed numbers, and whatever path an app installed later
brings: nobody needs to name it.

The marks are context variables of the running request, not context keys: a
client (RPC, JSON-RPC) sends context keys and could claim any kind; it cannot
set these.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from odoo import api, models

SEND_KINDS = [
    ("personal", "Personal"),
    ("business", "Business Document"),
    ("system", "System Message"),
]
# System parameter: the models whose messages are business documents (comma-separated).
BUSINESS_MODELS_PARAM = "crm_customer_rank.business_models"
# Without the parameter: quotations and orders, invoices, meetings (those installed).
DEFAULT_BUSINESS_MODELS = ("sale.order", "account.move", "calendar.event")

# The kind messages created now are born as: "personal", "system", or
# "automated" inside a server action (which no person's mark escapes).
_BORN_AS = ContextVar("crm_rank_born_as", default=None)
_AUTOMATED = "automated"


@contextmanager
def born_as(kind):
    """The e-mails and SMS created inside the block are born as ``kind``.

    ``personal`` inside a server action stays automated (Python code may
    drive the composer of one record); ``system`` marks Odoo's own system
    messages, which a server action may send (*Send Password Reset
    Instructions* is one).
    """
    if kind == "personal" and _BORN_AS.get() == _AUTOMATED:
        yield
        return
    token = _BORN_AS.set(kind)
    try:
        yield
    finally:
        _BORN_AS.reset(token)


@contextmanager
def automated():
    """What server actions (scheduled actions, automation rules) create is born automated."""
    token = _BORN_AS.set(_AUTOMATED)
    try:
        yield
    finally:
        _BORN_AS.reset(token)


class CrmRankExit(models.AbstractModel):
    """Decide the kind of outgoing messages (no table of its own)."""

    _name = "crm.rank.exit"
    _description = "Outgoing Message Kinds"

    @api.model
    def _kind(self, model_name, marketing=False):
        """The kind a message is born as (``SEND_KINDS`` key), or ``False``: denied to suppressed recipients.

        :param model_name: the model of the record the message is about, if any
        :param marketing: whether it belongs to a mailing (never an allowed kind)
        """
        if marketing:
            return False
        kind = _BORN_AS.get()
        if kind in ("personal", "system"):
            return kind
        if model_name and model_name in self._business_models():
            return "business"
        return False

    @api.model
    def _stamp(self, vals_list, model_key=None):
        """Stamp the values of e-mails or SMS being created with the kind each is born as
        (``crm_send_kind``), whatever the caller sends.

        :param model_key: the key of the values naming the record's model (e-mails have
            one); otherwise, and when it is empty, the model of the message they belong to
        """
        message_ids = {vals["mail_message_id"] for vals in vals_list if vals.get("mail_message_id")}
        # sudo: only the message's model is read (the message was just created by the same request)
        messages_sudo = self.env["mail.message"].sudo().browse(message_ids)
        for vals in vals_list:
            model = (model_key and vals.get(model_key)) or (
                vals.get("mail_message_id") and messages_sudo.browse(vals["mail_message_id"]).model
            )
            vals["crm_send_kind"] = self._kind(model, marketing=bool(vals.get("mailing_id")))
        return vals_list

    @api.model
    def _business_models(self):
        """Names of the installed models whose messages are business documents."""
        # get_param is cached until a parameter changes
        value = self.env["ir.config_parameter"].sudo().get_param(BUSINESS_MODELS_PARAM)
        names = DEFAULT_BUSINESS_MODELS if value is False else value.split(",")
        return frozenset(name.strip() for name in names if name.strip() in self.env)

    @api.model
    def _set_business_models(self, model_names):
        """Store the list of business models (the settings' field); an empty list is stored as ``,``."""
        value = ",".join(sorted(model_names)) or ","
        self.env["ir.config_parameter"].sudo().set_param(BUSINESS_MODELS_PARAM, value)
