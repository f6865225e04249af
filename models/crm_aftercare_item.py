from collections import defaultdict

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL, plaintext2html, split_every

from ..lib import aftercare, outreach, rules
from ..lib import facts as rank_facts
from ..lib.period_labels import localized_period_formatter
from .crm_rank_defection import DEFECTED_DOMAIN, defected_sql
from .crm_rank_reactivation import SCHEDULE_CHUNK

# Customers whose dormancy date falls within this many days are "at risk".
AT_RISK_DAYS = 60
# Days of notice of a company that set none.
DEFAULT_NOTICE_DAYS = 30
# Deals planned at a time by the scheduled action (a catch-up plans years of jobs).
SYNC_CHUNK = 5000
# From this many jobs planned in one run, the items' statistics are renewed at its end.
ANALYZE_MIN_JOBS = 1000
# Deal fields whose change can plan, re-plan or cancel the after-care of a job
# (a deal reopened, lost or archived after its completion loses its planned items
# at the daily planning, so that moving deals through stages costs no query here).
SYNC_TRIGGER_FIELDS = frozenset({"completion_date", "partner_id", "project_id", "tag_ids", "warranty_years"})
AFTERCARE_KINDS = [
    ("inspection", "Inspection"),
    ("warranty", "Warranty End"),
    ("replacement", "Equipment Replacement"),
]
# Labels of their own ("Recorded", "Status"): msgids shared with other fields
# (a construction "Done", a partner's "State") get those fields' translations.
AFTERCARE_STATES = [
    ("planned", "Planned"),
    ("done", "Recorded"),
    ("missed", "Missed"),
    ("cancel", "Cancelled"),
]
AFTERCARE_OUTCOMES = [
    ("fine", "Fine"),
    ("repair", "Repair Needed"),
    ("unreachable", "Customer Unreachable"),
]
# Outcomes that are a contact with the customer (someone visited or spoke to them).
CONTACT_OUTCOMES = ("fine", "repair")
# What the scheduled action writes on the items (planning, cancelling, missing)
# leaves no chatter line: the catch-up plans hundreds of thousands of items, and
# the deal's chatter says why (a completion date moved, a defection). A user's
# change (an outcome, a due date moved by hand) is tracked.
SYSTEM_CONTEXT = {"tracking_disable": True, "mail_create_nolog": True, "mail_create_nosubscribe": True}


def current_condition(alias):
    """SQL: the item ``alias`` is on the work list now (``is_current``): planned,
    and for an inspection the first planned inspection of its job."""
    return SQL(
        """(%(i)s.state = 'planned' AND (%(i)s.kind != 'inspection' OR NOT EXISTS (
                SELECT 1 FROM crm_aftercare_item earlier
                 WHERE earlier.lead_id = %(i)s.lead_id AND earlier.kind = 'inspection'
                   AND earlier.state = 'planned'
                   AND (earlier.due_date, earlier.id) < (%(i)s.due_date, %(i)s.id))))""",
        i=SQL.identifier(alias),
    )


