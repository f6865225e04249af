from markupsafe import Markup

from odoo import models


class MailingSmsTest(models.TransientModel):
    _inherit = "mailing.sms.test"

    def action_send_sms(self):
        """The test send goes straight to the SMS provider (no ``sms.sms._send``): suppressed numbers are left out.

        A test send is no allowed kind; the mailing's log says which numbers were left out.
        """
        self.ensure_one()
        lines = [line.strip() for line in (self.numbers or "").splitlines()]
        e164 = {line: self.env.user._phone_format(number=line) for line in lines if line}
        suppressed = self.env["crm.rank.suppression"]._suppressed(set(e164.values()))
        left_out = [line for line, number in e164.items() if number in suppressed]
        if not left_out:
            return super().action_send_sms()
        self.mailing_id._message_log(
            body=Markup("<p>%s</p>")
            % self.env._(
                "Test SMS not sent to %(numbers)s: defected customers' numbers (suppression list).",
                numbers=", ".join(left_out),
            )
        )
        kept = "\n".join(line for line in lines if line and line not in left_out)
        if not kept:
            return True
        self.numbers = kept
        return super().action_send_sms()
