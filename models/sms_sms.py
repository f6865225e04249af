import re

from odoo import api, fields, models
from odoo.exceptions import AccessError

from .crm_rank_exit import SEND_KINDS

E164 = re.compile(r"^\+\d{6,15}$")


class SmsSms(models.Model):
    _inherit = "sms.sms"

    failure_type = fields.Selection(
        selection_add=[("crm_defected", "Defected Customer")],
        ondelete={"crm_defected": "set null"},
    )
    crm_send_kind = fields.Selection(
        SEND_KINDS,
        string="Sent As",
        readonly=True,
        copy=False,
        help="What the SMS was born as, decided when it was created: a person writing on one record, "
        "a business document, or one of Odoo's system messages. Any other SMS (empty) never reaches "
        "a number of the suppression list.",
    )

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        """Stamp each SMS with the kind it is born as (``crm.rank.exit._kind``), whatever the caller sends."""
        return super().create(self.env["crm.rank.exit"]._stamp(vals_list))

    def write(self, vals):
        if "crm_send_kind" in vals:
            raise AccessError(
                self.env._("What an SMS was sent as is decided when it is created and cannot be changed.")
            )
        return super().write(vals)

    # ------------------------------------------------------------
    # THE EXIT
    # ------------------------------------------------------------

    def _send(self, unlink_failed=False, unlink_sent=True, raise_exception=False):
        """The last gate, right before the SMS provider call: deny by default (see ``mail.mail._send``)."""
        sendable = self._crm_rank_defection_gate()
        if not sendable:
            return None
        return super(SmsSms, sendable)._send(
            unlink_failed=unlink_failed, unlink_sent=unlink_sent, raise_exception=raise_exception
        )

    def _crm_rank_defection_gate(self):
        """Cancel this batch's SMS of no allowed kind to a suppressed recipient; return what may still go.

        An SMS is cancelled when its number (in international format; a number
        stored as typed is formatted with the partner's or the company's
        country first) is on the suppression list, or when its partner is or
        belongs to a defected customer. Two queries per batch.
        """
        # sudo: the gate must see every recipient, whatever the sender may read
        sms_sudo = self.sudo().filtered(lambda sms: sms.state == "outgoing" and not sms.crm_send_kind)
        if not sms_sudo:
            return self
        numbers = {sms.id: sms._crm_rank_e164() for sms in sms_sudo}
        suppression = self.env["crm.rank.suppression"]
        suppression._flush_pending()
        suppressed = suppression._suppressed(set(numbers.values()))
        defected_ids = self.env["crm.rank.defection"]._defected_partner_ids(sms_sudo.partner_id.ids)
        to_cancel = sms_sudo.filtered(lambda sms: numbers[sms.id] in suppressed or sms.partner_id.id in defected_ids)
        if to_cancel:
            to_cancel._update_sms_state_and_trackers("canceled", failure_type="crm_defected")
        return self - to_cancel

    def _crm_rank_e164(self):
        """This SMS's number in international format (as the suppression list holds numbers), or ``False``."""
        self.ensure_one()
        number = (self.number or "").strip()
        if not number or E164.match(number):
            return number or False
        country = self.partner_id.country_id or self.env.company.country_id
        return self._phone_format(number=number, country=country, force_format="E164") or number
