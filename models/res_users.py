from odoo import models

from .crm_rank_exit import born_as


class ResUsers(models.Model):
    _inherit = "res.users"

    def _action_reset_password(self, signup_type="reset"):
        """Password reset and signup invitations are Odoo's system messages: they reach every user."""
        with born_as("system"):
            return super()._action_reset_password(signup_type=signup_type)
