from odoo import models

from .mail_mail import BULK_CONTEXT_KEY


class IrActionsServer(models.Model):
    _inherit = "ir.actions.server"

    def _run_action_mail_post_multi(self, eval_context=None):
        """An e-mail action run over several records is a bulk send: the gate applies."""
        res_ids = self.env.context.get("active_ids") or []
        if len(res_ids) > 1:
            bulk = self.with_context(**{BULK_CONTEXT_KEY: True})
            return super(IrActionsServer, bulk)._run_action_mail_post_multi(eval_context=eval_context)
        return super()._run_action_mail_post_multi(eval_context=eval_context)

    def _run_action_sms_multi(self, eval_context=None):
        """An SMS action run over several records is a bulk send: the gate applies."""
        records = (eval_context or {}).get("records") or (eval_context or {}).get("record")
        if records is not None and len(records) > 1:
            bulk = self.with_context(**{BULK_CONTEXT_KEY: True})
            return super(IrActionsServer, bulk)._run_action_sms_multi(eval_context=eval_context)
        return super()._run_action_sms_multi(eval_context=eval_context)
