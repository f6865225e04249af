"""The rank engine: when and how ranks are decided and written.

``res.partner`` holds the rank fields and marks what to recompute
(``_crm_rank_refresh``); this service model owns the rest: the pending marks,
the full update's lock, batches and resume (the batches read every customer's
facts gathered once, ``lib.facts.take_snapshot``), the customer-by-customer (ORM) and
the set-based (SQL) write paths side by side, the deals' ranks that follow, the
history, and the hook of what a rank change causes (``_on_rank_changes``). The
facts come from ``lib/facts.py`` (with the defections ``crm.rank.defection``
stores), the decision from ``lib/rules.py`` through ``_rank_rules``, which
another addon may extend.

The engine names no feature: reactivation, after-care, the closing of defection
reviews and of stale activities each extend ``_on_rank_changes`` in their own
file, as another addon would, and each daily job is a scheduled action of its own.

The engine runs inside the ORM's compute of the rank (``res.partner._compute_crm_rank``),
so it only stores ranks there; what a rank change causes (the history row, the
activities and closing reviews of the subscribers, the chatter line of a
defection) is queued and done by ``_flush_changes`` just before the transaction
commits, as ``mail.thread`` does with its tracking: reading or searching a rank
never creates anything.
"""

import logging
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..lib import facts as rank_facts
from ..lib import rules

_logger = logging.getLogger(__name__)

# Fields only the rank engine writes (see _apply).
ENGINE_FIELDS = frozenset({"crm_rank", "crm_rank_reason", "crm_rank_date"})
CRON_LOCK_KEY = 7205461901  # pg advisory lock: one rank update at a time
CRON_BATCH_SIZE = 100_000
CRON_BATCH_SIZE_PARAM = "crm_customer_rank.cron_batch_size"
CRON_RESUME_PARAM = "crm_customer_rank.cron_resume"
# From this many changes at once, ranks are written set-based (no chatter line).
BULK_MIN_CHANGES = 500
# cr.precommit.data key: {partner id: cause} of the refreshes not applied yet
PENDING_KEY = "crm_customer_rank.pending"
# cr.precommit.data key: {customer id: (first old, last new, cause)} of the rank
# changes whose history and subscribers run before commit (_flush_changes)
CHANGES_KEY = "crm_customer_rank.changes"
# cr.precommit.data key: (day, {customer id: row of lib.facts.customer_rows}) of
# the customers whose rank a batch of the full update changed (_gathered_rows)
GATHERED_KEY = "crm_customer_rank.gathered"


