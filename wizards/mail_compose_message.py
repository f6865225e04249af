from odoo import models

from ..models.mail_mail import BULK_CONTEXT_KEY
from ..models.mailing_mailing import MARKETING_MODELS


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    def _action_send_mail(self, auto_commit=False):
        """A message written for several records at once is a bulk send.

        The e-mails it creates (mass mode, or comment mode on more than one
        record, as any internal user may call over RPC) are marked bulk, so the
        send gate of ``mail.mail`` never lets them reach a defected customer. A
        message written from one record's chatter is one-to-one and still goes.
        """
        if any(wizard._crm_rank_is_bulk() for wizard in self):
            bulk = self.with_context(**{BULK_CONTEXT_KEY: True})
            return super(MailComposeMessage, bulk)._action_send_mail(auto_commit=auto_commit)
        return super()._action_send_mail(auto_commit=auto_commit)

    def _crm_rank_is_bulk(self):
        self.ensure_one()
        if self.composition_mode == "mass_mail" or self.res_domain:
            return True
        return len(self._evaluate_res_ids() or []) > 1

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
