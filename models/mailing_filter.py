from odoo import fields, models


class MailingFilter(models.Model):
    _inherit = "mailing.filter"

    # The saved filters the addon ships ("Dormant customers"...) read in the
    # user's language, like the rest of the mailing form.
    name = fields.Char(translate=True)
