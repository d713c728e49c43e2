"""The shipped contract suite, collected here so ``pytest tests/contract`` runs it.

Targets: ``--bingx-target=sim`` (default), ``vst``, ``live``.
"""

from bingx_sim.contract.test_events import *  # noqa: F403
from bingx_sim.contract.test_listen_keys import *  # noqa: F403
from bingx_sim.contract.test_streams import *  # noqa: F403
