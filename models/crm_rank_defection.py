"""Defections: set, spread to a customer, kept by a person who leaves, ended.

A service model: ``res.partner`` keeps the defection fields and the guards
(only a sales manager sets or clears them), and calls these methods.
"""

from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.fields import Domain
from odoo.tools import SQL, plaintext2html

from ..lib import facts as rank_facts

DEFECTION_REASONS = [
    ("complaint", "Complaint"),
    ("competitor", "Went to a competitor"),
    ("moved", "Moved away"),
    ("no_contact", "Asked not to be contacted"),
    ("other", "Other"),
]
DEFECTION_ORIGINS = [
    ("manual", "Marked by a sales manager"),
    ("import", "Imported"),
    ("lost_deal", "Deal lost for a defection reason"),
    ("left_customer", "Left a defected customer"),
]
# The defection reason of what makes or proposes a defection (anything else:
# "other"): a past customer's deal lost for a reason of these lost categories
# (the defection is stored, see _store_lost_defections) ...
DEFECTION_REASON_OF_LOST_CATEGORY = {"complaint": "complaint", "competitor": "competitor"}
# ... and the reactivation outcomes that propose a defection to a sales manager
# (crm.rank.quiet.reason; the proposal fills in the defection wizard).
DEFECTION_REASON_OF_OUTCOME = {"competitor": "competitor", "dissatisfied": "complaint"}

# Is this partner defected? Its rank says so: the engine gives the rank
# "defected" to every stored defection (``is_defected``, a customer's or a contact
# person's own) and to the contact persons of a defected customer, and the rank
# is decided before it is read or searched. So whoever asks (mailings, the send
# gate, campaigns, greetings, after-care, referral requests, reactivation) reads
# the rank, never the flag: the flag is the stored fact the rank is decided from.
DEFECTED_DOMAIN = Domain("crm_rank", "=", "defected")


def defected_sql(alias):
    """``DEFECTED_DOMAIN`` in SQL, on the partners (or deals) aliased ``alias``.

    NULL for a partner without a rank: negate it with ``IS NOT TRUE``.
    """
    return SQL("%s = 'defected'", SQL.identifier(alias, "crm_rank"))


# Fields only a sales manager (or the server itself) may set or clear.
DEFECTION_FIELDS = frozenset(
    {
        "is_defected",
        "defection_reason",
        "defection_date",
        "defection_note",
        "defection_user_id",
        "defection_origin",
        "crm_rank_reinstated_date",
    }
)


