"""19.0.1.4.0: each daily job is a scheduled action of its own.

*CRM: Update Customer Ranks* ran five jobs through ``res.partner``. It now only
updates the ranks, on ``crm.rank.engine``; the referral requests, the closing of
the months of *Customers per Rank*, the after-care planning and the after-care
activities are scheduled actions of their own (``data/ir_cron_data.xml`` creates
them). Each new one starts as the old one was set (active or not, its next call,
interval and user), so a company that had switched the update off or moved its
hour finds every job so; what a manager changed on the old one stays.
"""

from odoo import SUPERUSER_ID, api

MODULE = "crm_customer_rank"
OLD_CALL = "model._cron_update_crm_rank()"
NEW_CALL = "model._cron_update_ranks()"
NEW_CRONS = (
    "ir_cron_crm_referral_ask",
    "ir_cron_crm_rank_snapshot_month",
    "ir_cron_crm_aftercare_plan",
    "ir_cron_crm_aftercare_activities",
)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    old = env.ref(f"{MODULE}.ir_cron_update_crm_rank", raise_if_not_found=False)
    if not old:
        return  # deleted by a manager: the new jobs keep their defaults
    code = (old.code or "").strip()
    if code == OLD_CALL:
        old.write({"model_id": env["ir.model"]._get_id("crm.rank.engine"), "code": NEW_CALL})
    elif OLD_CALL in code:  # a manager's own code around the call: only the call changes
        old.code = code.replace(OLD_CALL, "env['crm.rank.engine']._cron_update_ranks()")
    schedule = {
        "active": old.active,
        "nextcall": old.nextcall,
        "interval_number": old.interval_number,
        "interval_type": old.interval_type,
        "user_id": old.user_id.id,
    }
    for name in NEW_CRONS:
        cron = env.ref(f"{MODULE}.{name}", raise_if_not_found=False)
        if cron:
            cron.write(schedule)
