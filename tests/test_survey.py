"""The completion survey (完工アンケート): sent or printed after a completed job, a good
answer asks for a referral, a bad one gets the team leader's call and no referral ask."""

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import CrmRankCase, ExitCase, trap_exits

REFERRAL_ASK = "crm_customer_rank.mail_activity_type_referral_ask"
SURVEY_CALL = "crm_customer_rank.mail_activity_type_survey_call"
Q = "crm_customer_rank.survey_completion_q_"
GOOD = (
    "overall_very_satisfied", "staff_satisfied", "schedule_very_satisfied", "finish_very_satisfied", "recommend_yes"
)
BAD = ("overall_dissatisfied", "staff_neutral", "schedule_very_dissatisfied", "finish_dissatisfied", "recommend_maybe")


class SurveyMixin:
    @classmethod
    def _survey_setup(cls):
        cls.company.crm_rank_referral_ask_days = 30
        cls.survey = cls.env.ref("crm_customer_rank.survey_completion")
        cls.ask_type = cls.env.ref(REFERRAL_ASK)
        cls.call_type = cls.env.ref(SURVEY_CALL)
        cls.team.user_id = cls.sales_manager

    def _answer(self, deal):
        """The deal's pending answer (created as *Print Survey* does)."""
        return self.env["crm.rank.survey"]._answers_for(deal)[deal.id]

    def _complete(self, answer, choices):
        """The customer answers ``choices`` and submits, as the survey's pages do (sudo, public)."""
        answer_sudo = answer.sudo()
        self.env["survey.user_input.line"].sudo().create(
            [
                {
                    "user_input_id": answer_sudo.id,
                    "question_id": choice.question_id.id,
                    "answer_type": "suggestion",
                    "suggested_answer_id": choice.id,
                }
                for choice in (self.env.ref(Q + key) for key in choices)
            ]
        )
        answer_sudo._mark_done()
        self._flush()
        return answer_sudo

    def _activities(self, deals, activity_type):
        return self.env["mail.activity"].search(
            [("res_model", "=", "crm.lead"), ("res_id", "in", deals.ids), ("activity_type_id", "=", activity_type.id)]
        )


