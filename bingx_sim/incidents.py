"""The incident catalogue (public path of :mod:`bingx_sim.lab.incidents`)."""

from bingx_sim.lab.incidents import *  # noqa: F403
from bingx_sim.lab.incidents import __all__ as __all__
