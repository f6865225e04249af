from odoo import models

from ..models.crm_rank_exit import born_as


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    def action_send_mail(self):
        """*Send* in the composer of one record, by an employee: a person writing, it reaches every customer.

        Anything else the composer sends (several records, mass mode, a
        template sent by code through ``_action_send_mail``, a message
        scheduled for later) is no allowed kind: the exit stops it towards a
        suppressed address.
        """
        if self._crm_rank_is_personal():
            with born_as("personal"):
                return super().action_send_mail()
        return super().action_send_mail()

    def _crm_rank_is_personal(self):
        return (
            len(self) == 1
            and self.composition_mode == "comment"
            and not self.composition_batch
            and not self.res_domain
            and len(self._evaluate_res_ids() or []) == 1
            and self.env.user._is_internal()
        )
