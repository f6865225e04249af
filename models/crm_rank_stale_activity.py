from collections import defaultdict

from markupsafe import Markup

from odoo import api, models
from odoo.tools import SQL

from ..lib.orm import xmlid_ids_sql
from .crm_rank_reactivation import CHANNEL_ACTIVITY_TYPES
from .crm_rank_referral_ask import REFERRAL_ASK_TYPE

# Ranks after which an open activity of each kind no longer makes sense.
# Reactivation: the customer defected, or came back (a new opportunity, a new
# contract, a referral); not a mere contact (after-care: the salesperson may be
# about to record the call's outcome) nor a lost quote.
REACTIVATION_STALE = frozenset(
    {("defected", None), ("prospect", None), ("contracted", "construction"), ("referral", None)}
)
REFERRAL_ASK_STALE_RANKS = frozenset({"defected", "lost"})
# A lost deal's follow-up survives a restore (the deal is open again, the same
# follow-up comes back if it is lost again): only a defection ends it.
LOST_FOLLOWUP_STALE_RANKS = frozenset({"defected"})

class CrmRankStaleActivity(models.AbstractModel):
    """Cancel the activities a rank change made pointless.

    It hangs on the rank engine (``CrmRankEngine._on_rank_changes`` below):
    nobody should be asked to call a defected customer, reactivate a customer
    who came back, or follow up a lost deal of a customer who is in talks
    again. The activities are cancelled (unlinked, as the "Cancel" button of an
    activity does) with a line in the chatter of their document saying why. They
    are not marked done: a done activity is a contact with the customer
    (``lib/facts.py``) and asks for an outcome. A few queries per batch,
    whatever its size.
    """

    _name = "crm.rank.stale.activity"
    _description = "Activities Cancelled by a Rank Change"

    @api.model
    def _cancel_stale(self, changes):
        """Cancel the open activities that ``changes`` (the engine's) made pointless."""
        stale = self._stale_customers(changes)
        if not any(stale.values()):
            return
        activities_sudo = self._stale_activities(stale)
        if activities_sudo:
            self._cancel(activities_sudo, changes)

    @api.model
    def _stale_customers(self, changes):
        """``{kind: set of commercial ids}`` whose open activities of that kind are stale."""
        stale = {"reactivation": set(), "referral": set(), "lost": set()}
        for pid, (old, new) in changes.items():
            if old[0] == new[0]:
                continue
            if (new[0], None) in REACTIVATION_STALE or tuple(new) in REACTIVATION_STALE:
                stale["reactivation"].add(pid)
            if new[0] in REFERRAL_ASK_STALE_RANKS:
                stale["referral"].add(pid)
            if new[0] in LOST_FOLLOWUP_STALE_RANKS:
                stale["lost"].add(pid)
        return stale

    @api.model
    def _stale_activities(self, stale):
        """The open activities to cancel, in one query (sudo: they are closed on
        everyone's list).

        Reactivation activities are on the customer or a contact person; referral
        requests and lost follow-ups on their deals. A complaint's follow-up (a
        visit with a manager) is never cancelled: it is meant for the customer a
        complaint made defected.
        """
        for model, fnames in (
            ("mail.activity", ["res_model", "res_id", "activity_type_id", "crm_lost_reason_id", "active"]),
            ("crm.lead", ["partner_id"]),
            ("res.partner", ["commercial_partner_id"]),
        ):
            self.env[model].flush_model(fnames)
        rows = self.env.execute_query(
            SQL(
                """
                SELECT a.id
                  FROM mail_activity a
                  JOIN res_partner p ON p.id = a.res_id
                 WHERE a.active AND a.res_model = 'res.partner'
                   AND a.activity_type_id IN (%(reactivation_types)s)
                   AND p.commercial_partner_id = ANY(%(reactivation)s)
                 UNION ALL
                SELECT a.id
                  FROM mail_activity a
                  JOIN crm_lead l ON l.id = a.res_id
                  JOIN res_partner p ON p.id = l.partner_id
                  LEFT JOIN crm_lost_reason r ON r.id = a.crm_lost_reason_id
                 WHERE a.active AND a.res_model = 'crm.lead'
                   AND p.commercial_partner_id = ANY(%(customers)s)
                   AND ((a.activity_type_id IN (%(referral_type)s)
                         AND p.commercial_partner_id = ANY(%(referral)s))
                        OR (a.crm_lost_reason_id IS NOT NULL
                            AND p.commercial_partner_id = ANY(%(lost)s)
                            AND NOT COALESCE(r.marks_defected OR r.category = 'complaint', false)))
                """,
                reactivation_types=xmlid_ids_sql(CHANNEL_ACTIVITY_TYPES.values()),
                reactivation=list(stale["reactivation"]),
                customers=list(stale["referral"] | stale["lost"]),
                referral_type=xmlid_ids_sql([REFERRAL_ASK_TYPE]),
                referral=list(stale["referral"]),
                lost=list(stale["lost"]),
            )
        )
        return self.env["mail.activity"].sudo().browse(sorted({row[0] for row in rows}))

    @api.model
    def _cancel(self, activities_sudo, changes):
        """Log why on each document, in its customer's language, then cancel."""
        documents = defaultdict(set)  # model: res ids
        for activity in activities_sudo:
            documents[activity.res_model].add(activity.res_id)
        customer_of = {}  # (model, res id): commercial partner
        env_sudo = activities_sudo.env
        for partner in env_sudo["res.partner"].browse(documents.get("res.partner", ())):
            customer_of[("res.partner", partner.id)] = partner.commercial_partner_id
        for lead in env_sudo["crm.lead"].browse(documents.get("crm.lead", ())):
            customer_of[("crm.lead", lead.id)] = lead.partner_id.commercial_partner_id
        by_lang = defaultdict(list)
        for activity in activities_sudo:
            customer = customer_of[(activity.res_model, activity.res_id)]
            by_lang[customer.lang or self.env.lang or "en_US"].append((activity, customer))
        bodies = defaultdict(dict)  # model: {res id: body}
        for lang, pairs in by_lang.items():
            lang_env = self.with_context(lang=lang).env
            ranks = dict(lang_env["res.partner"]._fields["crm_rank"]._description_selection(lang_env))
            for activity, customer in pairs:
                activity = activity.with_env(lang_env(su=True))
                body = Markup("<p>%s</p>") % lang_env._(
                    'Activity "%(activity)s" (%(user)s) cancelled: the customer is now %(rank)s.',
                    activity=activity.summary or activity.activity_type_id.name,
                    user=activity.user_id.name or lang_env._("unassigned"),
                    rank=ranks.get(changes[customer.id][1][0], changes[customer.id][1][0]),
                )
                model_bodies = bodies[activity.res_model]
                model_bodies[activity.res_id] = model_bodies.get(activity.res_id, Markup("")) + body
        for model, model_bodies in bodies.items():
            env_sudo[model].browse(list(model_bodies))._message_log_batch(bodies=model_bodies)
        activities_sudo.unlink()

# ------------------------------------------------------------
# THE ENGINE'S HOOK (as another addon would hang on it)
# ------------------------------------------------------------


class CrmRankEngine(models.AbstractModel):
    _inherit = "crm.rank.engine"

    @api.model
    def _on_rank_changes(self, changes, cause):
        """Activities a rank change made pointless are cancelled (at install nothing of ours is open yet)."""
        res = super()._on_rank_changes(changes, cause)
        if cause != "install":
            self.env["crm.rank.stale.activity"]._cancel_stale(changes)
        return res
