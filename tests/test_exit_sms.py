"""The exit denies by default: every SMS path of Odoo, tried on a defected customer.

Each test sends to a defected customer and to a happy one through one path
and follows the SMS to the provider's batch call (``trap_exits``).
"""

from odoo.tests import tagged, users

from .common import ExitCase, trap_exits


@tagged("post_install", "-at_install")
class TestExitSms(ExitCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sms_template = cls._sms_template()

    def test_message_sms_by_code(self):
        with trap_exits() as trap:
            for partner in self.customers:
                partner._message_sms("Spring fair this Sunday", partner_ids=partner.ids)
            self._run_queues()
        self.assertSmsStopped(trap)

    def test_sms_template_by_code(self):
        with trap_exits() as trap:
            for partner in self.customers:
                partner._message_sms_with_template(template=self.sms_template, partner_ids=partner.ids)
            self.customers._message_sms_schedule_mass(template=self.sms_template, mass_force_send=True)
            self._run_queues()
        self.assertSmsStopped(trap)

    def test_sms_created_directly_with_a_number_as_typed(self):
        """An ``sms.sms`` written by code with the number as a person types it (not E.164)."""
        sms = self.env["sms.sms"].create(
            [
                {"number": "090-1111-0001", "body": "Spring fair"},
                {"number": self.happy_number, "body": "Spring fair"},
            ]
        )
        with trap_exits() as trap:
            sms.send()
        self.assertSmsStopped(trap)
        self.assertNotIn("090-1111-0001", trap.numbers)

    @users("rank_salesman")
    def test_composer_to_typed_numbers(self):
        """SMS typed to several numbers, with no record behind them."""
        composer = self.env["sms.composer"].create(
            {"composition_mode": "numbers", "numbers": "+81 90-1111-0001,+81 90-2222-0001", "body": "Spring fair"}
        )
        with trap_exits() as trap:
            composer.action_send_sms()
            self._run_queues()
        self.assertSmsStopped(trap)

    @users("rank_salesman")
    def test_composer_to_one_typed_number(self):
        """One number typed by a person is not one record's chatter: SMS to typed numbers are denied."""
        with trap_exits() as trap:
            for number in ("+81 90-1111-0001", "+81 90-2222-0001"):
                self.env["sms.composer"].create(
                    {"composition_mode": "numbers", "numbers": number, "body": "Spring fair"}
                ).action_send_sms()
            self._run_queues()
        self.assertSmsStopped(trap)

    @users("rank_salesman")
    def test_composer_mass_mode(self):
        composer = self.env["sms.composer"].create(
            {
                "composition_mode": "mass",
                "res_model": "res.partner",
                "res_ids": repr(self.customers.ids),
                "body": "Spring fair",
                "mass_force_send": True,
            }
        )
        with trap_exits() as trap:
            composer.action_send_sms()
            self._run_queues()
        self.assertSmsStopped(trap)

    def test_server_action_sms_on_one_record(self):
        """An SMS server action run on one record at a time (it drives the SMS composer of that record)."""
        for method in ("comment", "sms"):
            action = self.env["ir.actions.server"].create(
                {
                    "name": "Text the fair",
                    "model_id": self.env["ir.model"]._get_id("res.partner"),
                    "state": "sms",
                    "sms_method": method,
                    "sms_template_id": self.sms_template.id,
                }
            )
            with self.subTest(sms_method=method), trap_exits() as trap:
                for partner in self.customers:
                    action.with_context(active_model="res.partner", active_ids=partner.ids, active_id=partner.id).run()
                self._run_queues()
                self.assertSmsStopped(trap)

    def test_automation_rule_time_based(self):
        if "base.automation" not in self.env:
            self.skipTest("base_automation is not installed (tools/test.sh installs it)")
        automation = self.env["base.automation"].create(
            {
                "name": "Fair reminder",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "trigger": "on_time",
                "trg_date_id": self.env["ir.model.fields"]._get("res.partner", "crm_rank_date").id,
                # a day before the rank's date: Odoo reads a date as midnight UTC, which is still
                # ahead of the clock when the company's day has begun east of UTC
                "trg_date_range": 1,
                "trg_date_range_mode": "before",
                "trg_date_range_type": "day",
                "filter_domain": repr([("id", "in", self.customers.ids)]),
            }
        )
        action = self.env["ir.actions.server"].create(
            {
                "name": "Text the fair",
                "model_id": automation.model_id.id,
                "base_automation_id": automation.id,
                "usage": "base_automation",
                "state": "sms",
                "sms_method": "comment",
                "sms_template_id": self.sms_template.id,
            }
        )
        automation.write({"action_server_ids": [(6, 0, action.ids)]})
        with trap_exits() as trap:
            self._run_cron("base_automation.ir_cron_data_base_automation_check")
            self._run_queues()
        self.assertSmsStopped(trap)

    def test_mailing_test_send(self):
        """The SMS test send of a mailing goes straight to the provider: the defected number is left out."""
        mailing = self.env["mailing.mailing"].create(
            {
                "name": "Fair SMS",
                "subject": "Fair SMS",
                "mailing_type": "sms",
                "body_plaintext": "Spring fair this Sunday",
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "mailing_domain": repr([("id", "in", self.customers.ids)]),
            }
        )
        wizard = self.env["mailing.sms.test"].create(
            {"mailing_id": mailing.id, "numbers": f"{self.defected_number}\n{self.happy_number}"}
        )
        with trap_exits() as trap:
            wizard.action_send_sms()
        self.assertSmsStopped(trap)

    def test_project_stage_sms_template(self):
        """A construction task reaching a stage that texts the customer (Odoo Project's SMS bridge)."""
        stage = self.env["project.task.type"].create(
            {"name": "Inspection booked", "sms_template_id": self._sms_template("project.task").id}
        )
        project = self.env["project.project"].create({"name": "Renovations", "type_ids": [(6, 0, stage.ids)]})
        tasks = self.env["project.task"].create(
            [{"name": f"Bathroom {p.name}", "project_id": project.id, "partner_id": p.id} for p in self.customers]
        )
        self._flush()
        with trap_exits() as trap:
            tasks.write({"stage_id": stage.id})
            self._flush()
            self._run_queues()
        self.assertSmsStopped(trap)
