import base64
import csv
import io

from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain

from ..lib import rules
from ..models.crm_aftercare_item import AFTERCARE_KINDS
from ..models.crm_rank_defection import DEFECTED_DOMAIN

AFTERCARE_MONTHS_MAX = 120  # ten years ahead: anything longer is a typo
# A spreadsheet reads a cell starting with one of these as a formula (CSV injection).
CSV_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class CrmRankCampaign(models.TransientModel):
    """Approach a selection of customers at once: a mass mailing, a call list, or a
    direct-mail / fax list. Defected customers are always left out."""

    _name = "crm.rank.campaign"
    _inherit = ["crm.rank.selection.check"]
    _description = "Reactivation Campaign"

    name = fields.Char(
        string="Campaign",
        required=True,
        default=lambda self: self.env._("We would be glad to hear from you again"),
        help="Subject of the mass mailing.",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        "crm_rank_campaign_partner_rel",
        string="Selected Customers",
        help="Customers picked in the list; empty: every ranked customer matching the criteria.",
    )
    crm_rank = fields.Selection(rules.RANKS, string="Customer Rank", default="dormant")
    tag_ids = fields.Many2many(
        "crm.tag",
        string="Kind of Work",
        help="Customers with a won deal of one of these kinds of work.",
    )
    user_ids = fields.Many2many(
        "res.users",
        string="Salespeople",
        domain=[("share", "=", False)],
        help="Customers whose responsible salesperson (the salesperson on the customer) is one of these.",
    )
    state_ids = fields.Many2many("res.country.state", string="States")
    city = fields.Char()
    aftercare_kind = fields.Selection(
        AFTERCARE_KINDS,
        string="After-care Due",
        help="Customers with a planned inspection, warranty end or equipment replacement of this kind "
        "falling due (overdue ones included): a welcome reason to call. Past customers are usually "
        "contracted (after-care) or dormant: clear the rank to take both.",
    )
    aftercare_months = fields.Integer(
        string="Due Within (months)",
        default=3,
        help="How far ahead the after-care item may fall due, from today.",
    )
    date_deadline = fields.Date(
        string="Call On",
        required=True,
        default=fields.Date.context_today,
        help="Due date of the call activities.",
    )
    customer_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        compute="_compute_customer_ids",
    )
    line_ids = fields.One2many(
        "crm.rank.campaign.line",
        "wizard_id",
        string="Customer List",
        compute="_compute_customer_ids",
    )
    customer_count = fields.Integer(string="Customers to Approach", compute="_compute_customer_ids")
    defected_count = fields.Integer(string="Defected (Left Out)", compute="_compute_customer_ids")
    no_address_count = fields.Integer(string="Without Postal Address", compute="_compute_customer_ids")
    no_fax_count = fields.Integer(string="Without Fax Number", compute="_compute_customer_ids")

    # ------------------------------------------------------------
    # DEFAULTS / COMPUTES / ORM
    # ------------------------------------------------------------

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") == "res.partner" and context.get("active_ids"):
            partners = self.env["res.partner"].browse(context["active_ids"])
            values["partner_ids"] = [Command.set(partners.commercial_partner_id.ids)]
            values["crm_rank"] = False  # the picked customers, whatever their rank
        return values

    @api.constrains("aftercare_months")
    def _check_aftercare_months(self):
        for wizard in self:
            if not 0 <= wizard.aftercare_months <= AFTERCARE_MONTHS_MAX:
                raise ValidationError(
                    self.env._(
                        "The after-care items must fall due within 0 to %(max)s months.",
                        max=AFTERCARE_MONTHS_MAX,
                    )
                )

    @api.depends(
        "partner_ids", "crm_rank", "tag_ids", "user_ids", "state_ids", "city", "aftercare_kind", "aftercare_months"
    )
    def _compute_customer_ids(self):
        for wizard in self:
            selected = wizard._selected_customers()
            customers = selected - selected.filtered_domain(DEFECTED_DOMAIN)
            customers = customers._crm_sorted_by_reading()
            wizard.customer_ids = customers
            wizard.line_ids = [Command.clear()] + [Command.create({"partner_id": partner.id}) for partner in customers]
            wizard.customer_count = len(customers)
            wizard.defected_count = len(selected) - len(customers)
            wizard.no_address_count = len(customers.filtered(lambda p: not p._crm_rank_has_postal_address()))
            wizard.no_fax_count = len(customers.filtered(lambda p: not (p.fax or "").strip()))

    def _selected_customers(self):
        """Commercial customers matching the selection and the criteria, defected included."""
        self.ensure_one()
        # a commercial customer: a company, or a person without a company
        domain = Domain("crm_rank", "!=", False) & (Domain("is_company", "=", True) | Domain("parent_id", "=", False))
        if self.partner_ids:
            domain &= Domain("id", "in", self.partner_ids.commercial_partner_id.ids)
        if self.crm_rank:
            domain &= Domain("crm_rank", "=", self.crm_rank)
        if self.state_ids:
            domain &= Domain("state_id", "in", self.state_ids.ids)
        if self.city:
            domain &= Domain("city", "ilike", self.city.strip())
        if self.user_ids:
            # one customer, one responsible salesperson (crm.rank.responsible)
            domain &= Domain("user_id", "in", self.user_ids.ids)
        if self.tag_ids:
            deal_domain = Domain("won_status", "=", "won") & Domain("tag_ids", "in", self.tag_ids.ids)
            deals = self.env["crm.lead"].with_context(active_test=False)._read_group(deal_domain, ["partner_id"])
            domain &= Domain("id", "in", [partner.commercial_partner_id.id for (partner,) in deals])
        if self.aftercare_kind:
            domain &= Domain("id", "in", self._aftercare_due_customer_ids())
        return self.env["res.partner"].search(domain)

    def _aftercare_due_customer_ids(self):
        """Customers with a planned after-care item of the chosen kind due within the
        months chosen (overdue included), among the items the user may read."""
        self.ensure_one()
        months = min(max(self.aftercare_months, 0), AFTERCARE_MONTHS_MAX)  # a form not saved yet
        limit = fields.Date.context_today(self) + relativedelta(months=months)
        groups = self.env["crm.aftercare.item"]._read_group(
            [("kind", "=", self.aftercare_kind), ("state", "=", "planned"), ("due_date", "<=", limit)],
            ["partner_id"],
        )
        return [partner.id for (partner,) in groups if partner]

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_create_mailing(self):
        """A draft mass mailing to the customers; defected ones stay out even if the
        customer becomes defected before it is sent."""
        self.ensure_one()
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": self.name,
                "mailing_type": "mail",
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "mailing_domain": repr(list(Domain("id", "in", self.customer_ids.ids) & ~DEFECTED_DOMAIN)),
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "mailing.mailing",
            "res_id": mailing.id,
            "view_mode": "form",
            "target": "current",
        }

    def action_schedule_calls(self):
        """A call list: one call activity per customer, for their salesperson.

        Says what was scheduled and opens the call list: the activities just
        scheduled, or, when every customer already had one, their open
        reactivation activities.
        """
        self.ensure_one()
        Reactivation = self.env["crm.rank.reactivation"]
        activities = Reactivation._schedule(self.customer_ids.ids, channel="phone", date_deadline=self.date_deadline)
        busy = self.customer_count - len(activities)
        if activities:
            message = self.env._(
                "%(count)s call activities scheduled. Left out: %(defected)s defected customers, "
                "%(busy)s customers who already have an open reactivation activity.",
                count=len(activities),
                defected=self.defected_count,
                busy=busy,
            )
            call_list = activities
        else:
            message = self.env._(
                "0 call activities scheduled: %(busy)s customers already have an open reactivation "
                "activity, opened here. Left out: %(defected)s defected customers.",
                defected=self.defected_count,
                busy=busy,
            )
            call_list = self.env["mail.activity"].search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", self.customer_ids.ids),
                    ("activity_type_id", "in", [t.id for t in Reactivation._activity_types().values()]),
                ]
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Call list"),
                "message": message,
                "type": "success" if activities else "warning",
                "next": self._call_list_action(call_list),
            },
        }

    def action_print_call_list(self):
        """The call list on paper (架電リスト): the customers, their number, the reason
        to call and boxes for the result, for the person making the calls."""
        self.ensure_one()
        # config=False: no layout dialog for an administrator whose company has not
        # chosen a document layout (Odoo's standard layout is used)
        return self.env.ref("crm_customer_rank.action_report_crm_rank_call_list").report_action(self, config=False)

    def _call_list_action(self, activities):
        """The activities as a list, soonest first, in the main window."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Call List"),
            "res_model": "mail.activity",
            "view_mode": "list,form",
            "views": [(self.env.ref("crm_customer_rank.mail_activity_view_list_call").id, "list"), (False, "form")],
            "domain": [("id", "in", activities.ids)],
            "context": {"create": False},
            "target": "current",
        }

    def action_export_direct_mail(self):
        """CSV of postal addresses in Japanese order, for a direct-mail print shop,
        in あいうえお順 of the readings."""
        self.ensure_one()
        customers = self.customer_ids.filtered(lambda p: p._crm_rank_has_postal_address())._crm_sorted_by_reading()
        header = self._csv_address_header()
        # one letter per household, its members as joint addressees (連名)
        lines = self.env["crm.household"]._mailing_lines(customers)
        rows = [self._csv_address(partner, addressee) for partner, addressee in lines]
        filename = self.env._("direct_mail_list_%(date)s.csv", date=fields.Date.context_today(self))
        return self._download_csv(filename, header, rows)

    def action_export_fax(self):
        """CSV of fax numbers, with the postal address in Japanese order, in あいうえお順."""
        self.ensure_one()
        customers = self.customer_ids.filtered(lambda p: (p.fax or "").strip())._crm_sorted_by_reading()
        header = [self.env._("Fax"), *self._csv_address_header()]
        rows = [[partner.fax.strip(), *self._csv_address(partner)] for partner in customers]
        filename = self.env._("fax_list_%(date)s.csv", date=fields.Date.context_today(self))
        return self._download_csv(filename, header, rows)

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    def _csv_address_header(self):
        """The headers of ``_csv_address``'s columns, in the user's language."""
        return [
            self.env._("Postal Code"),
            self.env._("State"),
            self.env._("City"),
            self.env._("Street"),
            self.env._("Street 2"),
            self.env._("Addressee"),
            self.env._("Reading"),
        ]

    def _csv_address(self, partner, addressee=None):
        """Postal code, state, city, street, street 2, the name with its honorific
        title (by default 様 for a person, 御中 for a company; ``addressee`` when
        given: a household's joint addressees), the reading."""
        return [
            partner.zip or "",
            partner.state_id.name or "",
            partner.city or "",
            partner.street or "",
            partner.street2 or "",
            addressee or partner.crm_addressee,
            partner.name_kana or "",
        ]

    @staticmethod
    def _csv_cell(value):
        """Neutralise a cell a spreadsheet would run as a formula (a name typed as
        ``=HYPERLINK(...)``): a leading single quote makes it text."""
        if isinstance(value, str) and value.startswith(CSV_FORMULA_PREFIXES):
            return "'" + value
        return value

    def _download_csv(self, filename, header, rows):
        """Store the CSV as an attachment of the wizard and download it.

        UTF-8 with a byte order mark and CRLF line ends, so Excel on a Japanese
        Windows opens it without garbling the kana and kanji.
        """
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows([[self._csv_cell(value) for value in row] for row in rows])
        attachment = self.env["ir.attachment"].create(
            {
                "name": filename,
                "datas": base64.b64encode(buffer.getvalue().encode("utf-8-sig")),
                "mimetype": "text/csv",
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "download",
        }
