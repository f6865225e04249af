from odoo import models

from ..models.mailing_mailing import MARKETING_MODELS


class SmsComposer(models.TransientModel):
    _inherit = "sms.composer"

    def _get_optout_record_ids(self, records, recipients_info):
        """A mass SMS never reaches a defected customer: their SMS is cancelled as opted out.

        The SMS mailing's domain already leaves them out; this catches explicit
        recipients, even when the exclusion list is switched off.
        """
        res = super()._get_optout_record_ids(records, recipients_info)
        if self.mailing_id or self.res_model in MARKETING_MODELS:
            res = list(res) + sorted(self.env["mailing.mailing"]._crm_rank_defected_ids(self.res_model, records.ids))
        return res
