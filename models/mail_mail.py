from odoo import api, fields, models, tools
from odoo.fields import Domain

# Set by the paths that produce messages for many records at once (composers in
# mass mode or over several records, server and automated actions over several
# records): the mail.mail and sms.sms they create are marked as bulk sends.
BULK_CONTEXT_KEY = "crm_rank_bulk_send"


class MailMail(models.Model):
    _inherit = "mail.mail"

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

    def _send(
        self,
        auto_commit=False,
        raise_exception=False,
        smtp_session=None,
        alias_domain_id=False,
        mail_server=False,
        post_send_callback=None,
    ):
        """The last gate: marketing e-mails never reach a defected customer.

        Whatever created them and whenever (a mail queued before the defection
        included), mailing and bulk e-mails lose their defected recipients here,
        right before the SMTP session; a mail left without recipients is cancelled.
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
        """Strip defected recipients from this batch's marketing mails; return what may still go.

        A recipient is defected when it is a defected customer's partner, or when
        its normalised e-mail is a defected partner's (archived partners too): a
        duplicate partner or a bare address is caught as well. Two queries for the
        whole batch (the recipients, then the defected partners among them).
        """
        # sudo: the gate must see every recipient and every defected customer,
        # whatever the user who triggers the send may read
        mails_sudo = self.sudo().filtered(
            lambda mail: mail.state == "outgoing" and (mail.mailing_id or mail.crm_rank_bulk)
        )
        if not mails_sudo:
            return self
        partners_sudo = mails_sudo.recipient_ids
        addresses = {}
        for mail in mails_sudo:
            addresses[mail.id] = {
                fname: [
                    (address, tools.email_normalize(address, strict=False))
                    for address in tools.mail.email_split_and_format(mail[fname] or "")
                ]
                for fname in ("email_to", "email_cc")
            }
        emails = {
            normalized
            for per_field in addresses.values()
            for pairs in per_field.values()
            for _address, normalized in pairs
            if normalized
        }
        emails.update(email for email in partners_sudo.mapped("email_normalized") if email)
        if not partners_sudo and not emails:
            return self
        candidates = Domain("id", "in", partners_sudo.ids)
        if emails:
            candidates |= Domain("email_normalized", "in", list(emails))
        defected_domain = self.env["mailing.mailing"]._crm_rank_defected_domain("res.partner")
        defected = (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search_fetch(defected_domain & candidates, ["email_normalized"])
        )
        if not defected:
            return self
        defected_ids = set(defected.ids)
        defected_emails = {email for email in defected.mapped("email_normalized") if email}

        def is_defected(partner):
            return partner.id in defected_ids or (partner.email_normalized or "") in defected_emails

        to_cancel = self.env["mail.mail"].sudo()
        removed_by_mail = {}
        for mail in mails_sudo:
            removed = mail.recipient_ids.filtered(is_defected)
            kept = {
                fname: [address for address, normalized in pairs if not normalized or normalized not in defected_emails]
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
        reason = self.env._("Defected customer: marketing messages are never sent to them.")
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
