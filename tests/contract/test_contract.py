"""The shipped contract suite, collected here so ``pytest tests/contract`` runs it.

Targets: ``--bingx-target=sim`` (default), ``vst``, ``live``.
"""

from bingx_sim.contract.test_events import *  # noqa: F403
from bingx_sim.contract.test_listen_keys import *  # noqa: F403
from bingx_sim.contract.test_streams import *  # noqa: F403


def test_every_contract_test_says_where_it_is_valid() -> None:
    """Each shipped contract test is marked ``bingx_exchange`` (runs on the real exchange
    too) or ``bingx_sim_only`` (with a reason), so the suite never silently passes a
    behaviour nobody checked."""
    import inspect

    from bingx_sim.contract import test_events, test_listen_keys, test_streams

    unmarked = []
    count = 0
    for module in (test_events, test_listen_keys, test_streams):
        declared = getattr(module, "pytestmark", [])
        declared = declared if isinstance(declared, list) else [declared]
        module_marks = {m.name for m in declared}
        for name, func in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("test_"):
                continue
            count += 1
            marks = module_marks | {m.name for m in getattr(func, "pytestmark", [])}
            if not marks & {"bingx_exchange", "bingx_sim_only"}:
                unmarked.append(f"{module.__name__}.{name}")
    assert count >= 20
    assert unmarked == []