@tagged("post_install", "-at_install")
class TestSurvey(SurveyMixin, CrmRankCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._survey_setup()
        cls.settled_deal = cls._won(cls._customer("Settled Customer", email="settled@example.jp"), completion=-5)

    def test_result_stored_on_the_deal(self):
        """A deal of long ago (its rank settled) stores its latest result, for the reports."""
        deal = self.settled_deal
        self._complete(self._answer(deal), BAD)
        self.env.cr.execute("SELECT crm_survey_satisfaction, crm_survey_score FROM crm_lead WHERE id = %s", deal.ids)
        self.assertEqual(self.env.cr.fetchall(), [("bad", 30.0)])
        self._complete(self._answer(deal), GOOD)
        self.env.cr.execute("SELECT crm_survey_satisfaction, crm_survey_score FROM crm_lead WHERE id = %s", deal.ids)
        self.assertEqual(self.env.cr.fetchall(), [("good", 95.0)], "the latest answer counts")

    def test_good_answer_schedules_the_referral_ask(self):
        customer = self._customer("Satisfied Sato", email="sato@example.jp")
        deal = self._won(customer, completion=-3)
        answer = self._complete(self._answer(deal), GOOD)
        self.assertEqual(answer.crm_satisfaction, "good")
        self.assertEqual(answer.scoring_percentage, 95.0)
        self.assertEqual(deal.crm_survey_satisfaction, "good")
        ask = self._activities(deal, self.ask_type)
        self.assertEqual(len(ask), 1, "asked at once, not 30 days after the completion")
        self.assertEqual(ask.user_id, self.salesman)
        self.assertEqual(deal.referral_ask_date, self.today)
        self.assertFalse(self._activities(deal, self.call_type))
        with self._at(30):
            self._run_scheduled_actions()
        self.assertEqual(self._activities(deal, self.ask_type), ask, "the daily job does not ask twice")
        customer.invalidate_recordset()
        self.assertEqual(customer.crm_survey_satisfaction, "good")
        self.assertEqual(customer.crm_survey_count, 1)

    def test_bad_answer_gets_the_team_leader_s_call_and_no_referral_ask(self):
        customer = self._customer("Unhappy Ueda", email="ueda@example.jp")
        deal = self._won(customer, completion=-3)
        answer = self._complete(self._answer(deal), BAD)
        self.assertEqual(answer.crm_satisfaction, "bad")
        self.assertEqual(deal.crm_survey_satisfaction, "bad")
        call = self._activities(deal, self.call_type)
        self.assertEqual(len(call), 1)
        self.assertEqual(call.user_id, self.sales_manager, "the sales team leader calls")
        self.assertIn("Unhappy Ueda", str(call.note))
        self.assertFalse(self._activities(deal, self.ask_type))
        with self._at(30):
            self._run_scheduled_actions()
        self.assertFalse(self._activities(deal, self.ask_type), "the daily job does not ask either")
        self.assertFalse(deal.referral_ask_date)
        customer.invalidate_recordset()
        self.assertEqual(customer.crm_survey_satisfaction, "bad")

    def test_bad_answer_after_the_referral_ask_removes_it(self):
        customer = self._customer("Late Answer", email="late@example.jp")
        deal = self._won(customer, completion=-30)
        answer = self._answer(deal)
        self._run_scheduled_actions()
        self.assertEqual(len(self._activities(deal, self.ask_type)), 1)
        self._complete(answer, BAD)
        self.assertFalse(self._activities(deal, self.ask_type), "nobody asks an unhappy customer")
        self.assertEqual(len(self._activities(deal, self.call_type)), 1)

    def test_without_team_leader_a_sales_manager_calls(self):
        self.team.user_id = False
        deal = self._won(self._customer("No Leader", email="noleader@example.jp"), completion=-1)
        self._complete(self._answer(deal), BAD)
        call = self._activities(deal, self.call_type)
        self.assertTrue(call.user_id.has_group("sales_team.group_sale_manager"))

    def test_threshold_is_the_company_s_setting(self):
        self.company.crm_survey_good_score = 96
        deal = self._won(self._customer("Picky Company", email="picky@example.jp"), completion=-1)
        answer = self._complete(self._answer(deal), GOOD)
        self.assertEqual(answer.crm_satisfaction, "bad", "95% is below the company's 96%")

    def test_automatic_invitation_on_completion(self):
        self.company.crm_survey_auto_send = True
        happy = self._customer("Invited Ito", email="ito@example.jp")
        deal = self._won(happy, completion=0)
        no_email = self._won(self._customer("No Mail"), completion=0)
        defected = self._customer("Defected Doi", email="doi@example.jp")
        defected_deal = self._won(defected, completion=0)
        defected._crm_rank_mark_defected("no_contact")
        old = self._won(self._customer("Old Job", email="old@example.jp"), completion=-40)
        running = self._won(self._customer("Running Job", email="run@example.jp"), completion=5)
        self._run_scheduled_actions()
        deals = deal | no_email | defected_deal | old | running
        answers = self.env["survey.user_input"].search([("crm_lead_id", "in", deals.ids)])
        self.assertEqual(answers.crm_lead_id, deal, "only the completed job of a customer in good standing")
        self.assertEqual(answers.partner_id, happy)
        mail = self.env["mail.mail"].sudo().search([("recipient_ids", "in", happy.ids)])
        self.assertEqual(len(mail), 1)
        self.assertIn(answers.access_token, mail.body_html)
        self.assertIn(self.salesman.email, mail.email_from, "from the deal's salesperson, not OdooBot")
        self._run_scheduled_actions()
        self.assertEqual(self.env["survey.user_input"].search_count([("crm_lead_id", "in", deals.ids)]), 1, "sent once")
        self.assertFalse((no_email | defected_deal | old | running).crm_survey_input_ids)

    def test_automatic_invitation_off_by_default(self):
        self.assertFalse(self.company.crm_survey_auto_send)
        deal = self._won(self._customer("Manual Company", email="manual@example.jp"), completion=0)
        self._run_scheduled_actions()
        self.assertFalse(deal.crm_survey_input_ids)

    def test_salesperson_sends_and_prints_from_the_deal(self):
        customer = self._customer("Button Customer", email="button@example.jp")
        deal = self._won(customer, completion=-1).with_user(self.salesman)
        deal.action_crm_survey_send()
        answer = deal.crm_survey_input_ids
        self.assertEqual(len(answer), 1)
        self.assertEqual(answer.partner_id, customer)
        action = deal.action_crm_survey_print()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertIn(answer.access_token, action["url"], "the same answer is printed for the handover")
        deal.action_crm_survey_send()
        self.assertEqual(deal.crm_survey_input_ids, answer, "sent again: the same answer")

    def test_send_refused_for_a_defected_customer_or_an_unfinished_job(self):
        defected = self._customer("Defected Button", email="defbutton@example.jp")
        deal = self._won(defected, completion=-1)
        defected._crm_rank_mark_defected("no_contact")
        with self.assertRaises(UserError):
            deal.with_user(self.salesman).action_crm_survey_send()
        with self.assertRaises(UserError):
            deal.with_user(self.salesman).action_crm_survey_print()
        open_deal = self._deal(self._customer("Open Deal", email="open@example.jp"))
        with self.assertRaises(UserError):
            open_deal.with_user(self.salesman).action_crm_survey_send()
        self.assertFalse((deal | open_deal).crm_survey_input_ids)

    def test_bad_values_refused_clearly(self):
        self.env["res.lang"]._activate_lang("ja_JP")
        deal = self._won(self._customer("RPC Customer", email="rpc@example.jp"), completion=-1)
        answer = self._answer(deal)
        with self.assertRaises(ValidationError) as error:
            answer.with_context(lang="ja_JP").write({"crm_satisfaction": "happy"})
        self.assertRegex(str(error.exception), "[ぁ-んァ-ン一-龥]")
        self.assertFalse(answer.crm_satisfaction)
        for score in (0, -5, 101):
            with self.assertRaises(ValidationError) as error:
                self.company.with_context(lang="ja_JP").write({"crm_survey_good_score": score})
            self.assertRegex(str(error.exception), "[ぁ-んァ-ン一-龥]")
        result = self.env["res.company"].load(
            ["id", "crm_survey_good_score"], [[self.company.get_external_id()[self.company.id] or "", "150"]]
        )
        self.assertFalse(result["ids"])
        self.assertEqual(result["messages"][0]["type"], "error")
        self.assertEqual(self.company.crm_survey_good_score, 75.0)

    def test_access_salesman_and_manager(self):
        other_salesman = self.salesman.copy({"login": "rank_salesman_2", "name": "Other Salesman"})
        mine = self._won(self._customer("Mine", email="mine@example.jp"), completion=-1)
        theirs_customer = self._customer("Theirs", email="theirs@example.jp")
        theirs = self._won(theirs_customer, completion=-1, user_id=other_salesman.id)
        mine_answer = self._complete(self._answer(mine), GOOD)
        theirs_answer = self._complete(self._answer(theirs), BAD)
        Answer = self.env["survey.user_input"]
        seen = Answer.with_user(self.salesman).search([("crm_lead_id", "!=", False)])
        self.assertEqual(seen, mine_answer.with_user(self.salesman), "a salesperson sees their own deals' answers")
        self.assertEqual(mine_answer.with_user(self.salesman).user_input_line_ids.mapped("answer_score")[:1], [4.0])
        with self.assertRaises(AccessError):
            theirs_answer.with_user(self.salesman).read(["scoring_percentage"])
        with self.assertRaises(AccessError):
            mine_answer.with_user(self.salesman).write({"crm_satisfaction": "bad"})
        with self.assertRaises(AccessError):
            theirs.with_user(self.salesman).action_crm_survey_send()
        self.assertEqual(
            Answer.with_user(self.sales_manager).search([("crm_lead_id", "!=", False)]),
            (mine_answer | theirs_answer).with_user(self.sales_manager),
            "a sales manager sees every deal's answers",
        )
        # the report: the share of satisfied customers by salesperson
        groups = Answer.with_user(self.sales_manager)._read_group(
            [("crm_lead_id", "!=", False), ("state", "=", "done")], ["crm_user_id"], ["crm_satisfied_rate:avg"]
        )
        self.assertEqual({user.id: rate for user, rate in groups}, {self.salesman.id: 100.0, other_salesman.id: 0.0})
        # the customer's result is shown to the salesperson who reads the customer
        mine_customer = mine.partner_id.with_user(self.salesman)
        self.assertEqual(mine_customer.crm_survey_satisfaction, "good")
        self.assertEqual(mine_customer.action_open_crm_surveys()["res_model"], "survey.user_input")

    def test_answers_done_set_based(self):
        """Judging completed answers takes the same queries for one and for five, satisfied or not."""

        def run(count, choices):
            deals = self.env["crm.lead"]
            for index in range(count):
                customer = self._customer(f"Batch {choices[0]} {count} {index}", email=f"b{count}{index}@example.jp")
                deals |= self._won(customer, completion=-1)
            answers = self.env["survey.user_input"].union(*self.env["crm.rank.survey"]._answers_for(deals).values())
            lines = []
            for answer in answers:
                for key in choices:
                    choice = self.env.ref(Q + key)
                    lines.append(
                        {
                            "user_input_id": answer.id,
                            "question_id": choice.question_id.id,
                            "answer_type": "suggestion",
                            "suggested_answer_id": choice.id,
                        }
                    )
            self.env["survey.user_input.line"].create(lines)
            self._flush()
            return self._count_queries(lambda: answers.write({"state": "done"}))[1]

        for choices in (GOOD, BAD):
            run(1, choices)  # the caches of a first answer
            one, five = run(1, choices), run(5, choices)
            self.assertEqual(five, one, f"{choices[0]}: {one} queries for one answer, {five} for five")


@tagged("post_install", "-at_install")
class TestSurveyExit(SurveyMixin, ExitCase):
    """The invitation is an e-mail of no allowed kind: it leaves for a customer in good
    standing and is cancelled at the exit for a defected one, whoever sends it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._survey_setup()
        cls.deals = cls.env["crm.lead"].search([("partner_id", "in", cls.customers.ids)])

    def test_invitation_by_the_survey_app_stopped_for_the_defected(self):
        """A survey officer invites both through Odoo's own *Share* wizard."""
        invite = self.env["survey.invite"].create(
            {
                "survey_id": self.survey.id,
                "partner_ids": [(6, 0, self.customers.ids)],
                "template_id": self.env.ref("survey.mail_template_user_input_invite").id,
            }
        )
        with trap_exits() as trap:
            invite.action_invite()
            self._run_queues()
        self.assertMailStopped(trap)

    def test_invitation_by_the_addon_stopped_for_the_defected(self):
        """The addon's sending (the daily job's and the deal button's) is the same invitation."""
        with trap_exits() as trap:
            self.env["crm.rank.survey"]._send(self.deals)
            self._run_queues()
        self.assertMailStopped(trap)
        self.assertTrue(self.env["mail.mail"].sudo().search([("failure_type", "=", "crm_defected")]))

    def test_invitation_queued_before_the_defection_is_cancelled(self):
        late = self._customer("Defects Later", email="later@example.jp")
        deal = self._won(late, completion=-1)
        with trap_exits() as trap:
            deal.with_user(self.salesman).action_crm_survey_send()
            late._crm_rank_mark_defected("no_contact")
            self._flush()
            self._run_queues()
        self.assertNotIn("later@example.jp", trap.addresses)
