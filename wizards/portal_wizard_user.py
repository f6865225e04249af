from odoo import models

from ..models.crm_rank_exit import born_as


class PortalWizardUser(models.TransientModel):
    _inherit = "portal.wizard.user"

    def _send_email(self):
        """The portal invitation is one of Odoo's system messages: it reaches every customer."""
        with born_as("system"):
            return super()._send_email()
