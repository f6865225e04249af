from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL

from .crm_rank_defection import DEFECTED_DOMAIN, defected_sql


class MailingContact(models.Model):
    _inherit = "mailing.contact"

    crm_is_defected = fields.Boolean(
        string="Defected Customer",
        compute="_compute_crm_is_defected",
        search="_search_crm_is_defected",
        help="The e-mail address belongs to a defected customer (archived or not): this contact receives no mailing.",
    )

    @api.depends("email_normalized")
    def _compute_crm_is_defected(self):
        emails = [email for email in self.mapped("email_normalized") if email]
        # sudo: any mailing user must know who is defected, archived customers too
        partners_sudo = self.env["res.partner"].sudo().with_context(active_test=False)
        defected = set(
            partners_sudo.search_fetch(
                Domain("email_normalized", "in", emails) & DEFECTED_DOMAIN,
                ["email_normalized"],
            ).mapped("email_normalized")
            if emails
            else []
        )
        for contact in self:
            contact.crm_is_defected = bool(contact.email_normalized) and contact.email_normalized in defected

    def _search_crm_is_defected(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        wanted = {bool(val) for val in value}
        if operator == "not in":
            wanted = {True, False} - wanted
        if len(wanted) != 1:
            return Domain.TRUE if wanted else Domain.FALSE
        self.env["res.partner"].flush_model(["crm_rank", "email_normalized"])

        def contact_defected_sql(model, alias, query):
            # Never NULL, so its negation keeps the contacts without e-mail (SMS).
            email = model._field_to_sql(alias, "email_normalized", query)
            return SQL(
                """(%(email)s IS NOT NULL AND %(email)s IN (
                       SELECT p.email_normalized FROM res_partner p
                        WHERE %(defected)s AND p.email_normalized IS NOT NULL))""",
                email=email,
                defected=defected_sql("p"),
            )

        defected = Domain.custom(to_sql=contact_defected_sql)
        return defected if True in wanted else ~defected
