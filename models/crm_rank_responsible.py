"""One customer, one responsible salesperson.

The customer's own *Salesperson* (``res.partner.user_id``, Odoo's field: CRM
fills it when a deal creates the customer, Sales proposes it on quotations) is
the person who takes care of them. This service keeps it in step with the deals
and is the one place that says who gets a customer's work.
"""

from odoo import api, models
from odoo.tools import SQL


class CrmRankResponsible(models.AbstractModel):
    """Who is responsible for a customer (no table of its own)."""

    _name = "crm.rank.responsible"
    _description = "Responsible Salesperson of a Customer"

    @api.model
    def _sync_from_deals(self, leads, won):
        """Keep the customers' salesperson in step with their deals.

        A customer without a salesperson takes the salesperson of their deal; a
        deal won (``won``, among ``leads``) makes its salesperson the customer's:
        who signed the last contract takes care of the customer. A salesperson
        changed by hand on the customer stays until their next won deal.
        """
        # the customer's salesperson follows the deals, whoever moves them
        leads_sudo = leads.sudo().filtered(lambda lead: lead.user_id and lead.partner_id)
        if not leads_sudo:
            return
        won_ids = set(won.ids)
        target = {}  # {customer: user}: a won deal wins over the first deal
        for lead in leads_sudo.sorted(lambda lead: (lead.id in won_ids, lead.date_closed or lead.create_date, lead.id)):
            customer = lead.partner_id.commercial_partner_id
            if lead.id in won_ids or (not customer.user_id and customer not in target):
                target[customer] = lead.user_id
        by_user = {}
        for customer, user in target.items():
            if customer.user_id != user:
                by_user.setdefault(user, customer.browse())
                by_user[user] |= customer
        for user, customers in by_user.items():
            customers.write({"user_id": user.id})

    @api.model
    def _assign(self, candidates):
        """``{key: user id or False}``: who gets each piece of work on a customer.

        :param candidates: ``{key: (customer's salesperson, the deal's salesperson,
            the deal's sales team)}`` (ids or ``None``), the deal being the one the
            work is about (the last completed work, the completed job, the item's job).

        The customer's salesperson; when that user is archived, gone or not an
        internal user (or there is none), the deal's salesperson, then the leader
        of the deal's sales team; else nobody (the activity stays unassigned, for
        a manager to hand out).
        """
        user_ids = {uid for customer_uid, deal_uid, _team in candidates.values() for uid in (customer_uid, deal_uid)}
        team_ids = {team for _customer, _deal, team in candidates.values()} - {None, False}
        # who may receive work is a question of settings, not of the caller's rights
        teams_sudo = self.env["crm.team"].sudo().with_context(active_test=False).browse(team_ids)
        leaders = {team.id: team.user_id.id for team in teams_sudo}
        users_sudo = (
            self.env["res.users"]
            .sudo()
            .with_context(active_test=False)
            .browse((user_ids | set(leaders.values())) - {None, False})
        )
        valid = {user.id for user in users_sudo.exists() if user.active and not user.share}
        return {
            key: next((uid for uid in (customer_uid, deal_uid, leaders.get(team)) if uid in valid), False)
            for key, (customer_uid, deal_uid, team) in candidates.items()
        }

    @api.model
    def _fill_missing(self):
        """Give every customer without a salesperson the salesperson of their latest
        won deal, else of their latest deal (install and upgrade, set-based)."""
        self.env.flush_all()
        self.env.execute_query(
            SQL(
                """
                UPDATE res_partner cp SET user_id = latest.user_id
                  FROM (SELECT DISTINCT ON (p.commercial_partner_id)
                               p.commercial_partner_id AS customer_id, l.user_id
                          FROM crm_lead l
                          JOIN res_partner p ON p.id = l.partner_id
                          JOIN res_users u ON u.id = l.user_id
                         WHERE u.active AND NOT u.share
                      ORDER BY p.commercial_partner_id, (l.won_status = 'won') DESC,
                               COALESCE(l.date_closed, l.create_date) DESC, l.id DESC) AS latest
                 WHERE cp.id = latest.customer_id AND cp.user_id IS NULL
                """
            )
        )
        self.env["res.partner"].invalidate_model(["user_id"])
