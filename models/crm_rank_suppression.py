"""The suppression list: every address a defected customer has or had.

One row per address and customer: each e-mail address of the e-mail field
(normalised; a field may hold several) and the sanitized phone number (E.164)
of the customer and of each of its contact persons. Rows are added, never
changed: when a customer defects, when an address of a defected customer
changes (the new one; the old one stays), when a contact person joins a
defected customer, and before a defected customer is deleted (a deleted or
merged customer's rows keep its name). Only a sales manager's reinstatement
removes a customer's rows. Odoo's blacklists are not touched.

The exit (``mail.mail._send``, ``sms.sms._send``, the SMS test send) and the
mailing recipients (``mailing.mailing._get_recipients_domain``) read it.
"""

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL, email_normalize_all

from .crm_rank_defection import DEFECTION_REASONS
from .crm_rank_engine import PENDING_KEY as RANK_PENDING_KEY

ADDRESS_TYPES = [("email", "E-mail"), ("phone", "Phone")]
# res.partner fields whose change may change what the list holds
PARTNER_ADDRESS_FIELDS = frozenset({"email", "phone"})
PARTNER_FAMILY_FIELDS = frozenset({"is_defected", "parent_id", "is_company"})
# cr.precommit.data key: ids of the partners whose addresses are listed before commit
PENDING_KEY = "crm_customer_rank.suppression_pending"
# cr.precommit.data key: {partner id: {(address, type)}} replaced in the request, listed
# before commit with the partner's current ones if the partner is defected by then
REPLACED_KEY = "crm_customer_rank.suppression_replaced"


