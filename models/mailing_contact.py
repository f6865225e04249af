from odoo import api, fields, models
from odoo.fields import Domain

# A mailing-list contact's addresses the suppression list is matched on.
ADDRESS_FIELDS = ("email_normalized", "phone_sanitized")


class MailingContact(models.Model):
    _inherit = "mailing.contact"

    crm_is_defected = fields.Boolean(
        string="Defected Customer",
        compute="_compute_crm_is_defected",
        search="_search_crm_is_defected",
        help="The contact's e-mail address or mobile number is on the suppression list (a defected "
        "customer's, deleted customers' included): this contact receives no mailing.",
    )

    @api.depends(*ADDRESS_FIELDS)
    def _compute_crm_is_defected(self):
        suppression = self.env["crm.rank.suppression"]
        suppression._flush_pending()
        listed = suppression._suppressed({contact[fname] for contact in self for fname in ADDRESS_FIELDS})
        for contact in self:
            contact.crm_is_defected = any(contact[fname] in listed for fname in ADDRESS_FIELDS if contact[fname])

    def _search_crm_is_defected(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        wanted = {bool(val) for val in value}
        if operator == "not in":
            wanted = {True, False} - wanted
        if len(wanted) != 1:
            return Domain.TRUE if wanted else Domain.FALSE
        suppression = self.env["crm.rank.suppression"]
        suppression._flush_pending()
        listed = suppression._domain(self, ADDRESS_FIELDS)
        return listed if True in wanted else ~listed
