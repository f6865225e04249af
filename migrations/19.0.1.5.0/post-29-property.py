"""19.0.1.5.0: the existing deals name their house (``crm.property``).

Each deal with a customer and a street gets the customer's property at that
address, created once per customer and address (``crm.property._crm_assign_all``,
set-based, in chunks); the owner history of each property starts on an unknown
day (empty). Deals without a street stay without a property, until one is given.
"""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {"active_test": False})
    count = env["crm.property"]._crm_assign_all()
    _logger.info("crm_customer_rank: %s deals given their property", count)
