from odoo import models

from ..models.mailing_mailing import MARKETING_MODELS


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    def _process_mail_values_state(self, mail_values_dict):
        """Cancel the e-mails of a mass send that would reach a defected customer.

        The mailing's domain already leaves them out; this catches explicit
        recipients (selected records, ``action_send_mail(res_ids)``), even when
        the exclusion list is switched off.
        """
        mail_values_dict = super()._process_mail_values_state(mail_values_dict)
        if not self._crm_rank_excludes_defected():
            return mail_values_dict
        defected_ids = self.env["mailing.mailing"]._crm_rank_defected_ids(self.model, list(mail_values_dict))
        reason = self.env._("Defected customer: excluded from mass mailings.")
        for res_id in defected_ids:
            mail_values_dict[res_id].update(
                {
                    "state": "cancel",
                    "failure_type": "mail_optout",
                    "failure_reason": reason,
                    "is_notification": False,
                }
            )
        return mail_values_dict

    def _crm_rank_excludes_defected(self):
        self.ensure_one()
        return (
            self.composition_mode == "mass_mail"
            and bool(self.model)
            and bool(self.mass_mailing_id or self.mass_mailing_name or self.model in MARKETING_MODELS)
        )
