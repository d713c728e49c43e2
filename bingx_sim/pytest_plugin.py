"""pytest fixtures for bingx-sim, registered by entry point: installing is enough.

* ``bingx_sim_server`` (session): one simulator per pytest process, so one per xdist
  worker, on port 0; ready before it yields.
* ``bingx_sim``: that simulator, reset after every test, strict about client mistakes.
* ``bingx_account``, ``bingx_client``: a fresh account and a ``bingx.BingXClient`` on it.
* ``bingx_clock``: a freezegun freeze whose ``tick()``/``move_to()`` settle the simulator;
  ``bingx_time_machine``: the same on time-machine, cheaper to enter.
* ``bingx_incident``: parametrizes a test over the incident catalogue.

``@pytest.mark.bingx_sim(key_ttl=..., ping_interval=..., strict=False, now=..., **options)``
adjusts one test; options the shared simulator was not started with get a private one
(``profile="bingx-python"``: the options the bingx-python SDK needs, ``docs/sdk.md``).

Importing this module (pytest does, in every run of every project that has us installed)
imports nothing heavy: aiohttp, requests, websocket-client, freezegun and the ``bingx``
client load only when a fixture first needs them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

import pytest

from bingx_sim import defaults
from bingx_sim.plugin.clock_fixtures import SettlingClock, TravellingClock, utc_start

if TYPE_CHECKING:
    from bingx import BingXClient
    from bingx_sim.lab.incidents import Incident
    from bingx_sim.plugin.guard import production_guard
    from bingx_sim.plugin.targets import Target
    from bingx_sim.rules.listen_keys import Account
    from bingx_sim.runners.simulator import Simulator

__all__ = ["SettlingClock", "TravellingClock"]

_MARKER = "bingx_sim"
_TARGETS = pytest.StashKey[list[str]]()
_PER_TEST_ONLY = ("strict", "now", "allow_real_hosts")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("bingx_sim", "bingx-sim fake BingX exchange")
    group.addoption(
        "--bingx-sim-ping-interval",
        type=float,
        dest="bingx_sim_ping_interval",
        help="seconds between the simulator's heartbeat Pings (ini: bingx_sim_ping_interval)",
    )
    group.addoption(
        "--bingx-sim-pong-timeout",
        type=float,
        dest="bingx_sim_pong_timeout",
        help="seconds without a Pong before a socket is closed (ini: bingx_sim_pong_timeout)",
    )
    group.addoption(
        "--bingx-sim-lenient",
        action="store_true",
        dest="bingx_sim_lenient",
        help="do not fail tests whose client made mistakes the simulator rejected",
    )
    group.addoption(
        "--bingx-target",
        dest="bingx_target",
        default="sim",
        help="comma-separated targets for tests using the bingx_target fixture: sim,vst,live "
        "(real targets read BINGX_API_KEY and BINGX_API_SECRET; without them they skip)",
    )
    parser.addini(
        "bingx_sim_ping_interval",
        "heartbeat Ping interval, seconds",
        default=str(defaults.PING_INTERVAL),
    )
    parser.addini(
        "bingx_sim_pong_timeout", "Pong timeout, seconds", default=str(defaults.PONG_TIMEOUT)
    )
    parser.addini("bingx_sim_strict", "fail tests on client mistakes", type="bool", default=True)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "bingx_sim(*, key_ttl=timedelta, ping_interval=float, pong_timeout=float, "
        "strict=bool, now=str|datetime, allow_real_hosts=bool, profile=str, "
        "**contract_options): per-test bingx-sim settings",
    )
    config.addinivalue_line(
        "markers",
        "bingx_exchange: a contract behaviour that also runs against the real exchange",
    )
    config.addinivalue_line(
        "markers",
        "bingx_incidents(*names): run a test using the bingx_incident fixture through these "
        "incidents only (default: the whole catalogue, bingx_sim.lab.incidents)",
    )
    config.addinivalue_line(
        "markers",
        "bingx_sim_only(reason): a simulator-only behaviour (unknown or untestable on the "
        "real exchange); skipped on real targets with the reason",
    )
    from bingx_sim.defaults import TARGET_NAMES  # not targets: that imports the exchange

    names = [n.strip() for n in config.getoption("bingx_target").split(",") if n.strip()]
    unknown = set(names) - set(TARGET_NAMES)
    if unknown or not names:
        raise pytest.UsageError(
            f"--bingx-target takes a comma-separated subset of {', '.join(TARGET_NAMES)}; "
            f"got {config.getoption('bingx_target')!r}"
        )
    config.stash[_TARGETS] = names


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "bingx_target" in metafunc.fixturenames:
        names = metafunc.config.stash[_TARGETS]
        metafunc.parametrize("bingx_target", names, indirect=True, ids=names)
    if "bingx_incident" in metafunc.fixturenames:
        from bingx_sim.lab.incidents import INCIDENTS  # only for a test that asks for incidents

        marker = metafunc.definition.get_closest_marker("bingx_incidents")
        chosen = list(marker.args) if marker is not None and marker.args else list(INCIDENTS)
        unknown = [name for name in chosen if name not in INCIDENTS]
        if unknown:
            raise pytest.UsageError(
                f"unknown incident(s) {', '.join(unknown)}; known: {', '.join(INCIDENTS)}"
            )
        metafunc.parametrize("bingx_incident", chosen, indirect=True, ids=chosen)


def _timing(config: pytest.Config, name: str) -> float:
    value = config.getoption(f"bingx_sim_{name}")
    return float(value if value is not None else config.getini(f"bingx_sim_{name}"))


def _defaults(config: pytest.Config) -> dict[str, Any]:
    return {
        "ping_interval": _timing(config, "ping_interval"),
        "pong_timeout": _timing(config, "pong_timeout"),
    }


def _marker_kwargs(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker(_MARKER)
    if marker is None:
        return {}
    if marker.args:
        raise pytest.UsageError("@pytest.mark.bingx_sim takes keyword arguments only")
    return dict(marker.kwargs)


@pytest.fixture(scope="session")
def bingx_sim_server(pytestconfig: pytest.Config) -> Iterator[Simulator]:
    """One simulator for the whole run (per xdist worker), on 127.0.0.1 port 0."""
    from bingx_sim.runners.simulator import Simulator

    with Simulator(**_defaults(pytestconfig)) as sim:
        yield sim


def _explain(problems: list[str]) -> str:
    listed = "\n".join(f"  - {p}" for p in problems)
    return (
        f"bingx-sim: the client made {len(problems)} mistake(s) the exchange rejected:\n"
        f"{listed}\n"
        "If the test provokes them on purpose, declare them with "
        "bingx_sim.expect_errors('pattern') or @pytest.mark.bingx_sim(strict=False)."
    )


@pytest.fixture
def bingx_sim(request: pytest.FixtureRequest, bingx_sim_server: Simulator) -> Iterator[Simulator]:
    """The simulator, empty at the start of the test and reset after it.

    Meanwhile the ``bingx`` client's defaults point at it (``BINGX_BASE_URL``,
    ``BINGX_STREAM_URL``) and the real BingX hosts cannot be resolved from this process
    (``@pytest.mark.bingx_sim(allow_real_hosts=True)`` lifts that).

    At teardown the test fails if the client made mistakes the simulator had to reject
    (bad signature, unknown endpoint, unanswered Ping, ...) that it did not expect.
    """
    kwargs = _marker_kwargs(request)
    clocks = ("bingx_clock", "bingx_time_machine")
    if "now" in kwargs and not any(c in request.fixturenames for c in clocks):
        raise pytest.UsageError(
            "@pytest.mark.bingx_sim(now=...) sets the frozen clock's start: request the "
            "bingx_clock (or bingx_time_machine) fixture too, or drop now="
        )
    options = {k: v for k, v in kwargs.items() if k not in _PER_TEST_ONLY}
    if options:
        from bingx_sim.runners.simulator import Simulator
    sim = (
        Simulator(**(_defaults(request.config) | options)).start() if options else bingx_sim_server
    )
    guard: AbstractContextManager[None] = _production_guard()(sim.rest_url, sim.ws_url)
    if kwargs.get("allow_real_hosts"):
        guard = nullcontext()
    try:
        with guard:
            yield sim
    finally:
        if sim is bingx_sim_server:
            # Checks and resets in one round trip; none for a test that never touched it.
            problems = [] if sim.pristine else sim.reset()
        else:
            problems = sim.unexpected_errors()
            sim.stop()
    if problems and _strict(request.config, kwargs):
        pytest.fail(_explain(problems), pytrace=False)


def _strict(config: pytest.Config, kwargs: dict[str, Any]) -> bool:
    """Whether client mistakes fail the test: the marker, else the ini, unless
    ``--bingx-sim-lenient``. Asked only when there are mistakes."""
    strict = kwargs.get("strict", config.getini("bingx_sim_strict"))
    return bool(strict) and not config.getoption("bingx_sim_lenient")


def _production_guard() -> type[production_guard]:
    """:class:`bingx_sim.plugin.guard.production_guard`, imported on first use (it patches
    ``socket``, which a run that never uses the simulator need not import)."""
    from bingx_sim.plugin.guard import production_guard

    return production_guard


@pytest.fixture
def bingx_account(bingx_sim: Simulator) -> Account:
    """A fresh account (generated API key and secret) on the simulator."""
    return bingx_sim.add_account()


@pytest.fixture(scope="session")
def _bingx_http() -> Iterator[Any]:
    """One ``requests.Session`` for every ``bingx_client`` of the run: a client per test
    costs a dictionary, not a connection pool (the simulator sets no cookies; any a stub
    sets are cleared after each test)."""
    import requests

    with requests.Session() as session:
        session.trust_env = False  # only ever talks to the local simulator: no proxy
        yield session


@pytest.fixture
def bingx_client(
    bingx_sim: Simulator, bingx_account: Account, _bingx_http: Any
) -> Iterator[BingXClient]:
    """A ``bingx.BingXClient`` for ``bingx_account``, pointed at the simulator (needs
    our client, the ``bingx-sim-client`` distribution). Its HTTP connections come from
    a pool the whole run shares."""
    try:
        import bingx
        from bingx import BingXClient
    except ImportError:
        pytest.fail(
            "the bingx_client fixture needs our client: pip install bingx-sim-client "
            "(from a checkout: pip install -e ./clocks -e ./client). It uses the import "
            "name bingx, like the bingx-python SDK: do not install both.",
            pytrace=False,
        )
    if not hasattr(bingx, "UserDataStream"):  # the same import name, but the SDK's
        pytest.fail(_SDK_INSTEAD.format(getattr(bingx, "__version__", "?")), pytrace=False)

    client = BingXClient(
        bingx_account.api_key,
        bingx_account.api_secret,
        base_uri=bingx_sim.rest_url,
        session=_bingx_http,
    )
    try:
        yield client
    finally:
        _bingx_http.cookies.clear()


_SDK_INSTEAD = (
    "the bingx_client fixture needs our client, but bingx here is the bingx-python SDK {}: "
    "pip install bingx-sim-client instead of it, or keep the SDK and build its BingXClient "
    "yourself under @pytest.mark.bingx_sim(profile='bingx-python') (docs/sdk.md)"
)


@pytest.fixture
def bingx_clock(request: pytest.FixtureRequest, bingx_sim: Simulator) -> Iterator[SettlingClock]:
    """Freeze time (freezegun) at the marker's ``now`` (or now), for the test and the
    simulator; ``tick()``/``move_to()`` return once the simulator has caught up."""
    from freezegun import freeze_time

    now = _marker_kwargs(request).get("now")
    start = now if isinstance(now, str) else utc_start(now)  # freezegun reads any string
    # pytest's own timing must not see the freeze, or --durations reports decades; the
    # event loop's clock stays real (real_asyncio), or an async test's sleeps never end.
    with freeze_time(start, ignore=["_pytest.timing"], real_asyncio=True) as frozen:
        yield SettlingClock(frozen, bingx_sim)


@pytest.fixture
def bingx_time_machine(
    request: pytest.FixtureRequest, bingx_sim: Simulator
) -> Iterator[TravellingClock]:
    """``bingx_clock``'s twin on time-machine (same ``tick``/``move_to``): entering it
    costs microseconds instead of freezegun's milliseconds. Needs ``time-machine``."""
    try:
        import time_machine
    except ImportError:
        pytest.fail(
            "the bingx_time_machine fixture needs time-machine: pip install "
            "time-machine (or use bingx_clock, on freezegun)",
            pytrace=False,
        )
    start = utc_start(_marker_kwargs(request).get("now"))
    with time_machine.travel(start, tick=False) as traveller:
        yield TravellingClock(traveller, bingx_sim)


