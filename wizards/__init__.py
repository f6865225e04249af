from . import crm_rank_defection_wizard
from . import crm_rank_reinstatement_wizard
from . import mail_compose_message
from . import sms_composer
from . import crm_rank_campaign
