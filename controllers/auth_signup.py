from odoo import http

from odoo.addons.auth_signup.controllers.main import AuthSignupHome

from ..models.crm_rank_exit import born_as


class CrmRankAuthSignupHome(AuthSignupHome):
    @http.route()
    def web_auth_signup(self, *args, **kw):
        """The confirmation of an account someone creates on the signup page is a system message."""
        with born_as("system"):
            return super().web_auth_signup(*args, **kw)
