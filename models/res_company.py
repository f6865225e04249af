from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

from ..lib import aftercare, rules
from ..lib.orm import parse_or_refuse

MAX_DORMANCY_DAYS = 36500  # a hundred years: anything longer is a typo
MAX_REFERRAL_THRESHOLD = 1000
MAX_REFERRAL_ASK_DAYS = 3650  # ten years: anything longer is a typo


class ResCompany(models.Model):
    _inherit = "res.company"

    crm_rank_dormancy_days = fields.Integer(
        string="Dormancy Period (days)",
        default=rules.DEFAULT_DORMANCY_DAYS,
        help="A customer whose construction is completed becomes dormant after this "
        "many days without contact.",
    )
    crm_rank_referral_threshold = fields.Integer(
        string="Referrals for Referral Rank",
        default=rules.DEFAULT_REFERRAL_THRESHOLD,
        help="How many customers a past customer must have referred to get the "
        "referral rank.",
    )

    def cache_invalidation_fields(self):
        """The rank thresholds are cached (see ``_crm_rank_threshold_settings``)."""
        return super().cache_invalidation_fields() | {"crm_rank_dormancy_days", "crm_rank_referral_threshold"}

    @api.model
    @tools.ormcache()
    def _crm_rank_threshold_settings(self):
        """The engine's settings of every company and kind of work, cached: the
        engine runs on every deal change and they change once in a while.

        :returns: ``({company id: (dormancy days, referral threshold)}, {tag id: dormancy days})``
            of the active companies and of the CRM tags with a period of their own.
            The cache is cleared when a company's or a tag's period changes.
        """
        # the settings of all companies, whoever triggers the update
        companies_sudo = self.sudo().search_fetch(
            [("crm_rank_dormancy_days", ">", 0)], ["crm_rank_dormancy_days", "crm_rank_referral_threshold"]
        )
        tags_sudo = (
            self.env["crm.tag"].sudo().search_fetch([("crm_rank_dormancy_days", ">", 0)], ["crm_rank_dormancy_days"])
        )
        return (
            tools.frozendict(
                {
                    company.id: (company.crm_rank_dormancy_days, company.crm_rank_referral_threshold)
                    for company in companies_sudo
                }
            ),
            tools.frozendict({tag.id: tag.crm_rank_dormancy_days for tag in tags_sudo}),
        )

    def _crm_day_tz(self):
        """The time zone of the company's day, which the daily jobs work on: its
        address's, else its working hours'. The scheduler runs as OdooBot, who
        usually has none: its "today" would be UTC's, yesterday in Tokyo until 9:00."""
        self.ensure_one()
        company_tz = self.partner_id.tz or self.resource_calendar_id.tz
        return company_tz or self.env.context.get("tz") or self.env.user.tz

    @api.constrains("crm_rank_dormancy_days", "crm_rank_referral_threshold")
    def _check_crm_rank_thresholds(self):
        for company in self:
            if not 1 <= company.crm_rank_dormancy_days <= MAX_DORMANCY_DAYS:
                raise ValidationError(
                    self.env._(
                        "The dormancy period must be between 1 and %(max)s days.",
                        max=MAX_DORMANCY_DAYS,
                    )
                )
            if not 1 <= company.crm_rank_referral_threshold <= MAX_REFERRAL_THRESHOLD:
                raise ValidationError(
                    self.env._(
                        "The number of referrals for the referral rank must be "
                        "between 1 and %(max)s.",
                        max=MAX_REFERRAL_THRESHOLD,
                    )
                )

    crm_rank_referral_ask_days = fields.Integer(
        string="Ask for a Referral After (days)",
        default=30,
        help="Days after a construction is completed before its salesperson gets an "
        "\"Ask for a referral\" activity. 0 turns it off.",
    )

    @api.constrains("crm_rank_referral_ask_days")
    def _check_crm_rank_referral_ask_days(self):
        for company in self:
            if not 0 <= company.crm_rank_referral_ask_days <= MAX_REFERRAL_ASK_DAYS:
                raise ValidationError(
                    self.env._(
                        "The referral request must come between 0 (off) and %(max)s days "
                        "after the completion.",
                        max=MAX_REFERRAL_ASK_DAYS,
                    )
                )

    crm_inspection_plan = fields.Char(
        string="Inspection Plan",
        default=aftercare.DEFAULT_INSPECTION_PLAN,
        help="When to inspect a completed job whose kind of work has no plan of its own "
        "(m: months, y: years after completion). Empty: no inspections.",
    )
    crm_aftercare_notice_days = fields.Integer(
        string="After-care Notice (days)",
        default=30,
        help="The salesperson gets the activity of an inspection, a warranty end or an "
        "equipment replacement this many days before it is due.",
    )
    crm_aftercare_grace_days = fields.Integer(
        string="After-care Grace (days)",
        default=aftercare.DEFAULT_GRACE_DAYS,
        help="An inspection, a warranty end or an equipment replacement not recorded this many "
        "days after it was due is missed: it leaves the work list (kept for the record), its "
        "activity is removed, and the next inspection of the job takes its place.",
    )

    @api.constrains("crm_inspection_plan", "crm_aftercare_notice_days", "crm_aftercare_grace_days")
    def _check_crm_aftercare(self):
        for company in self:
            parse_or_refuse(
                aftercare.parse_offsets,
                company.crm_inspection_plan,
                lambda value: self.env._(
                    'The inspection plan must list offsets such as "1m,6m,1y,10y" ("%(value)s" is not one).',
                    value=value,
                ),
            )
            if not 0 <= company.crm_aftercare_notice_days <= 365:
                raise ValidationError(self.env._("The after-care notice must be between 0 and 365 days."))
            if not 1 <= company.crm_aftercare_grace_days <= aftercare.MAX_GRACE_DAYS:
                raise ValidationError(
                    self.env._(
                        "The after-care grace period must be between 1 and %(max)s days.",
                        max=aftercare.MAX_GRACE_DAYS,
                    )
                )

    # The completion survey (crm.rank.survey).
    crm_survey_id = fields.Many2one(
        "survey.survey",
        string="Completion Survey",
        ondelete="set null",
        help="The satisfaction survey a customer gets after the completion of a job. "
        "Empty: the survey shipped with the addon.",
    )
    crm_survey_auto_send = fields.Boolean(
        string="Send the Completion Survey",
        help="E-mail the completion survey to the customer of a won deal once its construction is "
        "completed (the daily job, within 14 days of the completion). Off: the salesperson sends "
        "or prints it from the deal.",
    )
    crm_survey_good_score = fields.Float(
        string="Satisfied From (%)",
        default=75.0,
        help="A completion survey answered with at least this score (the answers' points over the "
        "maximum) is a satisfied customer: their referral request is scheduled. Below it, the "
        "sales team leader gets a call activity and no referral is asked.",
    )

    @api.constrains("crm_survey_good_score")
    def _check_crm_survey_good_score(self):
        for company in self:
            if not 0 < company.crm_survey_good_score <= 100:
                raise ValidationError(
                    self.env._("The satisfied score of the completion survey must be above 0 and at most 100%.")
                )

    def _crm_survey(self):
        """The completion survey of this company: its own, else the one shipped with the addon."""
        self.ensure_one()
        return self.crm_survey_id or self.env.ref("crm_customer_rank.survey_completion", raise_if_not_found=False)
