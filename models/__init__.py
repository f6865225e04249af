from . import res_company
from . import res_config_settings
from . import crm_lost_reason
from . import crm_rank_history
from . import res_partner
from . import crm_lead
from . import crm_tag
from . import crm_rank_reactivation
