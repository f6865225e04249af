from odoo import api, fields, models
from odoo.fields import Domain

from .crm_rank_defection import DEFECTED_DOMAIN


class MailingMailing(models.Model):
    _inherit = "mailing.mailing"

    crm_defected_excluded_count = fields.Integer(
        string="Excluded (defected)",
        compute="_compute_crm_defected_excluded_count",
        help="Recipients matched by this mailing's filter or lists who are defected "
        "customers (or their contacts): they receive nothing.",
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("mailing_model_id", "mailing_domain", "contact_list_ids", "ab_testing_enabled", "ab_testing_pc")
    def _compute_total(self):
        """Odoo's recipient count, recounted as the filter or the lists change on a
        form not saved yet (its compute declares no dependency: the form said 0)."""
        return super()._compute_total()

    @api.depends("mailing_model_id", "mailing_domain", "contact_list_ids")
    def _compute_crm_defected_excluded_count(self):
        for mailing in self:
            mailing.crm_defected_excluded_count = len(mailing._crm_rank_defected_excluded_ids())

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_view_crm_defected_excluded(self):
        """The recipients this mailing leaves out because they are defected."""
        self.ensure_one()
        ids = sorted(self._crm_rank_defected_excluded_ids())
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Excluded (defected)"),
            "res_model": self.mailing_model_real,
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", ids)],
            "context": {"create": False},
        }

    # ------------------------------------------------------------
    # RECIPIENTS
    # ------------------------------------------------------------

    def _get_recipients_domain(self):
        """Defected customers never receive a mailing, whatever its filter or lists.

        This domain feeds the recipient count, e-mail and SMS sending, the queue
        and A/B tests; explicit recipients (``action_send_mail(res_ids)``) are
        stopped at the exit instead (``mail.mail._send``, ``sms.sms._send``).
        """
        domain = super()._get_recipients_domain()
        defected = self._crm_rank_defected_domain(self.mailing_model_real)
        return domain if defected.is_false() else domain & ~defected

    def _crm_rank_defected_excluded_ids(self):
        """Ids of the records this mailing leaves out as defected.

        Those its filter or lists match now, plus those whose message the send
        gate cancelled (a mail queued before the customer defected), each once.
        """
        self.ensure_one()
        if not self.mailing_model_real:
            return set()
        domain = self._crm_rank_defected_recipients_domain()
        ids = set() if domain.is_false() else set(self.env[self.mailing_model_real].search(domain).ids)
        if mailing_id := self._origin.id:
            # sudo: traces are technical records; the count is the mailing's own figure
            traces_sudo = self.env["mailing.trace"].sudo().search_fetch(
                [
                    ("mass_mailing_id", "=", mailing_id),
                    ("model", "=", self.mailing_model_real),
                    ("failure_type", "=", "crm_defected"),
                ],
                ["res_id"],
            )
            ids.update(res_id for res_id in traces_sudo.mapped("res_id") if res_id)
        return ids

    def _crm_rank_defected_recipients_domain(self):
        """Records this mailing's own filter or lists match and leaves out as defected."""
        self.ensure_one()
        defected = self._crm_rank_defected_domain(self.mailing_model_real)
        if defected.is_false():
            return defected
        return Domain(self._parse_mailing_domain()) & defected

    @api.model
    def _crm_rank_defected_domain(self, model_name):
        """Domain of the ``model_name`` records that reach a defected customer.

        By the stored rank (contacts of a defected company carry the company's
        rank; a deal carries its customer's), and by address: a record whose
        normalised e-mail or sanitized number is on the suppression list (a
        duplicate, a mailing-list contact, the address of a deleted customer).
        Partners are matched archived or not and whatever the sender may read
        (``any!``), so a rule never lets a defected customer through.
        """
        model = self.env[model_name]
        suppression = self.env["crm.rank.suppression"]
        suppression._flush_pending()
        listed = suppression._domain(model, ["email_normalized", "phone_sanitized"])
        if model_name in ("res.partner", "crm.lead"):
            # a deal's stored rank is its customer's (partner_id, the lead's only
            # partner field): no join, so the exclusion costs next to nothing
            return DEFECTED_DOMAIN | listed
        if not hasattr(model, "_mail_get_partner_fields"):
            return listed
        partner_fields = [
            fname
            for fname in model._mail_get_partner_fields()
            if (field := model._fields.get(fname))
            and field.store
            and field.type == "many2one"
            and field.comodel_name == "res.partner"
        ]
        return Domain.OR(
            [listed, *(Domain(fname, "any!", DEFECTED_DOMAIN) for fname in partner_fields)]
        )
