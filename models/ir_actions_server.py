from odoo import models

from .crm_rank_exit import automated


class IrActionsServer(models.Model):
    _inherit = "ir.actions.server"

    def run(self):
        """What a server action sends is born automated, whoever runs it and on how many records.

        Scheduled actions and automation rules run through here too; a
        composer of one record driven by an action's code is no person writing
        (see ``crm_rank_exit.born_as``).
        """
        with automated():
            return super().run()
