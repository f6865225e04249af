from odoo import api, fields, models, tools
from odoo.exceptions import AccessError
from odoo.fields import Domain

from .crm_rank_exit import SEND_KINDS


class MailMail(models.Model):
    _inherit = "mail.mail"

    failure_type = fields.Selection(
        selection_add=[("crm_defected", "Defected Customer")],
        ondelete={"crm_defected": "set null"},
    )
    crm_send_kind = fields.Selection(
        SEND_KINDS,
        string="Sent As",
        readonly=True,
        copy=False,
        help="What the e-mail was born as, decided when it was created: a person writing on one record, "
        "a business document, or one of Odoo's system messages. Any other e-mail (empty) never reaches "
        "an address of the suppression list.",
    )

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        """Stamp each e-mail with the kind it is born as (``crm.rank.exit._kind``), whatever the caller sends."""
        return super().create(self.env["crm.rank.exit"]._stamp(vals_list, model_key="model"))

    def write(self, vals):
        if "crm_send_kind" in vals:
            raise AccessError(
                self.env._("What an e-mail was sent as is decided when it is created and cannot be changed.")
            )
        return super().write(vals)

    # ------------------------------------------------------------
    # THE EXIT
    # ------------------------------------------------------------

    def _send(
        self,
        auto_commit=False,
        raise_exception=False,
        smtp_session=None,
        alias_domain_id=False,
        mail_server=False,
        post_send_callback=None,
    ):
        """The last gate, right before the SMTP session: deny by default.

        Whatever created them and whenever (a mail queued before the defection
        included), e-mails of no allowed kind lose their recipients that are
        suppressed; an e-mail left without recipients is cancelled.
        """
        sendable = self._crm_rank_defection_gate()
        if not sendable:
            return True
        return super(MailMail, sendable)._send(
            auto_commit=auto_commit,
            raise_exception=raise_exception,
            smtp_session=smtp_session,
            alias_domain_id=alias_domain_id,
            mail_server=mail_server,
            post_send_callback=post_send_callback,
        )

    def _crm_rank_defection_gate(self):
        """Strip the suppressed recipients of this batch's e-mails of no allowed kind; return what may still go.

        A recipient is suppressed when one of its addresses (every address of
        ``email_to``, ``email_cc`` and of a recipient partner's e-mail field,
        normalised) is on the suppression list, or when the recipient partner
        is or belongs to a defected customer. Two queries for the whole batch,
        none per e-mail.
        """
        # sudo: the gate must see every recipient, whatever the user who triggers the send may read
        mails_sudo = self.sudo().filtered(lambda mail: mail.state == "outgoing" and not mail.crm_send_kind)
        if not mails_sudo:
            return self
        addresses = {}  # mail id: {field: [(address as written, normalised)]}
        for mail in mails_sudo:
            addresses[mail.id] = {
                fname: [
                    (address, tools.email_normalize(address, strict=False))
                    for address in tools.mail.email_split_and_format(mail[fname] or "")
                ]
                for fname in ("email_to", "email_cc")
            }
        partners_sudo = mails_sudo.recipient_ids
        partner_emails = {partner.id: tools.email_normalize_all(partner.email or "") for partner in partners_sudo}
        emails = {norm for per_field in addresses.values() for pairs in per_field.values() for _raw, norm in pairs}
        emails.update(email for per_partner in partner_emails.values() for email in per_partner)
        if not emails and not partners_sudo:
            return self
        suppression = self.env["crm.rank.suppression"]
        suppression._flush_pending()
        suppressed = suppression._suppressed(emails)
        defected_ids = self.env["crm.rank.defection"]._defected_partner_ids(partners_sudo.ids)
        if not suppressed and not defected_ids:
            return self

        def is_suppressed(partner):
            return partner.id in defected_ids or not suppressed.isdisjoint(partner_emails[partner.id])

        to_cancel = self.env["mail.mail"].sudo()
        removed_by_mail = {}
        for mail in mails_sudo:
            removed = mail.recipient_ids.filtered(is_suppressed)
            kept = {
                fname: [address for address, normalized in pairs if normalized not in suppressed]
                for fname, pairs in addresses[mail.id].items()
            }
            changed_fields = [fname for fname, pairs in addresses[mail.id].items() if len(kept[fname]) != len(pairs)]
            if not removed and not changed_fields:
                continue
            removed_by_mail[mail] = removed
            if not (mail.recipient_ids - removed) and not kept["email_to"] and not kept["email_cc"]:
                to_cancel |= mail
                continue
            vals = {fname: ", ".join(kept[fname]) or False for fname in changed_fields}
            if removed:
                vals["recipient_ids"] = [fields.Command.unlink(partner.id) for partner in removed]
            mail.write(vals)
        if not removed_by_mail:
            return self
        reason = self.env._(
            "Defected customer: only a person's message, a business document or a system message reaches them."
        )
        if to_cancel:
            to_cancel.write({"state": "cancel", "failure_type": "crm_defected", "failure_reason": reason})
            to_cancel.mailing_trace_ids.write(
                {"trace_status": "cancel", "failure_type": "crm_defected", "failure_reason": reason}
            )
        notification_domain = Domain.OR(
            Domain("mail_mail_id", "=", mail.id)
            & (Domain.TRUE if mail in to_cancel else Domain("res_partner_id", "in", removed.ids))
            for mail, removed in removed_by_mail.items()
        )
        notifications = self.env["mail.notification"].sudo().search(
            notification_domain & Domain("notification_type", "=", "email")
            & Domain("notification_status", "not in", ("sent", "canceled"))
        )
        notifications.write(
            {"notification_status": "canceled", "failure_type": "crm_defected", "failure_reason": reason}
        )
        return self - to_cancel
