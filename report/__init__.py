from . import crm_rank_report_summary
from . import crm_rank_report
from . import crm_rank_snapshot
from . import crm_rank_snapshot_month
from . import crm_rank_reactivation_report
from . import crm_rank_movement_report
from . import crm_rank_duration_report
