import logging
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..engine import facts as rank_facts
from ..engine import rules

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
# Partner fields whose change can move a customer's rank at once.
RANK_TRIGGER_FIELDS = frozenset(
    {"parent_id", "is_company", "referrer_partner_id", "is_defected"}
)
CRON_LOCK_KEY = 7205461901  # pg advisory lock: one rank update at a time
CRON_BATCH_SIZE = 100_000
CRON_RESUME_PARAM = "crm_customer_rank.cron_resume"
# From this many changes at once, ranks are written set-based (no chatter line).
BULK_MIN_CHANGES = 500


class ResPartner(models.Model):
    _inherit = "res.partner"

    crm_rank = fields.Selection(
        CRM_RANKS,
        string="Customer Rank",
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
        group_expand=True,
        help="Kept up to date from the customer's deals, constructions, referrals "
        "and contacts; shared by a company and its contact persons.",
    )
    crm_rank_reason = fields.Selection(
        CRM_RANK_REASONS, string="Rank Reason", readonly=True, copy=False
    )
    crm_rank_date = fields.Date(string="Rank Since", readonly=True, copy=False)
    crm_rank_history_ids = fields.One2many(
        "crm.rank.history", "partner_id", string="Rank History", readonly=True
    )
    is_defected = fields.Boolean(
        string="Defected",
        readonly=True,
        copy=False,
        tracking=True,
        help="Set by a sales manager; a defected customer receives no marketing.",
    )
    crm_rank_reinstated_date = fields.Datetime(
        string="Reinstated On",
        readonly=True,
        copy=False,
        help="Deals lost for a defection reason before this moment no longer make "
        "the customer defected.",
    )
    referrer_partner_id = fields.Many2one(
        "res.partner",
        string="Referred By",
        index="btree_not_null",
        tracking=True,
        help="The customer who referred this customer to us.",
    )
    # Facts shown on the form (not stored: read in one batch from the engine).
    crm_open_deal_count = fields.Integer(
        string="Open Deals", compute="_compute_crm_rank_facts"
    )
    crm_won_deal_count = fields.Integer(
        string="Won Deals", compute="_compute_crm_rank_facts"
    )
    crm_last_completion_date = fields.Date(
        string="Last Completion", compute="_compute_crm_rank_facts"
    )
    crm_last_contact_date = fields.Date(
        string="Last Contact", compute="_compute_crm_rank_facts"
    )
    crm_referral_count = fields.Integer(
        string="Referrals", compute="_compute_crm_rank_facts"
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("commercial_partner_id")
    def _compute_crm_rank_facts(self):
        commercial_ids = [pid for pid in self.commercial_partner_id.ids if pid]
        today = fields.Date.context_today(self)
        facts = (
            rank_facts.gather(self.env, commercial_ids, today, self._crm_rank_thresholds())
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

    @api.model_create_multi
    def create(self, vals_list):
        self._crm_rank_check_engine_write(vals_list)
        partners = super().create(vals_list)
        if any(vals.get("referrer_partner_id") for vals in vals_list):
            partners.referrer_partner_id._crm_rank_refresh("referral")
        return partners

    def write(self, vals):
        self._crm_rank_check_engine_write([vals])
        trigger = not RANK_TRIGGER_FIELDS.isdisjoint(vals)
        before = self._crm_rank_affected() if trigger else self.browse()
        res = super().write(vals)
        if trigger:
            cause = "referral" if "referrer_partner_id" in vals else "manual"
            (before | self._crm_rank_affected())._crm_rank_refresh(cause)
        return res

    def _crm_rank_check_engine_write(self, vals_list):
        if self.env.context.get("crm_rank_engine"):
            return
        if any(not ENGINE_FIELDS.isdisjoint(vals) for vals in vals_list):
            raise UserError(
                self.env._(
                    "The customer rank is computed from the customer's deals, "
                    "constructions, referrals and contacts and cannot be set by hand. "
                    "To stop all contact with a customer, mark them defected."
                )
            )

    def _crm_rank_affected(self):
        """Commercial partners whose rank may depend on these partners."""
        return self.commercial_partner_id | self.referrer_partner_id.commercial_partner_id

    # ------------------------------------------------------------
    # RANK ENGINE
    # ------------------------------------------------------------

    @api.model
    def _crm_rank_thresholds(self):
        """Return ``(company_id, deal_facts) -> (dormancy_days, referral_threshold)``."""
        companies_sudo = self.env["res.company"].sudo().search([])  # settings of all
        settings = {
            company.id: (company.crm_rank_dormancy_days, company.crm_rank_referral_threshold)
            for company in companies_sudo
        }
        default = settings.get(self.env.company.id, (365, 1))

        def thresholds(company_id, _deal):
            return settings.get(company_id, default)

        return thresholds

    def _crm_rank_refresh(self, cause="deal"):
        """Recompute the rank of the commercial customers of ``self`` now."""
        commercial_ids = sorted({pid for pid in self.commercial_partner_id.ids if pid})
        if commercial_ids:
            self._crm_rank_update_ids(commercial_ids, cause)

    @api.model
    def _crm_rank_update_ids(self, commercial_ids, cause):
        """Decide the rank of the given commercial partners and write what changed.

        Contact persons take their company's rank. Returns the number of
        customers whose rank changed.
        """
        today = fields.Date.context_today(self)
        facts = rank_facts.gather(self.env, commercial_ids, today, self._crm_rank_thresholds())
        family = self.env.execute_query(
            SQL(
                """
                SELECT id, commercial_partner_id, crm_rank, crm_rank_reason
                  FROM res_partner
                 WHERE %s
                """,
                rank_facts.in_batch(SQL("commercial_partner_id"), commercial_ids),
            )
        )
        decided = {
            pid: rules.decide_rank(facts[pid], today)
            for pid, commercial_id, _rank, _reason in family
            if pid == commercial_id and pid in facts
        }
        changes = {}  # partner id: ((old rank, old reason), (rank, reason))
        for pid, commercial_id, rank, reason in family:
            new = decided.get(commercial_id)
            old = (rank or False, reason or False)
            if new is not None and new != old:
                changes[pid] = (old, new)
        if not changes:
            return 0
        self._crm_rank_apply(changes, cause, today)
        return sum(
            1 for pid, (old, new) in changes.items() if pid in decided and old[0] != new[0]
        )

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
    def _crm_rank_update_all(self, cause="scheduled", batch_size=CRON_BATCH_SIZE):
        """Bring every rank up to date, batch by batch.

        Inside a scheduled action each batch is committed with
        ``ir.cron._commit_progress`` and the position is kept, so a run that is
        stopped resumes where it stopped; elsewhere (install, tests, shell) it
        runs in the caller's transaction. A failing batch is retried one
        customer at a time so one bad record doesn't stop the others.
        """
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        if not self._crm_rank_lock(True):
            _logger.info("Customer rank update already running elsewhere: skipped")
            return 0
        try:
            return self._crm_rank_update_all_locked(cause, batch_size, in_cron)
        finally:
            self._crm_rank_lock(False)

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
        """Daily: ranks move with time (contracted to dormant)."""
        return self._crm_rank_update_all(cause="scheduled")

    @api.model
    def _crm_rank_apply_bulk(self, changes, cause, today):
        """Write a large change set set-based: one UPDATE of the partners, one
        INSERT of their history, one UPDATE of their leads' ranks.

        Used at install and when many customers change at once (a first run
        after an import, a long pause of the scheduled action), where writing
        customer by customer with chatter tracking would take minutes. The
        rank history keeps every change; the chatter gets no tracking line.
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