class CrmAftercareItem(models.Model):
    """One reason to contact a past customer: an inspection, the end of a warranty,
    an equipment replacement, due on a day counted from the job's completion.

    Items are planned when a job is completed (``_sync_leads``), re-planned when
    its completion date moves, and cancelled when the deal is no longer a
    completed won job or its customer is defected. A job has one inspection on
    the work list at a time (``is_current``): the later ones wait until it is
    recorded or missed. An item not recorded within the company's grace period
    after its due date is missed (``_mark_missed``, daily): kept for the record,
    off the work list, its activity removed. An activity is handed to the
    salesperson when the current item comes close (``_cron_schedule_activities``).
    """

    _name = "crm.aftercare.item"
    _inherit = ["mail.thread", "crm.rank.selection.check"]
    _description = "After-care Item"
    _order = "due_date, id"
    _rec_names_search = ["lead_id", "partner_id"]

    # in the reader's language (not stored): the list, the form and the next reason to call
    name = fields.Char(compute="_compute_name")
    lead_id = fields.Many2one("crm.lead", string="Deal", required=True, index=True, ondelete="cascade")
    # the house (crm.property): a planned item goes to its current owner
    property_id = fields.Many2one(
        "crm.property", related="lead_id.crm_property_id", store=True, index="btree_not_null", tracking=False
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        compute="_compute_partner_id",
        store=True,
        index=True,
        precompute=True,
    )
    # the customer's responsible salesperson (crm.rank.responsible), else the job's
    user_id = fields.Many2one(
        "res.users", string="Salesperson", compute="_compute_user_id", store=True, precompute=True
    )
    # tracking=False: a related field inherits its target's tracking; the deal tracks it
    team_id = fields.Many2one(
        "crm.team", string="Sales Team", related="lead_id.team_id", store=True, precompute=True, tracking=False
    )
    company_id = fields.Many2one("res.company", related="lead_id.company_id", store=True, precompute=True)
    # depends on the customer only: a rank change does not search the after-care
    # lists of the customer's deals (the engine moves ranks on every deal change)
    crm_rank = fields.Selection(
        related="partner_id.crm_rank", string="Customer Rank", depends=["partner_id"], tracking=False
    )
    kind = fields.Selection(AFTERCARE_KINDS, required=True)
    # tells the items of one kind of a job apart (UNIQUE below): an inspection's
    # months after completion, a replacement's equipment id, 0 for the warranty end
    key = fields.Integer(
        required=True,
        default=0,
        help="Months after completion of an inspection; the equipment of a replacement; 0 for the warranty end.",
    )
    due_date = fields.Date(required=True, index=True, tracking=True)
    state = fields.Selection(
        AFTERCARE_STATES, string="Status", required=True, default="planned", index=True, tracking=True
    )
    outcome = fields.Selection(AFTERCARE_OUTCOMES, readonly=True, tracking=True)
    done_date = fields.Date(string="Recorded On", readonly=True)
    is_current = fields.Boolean(
        string="On the Work List",
        compute="_compute_is_current",
        search="_search_is_current",
        help="Planned, and for an inspection the first one of its job still planned: the later "
        "inspections of a job wait until the earlier one is recorded or missed.",
    )
    note = fields.Text(
        help="What was found or agreed at the visit: printed on the inspection sheet, and written "
        "on the deal with the outcome."
    )
    partner_phone = fields.Char(related="partner_id.phone", string="Phone", tracking=False)
    # indexed: deleting an equipment, an activity (marking it done) or a deal makes
    # PostgreSQL look for the items that point to it (a scan of every item without)
    equipment_id = fields.Many2one("crm.aftercare.equipment", ondelete="cascade", index="btree_not_null")
    activity_id = fields.Many2one("mail.activity", readonly=True, ondelete="set null", index="btree_not_null")
    repair_lead_id = fields.Many2one("crm.lead", string="Repair Opportunity", readonly=True, index="btree_not_null")

    _crm_aftercare_item_unique = models.Constraint(
        "UNIQUE(lead_id, kind, key)",
        "A job has each inspection, warranty end and replacement once.",
    )

    @api.depends("lead_id.partner_id.commercial_partner_id", "lead_id.crm_property_id.partner_id")
    def _compute_partner_id(self):
        """The job's customer, or the current owner of its house: a change of owner
        hands the planned items to the new owner; those recorded, missed or
        cancelled stay with the customer they were for."""
        for item in self:
            if item.partner_id and item.state != "planned" and item.property_id:
                continue
            item.partner_id = item.lead_id._crm_aftercare_customer()

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

    @api.depends(
        "state", "kind", "due_date", "lead_id.crm_aftercare_item_ids.state", "lead_id.crm_aftercare_item_ids.due_date"
    )
    def _compute_is_current(self):
        planned_ids = [item.id for item in self if item.state == "planned" and isinstance(item.id, int)]
        current_ids = set()
        if planned_ids:
            self.flush_model(["lead_id", "kind", "state", "due_date"])
            rows = self.env.execute_query(
                SQL(
                    "SELECT i.id FROM crm_aftercare_item i WHERE i.id = ANY(%s) AND %s",
                    planned_ids,
                    current_condition("i"),
                )
            )
            current_ids = {row[0] for row in rows}
        for item in self:
            item.is_current = item.id in current_ids

    def _search_is_current(self, operator, value):
        if operator != "in":
            return NotImplemented
        current = Domain.custom(to_sql=lambda model, alias, query: current_condition(alias))
        if True in value and False in value:
            return Domain.TRUE
        return current if True in value else ~current

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_done_fine(self):
        """The visit found everything in order: recorded, and said so (a toast)."""
        self._record_outcome("fine")
        return self._outcome_notification("fine")

    def action_done_repair(self):
        """The customer needs a repair: an opportunity for it, so the customer becomes a prospect."""
        self._record_outcome("repair")
        if len(self) == 1:
            return self.repair_lead_id.get_formview_action()
        return self._outcome_notification("repair")

    def action_done_unreachable(self):
        self._record_outcome("unreachable")
        return self._outcome_notification("unreachable")

    def action_print_inspection_sheet(self):
        """The sheet taken to the visit (点検シート): customer, job, equipment, checklist, signatures."""
        # config=False: no layout dialog for an administrator whose company has not
        # chosen a document layout (Odoo's standard layout is used)
        return self.env.ref("crm_customer_rank.action_report_crm_aftercare_inspection").report_action(
            self, config=False
        )

    def _outcome_notification(self, outcome):
        """A toast saying what was recorded; the list or form reloads after it."""
        labels = dict(self._fields["outcome"]._description_selection(self.env))
        if len(self) == 1:
            message = self.env._(
                "%(item)s of %(customer)s recorded: %(outcome)s.",
                item=self.name,
                customer=self.partner_id.display_name,
                outcome=labels[outcome],
            )
        else:
            message = self.env._(
                "%(count)s after-care items recorded: %(outcome)s.", count=len(self), outcome=labels[outcome]
            )
        if outcome in CONTACT_OUTCOMES:
            message += " " + self.env._("The visit counts as a contact with the customer.")
        else:
            message += " " + self.env._("No contact: the dormancy clock keeps running.")
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("After-care"),
                "message": message,
                "type": "success" if outcome in CONTACT_OUTCOMES else "warning",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _record_outcome(self, outcome):
        """Close the items with ``outcome``.

        Fine and repair needed are a real contact, whichever way they are
        recorded: the activity is marked done, or, for an item that has none
        (it came due before the notice, or was overdue when it was handed out),
        a note is written on the deal as a person writes one (a comment); the
        dormancy clock counts both, and the customer's rank is decided again at
        once. An unreachable customer was not contacted: the activity is removed
        and a log line, which is no contact, says why. Recording an inspection
        ends the earlier inspections of its job still planned (missed): one
        inspection per job is open at a time.
        """
        if self.filtered(lambda item: item.state != "planned"):
            raise UserError(self.env._("Only planned after-care items can be recorded."))
        today = fields.Date.context_today(self)
        labels = dict(self._fields["outcome"]._description_selection(self.env))
        texts = {item: f"{item.name}: {labels[outcome]}" for item in self}
        with_activity = self.filtered("activity_id")
        activities = with_activity.activity_id
        feedback = {
            item.activity_id: texts[item] + (f"\n{item.note}" if item.note else "") for item in with_activity
        }
        if outcome == "repair":
            self._create_repair_leads()
        self.write({"state": "done", "outcome": outcome, "done_date": today})
        self._earlier_inspections()._close_missed()
        if outcome not in CONTACT_OUTCOMES:
            activities.unlink()
            for item in self:
                item.lead_id._message_log(body=Markup("<p>%s</p>") % texts[item])
            return
        for activity in activities:
            activity.action_feedback(feedback=feedback[activity])
        for item in self - with_activity:
            body = Markup("<p>%s</p>") % texts[item]
            if item.note:
                body += plaintext2html(item.note)
            # a comment, as a note written from the chatter: a contact for the dormancy clock;
            # on the new owner of the house when the job was another customer's
            record = item.lead_id if item._on_job_customer() else item.partner_id
            record.message_post(body=body, message_type="comment", subtype_xmlid="mail.mt_note")
        self.partner_id._crm_rank_refresh("aftercare")

    def _on_job_customer(self):
        """Is this item for the customer of its job (not for a later owner of the house)?"""
        self.ensure_one()
        return self.partner_id == self.lead_id.partner_id.commercial_partner_id

    def _earlier_inspections(self):
        """The planned inspections of these items' jobs due before the inspection recorded."""
        inspections = self.filtered(lambda item: item.kind == "inspection")
        if not inspections:
            return self.browse()
        last = {}
        for item in inspections:
            last[item.lead_id.id] = max(last.get(item.lead_id.id, item.due_date), item.due_date)
        planned = self.search(
            [("lead_id", "in", list(last)), ("kind", "=", "inspection"), ("state", "=", "planned")]
        )
        return planned.filtered(lambda item: item.due_date <= last[item.lead_id.id]) - self

    def _close_missed(self):
        """A user's path to *missed* (tracked): these planned items are missed, their activities removed."""
        if not self:
            return
        self.activity_id.unlink()
        self.write({"state": "missed"})

    def _create_repair_leads(self):
        leads = self.env["crm.lead"].create(
            [
                {
                    "name": self.env._("Repair after %(item)s: %(deal)s", item=item.name, deal=item.lead_id.name),
                    "type": "opportunity",
                    # the house's new owner, when the job was its former owner's
                    "partner_id": item.lead_id.partner_id.id if item._on_job_customer() else item.partner_id.id,
                    "crm_property_id": item.property_id.id,
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
        """``{commercial id: crm.aftercare.item (sudo)}``: each customer's next planned item,
        whichever salesperson's job it comes from (the customer's next reason to call)."""
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

    def _reason_to_call(self):
        """The item as the customer's next reason to call, in the reader's language:
        its name and its deal, marked when it is overdue (still within the grace
        period: past it the item is missed and the next one is the reason)."""
        self.ensure_one()
        if self.due_date < fields.Date.context_today(self):
            return self.env._("%(item)s (overdue): %(deal)s", item=self.name, deal=self.lead_id.name)
        return f"{self.name}: {self.lead_id.name}"

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
        recorded are never touched, and no item is planned twice. An item
        planned (or re-planned) past its grace period is missed from the start:
        a job entered years after its completion gets its old inspections for
        the record, not as overdue work.

        :param has_items: ``False`` when the caller knows these deals have no
            item yet (``_cron_sync``): they are not looked up.
        """
        # after-care follows the job, whoever changed it
        leads_sudo = leads.sudo().with_context(active_test=False)
        if not leads_sudo:
            return
        items_sudo = self.sudo().with_context(**SYSTEM_CONTEXT)
        existing = defaultdict(dict)  # {lead id: {(kind, key): item}}: linear in the items
        for item in items_sudo.search([("lead_id", "in", leads_sudo.ids)]) if has_items else items_sudo:
            existing[item.lead_id.id][item.kind, item.key] = item
        facts = self._planning_facts(leads_sudo.ids)
        wanted = self._wanted_items(facts)
        today = fields.Date.context_today(self)
        grace = self._grace_days()
        to_create, cancel_ids = [], []
        replan = defaultdict(list)  # {(due date, state): [item id]}
        for lead_id in leads_sudo.ids:
            lead_wanted = wanted.get(lead_id, {})
            lead_items = existing.get(lead_id, {})
            if lead_wanted:
                grace_days = grace.get(facts[lead_id]["company_id"] or False, aftercare.DEFAULT_GRACE_DAYS)
            for (kind, key), due in lead_wanted.items():
                item = lead_items.get((kind, key))
                state = aftercare.initial_state(due, today, grace_days)
                if not item:
                    to_create.append(
                        {
                            "lead_id": lead_id,
                            "kind": kind,
                            "key": key,
                            "due_date": due,
                            "state": state,
                            "equipment_id": key if kind == "replacement" else False,
                        }
                    )
                elif item.state == "cancel" or (item.state in ("planned", "missed") and item.due_date != due):
                    replan[due, state].append(item.id)
            cancel_ids += [
                item.id
                for wanted_key, item in lead_items.items()
                if wanted_key not in lead_wanted and item.state == "planned"
            ]
        self._insert_planned(to_create)
        for (due, state), item_ids in replan.items():
            moved = items_sudo.browse(item_ids)
            if state == "missed":
                moved.activity_id.unlink()
            else:
                moved.activity_id.date_deadline = due
            moved.write({"state": state, "due_date": due})
        items_sudo.browse(cancel_ids)._cancel()

    @api.model
    def _insert_planned(self, vals_list):
        """Insert the new items ``vals_list`` (deal, kind, key, due date, state,
        equipment) in one ``INSERT ... SELECT``, with the values ``create`` would
        compute: the customer (``_compute_partner_id``: the commercial entity of
        the house's current owner, else of the deal's customer), the salesperson
        (``_compute_user_id``), the deal's house, team and company.

        A catch-up plans hundreds of thousands of items: through ``create``, the
        908,844 items of 100,000 customers took 226 s. Nothing else is lost:
        the planning writes no chatter line and adds no follower
        (``SYSTEM_CONTEXT``), no access rule applies (the planning runs as
        superuser), no stored field depends on the items, and no translated
        field is stored on them (``tests/test_aftercare_planning.py`` compares
        the rows with ``create``'s and checks the dependencies).
        """
        if not vals_list:
            return
        self.env["crm.lead"].flush_model(["partner_id", "crm_property_id", "user_id", "team_id", "company_id"])
        self.env["crm.property"].flush_model(["partner_id"])
        self.env["res.partner"].flush_model(["commercial_partner_id", "user_id"])
        self.env.execute_query(
            SQL(
                """
                INSERT INTO crm_aftercare_item (
                       lead_id, kind, key, due_date, state, equipment_id,
                       property_id, partner_id, user_id, team_id, company_id,
                       create_uid, create_date, write_uid, write_date)
                SELECT v.lead_id, v.kind, v.key, v.due_date, v.state, v.equipment_id,
                       l.crm_property_id, customer.id, COALESCE(customer.user_id, l.user_id), l.team_id, l.company_id,
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM unnest(%(lead_ids)s::int[], %(kinds)s::varchar[], %(keys)s::int[], %(due_dates)s::date[],
                              %(states)s::varchar[], %(equipment_ids)s::int[])
                       WITH ORDINALITY AS v(lead_id, kind, key, due_date, state, equipment_id, n)
                  JOIN crm_lead l ON l.id = v.lead_id
             LEFT JOIN crm_property house ON house.id = l.crm_property_id
             LEFT JOIN res_partner owner ON owner.id = COALESCE(house.partner_id, l.partner_id)
             LEFT JOIN res_partner customer ON customer.id = owner.commercial_partner_id
              ORDER BY v.n
                """,
                lead_ids=[vals["lead_id"] for vals in vals_list],
                kinds=[vals["kind"] for vals in vals_list],
                keys=[vals["key"] for vals in vals_list],
                due_dates=[vals["due_date"] for vals in vals_list],
                states=[vals["state"] for vals in vals_list],
                equipment_ids=[vals["equipment_id"] or None for vals in vals_list],
                uid=self.env.uid,
                now=self.env.cr.now(),
            )
        )
        # what create would have put in the caches: the deals' and houses' item lists
        self.env["crm.lead"].invalidate_model(["crm_aftercare_item_ids"])
        self.env["crm.property"].invalidate_model(["aftercare_item_ids"])
        self.invalidate_model(["is_current"])

    @api.model
    def _grace_days(self):
        """``{company id: grace period in days}`` of every company, whoever runs it;
        under ``False``, that of the items without a company: the current company's."""
        companies_sudo = (
            self.env["res.company"]
            .sudo()
            .with_context(active_test=False)
            .search_fetch([], ["crm_aftercare_grace_days"])
        )
        grace = {company.id: company.crm_aftercare_grace_days for company in companies_sudo}
        grace[False] = grace.get(self.env.company.id, aftercare.DEFAULT_GRACE_DAYS)
        return grace

    @api.model
    def _sync_changed_leads(self, leads, fnames):
        """Plan, re-plan or cancel the after-care of the completed jobs among ``leads``,
        whose fields ``fnames`` were just written.

        Only a deal with a completion date has (or had) after-care items, unless
        the change is its completion date: a deal moving through its stages
        before completion costs no query here.
        """
        if SYNC_TRIGGER_FIELDS.isdisjoint(fnames):
            return
        leads = leads if "completion_date" in fnames else leads.filtered("completion_date")
        if leads:
            self._sync_leads(leads)

    @api.model
    def _planning_facts(self, lead_ids):
        """``{lead id: facts}`` of what decides the after-care of the deals ``lead_ids``,
        read in one query whatever their number (a catch-up plans hundreds of
        thousands of jobs: through the ORM, reading them took a third of its time).

        The facts of a deal: ``plannable`` (a completed won job, active, of a
        customer who is not defected: the commercial entity of its house's current
        owner, else of its customer, ``crm.lead._crm_aftercare_customer``), its
        company, completion date and warranty, the inspection plans of its kinds
        of work and its equipment ``[(id, installed date, life in years)]`` in
        their order.
        """
        if not lead_ids:
            return {}
        today = fields.Date.context_today(self)
        lead_fnames = ["active", "won_status", "completion_date", "company_id", "warranty_years", "tag_ids"]
        self.env["crm.lead"].flush_model([*lead_fnames, "partner_id", "crm_property_id"])
        self.env["crm.property"].flush_model(["partner_id"])
        self.env["res.partner"].flush_model(["commercial_partner_id", "crm_rank"])
        self.env["crm.tag"].flush_model(["crm_inspection_plan"])
        self.env["crm.aftercare.equipment"].flush_model(["lead_id", "installed_date", "life_years", "replacement_date"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT l.id,
                       l.active AND l.won_status = 'won' AND l.completion_date <= %(today)s
                           AND customer.id IS NOT NULL AND (%(defected)s) IS NOT TRUE,
                       l.company_id, l.completion_date, l.warranty_years,
                       ARRAY(SELECT t.crm_inspection_plan FROM crm_tag_rel r JOIN crm_tag t ON t.id = r.tag_id
                              WHERE r.lead_id = l.id AND t.crm_inspection_plan != ''
                           ORDER BY t.crm_inspection_plan),
                       ARRAY(SELECT ARRAY[e.id::text, e.installed_date::text, e.life_years::text]
                               FROM crm_aftercare_equipment e WHERE e.lead_id = l.id
                           ORDER BY e.replacement_date, e.id)
                  FROM crm_lead l
             LEFT JOIN crm_property house ON house.id = l.crm_property_id
             LEFT JOIN res_partner owner ON owner.id = COALESCE(house.partner_id, l.partner_id)
             LEFT JOIN res_partner customer ON customer.id = owner.commercial_partner_id
                 WHERE l.id = ANY(%(lead_ids)s)
                """,
                today=today,
                defected=defected_sql("customer"),
                lead_ids=list(lead_ids),
            )
        )
        return {
            lead_id: {
                "plannable": bool(plannable),
                "company_id": company_id,
                "completion_date": completion,
                "warranty_years": warranty_years,
                "tag_plans": tag_plans,
                "equipment": [
                    (int(equipment_id), installed and fields.Date.to_date(installed), int(life or 0))
                    for equipment_id, installed, life in equipment
                ],
            }
            for lead_id, plannable, company_id, completion, warranty_years, tag_plans, equipment in rows
        }

    @api.model
    def _wanted_items(self, facts):
        """``{lead id: {(kind, key): due date}}`` of the completed won jobs of customers
        who are not defected, from their ``facts`` (``_planning_facts``)."""
        companies_sudo = (
            self.env["res.company"].sudo().with_context(active_test=False).search_fetch([], ["crm_inspection_plan"])
        )
        company_plans = {company.id: company.crm_inspection_plan or "" for company in companies_sudo}
        company_plans[None] = company_plans.get(self.env.company.id, "")
        plans = {}  # the plans of a catch-up's jobs are a few: each parsed once
        result = {}
        for lead_id, fact in facts.items():
            if not fact["plannable"]:
                continue
            plan_key = (tuple(fact["tag_plans"]), company_plans[fact["company_id"]])
            if plan_key not in plans:
                plans[plan_key] = aftercare.plan_for(*plan_key)
            equipment = {equipment_id: (installed, life) for equipment_id, installed, life in fact["equipment"]}
            result[lead_id] = aftercare.desired_items(
                fact["completion_date"], plans[plan_key], fact["warranty_years"], equipment
            )
        return result

    def _cancel(self):
        """Cancel planned items and remove their open activities."""
        if not self:
            return
        self.activity_id.unlink()
        self.with_context(**SYSTEM_CONTEXT).write({"state": "cancel"})

    @api.model
    def _cancel_for_customers(self, defected_ids):
        """Customers who became defected get no after-care call: their planned items are cancelled."""
        if defected_ids:
            self.sudo().search([("partner_id", "in", defected_ids), ("state", "=", "planned")])._cancel()

    @api.model
    def _cron_sync(self):
        """The scheduled action *CRM: Plan After-care*, on the company's day."""
        return self.with_context(tz=self.env.company._crm_day_tz())._sync_completed_jobs()

    @api.model
    def _sync_completed_jobs(self):
        """Plan the jobs completed since the last run (a project completed, a
        completion date reached) and re-plan the moved ones: one query finds them.

        A catch-up (years of completed jobs at once: after the install, or an
        import) plans them in chunks, the cache emptied between them: memory
        bounded by a chunk, not by the database. Inside the scheduled action
        each chunk is committed with ``ir.cron._commit_progress`` (a run killed
        midway keeps its work; the next one finds the jobs still without items),
        and the run goes on to the end whatever time Odoo allots it: a run
        started again would first read again the jobs that get no item (those
        of defected customers), before any new one. Elsewhere (tests, shell) it
        runs in the caller's transaction.
        """
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
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
                 ORDER BY 1
                """,
                today=today,
            )
        )
        # The jobs found without items are planned without looking their items
        # up: in the catch-up after install the table has no statistics yet, and
        # each look-up scanned every item inserted so far.
        chunks = [
            (has_items, chunk)
            for has_items in (False, True)
            for chunk in split_every(SYNC_CHUNK, [lead_id for lead_id, with_items in rows if with_items is has_items])
        ]
        remaining = len(rows)
        for has_items, chunk in chunks:
            self._sync_leads(self.env["crm.lead"].browse(chunk), has_items=has_items)
            self._release_cache()
            remaining -= len(chunk)
            if in_cron:
                self.env["ir.cron"]._commit_progress(len(chunk), remaining=remaining)
        if len(rows) >= ANALYZE_MIN_JOBS:
            # A catch-up has just inserted most of the table: until autovacuum
            # analyses it, PostgreSQL plans the next queries on the items (missing
            # them below, handing out their activities) with the statistics of the
            # table before it, a few rows (the hand-out at 100,000 customers took
            # 100 s instead of 8 s). ANALYZE reads a sample: under a second.
            self.env.execute_query(SQL("ANALYZE %s", SQL.identifier(self._table)))
        self._mark_missed()

    @api.model
    def _mark_missed(self):
        """The planned items not recorded within their company's grace period
        become missed: one UPDATE whatever their number (the catch-up after an
        upgrade misses years of items at once), their activities removed in
        chunks. The next inspection of each job is then on the work list
        (``is_current``). Returns the number of items missed.
        """
        today = fields.Date.context_today(self)
        grace = self._grace_days()
        # None: the items without a company (the current company's grace period)
        company_ids = [company_id or None for company_id in grace]
        cutoffs = [aftercare.missed_before(today, days) for days in grace.values()]
        self.flush_model(["state", "due_date", "company_id", "activity_id"])
        rows = self.env.execute_query(
            SQL(
                """
                UPDATE crm_aftercare_item i
                   SET state = 'missed', write_date = %(now)s, write_uid = %(uid)s
                  FROM unnest(%(company_ids)s::int[], %(cutoffs)s::date[]) AS c(company_id, cutoff)
                 WHERE i.state = 'planned' AND i.due_date < c.cutoff
                   AND i.company_id IS NOT DISTINCT FROM c.company_id
             RETURNING i.id, i.activity_id
                """,
                now=self.env.cr.now(),
                uid=self.env.uid,
                company_ids=company_ids,
                cutoffs=cutoffs,
            )
        )
        self.invalidate_model(["state", "write_date", "write_uid"])
        activity_ids = [activity_id for _item_id, activity_id in rows if activity_id]
        for chunk in split_every(SCHEDULE_CHUNK, activity_ids):
            self.env["mail.activity"].sudo().browse(chunk).unlink()
            self._release_cache()
        return len(rows)

    @api.model
    def _cron_schedule_activities(self):
        """The scheduled action *CRM: Hand Out After-care Activities*, on the company's day."""
        return self.with_context(tz=self.env.company._crm_day_tz())._hand_out_due_items()

    @api.model
    def _hand_out_due_items(self):
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
        grace = self._grace_days()

        # Coming due within the notice, or overdue within the grace period (an item
        # that came on the work list late: the earlier inspection of its job was
        # recorded or missed after this one's date). Only the current item of a job.
        def window(notice_days, grace_days):
            return Domain("due_date", ">=", aftercare.missed_before(today, grace_days)) & Domain(
                "due_date", "<=", today + relativedelta(days=notice_days)
            )

        due = Domain.OR(
            Domain("company_id", "=", company_id) & window(days, grace.get(company_id, aftercare.DEFAULT_GRACE_DAYS))
            for company_id, days in notice.items()
        )
        # items without a company: the settings of the company running the job
        due |= Domain("company_id", "not in", list(notice)) & window(
            notice.get(self.env.company.id, DEFAULT_NOTICE_DAYS), grace[False]
        )
        item_ids = (
            self.sudo()
            .search(
                Domain("state", "=", "planned")
                & Domain("activity_id", "=", False)
                & Domain("partner_id", "not any", DEFECTED_DOMAIN)
                & due
                & Domain("is_current", "=", True)
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
        """One activity per item, on its deal, for its salesperson (else the team's
        leader) and in their language, with the channel."""
        if not self:
            return self.env["mail.activity"]
        contacts = rank_facts.contact_channel_facts(self.env, self.partner_id.ids)
        model_id = self.env["ir.model"]._get_id("crm.lead")
        # an item handed to a later owner of the house: on the owner, not on the former owner's deal
        partner_model_id = self.env["ir.model"]._get_id("res.partner")
        assignees = {item.id: item.user_id.id or item.team_id.user_id.id or False for item in self}
        by_lang = self.env["mail.activity"]._crm_rank_group_by_reader(assignees)
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
                on_job_customer = item._on_job_customer()
                vals_list.append(
                    {
                        "res_model_id": model_id if on_job_customer else partner_model_id,
                        "res_id": item.lead_id.id if on_job_customer else item.partner_id.id,
                        "activity_type_id": activity_type.id,
                        "user_id": assignees[item.id],
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
        self._set_activities(ordered_ids, activities.ids)
        return activities

    def _set_activities(self, item_ids, activity_ids):
        """The items ``item_ids`` get the activities ``activity_ids`` (in that order):
        one UPDATE, as ``write`` would (the write stamps; no other field depends on it)."""
        self.flush_model(["activity_id"])
        self.env.execute_query(
            SQL(
                """
                UPDATE crm_aftercare_item i
                   SET activity_id = v.activity_id, write_uid = %(uid)s, write_date = %(now)s
                  FROM unnest(%(item_ids)s::int[], %(activity_ids)s::int[]) AS v(item_id, activity_id)
                 WHERE i.id = v.item_id
                """,
                item_ids=list(item_ids),
                activity_ids=list(activity_ids),
                uid=self.env.uid,
                now=self.env.cr.now(),
            )
        )
        self.browse(item_ids).invalidate_recordset(["activity_id", "write_uid", "write_date"])

    def _web_read_group_groupby_formatter(self, groupby_spec, values):
        """Month and quarter labels in the reader's word order (2026年1月)."""
        formatter = super()._web_read_group_groupby_formatter(groupby_spec, values)
        return localized_period_formatter(self, groupby_spec, formatter)

# ------------------------------------------------------------
# THE ENGINE'S HOOK (as another addon would hang on it)
# ------------------------------------------------------------


class CrmRankEngine(models.AbstractModel):
    _inherit = "crm.rank.engine"

    @api.model
    def _on_rank_changes(self, changes, cause):
        """A customer who becomes defected gets no after-care call."""
        res = super()._on_rank_changes(changes, cause)
        self.env["crm.aftercare.item"]._cancel_for_customers(rules.entering(changes, "defected"))
        return res
