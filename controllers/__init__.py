from . import auth_signup
from . import thread
