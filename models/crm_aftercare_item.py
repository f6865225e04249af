from collections import defaultdict

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import split_every

from ..engine import aftercare, outreach, rules
from ..engine import facts as rank_facts
from .crm_rank_reactivation import SCHEDULE_CHUNK
from .crm_rank_tools import check_selection_values
from .period_labels import localized_period_formatter

# Customers whose dormancy date falls within this many days are "at risk".
AT_RISK_DAYS = 60
# Days of notice of a company that set none.
DEFAULT_NOTICE_DAYS = 30
# Deals planned at a time by the scheduled action (a catch-up plans years of jobs).
SYNC_CHUNK = 1000
AFTERCARE_KINDS = [
    ("inspection", "Inspection"),
    ("warranty", "Warranty End"),
    ("replacement", "Equipment Replacement"),
]
AFTERCARE_STATES = [
    ("planned", "Planned"),
    ("done", "Done"),
    ("cancel", "Cancelled"),
]
AFTERCARE_OUTCOMES = [
    ("fine", "Fine"),
    ("repair", "Repair Needed"),
    ("unreachable", "Customer Unreachable"),
]


class CrmAftercareItem(models.Model):
    """One reason to contact a past customer: an inspection, the end of a warranty,
    an equipment replacement, due on a day counted from the job's completion.

    Items are planned when a job is completed (``_sync_leads``), re-planned when
    its completion date moves, and cancelled when the deal is no longer a
    completed won job or its customer is defected. An activity is handed to the
    salesperson when the item comes close (``_cron_schedule_activities``).
    """

    _name = "crm.aftercare.item"
    _description = "After-care Item"
    _order = "due_date, id"
    _rec_names_search = ["lead_id", "partner_id"]

    # in the reader's language (not stored): the list, the form and the next reason to call
    name = fields.Char(compute="_compute_name")
    lead_id = fields.Many2one("crm.lead", string="Deal", required=True, index=True, ondelete="cascade")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        related="lead_id.partner_id.commercial_partner_id",
        store=True,
        index=True,
        precompute=True,
    )
    # the customer's responsible salesperson (crm.rank.responsible), else the job's
    user_id = fields.Many2one(
        "res.users", string="Salesperson", compute="_compute_user_id", store=True, precompute=True
    )
    team_id = fields.Many2one("crm.team", string="Sales Team", related="lead_id.team_id", store=True, precompute=True)
    company_id = fields.Many2one("res.company", related="lead_id.company_id", store=True, precompute=True)
    # depends on the customer only: a rank change does not search the after-care
    # lists of the customer's deals (the engine moves ranks on every deal change)
    crm_rank = fields.Selection(related="partner_id.crm_rank", string="Customer Rank", depends=["partner_id"])
    kind = fields.Selection(AFTERCARE_KINDS, required=True)
    key = fields.Integer(
        required=True, default=0, help="Months after completion of an inspection; the equipment of a replacement."
    )
    due_date = fields.Date(required=True, index=True)
    state = fields.Selection(AFTERCARE_STATES, required=True, default="planned", index=True)
    outcome = fields.Selection(AFTERCARE_OUTCOMES, readonly=True)
    done_date = fields.Date(readonly=True)
    # indexed: deleting an equipment, an activity (marking it done) or a deal makes
    # PostgreSQL look for the items that point to it (a scan of every item without)
    equipment_id = fields.Many2one("crm.aftercare.equipment", ondelete="cascade", index="btree_not_null")
    activity_id = fields.Many2one("mail.activity", readonly=True, ondelete="set null", index="btree_not_null")
    repair_lead_id = fields.Many2one("crm.lead", string="Repair Opportunity", readonly=True, index="btree_not_null")

    _crm_aftercare_item_unique = models.Constraint(
        "UNIQUE(lead_id, kind, key)",
        "A job has each inspection, warranty end and replacement once.",
    )

    @api.depends("partner_id.user_id", "lead_id.user_id")
    def _compute_user_id(self):
        for item in self:
            item.user_id = item.partner_id.user_id or item.lead_id.user_id

    @api.depends("kind", "key", "equipment_id.name")
    @api.depends_context("lang")
    def _compute_name(self):
        for item in self:
            if item.kind == "inspection":
                if item.key % 12 == 0:
                    item.name = self.env._("%(years)s-year inspection", years=item.key // 12)
                else:
                    item.name = self.env._("%(months)s-month inspection", months=item.key)
            elif item.kind == "warranty":
                item.name = self.env._("Warranty ends")
            else:
                item.name = self.env._("Replace: %(equipment)s", equipment=item.equipment_id.name or "")

    @api.model_create_multi
    def create(self, vals_list):
        check_selection_values(self, vals_list)
        return super().create(vals_list)

    def write(self, vals):
        check_selection_values(self, [vals])
        return super().write(vals)

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_done_fine(self):
        self._record_outcome("fine")

    def action_done_repair(self):
        """The customer needs a repair: an opportunity for it, so the customer becomes a prospect."""
        self._record_outcome("repair")
        if len(self) == 1:
            return self.repair_lead_id.get_formview_action()
        return True

    def action_done_unreachable(self):
        self._record_outcome("unreachable")

    def _record_outcome(self, outcome):
        """Close the items with ``outcome``.

        Fine and repair needed are a real contact: the activity is marked done (or a
        note is written on the deal), which the dormancy clock counts. An
        unreachable customer was not contacted: the activity is removed and a log
        line, which is no contact, says why.
        """
        if self.filtered(lambda item: item.state != "planned"):
            raise UserError(self.env._("Only planned after-care items can be recorded."))
        today = fields.Date.context_today(self)
        labels = dict(self._fields["outcome"]._description_selection(self.env))
        with_activity = self.filtered("activity_id")
        feedback = {item.activity_id: f"{item.name}: {labels[outcome]}" for item in with_activity}
        activities = with_activity.activity_id
        vals = {"state": "done", "outcome": outcome, "done_date": today}
        if outcome == "repair":
            self._create_repair_leads()
        self.write(vals)
        if outcome == "unreachable":
            activities.unlink()
            for item in self:
                item.lead_id._message_log(body=Markup("<p>%s</p>") % f"{item.name}: {labels[outcome]}")
            return
        for activity in activities:
            activity.action_feedback(feedback=feedback[activity])
        for item in self - with_activity:
            item.lead_id.message_post(
                body=Markup("<p>%s</p>") % f"{item.name}: {labels[outcome]}",
                subtype_xmlid="mail.mt_note",
            )

    def _create_repair_leads(self):
        leads = self.env["crm.lead"].create(
            [
                {
                    "name": self.env._("Repair after %(item)s: %(deal)s", item=item.name, deal=item.lead_id.name),
                    "type": "opportunity",
                    "partner_id": item.lead_id.partner_id.id,
                    "user_id": item.user_id.id,
                    "team_id": item.lead_id.team_id.id,
                    "tag_ids": [fields.Command.set(item.lead_id.tag_ids.ids)],
                }
                for item in self
            ]
        )
        for item, lead in zip(self, leads, strict=True):
            item.repair_lead_id = lead

    @api.model
    def action_open_at_risk(self):
        """Customers about to become dormant with nothing planned to reach them."""
        ids = self._at_risk_partner_ids()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("At Risk of Going Dormant"),
            "res_model": "res.partner",
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", ids)],
            "context": {"create": False},
            "help": Markup("<p>%s</p>") % self.env._("No customer is about to go dormant without a planned contact."),
        }

    @api.model
    def _next_by_customer(self, customer_ids):
        """``{commercial id: crm.aftercare.item (sudo)}``: each customer's next planned item.

        Called by ``res.partner._compute_crm_next_aftercare`` (the customer's
        next reason to call, whichever salesperson's job it comes from).
        """
        customer_ids = [pid for pid in customer_ids if pid]
        if not customer_ids:
            return {}
        # only the first item of each customer is read (and its name computed):
        # the customer cards and the deals' hints ask for it, not for every item
        self.flush_model(["partner_id", "state", "due_date"])
        rows = self.env.execute_query(
            rank_facts.SQL(
                """
                SELECT DISTINCT ON (partner_id) id FROM crm_aftercare_item
                 WHERE partner_id = ANY(%s) AND state = 'planned'
              ORDER BY partner_id, due_date, id
                """,
                customer_ids,
            )
        )
        return {item.partner_id.id: item for item in self.sudo().browse([row[0] for row in rows])}

    @api.model
    def _at_risk_partner_ids(self, days=AT_RISK_DAYS):
        """Customers in after-care whose dormancy date falls within ``days`` and who
        have neither an after-care item due before it nor an open activity."""
        today = fields.Date.context_today(self)
        partners = self.env["res.partner"]
        customers = partners.search([("crm_rank", "=", "contracted"), ("crm_rank_reason", "=", "after_care")])
        if not customers:
            return []
        facts = rank_facts.gather(self.env, customers.ids, today, self.env["crm.rank.engine"]._thresholds())
        soon = {
            pid: dormancy
            for pid, fact in facts.items()
            if (dormancy := rules.dormancy_date(fact)) and dormancy <= today + relativedelta(days=days)
        }
        if not soon:
            return []
        # every planned item and open activity counts, whoever it is assigned to
        planned = self.sudo()._read_group(
            [("partner_id", "in", list(soon)), ("state", "=", "planned")], ["partner_id"], ["due_date:min"]
        )
        covered = {partner.id for partner, first_due in planned if first_due <= soon[partner.id]}
        activities_sudo = self.env["mail.activity"].sudo()
        covered |= {
            res_id
            for (res_id,) in activities_sudo._read_group(
                [("res_model", "=", "res.partner"), ("res_id", "in", list(soon))], ["res_id"]
            )
        }
        leads_sudo = self.env["crm.lead"].sudo()
        covered |= {
            partner.commercial_partner_id.id
            for (partner,) in leads_sudo._read_group(
                [("partner_id.commercial_partner_id", "in", list(soon)), ("activity_ids", "!=", False)],
                ["partner_id"],
            )
        }
        return sorted(set(soon) - covered)

    # ------------------------------------------------------------
    # PLANNING
    # ------------------------------------------------------------

    @api.model
    def _sync_leads(self, leads, has_items=True):
        """Plan, re-plan or cancel the after-care items of ``leads`` (idempotent).

        A completed won job of a customer who is not defected gets the items of
        its plan; every other deal's planned items are cancelled. Items already
        done are never touched, and no item is planned twice.

        :param has_items: ``False`` when the caller knows these deals have no
            item yet (``_cron_sync``): they are not looked up.
        """
        # after-care follows the job, whoever changed it
        leads_sudo = leads.sudo().with_context(active_test=False)
        if not leads_sudo:
            return
        items_sudo = self.sudo().search([("lead_id", "in", leads_sudo.ids)]) if has_items else self.sudo()
        existing = defaultdict(dict)  # {lead id: {(kind, key): item}}: linear in the items
        for item in items_sudo:
            existing[item.lead_id.id][item.kind, item.key] = item
        wanted = self._wanted_items(leads_sudo)
        to_create, cancel_ids = [], []
        for lead in leads_sudo:
            lead_wanted = wanted.get(lead.id, {})
            lead_items = existing.get(lead.id, {})
            for (kind, key), due in lead_wanted.items():
                item = lead_items.get((kind, key))
                if not item:
                    to_create.append(
                        {
                            "lead_id": lead.id,
                            "kind": kind,
                            "key": key,
                            "due_date": due,
                            "equipment_id": key if kind == "replacement" else False,
                        }
                    )
                elif item.state == "cancel" or (item.state == "planned" and item.due_date != due):
                    item.write({"state": "planned", "due_date": due})
                    if item.activity_id:
                        item.activity_id.date_deadline = due
            cancel_ids += [
                item.id
                for wanted_key, item in lead_items.items()
                if wanted_key not in lead_wanted and item.state == "planned"
            ]
        if to_create:
            self.sudo().create(to_create)
        self.sudo().browse(cancel_ids)._cancel()

    @api.model
    def _wanted_items(self, leads_sudo):
        """``{lead id: {(kind, key): due date}}`` of the completed won jobs of customers
        who are not defected."""
        today = fields.Date.context_today(self)
        result = {}
        for lead in leads_sudo:
            customer = lead.partner_id.commercial_partner_id
            if not (
                lead.active
                and lead.won_status == "won"
                and lead.completion_date
                and lead.completion_date <= today
                and customer
                and customer.crm_rank != "defected"
            ):
                continue
            company = lead.company_id or self.env.company
            plan = aftercare.plan_for(
                [tag.crm_inspection_plan for tag in lead.tag_ids if tag.crm_inspection_plan],
                company.crm_inspection_plan or "",
            )
            equipment = {
                equipment.id: (equipment.installed_date, equipment.life_years) for equipment in lead.crm_equipment_ids
            }
            result[lead.id] = aftercare.desired_items(lead.completion_date, plan, lead.warranty_years, equipment)
        return result

    def _cancel(self):
        """Cancel planned items and remove their open activities."""
        if not self:
            return
        self.activity_id.unlink()
        self.write({"state": "cancel"})

    @api.model
    def _on_rank_changes(self, changes, cause):
        """A customer who becomes defected gets no after-care call (subscriber of the engine)."""
        defected_ids = [pid for pid, (old, new) in changes.items() if new[0] == "defected" and old[0] != "defected"]
        if defected_ids:
            self.sudo().search([("partner_id", "in", defected_ids), ("state", "=", "planned")])._cancel()

    @api.model
    def _cron_sync(self):
        """Plan the jobs completed since the last run (a project completed, a
        completion date reached) and re-plan the moved ones: one query finds them."""
        today = fields.Date.context_today(self)
        self.env.flush_all()
        rows = self.env.execute_query(
            rank_facts.SQL(
                """
                SELECT l.id, FALSE FROM crm_lead l
                 WHERE l.won_status = 'won' AND l.active AND l.completion_date <= %(today)s
                   AND NOT EXISTS (SELECT 1 FROM crm_aftercare_item i WHERE i.lead_id = l.id)
                 UNION
                SELECT i.lead_id, TRUE FROM crm_aftercare_item i JOIN crm_lead l ON l.id = i.lead_id
                 WHERE i.state = 'planned'
                   AND (l.won_status != 'won' OR NOT l.active OR l.completion_date IS NULL
                        OR l.completion_date > %(today)s)
                """,
                today=today,
            )
        )
        # A catch-up (years of completed jobs at once) plans in chunks, the cache
        # emptied between them: memory bounded by a chunk, not by the database.
        # The jobs found without items are planned without looking their items
        # up: in the catch-up after install the table has no statistics yet, and
        # each look-up scanned every item inserted so far.
        for has_items in (False, True):
            lead_ids = [lead_id for lead_id, with_items in rows if with_items is has_items]
            for chunk in split_every(SYNC_CHUNK, lead_ids):
                self._sync_leads(self.env["crm.lead"].browse(chunk), has_items=has_items)
                self._release_cache()

    @api.model
    def _cron_schedule_activities(self):
        """Hand the items coming due to the salesperson of the job, as one activity each."""
        today = fields.Date.context_today(self)
        activity_type = self.env.ref("crm_customer_rank.mail_activity_type_aftercare", raise_if_not_found=False)
        if not activity_type:
            return self.env["mail.activity"]
        # the notice of every company, whoever runs the update
        companies_sudo = (
            self.env["res.company"]
            .sudo()
            .search_fetch([("crm_aftercare_notice_days", ">=", 0)], ["crm_aftercare_notice_days"])
        )
        notice = {company.id: company.crm_aftercare_notice_days for company in companies_sudo}

        # Coming due within the notice, or overdue by less than it: an item due long
        # ago (a job completed years before the addon was installed, imported history)
        # stays on the Overdue list without burying its salesperson under activities.
        def window(days):
            return Domain("due_date", ">=", today - relativedelta(days=days)) & Domain(
                "due_date", "<=", today + relativedelta(days=days)
            )

        due = Domain.OR(Domain("company_id", "=", company_id) & window(days) for company_id, days in notice.items())
        due |= Domain("company_id", "not in", list(notice)) & window(DEFAULT_NOTICE_DAYS)
        item_ids = (
            self.sudo()
            .search(
                Domain("state", "=", "planned")
                & Domain("activity_id", "=", False)
                & Domain("partner_id.crm_rank", "!=", "defected")
                & due
            )
            .ids
        )
        # a catch-up hands out thousands at once: in chunks, the cache emptied between them
        activity_ids = []
        for chunk in split_every(SCHEDULE_CHUNK, item_ids):
            activity_ids += self.sudo().browse(chunk)._schedule_activities(activity_type).ids
            self._release_cache()
        return self.env["mail.activity"].browse(activity_ids)

    def _release_cache(self):
        """Between two chunks of a scheduled action: write what is pending, empty the cache."""
        self.env.flush_all()
        self.env.invalidate_all()

    def _schedule_activities(self, activity_type):
        """One activity per item, on its deal, in its salesperson's language, with the channel."""
        if not self:
            return self.env["mail.activity"]
        contacts = rank_facts.contact_channel_facts(self.env, self.partner_id.ids)
        model_id = self.env["ir.model"]._get_id("crm.lead")
        by_lang = defaultdict(list)
        for item in self:
            by_lang[item.user_id.lang or self.env.lang or "en_US"].append(item.id)
        vals_list = []
        ordered_ids = []  # the items in the order of vals_list
        for lang, item_ids in by_lang.items():
            ordered_ids += item_ids
            items_lang = self.browse(item_ids).with_context(lang=lang)
            channels = dict(
                self.env["res.partner"]._fields["crm_contact_channel"]._description_selection(items_lang.env)
            )
            for item in items_lang:
                contact = contacts.get(item.partner_id.id, {})
                channel = outreach.choose_channel(
                    contact.get("preference"),
                    phone=contact.get("phone"),
                    email=contact.get("email") and not contact.get("email_blacklisted"),
                    postal=contact.get("postal"),
                    fax=contact.get("fax"),
                )
                vals_list.append(
                    {
                        "res_model_id": model_id,
                        "res_id": item.lead_id.id,
                        "activity_type_id": activity_type.id,
                        "user_id": item.user_id.id or item.team_id.user_id.id or False,
                        "date_deadline": item.due_date,
                        "summary": f"{item.name} ({channels[channel]})",
                        "note": Markup("<p>%s</p>")
                        % items_lang.env._(
                            "After-care for %(customer)s: %(item)s of %(deal)s. Record the outcome "
                            "from CRM > After-care (fine, repair needed, unreachable).",
                            customer=item.partner_id.display_name,
                            item=item.name,
                            deal=item.lead_id.name,
                        ),
                        "automated": True,
                    }
                )
        activities = self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(vals_list)
        for item, activity in zip(self.sudo().browse(ordered_ids), activities, strict=True):
            item.activity_id = activity
        return activities

    def _web_read_group_groupby_formatter(self, groupby_spec, values):
        """Month and quarter labels in the reader's word order (2026年1月)."""
        formatter = super()._web_read_group_groupby_formatter(groupby_spec, values)
        return localized_period_formatter(self, groupby_spec, formatter)
