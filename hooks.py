from odoo.tools import sql

# The stored computed fields the addon adds to the tables of every customer and
# every deal. Created before Odoo creates them: Odoo computes a new stored field
# for every existing row through the ORM, all rows at once (out of memory at a
# million customers); the columns of an addon's pre_init_hook are left to it.
# post_init_hook fills them set-based; empty is their value until then (no
# rank yet, no project so no completion date nor warranty end, no warranty, no
# completion survey answered).
PREFILLED_COLUMNS = {
    "res_partner": {"crm_rank": "varchar", "crm_rank_reason": "varchar", "crm_rank_date": "date"},
    "crm_lead": {
        "crm_rank": "varchar",
        "lost_reason_category": "varchar",
        "completion_date": "date",
        "warranty_years": "int4",
        "warranty_end_date": "date",
        "crm_survey_satisfaction": "varchar",
        "crm_survey_score": "float8",
    },
}


def pre_init_hook(env):
    """Create the columns of ``PREFILLED_COLUMNS`` empty (see above)."""
    for table, columns in PREFILLED_COLUMNS.items():
        for name, column_type in columns.items():
            if not sql.column_exists(env.cr, table, name):
                sql.create_column(env.cr, table, name, column_type)


# The fields post_init_hook fills for every row set-based. What the addon's data
# files changed before (the category of Odoo's own lost reasons: every deal lost
# for them) is then not also computed by the ORM, row by row, at the first flush.
SET_BASED_FIELDS = {
    "res.partner": ["crm_rank", "crm_rank_reason", "crm_rank_date"],
    "crm.lead": ["crm_rank", "lost_reason_category"],
}


def post_init_hook(env):
    """Give every existing customer their rank once, set-based, at install."""
    for model_name, fnames in SET_BASED_FIELDS.items():
        for fname in fnames:
            field = env[model_name]._fields[fname]
            env.remove_to_compute(field, env.records_to_compute(field))
    env["crm.lost.reason"]._crm_sync_lead_categories()
    env["crm.rank.responsible"]._fill_missing()
    env["crm.property"]._crm_assign_all()  # the deals' houses, before their after-care is planned
    env["res.partner"]._crm_rank_update_all(cause="install")
    env["crm.rank.engine"]._sync_lead_ranks()
    env["crm.rank.snapshot.month"]._rebuild()
    env["crm.rank.report.summary"]._cron_rebuild()


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
