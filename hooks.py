def post_init_hook(env):
    """Give every existing customer their rank once, set-based, at install."""
    env["res.partner"]._crm_rank_update_all(cause="install")
    env["crm.lead"]._crm_rank_sync()
    env["crm.rank.snapshot.month"]._rebuild()


def uninstall_hook(env):
    """Keep the shipped lost reasons that deals use: they are the deals' history.

    Odoo deletes the records of an uninstalled addon, which fails for a lost
    reason a deal refers to (``ondelete="restrict"``) and logs errors. Without
    their external ids, the lost reasons in use stay as ordinary records; the
    unused ones are deleted with the addon.
    """
    data = env["ir.model.data"].search([("module", "=", "crm_customer_rank"), ("model", "=", "crm.lost.reason")])
    groups = (
        env["crm.lead"]
        .with_context(active_test=False)
        ._read_group([("lost_reason_id", "in", data.mapped("res_id"))], ["lost_reason_id"])
    )
    used_ids = {reason.id for (reason,) in groups}
    data.filtered(lambda xmlid: xmlid.res_id in used_ids).unlink()
