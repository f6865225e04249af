"""19.0.1.6.0 (#29, the completion survey): the deals' survey result columns.

``crm.lead.crm_survey_satisfaction`` and ``crm_survey_score`` are computed from
the deal's completion survey answers, which no deal has before this upgrade
(the ``survey`` app, a new dependency, is installed by the same ``-u``): the
columns are created empty here, so that Odoo does not compute every existing
deal through the ORM only to find nothing.
"""

from odoo.tools import sql

COLUMNS = {"crm_survey_satisfaction": "varchar", "crm_survey_score": "float8"}


def migrate(cr, version):
    if not version:
        return
    for column, column_type in COLUMNS.items():
        if not sql.column_exists(cr, "crm_lead", column):
            sql.create_column(cr, "crm_lead", column, column_type)
