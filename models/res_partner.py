import logging
from collections import defaultdict

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, format_date, plaintext2html, sql

from ..engine import facts as rank_facts
from ..engine import rules
from .crm_lost_reason import LOST_CATEGORIES
from .crm_rank_tools import check_selection_values
from .phone_search import phone_search_domain, phone_search_patterns

_logger = logging.getLogger(__name__)

CRM_RANKS = [
    ("gathering", "Information Gathering"),
    ("prospect", "Prospect"),
    ("lost", "Lost"),
    ("contracted", "Contracted"),
    ("dormant", "Dormant"),
    ("referral", "Referral"),
    ("defected", "Defected"),
]
CRM_RANK_REASONS = [
    ("defected_manual", "Marked defected by a manager"),
    ("defected_lost", "Deal lost for a defection reason"),
    ("construction", "Construction not completed yet"),
    ("open_opportunity", "Open opportunity"),
    ("referrals", "Referred other customers"),
    ("last_deal_lost", "Last deal lost"),
    ("quiet", "No contact for the dormancy period"),
    ("after_care", "Completed contract, after-care"),
    ("inquiry", "Inquiry only"),
]
# Fields only the rank engine writes (see _crm_rank_apply).
ENGINE_FIELDS = frozenset({"crm_rank", "crm_rank_reason", "crm_rank_date"})
ENGINE_WRITE_FIELDS = ENGINE_FIELDS | {"write_date", "write_uid"}
# Partner fields whose change can move a customer's rank at once.
RANK_TRIGGER_FIELDS = frozenset({"parent_id", "is_company", "referrer_partner_id", "is_defected"})
DEFECTION_REASONS = [
    ("complaint", "Complaint"),
    ("competitor", "Went to a competitor"),
    ("moved", "Moved away"),
    ("no_contact", "Asked not to be contacted"),
    ("other", "Other"),
]
DEFECTION_ORIGINS = [
    ("manual", "Marked by a sales manager"),
    ("import", "Imported"),
    ("lost_deal", "Deal lost for a defection reason"),
    ("left_customer", "Left a defected customer"),
]
# Defection reason of a customer made defected by a loss, per lost category.
DEFECTION_REASON_OF_CATEGORY = {"complaint": "complaint", "competitor": "competitor"}
# Fields only a sales manager (or the server itself) may set or clear.
DEFECTION_FIELDS = frozenset(
    {
        "is_defected",
        "defection_reason",
        "defection_date",
        "defection_note",
        "defection_user_id",
        "defection_origin",
        "crm_rank_reinstated_date",
    }
)
CRON_LOCK_KEY = 7205461901  # pg advisory lock: one rank update at a time
CRON_BATCH_SIZE = 100_000
CRON_RESUME_PARAM = "crm_customer_rank.cron_resume"
# From this many changes at once, ranks are written set-based (no chatter line).
BULK_MIN_CHANGES = 500
CRON_BATCH_SIZE_PARAM = "crm_customer_rank.cron_batch_size"
# cr.precommit.data key: {partner id: cause} of the refreshes not applied yet
PENDING_KEY = "crm_customer_rank.pending"


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Counting a mailing's recipients reads the active partners; with this
    # index, leaving the defected out costs an index-only scan, not a table scan.
    _crm_rank_active_idx = models.Index("(crm_rank) WHERE active IS TRUE")

    # The three engine fields are "computed" only so that the ORM defers the
    # engine: _crm_rank_refresh marks them, _compute_crm_rank runs the engine
    # once for everything marked, when a rank is read or searched, or at the
    # latest at the flush before commit.
    crm_rank = fields.Selection(
        CRM_RANKS,
        string="Customer Rank",
        compute="_compute_crm_rank",
        store=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
        group_expand=True,
        groups="base.group_user",
        help="Kept up to date from the customer's deals, constructions, referrals "
        "and contacts; shared by a company and its contact persons.",
    )
    crm_rank_reason = fields.Selection(
        CRM_RANK_REASONS,
        string="Rank Reason",
        compute="_compute_crm_rank",
        store=True,
        readonly=True,
        copy=False,
        groups="base.group_user",
    )
    crm_rank_date = fields.Date(
        string="Rank Since",
        compute="_compute_crm_rank",
        store=True,
        readonly=True,
        copy=False,
        groups="base.group_user",
    )
    crm_rank_history_ids = fields.One2many(
        "crm.rank.history",
        "partner_id",
        string="Rank History",
        readonly=True,
        groups="sales_team.group_sale_salesman",
    )
    is_defected = fields.Boolean(
        string="Defected",
        readonly=True,
        copy=False,
        tracking=True,
        groups="sales_team.group_sale_salesman",
        help="Set by a sales manager; a defected customer receives no marketing.",
    )
    crm_rank_reinstated_date = fields.Datetime(
        string="Reinstated On",
        readonly=True,
        copy=False,
        groups="sales_team.group_sale_salesman",
        help="Deals lost for a defection reason before this moment no longer make the customer defected.",
    )
    referrer_partner_id = fields.Many2one(
        "res.partner",
        string="Referred By",
        index="btree_not_null",
        tracking=True,
        groups="base.group_user",
        help="The customer who referred this customer to us.",
    )
    # Facts shown on the form (not stored: read in one batch from the engine).
    crm_open_deal_count = fields.Integer(
        string="Open Deals", compute="_compute_crm_rank_facts", groups="base.group_user"
    )
    crm_won_deal_count = fields.Integer(string="Won Deals", compute="_compute_crm_rank_facts", groups="base.group_user")
    crm_last_completion_date = fields.Date(
        string="Last Completion", compute="_compute_crm_rank_facts", groups="base.group_user"
    )
    crm_last_contact_date = fields.Date(
        string="Last Contact", compute="_compute_crm_rank_facts", groups="base.group_user"
    )
    crm_referral_count = fields.Integer(
        string="Referral Count", compute="_compute_crm_rank_facts", groups="base.group_user"
    )
    # Defection (is_defected above): set and cleared by the defection wizards.
    defection_reason = fields.Selection(
        DEFECTION_REASONS, readonly=True, copy=False, groups="sales_team.group_sale_salesman"
    )
    defection_date = fields.Date(
        string="Defected On", readonly=True, copy=False, groups="sales_team.group_sale_salesman"
    )
    defection_note = fields.Text(readonly=True, copy=False, groups="sales_team.group_sale_salesman")
    defection_user_id = fields.Many2one(
        "res.users",
        string="Marked Defected By",
        readonly=True,
        copy=False,
        groups="sales_team.group_sale_salesman",
    )
    defection_origin = fields.Selection(
        DEFECTION_ORIGINS,
        readonly=True,
        copy=False,
        groups="sales_team.group_sale_salesman",
        help="What made the customer defected. Whatever the origin, only a sales "
        "manager's reinstatement ends a defection.",
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("commercial_partner_id")
    @api.depends_context("uid", "allowed_company_ids")  # the reader's companies' deals only
    def _compute_crm_rank_facts(self):
        commercial_ids = [pid for pid in self.commercial_partner_id.ids if pid]
        today = fields.Date.context_today(self)
        facts = (
            rank_facts.gather(self.env, commercial_ids, today, self._crm_rank_thresholds(), self.env.companies.ids)
            if commercial_ids
            else {}
        )
        for partner in self:
            fact = facts.get(partner.commercial_partner_id.id) or rules.CustomerFacts()
            partner.crm_open_deal_count = fact.open_leads + fact.open_opportunities
            partner.crm_won_deal_count = fact.won_count
            partner.crm_last_completion_date = fact.last_completion
            partner.crm_last_contact_date = fact.last_contact
            partner.crm_referral_count = fact.referral_count

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    def _auto_init(self):
        """Create the rank columns by hand on install: the ORM would otherwise
        mark every existing partner to compute; the post-init hook fills the
        ranks set-based instead."""
        cr = self.env.cr
        for fname, column_type in (("crm_rank", "varchar"), ("crm_rank_reason", "varchar"), ("crm_rank_date", "date")):
            if not sql.column_exists(cr, self._table, fname):
                sql.create_column(cr, self._table, fname, column_type)
        return super()._auto_init()

    @api.model_create_multi
    def create(self, vals_list):
        self._crm_rank_check_engine_write(vals_list)
        check_selection_values(self, vals_list)
        self._crm_rank_check_defection_write(
            [{key: value for key, value in vals.items() if value} for vals in vals_list]
        )
        vals_list = [self._crm_rank_defection_defaults(vals) for vals in vals_list]
        partners = super().create(vals_list)
        partners.filtered(lambda p: p.sudo().is_defected)._crm_rank_defect_customers()
        if any(vals.get("referrer_partner_id") for vals in vals_list):
            partners.referrer_partner_id._crm_rank_refresh("referral")
        # a contact person added to a ranked customer shares its rank, whoever adds it
        partners_sudo = partners.sudo()  # the rank is for internal users only; a portal user may add a contact
        partners_sudo.filtered(lambda p: p.parent_id and p.commercial_partner_id.crm_rank)._crm_rank_refresh("manual")
        return partners

    def write(self, vals):
        self._crm_rank_check_engine_write([vals])
        check_selection_values(self, [vals])
        self._crm_rank_check_defection_write([vals])
        engine = self.env.su and self.env.context.get("crm_rank_engine")
        trigger = not engine and not RANK_TRIGGER_FIELDS.isdisjoint(vals)
        before = self._crm_rank_affected() if trigger else self.browse()
        leaving = self._crm_rank_defected_customers() if trigger and {"parent_id", "is_company"} & set(vals) else {}
        if not engine:
            vals = self._crm_rank_defection_defaults(vals)
        res = super().write(vals)
        if vals.get("is_defected") and not engine:
            self._crm_rank_defect_customers()
        if leaving:
            self._crm_rank_keep_defection(leaving)
        if trigger:
            cause = "referral" if "referrer_partner_id" in vals else "manual"
            (before | self | self._crm_rank_affected())._crm_rank_refresh(cause)
        return res

    def unlink(self):
        self._crm_rank_block_defected_addresses()
        return super().unlink()

    def _crm_rank_block_defected_addresses(self):
        """Deleting a defected customer keeps their e-mail and phone numbers out of
        marketing: they go to Odoo's blacklists, which every mailing respects."""
        # the blacklists are written whoever deletes (a manager with contact rights)
        defected_sudo = (
            self.sudo().with_context(active_test=False).filtered(lambda p: p.is_defected or p.crm_rank == "defected")
        )
        if not defected_sudo:
            return
        message = self.env._("Defected customer deleted: kept out of marketing.")
        for email in set(filter(None, defected_sudo.mapped("email_normalized"))):
            self.env["mail.blacklist"].sudo()._add(email, message=message)
        numbers = set(filter(None, defected_sudo.mapped("phone_sanitized")))
        if numbers:
            self.env["phone.blacklist"].sudo()._add(list(numbers), message=message)

    def _crm_rank_check_engine_write(self, vals_list):
        # the context key alone could come from a client: the engine also runs as superuser
        if self.env.su and self.env.context.get("crm_rank_engine"):
            return
        if any(not ENGINE_FIELDS.isdisjoint(vals) for vals in vals_list):
            raise UserError(
                self.env._(
                    "The customer rank is computed from the customer's deals, "
                    "constructions, referrals and contacts and cannot be set by hand. "
                    "To stop all contact with a customer, mark them defected."
                )
            )

    def _crm_rank_check_defection_write(self, vals_list):
        """Only sales managers set or clear a defection, whatever the client sends.

        The superuser passes too: the engine, data files and tests.
        """
        if not any(not DEFECTION_FIELDS.isdisjoint(vals) for vals in vals_list):
            return
        if self.env.su or self.env.user.has_group("sales_team.group_sale_manager"):
            return
        raise AccessError(
            self.env._("Only sales managers can mark a customer defected or reinstate a defected customer.")
        )

    def _crm_rank_affected(self):
        """Commercial partners whose rank may depend on these partners."""
        partners_sudo = self.sudo()  # referrers count whoever edits (e.g. a portal user)
        return partners_sudo.commercial_partner_id | partners_sudo.referrer_partner_id.commercial_partner_id

    # ------------------------------------------------------------
    # DEFECTION
    # ------------------------------------------------------------

    def _crm_rank_defection_defaults(self, vals):
        """Complete a defection set without its details (an import, an API call):
        when, by whom, how; the reason defaults to *Other*."""
        if not vals.get("is_defected"):
            return vals
        origin = "import" if self.env.context.get("import_file") else "manual"
        return {
            "defection_date": fields.Date.context_today(self),
            "defection_user_id": self.env.uid,
            "defection_origin": origin,
            "defection_reason": "other",
            **{key: value for key, value in vals.items() if value or key not in DEFECTION_FIELDS},
        }

    def _crm_rank_defect_customers(self):
        """A defection set on a contact person marks their customer (the company) too.

        The person keeps their own defection: if they later leave the company,
        they stay excluded until a manager reinstates them.
        """
        partners_sudo = self.sudo()  # the defection was checked (manager) before
        persons = {}  # customer: the first of their persons marked here
        for person in partners_sudo:
            customer = person.commercial_partner_id
            if customer != person and not customer.is_defected:
                persons.setdefault(customer, person)
        copied = DEFECTION_FIELDS - {"crm_rank_reinstated_date"}
        for customer_sudo, person in persons.items():
            customer_sudo.with_context(crm_rank_engine=True).write(
                {fname: person._fields[fname].convert_to_write(person[fname], person) for fname in copied}
            )
            customer_sudo._crm_rank_log(
                Markup("<p>%s</p>") % self.env._("Marked defected through their contact %(person)s", person=person.name)
            )
        customers_sudo = self.sudo().browse([customer.id for customer in persons])
        customers_sudo._crm_rank_refresh("manual")

    def _crm_rank_defected_customers(self):
        """``{partner id: defected customer}`` for the partners of ``self`` that
        belong to a defected customer without a defection of their own."""
        partners_sudo = self.sudo()  # defections are read whoever moves the person
        return {
            partner.id: partner.commercial_partner_id
            for partner in partners_sudo
            if partner.commercial_partner_id != partner
            and partner.commercial_partner_id.is_defected
            and not partner.is_defected
        }

    def _crm_rank_keep_defection(self, customers):
        """A person who left a defected customer keeps the defection.

        :param customers: ``{partner id: the defected customer they belonged to}``
        """
        # the move may be made by a salesperson: the defection is carried over by the server
        partners_sudo = self.sudo().browse(list(customers))
        for partner in partners_sudo:
            customer = customers[partner.id]
            if partner.commercial_partner_id == customer:
                continue
            partner.with_context(crm_rank_engine=True).write(
                {
                    "is_defected": True,
                    "defection_reason": customer.defection_reason,
                    "defection_date": customer.defection_date,
                    "defection_note": customer.defection_note,
                    "defection_user_id": customer.defection_user_id.id,
                    "defection_origin": "left_customer",
                }
            )
            partner._crm_rank_log(
                Markup("<p>%s</p>")
                % self.env._(
                    "Left the defected customer %(customer)s: stays defected until a sales manager reinstates them.",
                    customer=customer.display_name,
                )
            )

    def _crm_rank_mark_defected(self, reason, note=False):
        """Mark the commercial customers of ``self`` defected, now and until reinstated."""
        customers = self.commercial_partner_id
        customers.write(
            {
                "is_defected": True,
                "defection_reason": reason,
                "defection_note": note or False,
                "defection_date": fields.Date.context_today(self),
                "defection_user_id": self.env.uid,
                "defection_origin": "manual",
            }
        )  # moves the rank at once (cause "manual")
        label = dict(self._fields["defection_reason"]._description_selection(self.env))[reason]
        body = Markup("<p>%s</p>") % self.env._("Marked defected: %(reason)s", reason=label)
        customers._crm_rank_log(body, note)

    def _crm_rank_reinstate(self, note=False):
        """Reinstate the commercial customers of ``self``: their rank follows their deals again.

        Deals lost for a defection reason before now no longer count. The
        customer's contact persons with a defection of their own (marked
        through the customer) are reinstated with it.
        """
        customers = self.commercial_partner_id
        persons = self.search(
            [
                ("commercial_partner_id", "in", customers.ids),
                ("is_defected", "=", True),
                ("id", "not in", customers.ids),
            ]
        )
        (self | customers | persons).write(
            {
                "is_defected": False,
                "defection_reason": False,
                "defection_note": False,
                "defection_date": False,
                "defection_user_id": False,
                "defection_origin": False,
                "crm_rank_reinstated_date": fields.Datetime.now(),
            }
        )  # moves the rank at once (cause "manual")
        (self | customers)._crm_rank_log(Markup("<p>%s</p>") % self.env._("Reinstated"), note)

    def _crm_rank_log(self, body, note=False):
        """Log on the chatter; a log is not a contact with the customer (facts.py)."""
        if note:
            body += plaintext2html(note)
        self._message_log_batch(bodies=dict.fromkeys(self.ids, body))

    # ------------------------------------------------------------
    # RANK ENGINE
    # ------------------------------------------------------------

    @api.model
    def _crm_rank_thresholds(self):
        """Return ``(company_id, deal_facts) -> (dormancy_days, referral_threshold)``.

        The dormancy period is the company's, unless the customer's last completed
        work has kinds of work (CRM tags) with a period of their own.
        """
        settings, tag_days = self.env["res.company"]._crm_rank_threshold_settings()
        default = settings.get(self.env.company.id, (365, 1))

        def thresholds(company_id, deal):
            dormancy_days, referral_threshold = settings.get(company_id, default)
            periods = [tag_days[tag_id] for tag_id in deal.get("last_deal_tag_ids") or () if tag_id in tag_days]
            if periods:  # the last completed work's kinds of work: the shortest period
                dormancy_days = min(periods)
            return dormancy_days, referral_threshold

        return thresholds

    def _crm_rank_refresh(self, cause="deal"):
        """Mark the rank of these partners and of their customers to recompute.

        No query here: a deal written fifty times in one transaction costs one
        engine run. The ORM calls ``_compute_crm_rank`` for everything marked
        as soon as one of these ranks is read or searched, and at the latest
        when the transaction is flushed before its commit.
        """
        partners = (self | self.commercial_partner_id).filtered("id")
        if not partners:
            return
        pending = self.env.cr.precommit.data.setdefault(PENDING_KEY, {})
        pending.update(dict.fromkeys(partners.ids, cause))
        for fname in ENGINE_FIELDS:
            self.env.add_to_compute(self._fields[fname], partners)

    def _compute_crm_rank(self):
        """Run the engine for the marked partners among ``self`` (see above).

        Partners nobody marked (new ones, the whole table when the columns are
        created) keep their stored rank: the engine decides ranks, this method
        only lets the ORM choose the moment.
        """
        pending = self.env.cr.precommit.data.get(PENDING_KEY)
        if not pending:
            return
        by_cause = defaultdict(set)
        for partner in self:
            cause = pending.pop(partner.id, None)
            if cause and partner.commercial_partner_id:
                by_cause[cause].add(partner.commercial_partner_id.id)
        for cause, commercial_ids in by_cause.items():
            self._crm_rank_update_ids(sorted(commercial_ids), cause)

    @api.model
    def _crm_rank_update_ids(self, commercial_ids, cause):
        """Decide the rank of the given commercial partners and write what changed.

        Contact persons take their company's rank. Returns the number of
        customers whose rank changed.
        """
        today = fields.Date.context_today(self)
        facts = rank_facts.gather(self.env, commercial_ids, today, self._crm_rank_thresholds())
        facts = self._crm_rank_store_lost_defections(facts)
        family = self.env.execute_query(
            SQL(
                """
                SELECT id, commercial_partner_id, crm_rank, crm_rank_reason, is_defected
                  FROM res_partner
                 WHERE %s
                """,
                rank_facts.in_batch(SQL("commercial_partner_id"), commercial_ids),
            )
        )
        decided = {
            pid: rules.decide_rank(facts[pid], today)
            for pid, commercial_id, _rank, _reason, _defected in family
            if pid == commercial_id and pid in facts
        }
        changes = {}  # partner id: ((old rank, old reason), (rank, reason))
        for pid, commercial_id, rank, reason, defected in family:
            new = decided.get(commercial_id)
            if defected and new is not None and pid != commercial_id:
                # a contact person with a defection of their own (see _crm_rank_keep_defection)
                new = ("defected", "defected_manual")
            old = (rank or False, reason or False)
            if new is not None and new != old:
                changes[pid] = (old, new)
        if not changes:
            return 0
        self._crm_rank_apply(changes, cause, today)
        return sum(1 for pid, (old, new) in changes.items() if pid in decided and old[0] != new[0])

    @api.model
    def _crm_rank_store_lost_defections(self, facts):
        """Store the defection of the customers a defection loss makes defected.

        A past customer's deal lost for a reason that marks defection makes a
        defection of its own, as a manager's would: restoring the deal, changing
        its lost reason or its dates afterwards does not end it, only a
        reinstatement does. Returns ``facts`` with those defections stored.
        """
        new_ids = [pid for pid, fact in facts.items() if fact.defected_lost and not fact.defected_manual]
        if not new_ids:
            return facts
        losses = rank_facts.last_defection_losses(self.env, new_ids)
        by_reason = defaultdict(list)
        for pid in new_ids:
            category = losses.get(pid, (None, None, None))[2]
            by_reason[DEFECTION_REASON_OF_CATEGORY.get(category, "other")].append(pid)
        # only the engine makes this defection, whoever lost the deal
        engine_sudo = self.sudo().with_context(crm_rank_engine=True, tracking_disable=True)
        for reason, pids in by_reason.items():
            engine_sudo.browse(pids).write(
                {
                    "is_defected": True,
                    "defection_reason": reason,
                    "defection_date": fields.Date.context_today(self),
                    "defection_user_id": self.env.uid,
                    "defection_origin": "lost_deal",
                }
            )
        # the reason's name in the reader's language (a translated field)
        reasons = self.env["crm.lost.reason"].sudo().browse({loss[1] for loss in losses.values()})
        names = {reason.id: reason.name for reason in reasons}
        bodies = {}
        for pid in new_ids:
            deal, reason_id, _category = losses.get(pid, ("", None, None))
            lost_reason = names.get(reason_id, "")
            bodies[pid] = Markup("<p>%s</p>") % self.env._(
                "Marked defected: the deal %(deal)s was lost for the reason %(reason)s. "
                "Only a sales manager's reinstatement ends this defection.",
                deal=deal,
                reason=lost_reason,
            )
        engine_sudo.browse(new_ids)._message_log_batch(bodies=bodies)
        stored = dict.fromkeys(new_ids)
        return {
            pid: fact._replace(defected_manual=True, defection_origin="lost_deal") if pid in stored else fact
            for pid, fact in facts.items()
        }

    @api.model
    def _crm_rank_apply(self, changes, cause, today):
        """Write ranks grouped by value, and the history of the customers.

        :param changes: ``{partner id: ((old rank, old reason), (rank, reason))}``
            for commercial partners and their contacts alike; only commercial
            partners get a history row and a chatter message.
        """
        if cause == "install" or len(changes) >= BULK_MIN_CHANGES:
            return self._crm_rank_apply_bulk(changes, cause, today)
        engine_sudo = self.sudo().with_context(crm_rank_engine=True)  # only the engine writes
        partners = engine_sudo.browse(list(changes))
        commercial_ids = set(partners.filtered(lambda p: p.commercial_partner_id == p).ids)
        groups = defaultdict(list)
        for pid, (old, new) in changes.items():
            groups[(new, old[0] != new[0], pid in commercial_ids)].append(pid)
        for ((rank, reason), rank_changed, is_commercial), pids in groups.items():
            vals = {"crm_rank": rank, "crm_rank_reason": reason}
            if rank_changed:
                vals["crm_rank_date"] = today if rank else False
            target = engine_sudo.browse(pids)
            if not is_commercial:
                target = target.with_context(tracking_disable=True)
            target.write(vals)
        self._crm_rank_create_history(changes, commercial_ids, cause)

    @api.model
    def _crm_rank_create_history(self, changes, commercial_ids, cause):
        now = fields.Datetime.now()
        self.env["crm.rank.history"].sudo().create(
            [
                {
                    "partner_id": pid,
                    "old_rank": old[0],
                    "new_rank": new[0],
                    "reason": new[1],
                    "cause": cause,
                    "date": now,
                }
                for pid, (old, new) in changes.items()
                if pid in commercial_ids and old[0] != new[0]
            ]
        )
        self._crm_rank_on_changes({pid: change for pid, change in changes.items() if pid in commercial_ids}, cause)

    @api.model
    def _crm_rank_candidate_ids(self, after_id=0):
        """Commercial partners that have, or may get, a rank (ordered by id).

        One pass over the partners; the deal and referral tests only run for
        partners without a rank yet.
        """
        self.env.flush_all()
        with rank_facts.without_jit(self.env):
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT cp.id
                      FROM res_partner cp
                     WHERE cp.id = cp.commercial_partner_id AND cp.id > %s
                       AND (cp.crm_rank IS NOT NULL OR cp.is_defected
                            OR EXISTS (SELECT 1 FROM crm_lead l JOIN res_partner p ON p.id = l.partner_id
                                        WHERE p.commercial_partner_id = cp.id)
                            OR EXISTS (SELECT 1 FROM res_partner p
                                         JOIN res_partner ref ON ref.id = p.referrer_partner_id
                                        WHERE ref.commercial_partner_id = cp.id))
                  ORDER BY cp.id
                    """,
                    after_id,
                )
            )
        return [row[0] for row in rows]

    @api.model
    def _crm_rank_update_all(self, cause="scheduled", batch_size=None):
        """Bring every rank up to date, batch by batch.

        Inside a scheduled action each batch is committed with
        ``ir.cron._commit_progress`` and the position is kept, so a run that is
        stopped resumes where it stopped; elsewhere (install, tests, shell) it
        runs in the caller's transaction. A failing batch is retried one
        customer at a time so one bad record doesn't stop the others.

        :param batch_size: customers per batch; by default the system parameter
            ``crm_customer_rank.cron_batch_size``, else ``CRON_BATCH_SIZE``
        """
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        batch_size = batch_size or self._crm_rank_batch_size()
        if not self._crm_rank_lock(True):
            _logger.info("Customer rank update already running elsewhere: skipped")
            return 0
        try:
            return self._crm_rank_update_all_locked(cause, batch_size, in_cron)
        finally:
            self._crm_rank_lock(False)

    @api.model
    def _crm_rank_batch_size(self):
        """Customers per batch of the full update (system parameter, else ``CRON_BATCH_SIZE``)."""
        value = self.env["ir.config_parameter"].sudo().get_param(CRON_BATCH_SIZE_PARAM)
        if not value:
            return CRON_BATCH_SIZE
        size = int(value) if value.strip().isdecimal() else 0
        if size < 1:
            _logger.warning("Ignored %s=%r: not a number of customers", CRON_BATCH_SIZE_PARAM, value)
            return CRON_BATCH_SIZE
        return size

    @api.model
    def _crm_rank_update_all_locked(self, cause, batch_size, in_cron):
        today = fields.Date.context_today(self)
        params = self.env["ir.config_parameter"].sudo()
        after_id = 0
        if in_cron:
            day, _sep, last_id = (params.get_param(CRON_RESUME_PARAM) or "").partition(":")
            if day == str(today) and last_id.isdigit():
                after_id = int(last_id)
        ids = self._crm_rank_candidate_ids(after_id)
        changed = 0
        for start in range(0, len(ids), batch_size):
            batch = ids[start : start + batch_size]
            changed += self._crm_rank_update_batch(batch, cause)
            if in_cron:
                params.set_param(CRON_RESUME_PARAM, f"{today}:{batch[-1]}")
                remaining = len(ids) - start - len(batch)
                if not self.env["ir.cron"]._commit_progress(len(batch), remaining=remaining):
                    return changed
        if in_cron:
            params.set_param(CRON_RESUME_PARAM, f"{today}:done")
        return changed

    @api.model
    def _crm_rank_update_batch(self, batch, cause):
        try:
            with self.env.cr.savepoint():
                return self._crm_rank_update_ids(batch, cause)
        except Exception:  # noqa: BLE001 - isolate the bad customer below
            self.env.invalidate_all()
            _logger.warning("Customer rank batch failed, retrying one by one", exc_info=True)
        changed = 0
        for pid in batch:
            try:
                with self.env.cr.savepoint():
                    changed += self._crm_rank_update_ids([pid], cause)
            except Exception:  # noqa: BLE001 - log the customer and go on
                self.env.invalidate_all()
                _logger.exception("Customer rank update failed for res.partner(%s)", pid)
        return changed

    @api.model
    def _crm_rank_lock(self, acquire):
        """Session-level advisory lock, so two workers never update ranks at once.

        It survives the batch commits and is released at the end of the run, or
        by PostgreSQL when a killed worker's connection closes.
        """
        if acquire:
            query = SQL("SELECT pg_try_advisory_lock(%s)", CRON_LOCK_KEY)
        else:
            query = SQL("SELECT pg_advisory_unlock(%s)", CRON_LOCK_KEY)
        return self.env.execute_query(query)[0][0]

    @api.model
    def _cron_update_crm_rank(self):
        """Daily: ranks move with time (contracted to dormant), then the referral
        requests of constructions completed long enough ago are handed out, and
        the after-care of completed jobs is planned and handed out when due."""
        changed = self._crm_rank_update_all(cause="scheduled")
        self.env["crm.lead"]._crm_referral_ask_schedule()
        self.env["crm.rank.snapshot.month"]._close_months()
        self.env["crm.aftercare.item"]._cron_sync()
        self.env["crm.aftercare.item"]._cron_schedule_activities()
        return changed

    @api.model
    def _crm_rank_apply_bulk(self, changes, cause, today):
        """Write a large change set set-based: one UPDATE of the partners, one
        INSERT of their history, one UPDATE of their leads' ranks.

        Used at install and when many customers change at once (a first run
        after an import, a long pause of the scheduled action), where writing
        customer by customer with chatter tracking would take minutes. The
        rank history keeps every change; the chatter gets no tracking line.
        The subscribers of rank changes (``_crm_rank_on_changes``) are told as
        on the customer-by-customer path.
        """
        self.env.flush_all()
        ids, ranks, reasons, rank_changed = [], [], [], []
        for pid, (old, (rank, reason)) in changes.items():
            ids.append(pid)
            ranks.append(rank or None)
            reasons.append(reason or None)
            rank_changed.append(old[0] != rank)
        self.env.execute_query(
            SQL(
                """
                UPDATE res_partner p
                   SET crm_rank = v.rank,
                       crm_rank_reason = v.reason,
                       crm_rank_date = CASE WHEN NOT v.rank_changed THEN p.crm_rank_date
                                            WHEN v.rank IS NOT NULL THEN %(today)s::date
                                       END,
                       write_uid = %(uid)s,
                       write_date = %(now)s
                  FROM unnest(%(ids)s::int[], %(ranks)s::varchar[], %(reasons)s::varchar[],
                              %(rank_changed)s::bool[]) AS v(id, rank, reason, rank_changed)
                 WHERE p.id = v.id
                """,
                today=today,
                uid=self.env.uid,
                now=self.env.cr.now(),
                ids=ids,
                ranks=ranks,
                reasons=reasons,
                rank_changed=rank_changed,
            )
        )
        self.env.invalidate_all()
        commercial_ids = {
            pid
            for (pid,) in self.env.execute_query(
                SQL("SELECT id FROM res_partner WHERE id = ANY(%s) AND id = commercial_partner_id", ids)
            )
        }
        self.env["crm.rank.history"]._create_set_based(
            [
                (pid, old[0], new[0], new[1])
                for pid, (old, new) in changes.items()
                if pid in commercial_ids and old[0] != new[0]
            ],
            cause,
        )
        self.env["crm.lead"]._crm_rank_sync(ids)
        self._crm_rank_on_changes({pid: change for pid, change in changes.items() if pid in commercial_ids}, cause)

    # ------------------------------------------------------------
    # GUIDANCE
    # ------------------------------------------------------------

    crm_rank_hint = fields.Char(string="Rank Hint", compute="_compute_crm_rank_guidance", groups="base.group_user")
    crm_rank_guidance = fields.Text(
        string="How to Treat This Customer",
        compute="_compute_crm_rank_guidance",
        groups="base.group_user",
    )

    @api.depends("crm_rank", "company_id")
    @api.depends_context("lang", "company")
    def _compute_crm_rank_guidance(self):
        guidance = self.env["crm.rank.guidance"].sudo()._for_partners(self)  # shared texts
        playbooks = self._crm_rank_lost_playbooks()
        for partner in self:
            record = guidance.get(partner.id)
            partner.crm_rank_hint = record.hint if record else False
            texts = [
                record.guidance if record else False,
                playbooks.get(partner.commercial_partner_id.id),
                partner.crm_next_aftercare_name
                and self.env._(
                    "Next reason to call: %(item)s (%(date)s)",
                    item=partner.crm_next_aftercare_name,
                    date=format_date(self.env, partner.crm_next_aftercare_date),
                ),
            ]
            partner.crm_rank_guidance = "\n\n".join(filter(None, texts)) or False

    def _crm_rank_lost_playbooks(self):
        """``{commercial id: text}``: the playbook of the last lost reason of the lost
        customers among ``self`` (a few queries for all of them)."""
        customers = self.filtered(lambda partner: partner.crm_rank == "lost").commercial_partner_id
        reason_ids = rank_facts.last_lost_reasons(self.env, customers.ids) if customers else {}
        # the playbook is shared text, shown to whoever may see the rank
        reasons_sudo = self.env["crm.lost.reason"].sudo().browse({rid for rid in reason_ids.values() if rid})
        channels = dict(reasons_sudo._fields["followup_channel"]._description_selection(self.env))
        result = {}
        for customer_id, reason_id in reason_ids.items():
            reason = reasons_sudo.browse(reason_id).with_prefetch(reasons_sudo._prefetch_ids)
            if not reason:
                continue
            lines = [self.env._("Last lost reason: %(reason)s", reason=reason.name)]
            if reason.followup_instruction:
                lines.append(self.env._("Follow-up: %(instruction)s", instruction=reason.followup_instruction))
            if reason.followup_channel:
                lines.append(
                    self.env._(
                        "Channel: %(channel)s, %(days)s days after the loss",
                        channel=channels[reason.followup_channel],
                        days=reason.followup_delay_days,
                    )
                )
            result[customer_id] = "\n".join(lines)
        return result

    # ------------------------------------------------------------
    # REACTIVATION (subscribers of rank changes)
    # ------------------------------------------------------------

    crm_contact_channel = fields.Selection(
        [
            ("phone", "Phone"),
            ("email", "Email"),
            ("direct_mail", "Direct Mail"),
            ("fax", "Fax"),
        ],
        string="Preferred Channel",
        help="How the customer prefers to be approached. Empty: automatic (phone, else "
        "e-mail, else direct mail to the postal address, else fax, depending on the data "
        "we have).",
    )
    fax = fields.Char(help="Fax number, for customers who prefer to be approached by fax.")
    # Facts to judge why a customer went quiet (not stored: read in one batch).
    crm_days_since_contact = fields.Integer(string="Days Since Last Contact", compute="_compute_crm_reactivation_facts")
    crm_last_contract_date = fields.Date(string="Last Contract", compute="_compute_crm_reactivation_facts")
    crm_days_since_contract = fields.Integer(
        string="Days Since Last Contract", compute="_compute_crm_reactivation_facts"
    )
    crm_won_amount = fields.Monetary(
        string="Won Amount",
        currency_field="crm_currency_id",
        compute="_compute_crm_reactivation_facts",
        help="Sum of the expected revenue of the customer's won deals.",
    )
    crm_currency_id = fields.Many2one("res.currency", string="Currency", compute="_compute_crm_reactivation_facts")
    crm_first_source_id = fields.Many2one(
        "utm.source",
        string="Acquisition Source",
        compute="_compute_crm_reactivation_facts",
        help="Source of the customer's first inquiry.",
    )
    crm_first_medium_id = fields.Many2one(
        "utm.medium",
        string="Acquisition Medium",
        compute="_compute_crm_reactivation_facts",
        help="Medium of the customer's first inquiry.",
    )
    crm_last_work_tag_ids = fields.Many2many(
        "crm.tag",
        string="Last Work",
        compute="_compute_crm_reactivation_facts",
        help="Kinds of work of the customer's last completed deal.",
    )

    @api.model
    def _crm_rank_on_changes(self, changes, cause):
        """Side effects of rank changes, called by the engine after writing them.

        Subscribers react to rank changes and never decide ranks.

        :param changes: ``{commercial partner id: ((old rank, old reason), (rank, reason))}``
        :param cause: what caused the update (``crm.rank.history`` causes)
        """
        self.env["crm.rank.reactivation"]._on_rank_changes(changes, cause)
        self.env["crm.rank.quiet.reason"]._on_rank_changes(changes, cause)
        self.env["crm.aftercare.item"]._on_rank_changes(changes, cause)
        self.env["crm.rank.stale.activity"]._on_rank_changes(changes, cause)

    @api.model
    def _fields_sync(self, values):
        """The engine's own writes need no commercial or address sync: it writes
        every member of a customer's family itself (see ``_crm_rank_update_ids``)."""
        if self.env.su and self.env.context.get("crm_rank_engine") and ENGINE_WRITE_FIELDS.issuperset(values):
            return
        super()._fields_sync(values)

    def _commercial_fields(self):
        """Contact persons share their company's preferred channel, as they share its rank."""
        return [*super()._commercial_fields(), "crm_contact_channel"]

    @api.depends("commercial_partner_id")
    @api.depends_context("uid", "allowed_company_ids")  # the reader's companies' deals only
    def _compute_crm_reactivation_facts(self):
        commercial_ids = [pid for pid in self.commercial_partner_id.ids if pid]
        today = fields.Date.context_today(self)
        facts = (
            rank_facts.reactivation_facts(self.env, commercial_ids, today, self.env.companies.ids)
            if commercial_ids
            else {}
        )
        for partner in self:
            fact = facts.get(partner.commercial_partner_id.id) or {}
            partner.crm_days_since_contact = fact.get("days_since_contact") or 0
            partner.crm_last_contract_date = fact.get("last_contract")
            partner.crm_days_since_contract = fact.get("days_since_contract") or 0
            partner.crm_won_amount = fact.get("won_amount") or 0.0
            partner.crm_currency_id = self.env.company.currency_id
            partner.crm_first_source_id = fact.get("first_source_id")
            partner.crm_first_medium_id = fact.get("first_medium_id")
            partner.crm_last_work_tag_ids = [Command.set(fact.get("last_deal_tag_ids") or [])]

    def _crm_rank_has_postal_address(self):
        """Enough of an address for a direct mail: street and city, or a postal code."""
        self.ensure_one()
        return bool(((self.street or "").strip() and (self.city or "").strip()) or (self.zip or "").strip())

    crm_address_line = fields.Char(
        string="Address on One Line",
        compute="_compute_crm_address_line",
        help="The address as the customer's country writes it, for the customer cards: in "
        "Japan the postal mark and code, then prefecture, city and street.",
    )

    @api.depends("zip", "state_id", "city", "street", "street2", "country_id")
    def _compute_crm_address_line(self):
        for partner in self:
            if partner.country_id.code == "JP":
                # 〒154-0015 東京都世田谷区桜新町8-3-3: no separators between the parts
                place = "".join(filter(None, (partner.state_id.name, partner.city, partner.street, partner.street2)))
                partner.crm_address_line = " ".join(filter(None, (partner.zip and f"〒{partner.zip}", place)))
            else:
                partner.crm_address_line = ", ".join(filter(None, (partner.city, partner.country_id.name)))

    # REFERRALS, LAST LOST REASON, CONSTRUCTIONS
    # ------------------------------------------------------------

    # Sales facts: internal users only, like the rank itself.
    referral_partner_ids = fields.One2many(
        "res.partner",
        "referrer_partner_id",
        string="Referred Customers",
        readonly=True,
        groups="base.group_user",
    )
    referral_count = fields.Integer(
        string="Referred Customers Count",
        compute="_compute_referral_counts",
        groups="base.group_user",
        help="How many customers (companies or individuals) this customer referred.",
    )
    referral_won_count = fields.Integer(
        string="Referred Customers Signed",
        compute="_compute_referral_counts",
        groups="base.group_user",
        help="How many of the referred customers signed a deal.",
    )
    crm_last_lost_reason_id = fields.Many2one(
        "crm.lost.reason",
        string="Last Lost Reason",
        compute="_compute_crm_last_lost_reason",
        groups="base.group_user",
        help="Why the customer's most recently lost deal was lost.",
    )
    crm_last_lost_category = fields.Selection(
        selection=LOST_CATEGORIES,  # a list, so that Odoo translates its labels
        string="Last Lost Category",
        compute="_compute_crm_last_lost_reason",
        groups="base.group_user",
    )
    crm_construction_ids = fields.Many2many(
        "project.project",
        string="Constructions in Progress",
        compute="_compute_crm_construction_ids",
        groups="base.group_user",
        help="Construction projects of the customer's won deals that are not done yet.",
    )

    @api.depends("commercial_partner_id")
    def _compute_referral_counts(self):
        commercial_ids = [pid for pid in self.commercial_partner_id.ids if pid]
        referred = rank_facts.referred_customers(self.env, commercial_ids) if commercial_ids else {}
        for partner in self:
            signed = referred.get(partner.commercial_partner_id.id, {})
            partner.referral_count = len(signed)
            partner.referral_won_count = sum(signed.values())

    @api.depends("commercial_partner_id")
    def _compute_crm_last_lost_reason(self):
        commercial_ids = [pid for pid in self.commercial_partner_id.ids if pid]
        reasons = rank_facts.last_lost_reasons(self.env, commercial_ids) if commercial_ids else {}
        all_reasons = self.env["crm.lost.reason"].browse({rid for rid in reasons.values() if rid})
        for partner in self:
            reason = all_reasons.browse(reasons.get(partner.commercial_partner_id.id))
            reason = reason.with_prefetch(all_reasons._prefetch_ids)
            partner.crm_last_lost_reason_id = reason
            partner.crm_last_lost_category = reason.category

    @api.depends("commercial_partner_id")
    def _compute_crm_construction_ids(self):
        commercial = self.commercial_partner_id.filtered("id")
        projects = self.env["project.project"]
        if commercial:
            projects = projects.search(
                [
                    ("construction_done_date", "=", False),
                    (
                        "crm_lead_ids",
                        "any",
                        [
                            ("partner_id.commercial_partner_id", "in", commercial.ids),
                            ("won_status", "=", "won"),
                        ],
                    ),
                ]
            )
        by_customer = defaultdict(lambda: self.env["project.project"])
        for lead in projects.crm_lead_ids:
            if lead.won_status == "won":
                by_customer[lead.partner_id.commercial_partner_id.id] |= lead.project_id
        for partner in self:
            partner.crm_construction_ids = by_customer[partner.commercial_partner_id.id]

    @api.constrains("referrer_partner_id", "parent_id", "is_company")
    def _check_referrer_partner_id(self):
        """Nobody refers themselves, and referrals never go round in a circle.

        Checked between commercial customers (a contact's referral is their
        company's), for these partners' links and, as a contact may have moved
        to another company, for the links of the customers they referred.
        """
        # the check must see every link, whatever the user may read
        partners_sudo = self.sudo().with_context(active_test=False)
        linked = partners_sudo.filtered("referrer_partner_id") | partners_sudo.referral_partner_ids
        for partner in linked:
            if partner.referrer_partner_id.commercial_partner_id == partner.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "%(customer)s cannot be their own referrer, nor be referred by a contact of the same company.",
                        customer=partner.commercial_partner_id.display_name,
                    )
                )
        if not linked:
            return
        in_cycle = rank_facts.referral_cycles(self.env, linked.commercial_partner_id.ids)
        for partner in linked:
            if partner.commercial_partner_id.id in in_cycle:
                raise ValidationError(
                    self.env._(
                        "%(customer)s cannot be referred by %(referrer)s: %(referrer)s was "
                        "already referred by %(customer)s, directly or through other "
                        "customers. A referral cannot go round in a circle.",
                        customer=partner.commercial_partner_id.display_name,
                        referrer=partner.referrer_partner_id.commercial_partner_id.display_name,
                    )
                )

    def action_open_referred_customers(self):
        self.ensure_one()
        commercial = self.commercial_partner_id
        referred = rank_facts.referred_customers(self.env, commercial.ids).get(commercial.id, {})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Referred by %(customer)s", customer=commercial.display_name),
            "res_model": "res.partner",
            "view_mode": "list,kanban,form",
            "views": [(False, "list"), (False, "kanban"), (False, "form")],
            "domain": [("id", "in", list(referred))],
            "context": {"default_referrer_partner_id": commercial.id},
        }

    # ------------------------------------------------------------
    # WHY CUSTOMERS WENT QUIET
    # ------------------------------------------------------------

    crm_quiet_reason_ids = fields.One2many(
        "crm.rank.quiet.reason",
        "partner_id",
        string="Reactivation Outcomes",
        readonly=True,
        groups="sales_team.group_sale_salesman",
    )
    crm_defection_proposal_id = fields.Many2one(
        "crm.rank.quiet.reason",
        string="Defection Proposal",
        compute="_compute_crm_defection_proposal_id",
        groups="sales_team.group_sale_manager",
        help="The customer went to a competitor or is dissatisfied, and a sales manager "
        "has not decided yet whether they are defected.",
    )

    # Not on crm_rank: a relational field depending on the rank would make every
    # rank write look for the dependents twice (before and after, see the ORM's
    # write); the proposals are read when the form is.
    @api.depends("commercial_partner_id")
    def _compute_crm_defection_proposal_id(self):
        proposals = self.env["crm.rank.quiet.reason"]._open_proposals(self.commercial_partner_id.ids)
        for partner in self:
            partner.crm_defection_proposal_id = proposals.get(partner.commercial_partner_id.id)

    def action_review_defection_proposal(self):
        """The defection wizard, filled in from the proposal."""
        self.ensure_one()
        return self.crm_defection_proposal_id.action_open_defection_wizard()

    # ------------------------------------------------------------
    # AFTER-CARE: THE NEXT REASON TO CALL
    # ------------------------------------------------------------

    crm_next_aftercare_date = fields.Date(
        string="Next After-care",
        compute="_compute_crm_next_aftercare",
        groups="sales_team.group_sale_salesman",
        help="When the customer's next inspection, warranty end or equipment replacement is due.",
    )
    crm_next_aftercare_name = fields.Char(
        string="Next Reason to Call",
        compute="_compute_crm_next_aftercare",
        groups="sales_team.group_sale_salesman",
    )

    @api.depends("commercial_partner_id")
    @api.depends_context("lang")
    def _compute_crm_next_aftercare(self):
        commercial_ids = [pid for pid in self.commercial_partner_id.ids if pid]
        # the customer's next reason to call, whichever salesperson's job it comes from
        items_sudo = self.env["crm.aftercare.item"].sudo()
        if commercial_ids:
            items_sudo = items_sudo.search(
                [("partner_id", "in", commercial_ids), ("state", "=", "planned")], order="due_date, id"
            )
        first = {}
        for item in items_sudo:
            first.setdefault(item.partner_id.id, item)
        for partner in self:
            item = first.get(partner.commercial_partner_id.id)
            partner.crm_next_aftercare_date = item.due_date if item else False
            partner.crm_next_aftercare_name = f"{item.name}: {item.lead_id.name}" if item else False

    crm_mourning_year = fields.Integer(
        string="Mourning Year (喪中)",
        groups="sales_team.group_sale_salesman",
        help="The year in which the household is in mourning: no New Year card for the "
        "following New Year, a winter greeting (寒中見舞い) instead.",
    )

    # ------------------------------------------------------------
    # CHATTER LANGUAGE
    # ------------------------------------------------------------

    def _message_track(self, fields_iter, initial_values_dict):
        """Write the rank's tracking lines in each customer's language.

        A rank moves in someone else's request (the scheduler's, a manager's, an
        import), but the line stays in the chatter of the people who serve the
        customer: it is written in the customer's language, like an e-mail to
        them would be, not in the language of whoever triggered the change.
        Other tracking is left as Odoo writes it.
        """
        current = self.env.lang or "en_US"  # no language: the source terms
        by_lang = defaultdict(list)
        for partner in self:
            if "crm_rank" in initial_values_dict.get(partner.id, {}):
                by_lang[partner.lang or current].append(partner.id)
        if set(by_lang) <= {current}:
            return super()._message_track(fields_iter, initial_values_dict)
        # Odoo pops the log bodies and authors of the whole model at its first call
        data = self.env.cr.precommit.data
        bodies = data.pop(f"mail.tracking.message.{self._name}", {})
        authors = data.pop(f"mail.tracking.author.{self._name}", {})
        groups = [(self.env.lang, self - self.browse([pid for ids in by_lang.values() for pid in ids]))]
        groups += [(lang, self.browse(ids)) for lang, ids in by_lang.items()]
        tracking = {}
        for lang, partners in groups:
            if not partners:
                continue
            data[f"mail.tracking.message.{self._name}"] = dict(bodies)
            data[f"mail.tracking.author.{self._name}"] = dict(authors)
            tracking.update(
                super(ResPartner, partners.with_context(lang=lang))._message_track(fields_iter, initial_values_dict)
            )
        return tracking

    # ------------------------------------------------------------
    # FINDING A CALLER BY PHONE (any format)
    # ------------------------------------------------------------

    crm_phone_search = fields.Char(
        "Phone (any format)",
        store=False,
        search="_search_crm_phone_search",
        help="Matches the phone number typed with or without hyphens, spaces or brackets, "
        "and with the country code (+81) or the leading 0.",
    )

    def _search_crm_phone_search(self, operator, value):
        return phone_search_domain(self, self._phone_get_number_fields(), operator, value)

    @api.model
    def _search_display_name(self, operator, value):
        """A number typed in a customer field or the contacts search finds its customer too."""
        domain = super()._search_display_name(operator, value)
        # internal users only: portal mentions and public forms keep Odoo's own search
        if operator in ("ilike", "like") and self.env.user._is_internal() and phone_search_patterns(value):
            domain = Domain(domain) | Domain("crm_phone_search", operator, value)
        return domain
