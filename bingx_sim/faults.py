"""Faults: the exchange's bad days, on demand (public path of :mod:`bingx_sim.lab.faults`).

The specs live in the lab layer with the incidents and stubs built from them; this
module keeps ``from bingx_sim.faults import Drop`` working for users.
"""

from bingx_sim.lab.faults import *  # noqa: F403
from bingx_sim.lab.faults import __all__ as __all__
