"""Referral links between customers: checked, carried over from deals, listed for a referrer.

A service model: ``res.partner`` and ``crm.lead`` keep the ``referrer_partner_id``
fields and their constraints, and call these methods.
"""

from collections import defaultdict

from odoo import api, models
from odoo.exceptions import ValidationError

from ..lib import facts as rank_facts

# Deal fields whose change can give a customer a referrer.
CARRY_OVER_FIELDS = frozenset({"partner_id", "referrer_partner_id"})


class CrmRankReferral(models.AbstractModel):
    """Check and list who referred whom (no table of its own)."""

    _name = "crm.rank.referral"
    _description = "Customer Referrals"

    @api.model
    def _check_links(self, partners):
        """Nobody refers themselves, and referrals never go round in a circle.

        Checked between commercial customers (a contact's referral is their
        company's), for the links of ``partners`` and, as a contact may have
        moved to another company, for the links of the customers they referred.

        :raise ValidationError: naming the customers of the refused link
        """
        # the check must see every link, whatever the user may read
        partners_sudo = partners.sudo().with_context(active_test=False)
        linked = partners_sudo.filtered("referrer_partner_id") | partners_sudo.referral_partner_ids
        for partner in linked:
            if partner.referrer_partner_id.commercial_partner_id == partner.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "%(customer)s cannot be their own referrer, nor be referred by a contact of the same company.",
                        customer=partner.commercial_partner_id.display_name,
                    )
                )
        if not linked:
            return
        in_cycle = rank_facts.referral_cycles(self.env, linked.commercial_partner_id.ids)
        for partner in linked:
            if partner.commercial_partner_id.id in in_cycle:
                raise ValidationError(
                    self.env._(
                        "%(customer)s cannot be referred by %(referrer)s: %(referrer)s was "
                        "already referred by %(customer)s, directly or through other "
                        "customers. A referral cannot go round in a circle.",
                        customer=partner.commercial_partner_id.display_name,
                        referrer=partner.referrer_partner_id.commercial_partner_id.display_name,
                    )
                )

    @api.model
    def _carry_over(self, leads, fnames=None):
        """A customer without a referrer takes the referrer of their new deal among ``leads``.

        :param fnames: the deal fields just written; ``None``: the deals were created
        """
        if fnames is not None and CARRY_OVER_FIELDS.isdisjoint(fnames):
            return
        customers_by_referrer = defaultdict(lambda: self.env["res.partner"])
        seen = self.env["res.partner"]
        for lead in leads.filtered(lambda lead: lead.referrer_partner_id and lead.partner_id):
            customer = lead.partner_id.commercial_partner_id
            referrer = lead.referrer_partner_id
            if customer in seen or customer.referrer_partner_id or referrer.commercial_partner_id == customer:
                continue
            seen |= customer
            customers_by_referrer[referrer] |= customer
        for referrer, customers in customers_by_referrer.items():
            customers.write({"referrer_partner_id": referrer.id})

    @api.model
    def _counts(self, partners):
        """``{partner id: (referred customers, of which signed)}`` for the customers of ``partners``."""
        commercial_ids = [pid for pid in partners.commercial_partner_id.ids if pid]
        referred = rank_facts.referred_customers(self.env, commercial_ids) if commercial_ids else {}
        return {
            partner.id: (len(signed), sum(signed.values()))
            for partner in partners
            for signed in [referred.get(partner.commercial_partner_id.id, {})]
        }

    @api.model
    def _action_referred(self, partner):
        """The customers ``partner``'s customer referred, as a window action (new ones are referred by it)."""
        commercial = partner.commercial_partner_id
        referred = rank_facts.referred_customers(self.env, commercial.ids).get(commercial.id, {})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Referred by %(customer)s", customer=commercial.display_name),
            "res_model": "res.partner",
            "view_mode": "list,kanban,form",
            "views": [(False, "list"), (False, "kanban"), (False, "form")],
            "domain": [("id", "in", list(referred))],
            "context": {"default_referrer_partner_id": commercial.id},
        }
