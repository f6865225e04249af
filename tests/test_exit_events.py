"""Odoo Events and its mailing and SMS bridges: paths nobody in this addon names.

The exit denies them because nothing stamps their messages an allowed kind:
an app installed later is safe without anyone naming it. The tests need
Odoo's ``event`` (``tools/test.sh`` installs it and its bridges into the test
database) and skip without it.
"""

import datetime

from odoo import fields
from odoo.tests import tagged

from .common import ExitCase, trap_exits


@tagged("post_install", "-at_install")
class TestExitEvents(ExitCase):
    def setUp(self):
        super().setUp()
        if "event.event" not in self.env:
            self.skipTest("event is not installed (tools/test.sh installs it)")

    def _event(self, *schedulers, days=10):
        begin = fields.Datetime.now() + datetime.timedelta(days=days)
        return self.env["event.event"].create(
            {
                "name": "Kitchen fair",
                "date_begin": begin,
                "date_end": begin + datetime.timedelta(hours=6),
                "event_mail_ids": [(5, 0)] + [(0, 0, scheduler) for scheduler in schedulers],
            }
        )

    def _register(self, event):
        return self.env["event.registration"].create(
            [
                {
                    "event_id": event.id,
                    "partner_id": partner.id,
                    "name": partner.name,
                    "email": partner.email,
                    "phone": partner.phone,
                }
                for partner in self.customers
            ]
        )

    def test_registration_confirmation(self):
        """The confirmation mail and SMS an event sends each new attendee, at once."""
        event = self._event(
            {
                "interval_type": "after_sub",
                "interval_unit": "now",
                "template_ref": f"mail.template,{self.env.ref('event.event_subscription').id}",
            },
            {
                "interval_type": "after_sub",
                "interval_unit": "now",
                "template_ref": f"sms.template,{self.env.ref('event_sms.sms_template_data_event_registration').id}",
            },
        )
        with trap_exits() as trap:
            self._register(event)
            self._flush()
            self._run_queues()
        self.assertMailStopped(trap)
        self.assertSmsStopped(trap)

    def test_reminder_by_the_scheduler(self):
        """The reminders the event's scheduled action sends before the event."""
        event = self._event(
            {
                "interval_type": "before_event",
                "interval_nbr": 30,
                "interval_unit": "days",
                "template_ref": f"mail.template,{self.env.ref('event.event_reminder').id}",
            },
            {
                "interval_type": "before_event",
                "interval_nbr": 30,
                "interval_unit": "days",
                "template_ref": f"sms.template,{self.env.ref('event_sms.sms_template_data_event_reminder').id}",
            },
        )
        self._register(event)
        self._flush()
        with trap_exits() as trap:
            self._run_cron("event.event_mail_scheduler")
            self._run_queues()
        self.assertMailStopped(trap)
        self.assertSmsStopped(trap)

    def test_mailing_on_attendees(self):
        """A mailing and an SMS mailing to the attendees of an event (the event mailing bridges)."""
        event = self._event()
        registrations = self._register(event)
        for mailing_type in ("mail", "sms"):
            mailing = self.env["mailing.mailing"].create(
                {
                    "name": f"Fair attendees {mailing_type}",
                    "subject": "See you at the fair",
                    "mailing_type": mailing_type,
                    "body_html": "<p>See you at the fair</p>",
                    "body_plaintext": "See you at the fair",
                    "mailing_model_id": self.env["ir.model"]._get_id("event.registration"),
                    "mailing_domain": repr([("id", "in", registrations.ids)]),
                    "use_exclusion_list": False,
                }
            )
            with self.subTest(mailing_type=mailing_type), trap_exits() as trap:
                mailing.action_send_mail(res_ids=registrations.ids)
                self._run_queues()
                if mailing_type == "mail":
                    self.assertMailStopped(trap)
                else:
                    self.assertSmsStopped(trap)