@pytest.fixture
def bingx_incident(request: pytest.FixtureRequest) -> Incident:
    """One incident of the catalogue (``bingx_sim.lab.incidents``): a test that asks for it
    runs once per incident, or per name given with ``@pytest.mark.bingx_incidents``.
    Call ``bingx_incident.trigger(bingx_sim, account)`` when the client is running."""
    from bingx_sim.lab.incidents import INCIDENTS

    return INCIDENTS[request.param]


# A contract suite's simulator beats every 0.2 s, so cadence tests take a second, not 15.
_CONTRACT_SIM: dict[str, Any] = {"ping_interval": 0.2, "pong_timeout": 1.0}


@pytest.fixture(scope="session")
def _bingx_contract_sim() -> Iterator[Simulator]:
    from bingx_sim.runners.simulator import Simulator

    with Simulator(**_CONTRACT_SIM) as sim:
        yield sim


@pytest.fixture
def bingx_target(request: pytest.FixtureRequest) -> Iterator[Target]:
    """The exchange a contract test runs against (``--bingx-target``): the simulator, or
    BingX's VST or live hosts with credentials from the environment (skipped without)."""
    from bingx_sim.plugin.targets import real_target, sim_target

    name = getattr(request, "param", "sim")
    if name == "sim":
        sim: Simulator = request.getfixturevalue("_bingx_contract_sim")
        try:
            yield sim_target(sim, sim.add_account())
        finally:
            sim.reset()  # contract tests provoke errors on purpose: no strictness here
        return
    marker = request.node.get_closest_marker("bingx_sim_only")
    if marker is not None:
        pytest.skip(f"{name}: {marker.args[0] if marker.args else 'simulator-only behaviour'}")
    try:
        target = real_target(name)
    except LookupError as missing:
        pytest.skip(str(missing))
    yield target
