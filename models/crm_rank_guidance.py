from odoo import api, fields, models
from odoo.tools import format_date

from ..lib import rules


class CrmRankGuidance(models.Model):
    """How to treat a customer of a rank: shown wherever staff meet the customer.

    Shipped defaults have no company; a manager can edit them or add a
    company-specific text, which wins for that company's customers.
    """

    _name = "crm.rank.guidance"
    _inherit = ["crm.rank.selection.check"]
    _description = "Customer Rank Guidance"
    _order = "sequence, id"

    rank = fields.Selection(rules.RANKS, required=True, string="Customer Rank")
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        "res.company", help="Leave empty to use it for every company."
    )
    hint = fields.Char(
        required=True,
        translate=True,
        help="A few words shown on kanban cards and in search results.",
    )
    guidance = fields.Text(
        required=True,
        translate=True,
        help="How to treat this customer, what to avoid and the next step.",
    )
    active = fields.Boolean(default=True)

    _rank_company_unique = models.UniqueIndex(
        "(rank, COALESCE(company_id, 0)) WHERE active",
        "There is already a guidance for this rank and company.",
    )

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    @api.model
    def _for_partners(self, partners):
        """Return ``{partner id: guidance record}`` in one query for all partners."""
        records = self.search([("company_id", "in", [False, *partners.company_id.ids])])
        by_key = {}
        for record in records:  # company-specific texts override the shared ones
            key = (record.rank, record.company_id.id)
            by_key.setdefault(key, record)
        default_company = self.env.company.id
        result = {}
        for partner in partners:
            rank = partner.crm_rank
            if not rank:
                continue
            company_id = partner.company_id.id or default_company
            result[partner.id] = (
                by_key.get((rank, company_id)) or by_key.get((rank, False)) or self.browse()
            )
        return result

    @api.model
    def _lead_texts(self, leads):
        """Return ``{lead id: (hint, guidance)}`` for the deals' forms and cards.

        A deal shows its customer's texts; a deal without a ranked customer, the
        guidance of the rank its own state gives (its company's, else the shared one).
        """
        with_partner = leads.filtered(lambda lead: lead.partner_id.crm_rank)
        result = {lead.id: (lead.partner_id.crm_rank_hint, lead.partner_id.crm_rank_guidance) for lead in with_partner}
        others = leads - with_partner
        if not others:
            return result
        records = self.sudo().search([("rank", "in", others.mapped("crm_rank"))])  # shared texts
        for lead in others:
            candidates = records.filtered(
                lambda g, lead=lead: (
                    g.rank == lead.crm_rank and g.company_id in (lead.company_id, self.env["res.company"])
                )
            ).sorted(lambda g: not g.company_id)
            result[lead.id] = (candidates[:1].hint, candidates[:1].guidance)
        return result

    @api.model
    def _partner_texts(self, partners):
        """Return ``{partner id: (hint, guidance)}`` for the customers' forms and cards.

        The guidance of the rank, then the follow-up playbook of a lost
        customer's last lost reason, then the next after-care reason to call.
        """
        guidance = self.sudo()._for_partners(partners)  # shared texts
        lost = partners.filtered(lambda partner: partner.crm_rank == "lost").commercial_partner_id
        playbooks = self.env["crm.lost.reason"]._crm_rank_playbooks(lost.ids)
        result = {}
        # the next reason to call is part of the guidance for whoever reads it, the
        # reception too (sales users only may read the after-care fields themselves)
        for partner, partner_sudo in zip(partners, partners.sudo(), strict=True):
            record = guidance.get(partner.id)
            texts = [
                record.guidance if record else False,
                playbooks.get(partner.commercial_partner_id.id),
                partner_sudo.crm_next_aftercare_name
                and self.env._(
                    "Next reason to call: %(item)s (%(date)s)",
                    item=partner_sudo.crm_next_aftercare_name,
                    date=format_date(self.env, partner_sudo.crm_next_aftercare_date),
                ),
            ]
            result[partner.id] = (record.hint if record else False, "\n\n".join(filter(None, texts)) or False)
        return result
