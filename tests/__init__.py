from . import test_rank_rules
from . import test_rank_engine
from . import test_rank_cron
from . import test_reports
from . import test_tours
from . import test_multi_company
from . import test_bad_input
