from odoo import models

from ..models.crm_rank_exit import born_as


class SmsComposer(models.TransientModel):
    _inherit = "sms.composer"

    def action_send_sms(self):
        """*Send* in the SMS composer of one record, by an employee: a person writing, it reaches every customer.

        SMS to typed numbers, to several records or in mass mode are no
        allowed kind: the exit stops them towards a suppressed number.
        """
        if self._crm_rank_is_personal():
            with born_as("personal"):
                return super().action_send_sms()
        return super().action_send_sms()

    def _crm_rank_is_personal(self):
        if len(self) != 1 or self.composition_mode != "comment" or not self.env.user._is_internal():
            return False
        records = self._get_records()
        return records is not None and len(records) == 1 and isinstance(records, self.pool["mail.thread"])
