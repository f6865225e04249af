from . import crm_rank_defection_wizard
from . import crm_rank_reinstatement_wizard