class CrmRankSuppression(models.Model):
    _name = "crm.rank.suppression"
    _description = "Suppression List"
    _order = "date desc, id desc"
    _rec_name = "address"

    address = fields.Char(
        string="E-mail or Number",
        required=True, readonly=True, index=True,
        help="Normalised e-mail address, or phone number in international format (E.164).")
    address_type = fields.Selection(ADDRESS_TYPES, string="Type", required=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", readonly=True, index=True, ondelete="set null",
        help="The defected customer this address belongs or belonged to. Empty once the customer is deleted.")
    partner_name = fields.Char(string="Customer Name", readonly=True, help="Kept when the customer is deleted.")
    reason = fields.Selection(DEFECTION_REASONS, string="Defection Reason", readonly=True)
    date = fields.Date(string="Listed On", required=True, readonly=True, default=fields.Date.context_today)

    # ------------------------------------------------------------
    # FEED (res.partner calls these)
    # ------------------------------------------------------------

    @api.model
    def _mark(self, partners):
        """List the addresses of ``partners`` and of their contact persons before commit, if defected.

        No query: the ids wait in the cursor's pre-commit data and are listed
        together by ``_list_pending``, before commit or as soon as the exit or a
        mailing reads the list. Called when a defection is stored (a defection
        set in a compute, the engine's loss, is listed later, not there) and when
        an address or a family changes.
        """
        ids = [pid for pid in partners.ids if pid]
        if not ids:
            return
        data = self.env.cr.precommit.data
        if PENDING_KEY not in data:
            data[PENDING_KEY] = set()
            self.env.cr.precommit.add(self._list_pending)
        data[PENDING_KEY].update(ids)

    @api.model
    def _keep_replaced(self, partners):
        """Keep the addresses of ``partners`` that a write is about to replace.

        A defected customer's are listed at once. Those of a customer whose rank
        waits to be decided (a loss for a reason that marks defection may make
        them defected when it is) are kept until commit, then listed if the
        customer is defected by then. Called by ``res.partner.write`` before it
        writes an address; no query for the others.
        """
        if defected := partners._crm_rank_defected_family():
            self._list(defected.ids)
        waiting = self.env.cr.precommit.data.get(RANK_PENDING_KEY) or {}
        undecided = (partners - defected).sudo().filtered(
            lambda p: p.id in waiting or p.commercial_partner_id.id in waiting
        )
        if not undecided:
            return
        replaced = self.env.cr.precommit.data.setdefault(REPLACED_KEY, {})
        for partner in undecided:
            replaced.setdefault(partner.id, set()).update(self._addresses(partner.email, partner.phone_sanitized))
        self._mark(undecided)

    @api.model
    def _list_pending(self):
        """List the addresses of the partners ``_mark`` queued (those that still exist)."""
        pending = self.env.cr.precommit.data.pop(PENDING_KEY, None)
        replaced = self.env.cr.precommit.data.pop(REPLACED_KEY, None)
        if pending:
            self._list(pending, replaced=replaced)

    @api.model
    def _flush_pending(self):
        """Bring the list up to date for a reader in the middle of a request (the exit, a mailing).

        The ranks waiting to be decided first: deciding one may store a defection (a loss).
        """
        self.env["res.partner"].flush_model(["crm_rank"])
        self._list_pending()

    @api.model
    def _addresses(self, email, number):
        """``[(address, type)]`` of a partner's e-mail field (each address, normalised) and sanitized number."""
        addresses = [(address, "email") for address in email_normalize_all(email or "")]
        if number:
            addresses.append((number, "phone"))
        return addresses

    @api.model
    def _list(self, partner_ids, deleting=False, replaced=None):
        """Add the missing rows for the addresses of the given partners and of
        their contact persons, for those that are or belong to a defected customer.

        Set-based: one query reads the families, one the rows already there.
        The customer of a row is the defected commercial partner, or the person
        with a defection of their own (one who left a defected customer).

        :param deleting: the partners are about to be deleted (or merged away):
            an address already on the list for any customer is not added again
        :param replaced: ``{partner id: {(address, type)}}`` the partners had
            earlier in the request, listed with their current ones
        """
        if not partner_ids:
            return
        self.env["res.partner"].flush_model(
            ["email", "phone_sanitized", "is_defected", "crm_rank", "commercial_partner_id", "name", "defection_reason"]
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT p.id, p.email, p.phone_sanitized, h.id, h.name, h.defection_reason
                  FROM res_partner p
                  JOIN res_partner c ON c.id = p.commercial_partner_id
                  JOIN res_partner h
                    ON h.id = CASE WHEN c.is_defected OR c.crm_rank = 'defected' THEN c.id ELSE p.id END
                 WHERE (p.id = ANY(%(ids)s) OR p.commercial_partner_id = ANY(%(ids)s))
                   AND (c.is_defected OR c.crm_rank = 'defected' OR p.is_defected)
                """,
                ids=list(partner_ids),
            )
        )
        wanted = {}  # (address, customer id): values
        for pid, email, number, holder_id, name, reason in rows:
            addresses = self._addresses(email, number) + sorted((replaced or {}).get(pid, ()))
            for address, address_type in addresses:
                wanted.setdefault(
                    (address, holder_id),
                    {
                        "address": address,
                        "address_type": address_type,
                        "partner_id": holder_id,
                        "partner_name": name,
                        "reason": reason,
                    },
                )
        if not wanted:
            return
        if deleting:
            known = self._suppressed({address for address, _holder in wanted})
            wanted = {key: vals for key, vals in wanted.items() if key[0] not in known}
        else:
            existing = self.env.execute_query(
                SQL(
                    "SELECT address, partner_id FROM crm_rank_suppression WHERE partner_id = ANY(%s)",
                    list({holder for _address, holder in wanted}),
                )
            )
            for key in existing:
                wanted.pop(tuple(key), None)
        if wanted:
            # sudo: the list is fed whoever changes a defected customer (its table is read-only for users)
            self.sudo().create(list(wanted.values()))

    @api.model
    def _forget(self, partners):
        """Remove the rows of ``partners`` (their reinstatement)."""
        # sudo: only the reinstatement (a sales manager's, checked before) removes rows
        self.sudo().search([("partner_id", "in", partners.ids)]).unlink()

    # ------------------------------------------------------------
    # READ (the exit and the mailings)
    # ------------------------------------------------------------

    @api.model
    def _suppressed(self, addresses):
        """The addresses among ``addresses`` (normalised e-mails, E.164 numbers) that are on the list."""
        addresses = [address for address in addresses if address]
        if not addresses:
            return set()
        self.flush_model(["address"])
        rows = self.env.execute_query(
            SQL("SELECT DISTINCT address FROM crm_rank_suppression WHERE address = ANY(%s)", addresses)
        )
        return {row[0] for row in rows}

    @api.model
    def _domain(self, model, fnames):
        """Domain of the ``model`` records one of whose ``fnames`` (normalised
        e-mail or sanitized number fields) is on the list."""
        fnames = [fname for fname in fnames if fname in model._fields and model._fields[fname].store]
        if not fnames:
            return Domain.FALSE
        self.flush_model(["address"])

        def listed_sql(model, alias, query):
            # never NULL, so that its negation keeps the records without address
            return SQL(
                "(%s)",
                SQL(" OR ").join(
                    SQL(
                        "(%(column)s IS NOT NULL AND %(column)s IN (SELECT address FROM crm_rank_suppression))",
                        column=model._field_to_sql(alias, fname, query),
                    )
                    for fname in fnames
                ),
            )

        return Domain.custom(to_sql=listed_sql)
