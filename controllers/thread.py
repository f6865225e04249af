from odoo import http
from odoo.http import request

from odoo.addons.mail.controllers import thread

from ..models.crm_rank_exit import born_as


class ThreadController(thread.ThreadController):
    @http.route()
    def mail_message_post(self, thread_model, thread_id, post_data, context=None, **kwargs):
        """A message an employee writes now in one record's chatter is personal: it reaches every customer.

        The route posts as superuser; who writes is the request's user.
        """
        if not request.env.user._is_internal():
            return super().mail_message_post(thread_model, thread_id, post_data, context=context, **kwargs)
        with born_as("personal"):
            return super().mail_message_post(thread_model, thread_id, post_data, context=context, **kwargs)
