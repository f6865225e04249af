from collections import defaultdict

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.tools import format_amount, format_date

from ..lib import facts as rank_facts
from ..lib import outreach, rules
from ..lib.orm import cached_ref
from .crm_rank_defection import DEFECTED_DOMAIN

# Activity type of each channel (data/mail_activity_type_data.xml).
CHANNEL_ACTIVITY_TYPES = {
    "phone": "crm_customer_rank.mail_activity_type_reactivation_call",
    "email": "crm_customer_rank.mail_activity_type_reactivation_email",
    "direct_mail": "crm_customer_rank.mail_activity_type_direct_mail",
    "fax": "crm_customer_rank.mail_activity_type_fax",
    "line": "crm_customer_rank.mail_activity_type_reactivation_line",
    "sms": "crm_customer_rank.mail_activity_type_reactivation_sms",
    "visit": "crm_customer_rank.mail_activity_type_reactivation_visit",
}


# Activities created at once by the scheduled action (see _schedule_in_chunks).
SCHEDULE_CHUNK = 2000


class CrmRankReactivation(models.AbstractModel):
    """Hand each newly dormant customer to the right person, with the facts.

    It hangs on the rank engine (``CrmRankEngine._on_rank_changes`` below): it
    reacts to rank changes and never decides ranks. Everything is set-based:
    a few queries for the facts, one for the open activities, one ``create``
    for all the activities of a batch.
    """

    _name = "crm.rank.reactivation"
    _description = "Dormant Customer Reactivation"

    @api.model
    def _partner_facts(self, partners):
        """``{partner id: field values}``: the facts to judge why each customer went quiet.

        Read in one batch for the customers of ``partners``, from the deals of the
        reader's companies.
        """
        commercial_ids = [pid for pid in partners.commercial_partner_id.ids if pid]
        today = fields.Date.context_today(self)
        facts = (
            rank_facts.reactivation_facts(self.env, commercial_ids, today, self.env.companies.ids)
            if commercial_ids
            else {}
        )
        values = {}
        for partner in partners:
            fact = facts.get(partner.commercial_partner_id.id) or {}
            values[partner.id] = {
                "crm_days_since_contact": fact.get("days_since_contact") or 0,
                "crm_last_contract_date": fact.get("last_contract"),
                "crm_days_since_contract": fact.get("days_since_contract") or 0,
                "crm_won_amount": fact.get("won_amount") or 0.0,
                "crm_currency_id": self.env.company.currency_id,
                "crm_first_source_id": fact.get("first_source_id"),
                "crm_first_medium_id": fact.get("first_medium_id"),
                "crm_last_work_tag_ids": [Command.set(fact.get("last_deal_tag_ids") or [])],
            }
        return values

    @api.model
    def _schedule_in_chunks(self, partner_ids):
        """``_schedule``; in a scheduled action, a catch-up (years of data at once)
        creates its activities in chunks, the cache emptied between them, to bound memory."""
        if not self.env.context.get("ir_cron_progress_id"):
            if partner_ids:
                self._schedule(partner_ids)
            return
        for start in range(0, len(partner_ids), SCHEDULE_CHUNK):
            self._schedule(partner_ids[start : start + SCHEDULE_CHUNK])
            self.env.flush_all()
            self.env.invalidate_all()

    @api.model
    def _activity_types(self):
        """``{channel: mail.activity.type}`` for the channels whose type exists."""
        types = {}
        for channel, xmlid in CHANNEL_ACTIVITY_TYPES.items():
            activity_type = cached_ref(self.env, xmlid)
            if activity_type:
                types[channel] = activity_type
        return types

    @api.model
    def _open_activity_partner_ids(self, partner_ids):
        """Customers among ``partner_ids`` with an open reactivation activity (one query)."""
        types = self._activity_types()
        # every open reactivation counts, whoever it is assigned to
        activities_sudo = self.env["mail.activity"].sudo()
        groups = activities_sudo._read_group(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "in", list(partner_ids)),
                ("activity_type_id", "in", [t.id for t in types.values()]),
            ],
            ["res_id"],
        )
        return {res_id for (res_id,) in groups}

    @api.model
    def _schedule(self, partner_ids, channel=None, date_deadline=None):
        """Schedule one reactivation activity per commercial customer.

        Defected customers and customers who already have an open reactivation
        activity are left out.

        :param channel: force a channel (the campaign's call list); by default
            the customer's preference, or the best channel their data allows.
        :param date_deadline: force the deadline; by default today, moved to the
            next outreach month of their kind of work.
        :return: the created activities (``mail.activity``, sudo).
        """
        today = fields.Date.context_today(self)
        # what the full update has just read about them is not read again
        gathered = self.env["crm.rank.engine"]._gathered_rows(partner_ids, today)
        facts = rank_facts.reactivation_facts(self.env, partner_ids, today, customers=gathered)
        # who is defected is read whoever triggered the change
        defected_sudo = self.env["res.partner"].sudo().browse(partner_ids).filtered_domain(DEFECTED_DOMAIN)
        skipped = self._open_activity_partner_ids(partner_ids) | set(defected_sudo.ids)
        todo = [pid for pid in partner_ids if pid not in skipped]
        activity_types = self._activity_types()
        if not todo or "phone" not in activity_types:
            return self.env["mail.activity"].sudo()
        contacts = rank_facts.contact_channel_facts(self.env, todo)
        assignees = self._assignees({pid: facts[pid] for pid in todo}, contacts)
        # settings and names are read whoever triggered the change
        tags_sudo = (
            self.env["crm.tag"].sudo().browse({tag_id for pid in todo for tag_id in facts[pid]["last_deal_tag_ids"]})
        )
        months_by_tag = {tag.id: tag._crm_rank_outreach_months() for tag in tags_sudo}
        model_id = self.env["ir.model"]._get_id("res.partner")
        # written in the language of the person who approaches the customer
        by_lang = self.env["mail.activity"]._crm_rank_group_by_reader({pid: assignees[pid] for pid in todo})
        vals_list = []
        for lang, pids in by_lang.items():
            lang_self = self.with_context(lang=lang)
            names = lang_self._facts_names([facts[pid] for pid in pids])
            for pid in pids:
                fact = facts[pid]
                contact = contacts.get(pid, {})
                chosen = channel or outreach.choose_channel(
                    contact.get("preference"),
                    phone=contact.get("phone"),
                    email=contact.get("email") and not contact.get("email_blacklisted"),
                    postal=contact.get("postal"),
                    fax=contact.get("fax"),
                )
                activity_type = activity_types.get(chosen) or activity_types["phone"]
                months = set()
                for tag_id in fact["last_deal_tag_ids"]:
                    months |= months_by_tag.get(tag_id, set())
                vals_list.append(
                    {
                        "res_model_id": model_id,
                        "res_id": pid,
                        "activity_type_id": activity_type.id,
                        "user_id": assignees[pid],
                        "date_deadline": date_deadline or outreach.outreach_day(today, months),
                        "summary": lang_self.env._("Reactivate this dormant customer"),
                        "note": lang_self._facts_html(lang_self._facts_lines(fact, names)),
                        "automated": True,
                    }
                )
        # the engine's side effect, whoever triggered the rank change; no e-mail per
        # activity: they appear in each salesperson's activities
        activities_sudo = self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True)
        # mail.activity computes the document name one record at a time: read them at once
        activities_sudo.env["res.partner"].browse(todo).mapped("display_name")
        return activities_sudo.create(vals_list)

    @api.model
    def _assignees(self, facts, contacts):
        """``{partner id: user id or False}``: who approaches each customer.

        Their responsible salesperson (``crm.rank.responsible._assign``): the
        customer's own salesperson, else the salesperson of their last completed
        work, else that deal's sales team leader, else nobody.
        """
        return self.env["crm.rank.responsible"]._assign(
            {
                pid: (contacts.get(pid, {}).get("user_id"), fact["last_deal_user_id"], fact["last_deal_team_id"])
                for pid, fact in facts.items()
            }
        )

    @api.model
    def _facts_names(self, facts):
        """Names of the records the facts refer to, read at once in ``self.env``'s language."""
        # names only, shown to whoever reads the customer or the activity
        env_sudo = self.sudo().with_context(active_test=False).env
        ids = defaultdict(set)
        for fact in facts:
            ids["utm.source"].add(fact["first_source_id"])
            ids["utm.medium"].add(fact["first_medium_id"])
            ids["crm.lost.reason"].add(fact["last_lost_reason_id"])
            ids["crm.tag"].update(fact["last_deal_tag_ids"])
        return {
            model: {record.id: record.name for record in env_sudo[model].browse(record_ids - {None, False})}
            for model, record_ids in ids.items()
        }

    @api.model
    def _facts_lines(self, fact, names):
        """``[(label, value)]``: the reactivation facts, readable, in ``self.env``'s language."""
        env = self.env

        def since(day):
            # the date only: a day count written in the note would go stale next to the
            # customer form's live "Days Since Last Contact" (one day count per screen)
            return format_date(env, day) if day else env._("never")

        acquisition = " / ".join(
            filter(
                None,
                (
                    names["utm.source"].get(fact["first_source_id"]),
                    names["utm.medium"].get(fact["first_medium_id"]),
                ),
            )
        )
        work = ", ".join(names["crm.tag"][tag_id] for tag_id in fact["last_deal_tag_ids"])
        return [
            (env._("Last contact"), since(fact["last_contact"])),
            (env._("Last contract"), since(fact["last_contract"])),
            (env._("Won deals"), str(fact["won_count"])),
            (env._("Won amount"), format_amount(env, fact["won_amount"] or 0.0, env.company.currency_id)),
            (env._("Last work"), work or "-"),
            (env._("Acquisition channel"), acquisition or "-"),
            (env._("Last lost reason"), names["crm.lost.reason"].get(fact["last_lost_reason_id"]) or "-"),
            (env._("Defected"), env._("Yes") if fact["is_defected"] else env._("No")),
        ]

    @api.model
    def _facts_html(self, lines):
        """The facts as an HTML note (labels are already translated)."""
        items = Markup("").join(Markup("<li><b>%s</b>: %s</li>") % (label, value) for label, value in lines)
        return Markup("<p>%s</p><ul>%s</ul>") % (self.env._("Why this customer went quiet:"), items)

# ------------------------------------------------------------
# THE ENGINE'S HOOK (as another addon would hang on it)
# ------------------------------------------------------------


class CrmRankEngine(models.AbstractModel):
    _inherit = "crm.rank.engine"

    @api.model
    def _on_rank_changes(self, changes, cause):
        """A customer who just became dormant gets a reactivation activity.

        Not at install: a database full of old customers would bury the sales
        team under activities; the reactivation campaign handles that backlog.
        """
        res = super()._on_rank_changes(changes, cause)
        if cause != "install":
            self.env["crm.rank.reactivation"]._schedule_in_chunks(rules.entering(changes, "dormant"))
        return res
