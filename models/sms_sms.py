from odoo import api, fields, models
from odoo.fields import Domain

from .mail_mail import BULK_CONTEXT_KEY


class SmsSms(models.Model):
    _inherit = "sms.sms"

    failure_type = fields.Selection(
        selection_add=[("crm_defected", "Defected Customer")],
        ondelete={"crm_defected": "set null"},
    )
    crm_rank_bulk = fields.Boolean(
        string="Bulk Send",
        readonly=True,
        copy=False,
        help="Produced for many records at once (composer, server or automated action): "
        "like a mailing, it never reaches a defected customer.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if self.env.context.get(BULK_CONTEXT_KEY):
            for vals in vals_list:
                vals.setdefault("crm_rank_bulk", True)
        return super().create(vals_list)

    def _send(self, unlink_failed=False, unlink_sent=True, raise_exception=False):
        """The last gate: marketing SMS never reach a defected customer (see ``mail.mail._send``)."""
        sendable = self._crm_rank_defection_gate()
        if not sendable:
            return None
        return super(SmsSms, sendable)._send(
            unlink_failed=unlink_failed, unlink_sent=unlink_sent, raise_exception=raise_exception
        )

    def _crm_rank_defection_gate(self):
        """Cancel this batch's marketing SMS to a defected customer; return what may still go.

        An SMS is cancelled when its partner is defected, or when its number is a
        defected partner's sanitized phone number (archived partners too), so a
        duplicate partner or a bare number is caught as well. One query per batch.
        """
        # sudo: the gate must see every defected customer, whatever the sender may read
        sms_sudo = self.sudo().filtered(
            lambda sms: sms.state == "outgoing" and (sms.mailing_id or sms.crm_rank_bulk)
        )
        if not sms_sudo:
            return self
        partner_ids = sms_sudo.partner_id.ids
        numbers = list({sms.number for sms in sms_sudo if sms.number})
        if not partner_ids and not numbers:
            return self
        candidates = Domain("id", "in", partner_ids)
        if numbers:
            candidates |= Domain("phone_sanitized", "in", numbers)
        defected_domain = self.env["mailing.mailing"]._crm_rank_defected_domain("res.partner")
        defected = (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search_fetch(defected_domain & candidates, ["phone_sanitized"])
        )
        if not defected:
            return self
        defected_ids = set(defected.ids)
        defected_numbers = {number for number in defected.mapped("phone_sanitized") if number}
        to_cancel = sms_sudo.filtered(
            lambda sms: sms.partner_id.id in defected_ids or (sms.number and sms.number in defected_numbers)
        )
        if to_cancel:
            to_cancel._update_sms_state_and_trackers("canceled", failure_type="crm_defected")
        return self - to_cancel
