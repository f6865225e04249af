"""Rebuild the rank history of customers whose history starts with their current rank.

At install, and when old deals are imported, the engine decides each customer's
rank once: their history is one row "nothing -> the current rank" on that day,
and the movement reports see no past. A sales manager's *Rebuild Rank History*
(and the demo) replaces that row with the changes replayed from the customer's
deals (``lib/replay.py``), set-based: a few queries for any number of customers.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..lib import replay


class CrmRankHistoryRebuild(models.AbstractModel):
    """Replay the past rank changes of customers from their deals (no table of its own)."""

    _name = "crm.rank.history.rebuild"
    _description = "Customer Rank History Rebuild"

    @api.model
    def _rebuildable(self, partner_ids):
        """``{customer id: (rank, reason, company id, defected on, defection origin, first row date)}``
        of the ranked customers among ``partner_ids`` whose history is at most their first rank."""
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT p.id, p.crm_rank, p.crm_rank_reason, p.company_id,
                       CASE WHEN p.is_defected THEN p.defection_date END, p.defection_origin, MIN(h.date)
                  FROM res_partner p
             LEFT JOIN crm_rank_history h ON h.partner_id = p.id
                 WHERE p.id = ANY(%s) AND p.id = p.commercial_partner_id AND p.crm_rank IS NOT NULL
              GROUP BY p.id
                HAVING COUNT(h.id) = 0 OR (COUNT(h.id) = 1 AND BOOL_AND(h.old_rank IS NULL))
                """,
                sorted(partner_ids),
            )
        )
        return {row[0]: row[1:] for row in rows}

    @api.model
    def _past_deals(self, partner_ids):
        """``({customer id: [PastDeal]}, {customer id: last completed deal's tag ids},
        {customer id: [when each referred customer came]})``, in two queries."""
        deals, last_tags, referred = {}, {}, {}
        rows = self.env.execute_query(
            SQL(
                """
                SELECT p.commercial_partner_id, l.create_date, l.type, l.won_status,
                       COALESCE(l.date_closed, l.write_date), l.completion_date, l.active,
                       ARRAY(SELECT r.tag_id FROM crm_tag_rel r WHERE r.lead_id = l.id)
                  FROM crm_lead l
                  JOIN res_partner p ON p.id = l.partner_id
                 WHERE p.commercial_partner_id = ANY(%s)
              ORDER BY p.commercial_partner_id, l.completion_date NULLS FIRST, l.id
                """,
                sorted(partner_ids),
            )
        )
        for pid, created, lead_type, won_status, closed, completion, active, tag_ids in rows:
            deals.setdefault(pid, []).append(
                replay.PastDeal(
                    created, lead_type, won_status, closed if won_status != "pending" else None, completion, active
                )
            )
            if won_status == "won" and completion:
                last_tags[pid] = tag_ids  # ordered by completion: the last one stays
        rows = self.env.execute_query(
            SQL(
                """
                SELECT ref.commercial_partner_id, MIN(l.create_date)
                  FROM res_partner p
                  JOIN res_partner ref ON ref.id = p.referrer_partner_id
                  JOIN crm_lead l ON l.partner_id = p.id
                 WHERE ref.commercial_partner_id = ANY(%s)
              GROUP BY ref.commercial_partner_id, p.commercial_partner_id
                """,
                sorted(partner_ids),
            )
        )
        for pid, came in rows:
            referred.setdefault(pid, []).append(came)
        return deals, last_tags, referred

    @api.model
    def _rebuild(self, partner_ids):
        """Replace the history of the rebuildable customers among ``partner_ids`` by
        their replayed changes; return the ids of the customers rebuilt.

        The replay ends on the customer's stored rank: when the deals alone lead
        elsewhere (contacts, a kind of work's period), a last change to the stored
        rank is kept on the day of the old first row. The customer's *Rank Since*
        becomes the day they entered their rank.
        """
        customers = self._rebuildable(partner_ids)
        if not customers:
            return []
        deals, last_tags, referred = self._past_deals(customers)
        engine = self.env["crm.rank.engine"]
        thresholds, rank_rules = engine._thresholds(), engine._rank_rules()
        now = fields.Datetime.now()
        vals_list = []
        for pid, (rank, reason, company_id, defected_on, origin, first_date) in customers.items():
            dormancy_days, referral_threshold = thresholds(company_id, {"last_deal_tag_ids": last_tags.get(pid)})
            changes = replay.replay(
                deals.get(pid, []),
                now,
                referred=referred.get(pid, ()),
                defected_on=defected_on,
                defection_origin=origin,
                rank_rules=rank_rules,
                dormancy_days=dormancy_days,
                referral_threshold=referral_threshold,
            )
            if not changes or changes[-1][1] != rank:
                last = changes[-1][0] if changes else None
                changes.append((max(moment for moment in (first_date or now, last) if moment), rank, reason))
            old_rank = False
            for moment, new_rank, new_reason in changes:
                vals_list.append(
                    {
                        "partner_id": pid,
                        "date": moment,
                        "old_rank": old_rank,
                        "new_rank": new_rank,
                        "reason": new_reason,
                        "cause": "rebuild",
                    }
                )
                old_rank = new_rank
        # the history is written by the engine; a manager's rebuild (checked by the caller) too
        history_sudo = self.env["crm.rank.history"].sudo()
        history_sudo.search([("partner_id", "in", list(customers))]).unlink()
        history_sudo.create(vals_list)
        self.env.flush_all()
        self.env.execute_query(
            SQL(
                """
                UPDATE res_partner p
                   SET crm_rank_date = last.date::date
                  FROM (SELECT DISTINCT ON (partner_id) partner_id, date
                          FROM crm_rank_history
                         WHERE partner_id = ANY(%s)
                      ORDER BY partner_id, date DESC, id DESC) AS last
                 WHERE p.commercial_partner_id = last.partner_id
                """,
                list(customers),
            )
        )
        self.env["res.partner"].invalidate_model(["crm_rank_date"])
        return list(customers)

    @api.model
    def _action_rebuild(self, partners):
        """*Rebuild Rank History* on customers (sales managers): a notification says how many."""
        if not self.env.user.has_group("sales_team.group_sale_manager"):
            raise AccessError(self.env._("Only sales managers can rebuild the rank history."))
        customers = partners.commercial_partner_id
        rebuilt = self._rebuild(customers.ids)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if rebuilt else "warning",
                "message": self.env._(
                    "Rank history rebuilt from the past deals of %(rebuilt)s customers; %(skipped)s left as "
                    "they were (their history has changes since their first rank, or they have no rank).",
                    rebuilt=len(rebuilt),
                    skipped=len(customers) - len(rebuilt),
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
