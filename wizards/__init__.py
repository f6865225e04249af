from . import crm_rank_campaign
