from markupsafe import Markup

from odoo import models
from odoo.tools import SQL

from ..models.crm_rank_defection import DEFECTION_FIELDS
from ..models.res_partner import MERGE_CONTEXT_KEY


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    """Odoo's merge of duplicate contacts, for ranked customers.

    A merge keeps a defection (a defected duplicate makes the merged customer
    defected, whoever merges: the server carries it over, as when a person
    leaves a defected company), decides the merged customer's rank at once (the
    wizard moves deals with SQL, which marks nothing), and drops a referral
    between the merged records (a customer does not refer themselves).
    """

    _inherit = "base.partner.merge.automatic.wizard"

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        partners = self.env["res.partner"].browse(partner_ids).exists()
        # Odoo refuses contacts with different e-mail addresses (only an
        # administrator may merge them): a duplicate typed in without an address
        # is no different person, so blank addresses do not count as different.
        if extra_checks and len({partner.email for partner in partners if partner.email}) <= 1:
            extra_checks = False
        res = super()._merge(partner_ids, dst_partner=dst_partner, extra_checks=extra_checks)
        partners.exists()._crm_rank_refresh("manual")
        return res

    def _update_values(self, src_partners, dst_partner):
        partners = src_partners | dst_partner
        # the wizard's SQL already pointed the links to the merged records at the one kept
        self.env.execute_query(
            SQL(
                "UPDATE res_partner SET referrer_partner_id = NULL WHERE id IN %s AND referrer_partner_id IN %s",
                tuple(partners.ids),
                tuple(partners.ids),
            )
        )
        partners.invalidate_recordset(["referrer_partner_id"])
        res = super()._update_values(src_partners, dst_partner.with_context(**{MERGE_CONTEXT_KEY: True}))
        self._crm_keep_defection(src_partners, dst_partner)
        return res

    def _crm_keep_defection(self, src_partners, dst_partner):
        """The kept customer takes the defection of a defected duplicate (its own first)."""
        # the defection is carried over by the server, whoever merges (as when a person leaves a defected company)
        dst_sudo = dst_partner.sudo()
        if dst_sudo.is_defected:
            return
        defected_sudo = src_partners.sudo().filtered("is_defected")[:1]
        if not defected_sudo:
            return
        dst_sudo.write(
            {
                fname: defected_sudo._fields[fname].convert_to_write(defected_sudo[fname], defected_sudo)
                for fname in DEFECTION_FIELDS
            }
        )
        self.env["crm.rank.defection"]._log(
            dst_sudo,
            Markup("<p>%s</p>")
            % self.env._("Defection kept from the merged duplicate %(partner)s.", partner=defected_sudo.display_name),
        )
