from . import test_rank_rules
from . import test_rank_engine
from . import test_rank_cron
from . import test_rank_bulk