class CrmRankDefection(models.AbstractModel):
    """Mark, spread, keep and end the defection of customers (no table of its own)."""

    _name = "crm.rank.defection"
    _description = "Customer Defection"

    @api.model
    def _check_write(self, vals_list):
        """Only sales managers set or clear a defection, whatever the client sends.

        The superuser passes too: the engine, data files and tests.
        """
        if not any(not DEFECTION_FIELDS.isdisjoint(vals) for vals in vals_list):
            return
        if self.env.su or self.env.user.has_group("sales_team.group_sale_manager"):
            return
        raise AccessError(
            self.env._("Only sales managers can mark a customer defected or reinstate a defected customer.")
        )

    @api.model
    def _defected_partner_ids(self, partner_ids):
        """The ids among ``partner_ids`` of partners that are, or belong to, a defected customer.

        Archived partners too, whatever the caller may read (one query).
        """
        if not partner_ids:
            return set()
        self.env["res.partner"].flush_model(["is_defected", "crm_rank", "commercial_partner_id"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT p.id
                  FROM res_partner p
                  JOIN res_partner c ON c.id = p.commercial_partner_id
                 WHERE p.id = ANY(%s) AND (p.is_defected OR c.is_defected OR c.crm_rank = 'defected')
                """,
                list(partner_ids),
            )
        )
        return {row[0] for row in rows}

    @api.model
    def _defaults(self, vals):
        """Complete a defection set without its details (an import, an API call):
        when, by whom, how; the reason defaults to *Other*.
        """
        if not vals.get("is_defected"):
            return vals
        origin = "import" if self.env.context.get("import_file") else "manual"
        return {
            "defection_date": fields.Date.context_today(self),
            "defection_user_id": self.env.uid,
            "defection_origin": origin,
            "defection_reason": "other",
            **{key: value for key, value in vals.items() if value or key not in DEFECTION_FIELDS},
        }

    @api.model
    def _defect_customers(self, partners):
        """``partners`` were just marked defected (created so, or written): their
        ranks move at once, and a defection set on a contact person marks their
        customer (the company) too.

        The person keeps their own defection: if they later leave the company,
        they stay excluded until a manager reinstates them.
        """
        partners_sudo = partners.sudo()  # the defection was checked (manager) before
        persons = {}  # customer: the first of their persons marked here
        for person in partners_sudo:
            customer = person.commercial_partner_id
            if customer != person and not customer.is_defected:
                persons.setdefault(customer, person)
        copied = DEFECTION_FIELDS - {"crm_rank_reinstated_date"}
        for customer_sudo, person in persons.items():
            customer_sudo.with_context(crm_rank_engine=True).write(
                {fname: person._fields[fname].convert_to_write(person[fname], person) for fname in copied}
            )
            self._log(
                customer_sudo,
                Markup("<p>%s</p>")
                % self.env._("Marked defected through their contact %(person)s", person=person.name),
            )
        customers_sudo = partners_sudo.browse([customer.id for customer in persons])
        (partners_sudo | customers_sudo)._crm_rank_refresh("manual")

    @api.model
    def _defected_customers(self, partners):
        """``{partner id: defected customer}`` for the partners among ``partners`` that
        belong to a defected customer without a defection of their own (read before
        they move to another company, see ``_keep_defection``).
        """
        partners_sudo = partners.sudo()  # defections are read whoever moves the person
        return {
            partner.id: partner.commercial_partner_id
            for partner in partners_sudo
            if partner.commercial_partner_id != partner
            and partner.commercial_partner_id.is_defected
            and not partner.is_defected
        }

    @api.model
    def _keep_defection(self, customers):
        """A person who left a defected customer keeps the defection.

        :param customers: ``{partner id: the defected customer they belonged to}``
        """
        # the move may be made by a salesperson: the defection is carried over by the server
        partners_sudo = self.env["res.partner"].sudo().browse(list(customers))
        for partner in partners_sudo:
            customer = customers[partner.id]
            if partner.commercial_partner_id == customer:
                continue
            partner.with_context(crm_rank_engine=True).write(
                {
                    "is_defected": True,
                    "defection_reason": customer.defection_reason,
                    "defection_date": customer.defection_date,
                    "defection_note": customer.defection_note,
                    "defection_user_id": customer.defection_user_id.id,
                    "defection_origin": "left_customer",
                }
            )
            self._log(
                partner,
                Markup("<p>%s</p>")
                % self.env._(
                    "Left the defected customer %(customer)s: stays defected until a sales manager reinstates them.",
                    customer=customer.display_name,
                ),
            )

    @api.model
    def _store_lost_defections(self, facts):
        """Store the defection of the customers a defection loss makes defected.

        A past customer's deal lost for a reason that marks defection makes a
        defection of its own, as a manager's would: restoring the deal, changing
        its lost reason or its dates afterwards does not end it, only a
        reinstatement does. The engine asks it before deciding.

        :param facts: ``{commercial partner id: CustomerFacts}``
        :return: ``facts``, with the defections stored here
        """
        new_ids = [pid for pid, fact in facts.items() if fact.defected_lost and not fact.is_defected]
        if not new_ids:
            return facts
        losses = rank_facts.last_defection_losses(self.env, new_ids)
        by_reason = defaultdict(list)
        for pid in new_ids:
            category = losses.get(pid, (None, None, None))[2]
            by_reason[DEFECTION_REASON_OF_LOST_CATEGORY.get(category, "other")].append(pid)
        # only the engine makes this defection, whoever lost the deal
        engine_sudo = self.env["res.partner"].sudo().with_context(crm_rank_engine=True, tracking_disable=True)
        for reason, pids in by_reason.items():
            engine_sudo.browse(pids).write(
                {
                    "is_defected": True,
                    "defection_reason": reason,
                    "defection_date": fields.Date.context_today(self),
                    "defection_user_id": self.env.uid,
                    "defection_origin": "lost_deal",
                }
            )
        # written in each customer's language, as their rank's tracking line is
        # (lib/tracking.py), not in the scheduler's or the salesperson's
        langs = {partner.id: partner.lang or self.env.lang for partner in engine_sudo.browse(new_ids)}
        reasons = self.env["crm.lost.reason"].sudo().browse({loss[1] for loss in losses.values()})
        names = {
            lang: {reason.id: reason.name for reason in reasons.with_context(lang=lang)} for lang in set(langs.values())
        }
        bodies = {}
        for pid in new_ids:
            deal, reason_id, _category = losses.get(pid, ("", None, None))
            lang = langs[pid]
            bodies[pid] = Markup("<p>%s</p>") % self.with_context(lang=lang).env._(
                "Marked defected: the deal %(deal)s was lost for the reason %(reason)s. "
                "Only a sales manager's reinstatement ends this defection.",
                deal=deal,
                reason=names[lang].get(reason_id, ""),
            )
        # the chatter line is a side effect: logged before commit, not while a rank is read
        self.env.cr.precommit.add(lambda: engine_sudo.browse(new_ids).exists()._message_log_batch(bodies=bodies))
        stored = dict.fromkeys(new_ids)
        return {
            pid: fact._replace(is_defected=True, defection_origin="lost_deal") if pid in stored else fact
            for pid, fact in facts.items()
        }

    @api.model
    def _mark_defected(self, partners, reason, note=False):
        """Mark the commercial customers of ``partners`` defected, now and until reinstated."""
        customers = partners.commercial_partner_id
        customers.write(
            {
                "is_defected": True,
                "defection_reason": reason,
                "defection_note": note or False,
                "defection_date": fields.Date.context_today(self),
                "defection_user_id": self.env.uid,
                "defection_origin": "manual",
            }
        )  # moves the rank at once (cause "manual")
        label = dict(partners._fields["defection_reason"]._description_selection(self.env))[reason]
        body = Markup("<p>%s</p>") % self.env._("Marked defected: %(reason)s", reason=label)
        self._log(customers, body, note)

    @api.model
    def _reinstate(self, partners, note=False):
        """Reinstate the commercial customers of ``partners``: their rank follows their deals again.

        Deals lost for a defection reason before now no longer count. The
        customer's contact persons with a defection of their own (marked
        through the customer) are reinstated with it.
        """
        customers = partners.commercial_partner_id
        persons = partners.search(
            [
                ("commercial_partner_id", "in", customers.ids),
                ("is_defected", "=", True),
                ("id", "not in", customers.ids),
            ]
        )
        (partners | customers | persons).write(
            {
                "is_defected": False,
                "defection_reason": False,
                "defection_note": False,
                "defection_date": False,
                "defection_user_id": False,
                "defection_origin": False,
                "crm_rank_reinstated_date": fields.Datetime.now(),
            }
        )  # moves the rank at once (cause "manual")
        self.env["crm.rank.suppression"]._forget(partners | customers | persons)
        self._log(partners | customers, Markup("<p>%s</p>") % self.env._("Reinstated"), note)

    @api.model
    def _log(self, partners, body, note=False):
        """Log on the chatter of ``partners``; a log is not a contact with the customer (lib/facts.py)."""
        if note:
            body += plaintext2html(note)
        partners._message_log_batch(bodies=dict.fromkeys(partners.ids, body))