class CrmRankEngine(models.AbstractModel):
    """Decide and write customer ranks, set-based (no table of its own)."""

    _name = "crm.rank.engine"
    _description = "Customer Rank Engine"

    # ------------------------------------------------------------
    # SETTINGS
    # ------------------------------------------------------------

    @api.model
    def _thresholds(self):
        """Return ``(company_id, deal_facts) -> (dormancy_days, referral_threshold)``.

        Whoever gathers facts with the engine's settings asks it once per run (the
        update, the customer form's facts, after-care's customers at risk); another
        addon may extend it. The dormancy period is the company's, unless the customer's last completed
        work has kinds of work (CRM tags) with a period of their own. The callable
        decides from the company and ``deal["last_deal_tag_ids"]`` only: the
        facts ask it once per company and kinds of work, not per customer.
        """
        # cached until a company's or a kind of work's setting changes
        settings, tag_days = self.env["res.company"]._crm_rank_threshold_settings()
        default = settings.get(self.env.company.id, (rules.DEFAULT_DORMANCY_DAYS, rules.DEFAULT_REFERRAL_THRESHOLD))

        def thresholds(company_id, deal):
            dormancy_days, referral_threshold = settings.get(company_id, default)
            periods = [tag_days[tag_id] for tag_id in deal.get("last_deal_tag_ids") or () if tag_id in tag_days]
            if periods:  # the last completed work's kinds of work: the shortest period
                dormancy_days = min(periods)
            return dormancy_days, referral_threshold

        return thresholds

    @api.model
    def _check_write(self, vals_list):
        """Refuse a rank written by anyone but the engine.

        The context key alone could come from a client: the engine also runs as superuser.
        """
        if self._is_engine_write():
            return
        if any(not ENGINE_FIELDS.isdisjoint(vals) for vals in vals_list):
            raise UserError(
                self.env._(
                    "The customer rank is computed from the customer's deals, "
                    "constructions, referrals and contacts and cannot be set by hand. "
                    "To stop all contact with a customer, mark them defected."
                )
            )

    @api.model
    def _is_engine_write(self):
        """Whether the current write is the engine's own (superuser and the engine's context key)."""
        return bool(self.env.su and self.env.context.get("crm_rank_engine"))

    @api.model
    def _form_facts(self, partners):
        """``{partner id: field values}``: the facts the rank is decided from, for the customer form.

        From the deals of the reader's companies, in one batch.
        """
        commercial_ids = [pid for pid in partners.commercial_partner_id.ids if pid]
        today = fields.Date.context_today(self)
        facts = (
            rank_facts.gather(self.env, commercial_ids, today, self._thresholds(), self.env.companies.ids)
            if commercial_ids
            else {}
        )
        values = {}
        for partner in partners:
            fact = facts.get(partner.commercial_partner_id.id) or rules.CustomerFacts()
            values[partner.id] = {
                "crm_open_deal_count": fact.open_leads + fact.open_opportunities,
                "crm_won_deal_count": fact.won_count,
                "crm_last_completion_date": fact.last_completion,
                "crm_last_contact_date": fact.last_contact,
                "crm_referral_count": fact.referral_count,
            }
        return values

    # ------------------------------------------------------------
    # PENDING MARKS (a customer's change, applied at the latest at flush)
    # ------------------------------------------------------------

    @api.model
    def _mark(self, partners, cause):
        """Mark the rank of ``partners`` and of their customers to recompute.

        No query here: a deal written fifty times in one transaction costs one
        engine run. The ORM computes the marked ranks (``_run_pending``) as soon
        as one of them is read or searched, and at the latest when the
        transaction is flushed before its commit.
        """
        partners = (partners | partners.commercial_partner_id).filtered("id")
        if not partners:
            return
        pending = self.env.cr.precommit.data.setdefault(PENDING_KEY, {})
        pending.update(dict.fromkeys(partners.ids, cause))
        for fname in ENGINE_FIELDS:
            self.env.add_to_compute(partners._fields[fname], partners)

    @api.model
    def _run_pending(self, partners):
        """Run the engine for the marked partners among ``partners``.

        Partners nobody marked (new ones, the whole table when the columns are
        created) keep their stored rank: the engine decides ranks, the ORM's
        compute of the rank only chooses the moment.
        """
        pending = self.env.cr.precommit.data.get(PENDING_KEY)
        if not pending:
            return
        by_cause = defaultdict(set)
        for partner in partners:
            cause = pending.pop(partner.id, None)
            if cause and partner.commercial_partner_id:
                by_cause[cause].add(partner.commercial_partner_id.id)
        for cause, commercial_ids in by_cause.items():
            self._update_ids(sorted(commercial_ids), cause)

    # ------------------------------------------------------------
    # DECIDE AND WRITE
    # ------------------------------------------------------------

    @api.model
    def _rank_rules(self):
        """The rank rules, in the order they are decided (the first that applies wins).

        Each rule is a function ``(facts, today) -> (rank, reason) or None``
        over ``lib.rules.CustomerFacts``, asked once per batch. Override it in another addon to add a rule or
        change the order (call ``super()``, then insert into the list); the
        README's section "Extending" shows how.
        """
        return list(rules.RULES)

    @api.model
    def _decide_ranks(self, facts, today):
        """``{partner id: (rank, reason)}`` for ``{partner id: CustomerFacts}`` on ``today``:
        every rank the engine writes is decided here."""
        rank_rules = self._rank_rules()
        return {pid: rules.decide_rank(fact, today, rank_rules) for pid, fact in facts.items()}

    @api.model
    def _update_ids(self, commercial_ids, cause, keep_rows=False, snapshot=None):
        """Decide the rank of the given commercial partners and write what changed.

        Contact persons take their company's rank. Returns the number of
        customers whose rank changed.

        :param keep_rows: keep the facts' rows of the customers whose rank
            changed for what the changes cause (``_gathered_rows``): the full
            update's batches, whose changes are flushed right after
        :param snapshot: the full update's facts (``lib.facts.take_snapshot``),
            read instead of gathered; taken in an earlier transaction, they are
            gathered again for the customers whose rank they would change
        """
        today = fields.Date.context_today(self)
        rows = {} if keep_rows else None
        thresholds = self._thresholds()
        facts = rank_facts.gather(self.env, commercial_ids, today, thresholds, rows=rows, snapshot=snapshot)
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
        if snapshot is not None and snapshot.is_stale(self.env):
            # Deals and customers may have changed since the snapshot (a salesperson's
            # change is ranked at once, in their own transaction): a rank the
            # snapshot would change, or a defection it would store, is decided
            # from the facts as they are now.
            suspects = {pid for pid, fact in facts.items() if fact.defected_lost and not fact.is_defected}
            suspects.update(self._rank_changes(family, facts, today))
            commercial_of = {pid: commercial_id for pid, commercial_id, *_rest in family}
            suspects = sorted({commercial_of.get(pid, pid) for pid in suspects})
            if suspects:
                facts.update(rank_facts.gather(self.env, suspects, today, thresholds, rows=rows))
        facts = self.env["crm.rank.defection"]._store_lost_defections(facts)
        changes = self._rank_changes(family, facts, today)
        if not changes:
            return 0
        if keep_rows:
            _day, gathered = self.env.cr.precommit.data.setdefault(GATHERED_KEY, (today, {}))
            for pid in changes:
                if pid in rows:
                    row = dict(zip(rank_facts.CUSTOMER_COLUMNS, rows[pid], strict=True))
                    row["is_defected"] = facts[pid].is_defected  # as _store_lost_defections left it
                    gathered[pid] = row
        customer_ids = {pid for pid, commercial_id, *_rest in family if pid == commercial_id and pid in facts}
        self._apply(changes, cause, today, customer_ids)
        return sum(1 for pid, (old, new) in changes.items() if pid in customer_ids and old[0] != new[0])

    @api.model
    def _rank_changes(self, family, facts, today):
        """``{partner id: ((old rank, old reason), (rank, reason))}``: the ranks ``facts`` change.

        :param family: rows ``(id, commercial partner id, rank, reason, defected)``
            of the customers and their contact persons
        :param facts: ``{commercial partner id: CustomerFacts}``
        """
        decided = self._decide_ranks(
            {
                pid: facts[pid]
                for pid, commercial_id, _rank, _reason, _defected in family
                if pid == commercial_id and pid in facts
            },
            today,
        )
        changes = {}
        for pid, commercial_id, rank, reason, defected in family:
            new = decided.get(commercial_id)
            if defected and new is not None and pid != commercial_id:
                # a contact person with a defection of their own (crm.rank.defection._keep_defection)
                new = ("defected", "defected_manual")
            old = (rank or False, reason or False)
            if new is not None and new != old:
                changes[pid] = (old, new)
        return changes

    @api.model
    def _apply(self, changes, cause, today, commercial_ids):
        """Write ranks grouped by value, and the history of the customers.

        :param changes: ``{partner id: ((old rank, old reason), (rank, reason))}``
            for commercial partners and their contacts alike; only commercial
            partners get a history row and a chatter message.
        :param commercial_ids: the commercial partners (the customers) among
            them, as ``_update_ids`` read them once for the run

        From ``BULK_MIN_CHANGES`` changes on (and at install) they are written
        set-based (``_apply_bulk``).
        """
        if cause == "install" or len(changes) >= BULK_MIN_CHANGES:
            return self._apply_bulk(changes, cause, today, commercial_ids)
        engine_sudo = self.env["res.partner"].sudo().with_context(crm_rank_engine=True)  # only the engine writes
        # one prefetch for all groups: the first write's tracking reads every partner at once
        prefetch_ids = tuple(changes)
        groups = defaultdict(list)
        for pid, (old, new) in changes.items():
            groups[(new, old[0] != new[0], pid in commercial_ids)].append(pid)
        for ((rank, reason), rank_changed, is_commercial), pids in groups.items():
            vals = {"crm_rank": rank, "crm_rank_reason": reason}
            if rank_changed:
                vals["crm_rank_date"] = today if rank else False
            target = engine_sudo.browse(pids).with_prefetch(prefetch_ids)
            if not is_commercial:
                target = target.with_context(tracking_disable=True)
            target.write(vals)
        self._queue_changes(changes, cause, commercial_ids)

    # ------------------------------------------------------------
    # WHAT A RANK CHANGE CAUSES (before commit)
    # ------------------------------------------------------------

    @api.model
    def _queue_changes(self, changes, cause, commercial_ids):
        """Queue the customers' changes for ``_flush_changes``, before commit.

        Once the ranks are written. A customer changed twice in one transaction keeps its first old and last
        new value (as the chatter's tracking does); a change undone in the same
        transaction leaves nothing.
        """
        data = self.env.cr.precommit.data
        if CHANGES_KEY not in data:
            data[CHANGES_KEY] = {}
            self.env.cr.precommit.add(self._flush_changes)
        queued = data[CHANGES_KEY]
        for pid, (old, new) in changes.items():
            if pid in commercial_ids:
                first = queued.get(pid)
                queued[pid] = (first[0] if first else old, new, cause)

    @api.model
    def _flush_changes(self):
        """History rows of the customers whose rank changed, then what the changes cause.

        Run by the cursor before the transaction commits (``cr.precommit``;
        the scheduled action commits after each batch, tests call
        ``cr.flush()``), once for all the changes ``_queue_changes`` queued.
        From ``BULK_MIN_CHANGES`` history rows on, they are inserted
        set-based (``crm.rank.history._create_set_based``).
        """
        queued = self.env.cr.precommit.data.pop(CHANGES_KEY, {})
        # a customer whose rank changed and who was then deleted in the same request has no history
        existing = set(self.env["res.partner"].browse(queued).exists().ids) if queued else set()
        by_cause = defaultdict(dict)
        for pid, (old, new, cause) in queued.items():
            if old != new and pid in existing:
                by_cause[cause][pid] = (old, new)
        history = self.env["crm.rank.history"].sudo()
        for cause, changes in by_cause.items():
            rows = [(pid, old[0], new[0], new[1]) for pid, (old, new) in changes.items() if old[0] != new[0]]
            if cause == "install" or len(rows) >= BULK_MIN_CHANGES:
                history._create_set_based(rows, cause)
            else:
                history.create(
                    [
                        {"partner_id": pid, "old_rank": old, "new_rank": new, "reason": reason, "cause": cause}
                        for pid, old, new, reason in rows
                    ]
                )
            self._on_rank_changes(changes, cause)
        # what the subscribers changed is computed now, while the cursor's pending marks exist
        self.env.flush_all()

    # ------------------------------------------------------------
    # FULL UPDATE (install, scheduled action): lock, batches, resume
    # ------------------------------------------------------------

    @api.model
    def _candidate_ids(self, after_id=0):
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
    def _update_all(self, cause="scheduled", batch_size=None):
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
        batch_size = batch_size or self._batch_size()
        if not self._lock(True):
            _logger.info("Customer rank update already running elsewhere: skipped")
            return 0
        try:
            return self._update_all_locked(cause, batch_size, in_cron)
        finally:
            self._lock(False)

    @api.model
    def _batch_size(self):
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
    def _update_all_locked(self, cause, batch_size, in_cron):
        """The batches of ``_update_all``, the lock held; resumes today's stopped cron run."""
        today = fields.Date.context_today(self)
        params = self.env["ir.config_parameter"].sudo()
        after_id = 0
        if in_cron:
            day, _sep, last_id = (params.get_param(CRON_RESUME_PARAM) or "").partition(":")
            if day == str(today) and last_id.isdigit():
                after_id = int(last_id)
        ids = self._candidate_ids(after_id)
        # More than one batch: every customer's facts gathered in one pass, which
        # the batches read (each gathering its own would read every deal and
        # message again); a single batch gathers its own.
        snapshot = rank_facts.take_snapshot(self.env, ids, today) if len(ids) > batch_size else None
        changed = 0
        stopped = False
        for start in range(0, len(ids), batch_size):
            batch = ids[start : start + batch_size]
            changed += self._update_batch(batch, cause, snapshot=snapshot)
            if in_cron:
                params.set_param(CRON_RESUME_PARAM, f"{today}:{batch[-1]}")
                remaining = len(ids) - start - len(batch)
                if not self.env["ir.cron"]._commit_progress(len(batch), remaining=remaining):
                    stopped = True
                    break
        if snapshot is not None:
            rank_facts.drop_snapshot(self.env)
        if in_cron and not stopped:
            params.set_param(CRON_RESUME_PARAM, f"{today}:done")
        return changed

    @api.model
    def _update_batch(self, batch, cause, snapshot=None):
        """One batch of ``_update_all`` in a savepoint, retried customer by customer on failure.

        The savepoint runs the queued consequences of the changes (``_flush_changes``)
        when it is released, and drops them with the changes when it is rolled back.
        """
        try:
            with self.env.cr.savepoint():
                return self._update_ids(batch, cause, keep_rows=True, snapshot=snapshot)
        except Exception:  # noqa: BLE001 - isolate the bad customer below
            self.env.invalidate_all()
            _logger.warning("Customer rank batch failed, retrying one by one", exc_info=True)
        finally:
            # read by the hooks when the savepoint flushed the changes, or dropped with them
            self.env.cr.precommit.data.pop(GATHERED_KEY, None)
        changed = 0
        for pid in batch:
            try:
                with self.env.cr.savepoint():
                    changed += self._update_ids([pid], cause)
            except Exception:  # noqa: BLE001 - log the customer and go on
                self.env.invalidate_all()
                _logger.exception("Customer rank update failed for res.partner(%s)", pid)
        return changed

    @api.model
    def _lock(self, acquire):
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
    def _cron_update_ranks(self):
        """The scheduled action *CRM: Update Customer Ranks*, on the company's day
        (``res.company._crm_day_tz``): ranks move with time (contracted to dormant).
        Each other daily job is a scheduled action of its own."""
        return self.with_context(tz=self.env.company._crm_day_tz())._update_all(cause="scheduled")

    @api.model
    def _apply_bulk(self, changes, cause, today, commercial_ids):
        """Write a large change set set-based: one UPDATE of the partners, one
        UPDATE of their leads' ranks; the history is inserted set-based too
        (``_flush_changes``).

        Used at install and when many customers change at once (a first run
        after an import, a long pause of the scheduled action), where writing
        customer by customer with chatter tracking would take minutes. The
        rank history keeps every change; the chatter gets no tracking line.
        What the changes cause (``_on_rank_changes``) follows as on the
        customer-by-customer path.
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
        self._sync_lead_ranks(ids)
        self._queue_changes(changes, cause, commercial_ids)

    @api.model
    def _sync_lead_ranks(self, partner_ids=None):
        """Set the rank of deals from their customer's rank with SQL (set-based
        writes, install): the same result as ``crm.lead._compute_crm_rank``.

        :param partner_ids: only the deals of these partners; every deal when ``None``
        """
        self.env.flush_all()
        rank = SQL("COALESCE(p.crm_rank, %s)", rank_facts.LEAD_OWN_RANK)
        only = SQL("l.partner_id = ANY(%s)", list(partner_ids)) if partner_ids is not None else SQL("TRUE")
        self.env.execute_query(
            SQL(
                """
                UPDATE crm_lead l SET crm_rank = %(rank)s
                  FROM res_partner p
                 WHERE p.id = l.partner_id AND %(only)s
                   AND l.crm_rank IS DISTINCT FROM %(rank)s
                """,
                rank=rank,
                only=only,
            )
        )
        if partner_ids is None:
            self.env.execute_query(
                SQL(
                    """
                    UPDATE crm_lead l SET crm_rank = %(own)s
                     WHERE l.partner_id IS NULL AND l.crm_rank IS DISTINCT FROM %(own)s
                    """,
                    own=rank_facts.LEAD_OWN_RANK,
                )
            )
        self.env["crm.lead"].invalidate_model(["crm_rank"])

    @api.model
    def _gathered_rows(self, partner_ids, today):
        """``{customer id: row}``: the facts' rows (``lib.facts.customer_rows``, a dict
        of ``CUSTOMER_COLUMNS``, every company's deals) the full update gathered on
        ``today`` for the customers among ``partner_ids`` whose rank its batch
        changed; the others are not there.

        For the hooks of ``_on_rank_changes``, so that they need not read again what
        the engine has just read: kept from the facts' query to the flush of the
        batch's changes, which comes right after it (nothing is written between).
        """
        day, gathered = self.env.cr.precommit.data.get(GATHERED_KEY, (None, {}))
        if day != today:  # facts of another day (another time zone) are not these
            return {}
        return {pid: gathered[pid] for pid in partner_ids if pid in gathered}

    @api.model
    def _on_rank_changes(self, changes, cause):
        """What rank changes cause: the hook every feature extends; nothing here.

        Called by ``_flush_changes`` before the transaction commits, once per
        cause, after the history rows are written: the ranks are stored and
        final. Reactivation, after-care, the defection reviews and the stale
        activities each extend it in their own file, and another addon does the
        same: call ``super()``, act on ``changes``, return what ``super()``
        returned. Never decide or write a rank here.

        :param changes: ``{commercial partner id: ((old rank, old reason), (rank, reason))}``
            (``lib.rules.entering`` picks the customers entering a rank)
        :param cause: what caused the update (``crm.rank.history`` causes)
        """
