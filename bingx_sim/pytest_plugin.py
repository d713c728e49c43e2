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
from bingx_sim.plugin.clock_fixtures import (
    SettlingClock,
    TravellingClock,
    start_freeze,
    utc_start,
)

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
_ITEM = pytest.StashKey["pytest.Item"]()
_NEXT = pytest.StashKey["pytest.Item | None"]()
_CONFIGS: list[pytest.Config] = []  # the sessions running (pytester nests them)
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
    parser.addini(
        "bingx_sim_clock_full_scan",
        "bingx_clock: let freezegun scan every loaded module on each freeze (slower; "
        "by default library modules known to bind no time function are skipped)",
        type="bool",
        default=False,
    )


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
    _CONFIGS.append(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    if config in _CONFIGS:
        _CONFIGS.remove(config)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # The test whose fixtures are being set up, for the fixtures here that read its
    # marker: a fixture that takes ``request`` (or depends, however far down, on one
    # that does, as ``pytestconfig``) costs pytest 10-15 µs per lookup of it, two or
    # three per test: it builds a FixtureDef for ``request``, inspecting a signature.
    item.config.stash[_ITEM] = item


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    # The test after this one, for bingx_sim's teardown (see _Spare).
    item.config.stash[_NEXT] = nextitem


def _current() -> tuple[pytest.Config, pytest.Item | None]:
    """The innermost running session's config, and the test it is setting up."""
    config = _CONFIGS[-1]
    return config, config.stash.get(_ITEM, None)


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


def _marker_kwargs(node: pytest.Item | None) -> dict[str, Any]:
    marker = node.get_closest_marker(_MARKER) if node is not None else None
    if marker is None:
        return {}
    if marker.args:
        raise pytest.UsageError("@pytest.mark.bingx_sim takes keyword arguments only")
    return dict(marker.kwargs)


@pytest.fixture(scope="session")
def bingx_sim_server() -> Iterator[Simulator]:
    """One simulator for the whole run (per xdist worker), on 127.0.0.1 port 0."""
    from bingx_sim.runners.simulator import Simulator

    # Not ``pytestconfig``: pytest looks a cached fixture's arguments up again at every
    # use, and ``pytestconfig`` takes ``request`` (see ``pytest_runtest_setup``).
    with Simulator(**_defaults(_current()[0])) as sim:
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
def bingx_sim(bingx_sim_server: Simulator) -> Iterator[Simulator]:
    """The simulator, empty at the start of the test and reset after it.

    Meanwhile the ``bingx`` client's defaults point at it (``BINGX_BASE_URL``,
    ``BINGX_STREAM_URL``) and the real BingX hosts cannot be resolved from this process
    (``@pytest.mark.bingx_sim(allow_real_hosts=True)`` lifts that).

    At teardown the test fails if the client made mistakes the simulator had to reject
    (bad signature, unknown endpoint, unanswered Ping, ...) that it did not expect.
    """
    config, item = _current()
    kwargs = _marker_kwargs(item) if item is not None else {}
    if kwargs:
        clocks = ("bingx_clock", "bingx_time_machine")
        fixturenames = getattr(item, "fixturenames", ())
        if "now" in kwargs and not any(c in fixturenames for c in clocks):
            raise pytest.UsageError(
                "@pytest.mark.bingx_sim(now=...) sets the frozen clock's start: request the "
                "bingx_clock (or bingx_time_machine) fixture too, or drop now="
            )
    options = {k: v for k, v in kwargs.items() if k not in _PER_TEST_ONLY}
    if _SPARE.sim is bingx_sim_server and _SPARE.item is not item:
        # A spare account made for a test that never took it (skipped before its
        # fixtures ran): this test starts empty all the same.
        _SPARE.clear()
        bingx_sim_server.reset()
    if options:
        from bingx_sim.runners.simulator import Simulator

        sim = Simulator(**(_defaults(config) | options)).start()
    else:
        sim = bingx_sim_server
    guard: AbstractContextManager[None] = _guard_for(sim)
    if kwargs.get("allow_real_hosts"):
        guard = nullcontext()
    try:
        with guard:
            yield sim
    finally:
        if sim is not bingx_sim_server:
            problems = sim.unexpected_errors()
            sim.stop()
        elif sim.pristine:
            problems = []  # a test that never touched it: nothing to check or reset
        else:
            problems = _reset(sim, config.stash.get(_NEXT, None))
    if problems and _strict(config, kwargs):
        pytest.fail(_explain(problems), pytrace=False)


class _Spare:
    """An account made for the next test in the round trip that reset the simulator
    after this one, so a run of tests that each take ``bingx_account`` makes one round
    trip per test, not two: the one the test's reset costs anyway."""

    __slots__ = ("account", "item", "sim")

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.sim: Simulator | None = None
        self.item: pytest.Item | None = None
        self.account: Account | None = None


_SPARE = _Spare()


def _reset(sim: Simulator, upcoming: pytest.Item | None) -> list[str]:
    """Check and reset in one round trip; and when the next test takes ``bingx_account``
    on this same simulator, make its account in the same round trip."""
    _SPARE.clear()  # a reset takes an unclaimed one away too
    if upcoming is None or "bingx_account" not in getattr(upcoming, "fixturenames", ()):
        return sim.reset()
    try:
        private = any(k not in _PER_TEST_ONLY for k in _marker_kwargs(upcoming))
    except pytest.UsageError:  # the next test's own error, reported when it runs
        private = True
    if private:
        return sim.reset()  # the next test gets a simulator of its own

    problems, account = sim.reset_and_add_account()
    _SPARE.sim, _SPARE.item, _SPARE.account = sim, upcoming, account
    return problems


_GUARD: list[Any] = [None, None]  # the last simulator guarded, and its guard


def _guard_for(sim: Simulator) -> AbstractContextManager[None]:
    """The production guard pointing at ``sim``: made once per simulator (a test after
    another on the same one enters the same guard again)."""
    if _GUARD[0] is not sim:
        _GUARD[:] = [sim, _production_guard()(sim.rest_url, sim.ws_url)]
    guard: AbstractContextManager[None] = _GUARD[1]
    return guard


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
    spare = _SPARE.account
    if spare is not None and _SPARE.sim is bingx_sim and _SPARE.item is _current()[1]:
        _SPARE.clear()
        return spare  # made by the previous test's reset, for this test
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
def bingx_clock(bingx_sim: Simulator) -> Iterator[SettlingClock]:
    """Freeze time (freezegun) at the marker's ``now`` (or now), for the test and the
    simulator; ``tick()``/``move_to()`` return once the simulator has caught up."""
    config, item = _current()
    now = _marker_kwargs(item).get("now")
    start = now if isinstance(now, str) else utc_start(now)  # freezegun reads any string
    # pytest's own timing must not see the freeze, or --durations reports decades; the
    # event loop's clock stays real (real_asyncio), or an async test's sleeps never end.
    full_scan = bool(config.getini("bingx_sim_clock_full_scan"))
    freezer, frozen = start_freeze(start, ["_pytest.timing"], full_scan=full_scan)
    try:
        yield SettlingClock(frozen, bingx_sim)
    finally:
        freezer.stop()


@pytest.fixture
def bingx_time_machine(bingx_sim: Simulator) -> Iterator[TravellingClock]:
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
    start = utc_start(_marker_kwargs(_current()[1]).get("now"))
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
