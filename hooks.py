def post_init_hook(env):
    """Give every existing customer their rank once, set-based, at install."""
    env["res.partner"]._crm_rank_update_all(cause="install")
    env["crm.lead"]._crm_rank_sync()
