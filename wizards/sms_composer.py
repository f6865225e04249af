from odoo import models

from ..models.mail_mail import BULK_CONTEXT_KEY
from ..models.mailing_mailing import MARKETING_MODELS


class SmsComposer(models.TransientModel):
    _inherit = "sms.composer"

    def _action_send_sms(self):
        """SMS written for several records (or numbers) at once are a bulk send.

        They are marked bulk, so the send gate of ``sms.sms`` never lets them
        reach a defected customer; an SMS to one record still goes.
        """
        if self._crm_rank_is_bulk():
            bulk = self.with_context(**{BULK_CONTEXT_KEY: True})
            return super(SmsComposer, bulk)._action_send_sms()
        return super()._action_send_sms()

    def _crm_rank_is_bulk(self):
        self.ensure_one()
        if self.composition_mode == "mass":
            return True
        if self.composition_mode == "numbers":
            return len((self.sanitized_numbers or "").split(",")) > 1
        records = self._get_records()
        return records is not None and len(records) > 1

    def _get_optout_record_ids(self, records, recipients_info):
        """A mass SMS never reaches a defected customer: their SMS is cancelled as opted out.

        The SMS mailing's domain already leaves them out; this catches explicit
        recipients, even when the exclusion list is switched off.
        """
        res = super()._get_optout_record_ids(records, recipients_info)
        if self.mailing_id or self.res_model in MARKETING_MODELS:
            res = list(res) + sorted(self.env["mailing.mailing"]._crm_rank_defected_ids(self.res_model, records.ids))
        return res
