"""The socket registry's indexes answer exactly what a scan of every socket would,
whatever the order of opens and closes (a Hypothesis state machine)."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from bingx_sim.core.journal import Journal
from bingx_sim.core.registry import Registry
from bingx_sim.core.sockets import Connection


def _conn(loop: asyncio.AbstractEventLoop, key: str, account: str, remote: str) -> Connection:
    async def make() -> Connection:
        return Connection(
            Any,  # type: ignore[arg-type]  # never written to here
            None,
            stream="swap",
            listen_key=key,
            api_key=account,
            remote=remote,
            journal=Journal(),
            now_ms=lambda: 0,
            last_pong=0.0,
            max_outbox_bytes=1024,
        )

    return loop.run_until_complete(make())


class RegistryMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.registry = Registry()
        self.model: list[Connection] = []
        self.loop = asyncio.new_event_loop()  # a Connection is made on a loop

    def teardown(self) -> None:
        self.loop.close()

    @rule(key=st.sampled_from("kl"), account=st.sampled_from("AB"), remote=st.sampled_from("xy"))
    def open(self, key: str, account: str, remote: str) -> None:
        conn = _conn(self.loop, key, account, remote)
        self.registry.add(conn)
        self.registry.add(conn)  # twice: still once
        self.model.append(conn)

    @precondition(lambda self: self.model)
    @rule(index=st.integers(min_value=0))
    def close(self, index: int) -> None:
        conn = self.model.pop(index % len(self.model))
        self.registry.discard(conn)
        self.registry.discard(conn)  # twice: no error

    @invariant()
    def indexes_agree_with_a_scan(self) -> None:
        assert list(self.registry) == self.model and len(self.registry) == len(self.model)
        for name in "kl":
            assert self.registry.by_key(name) == [c for c in self.model if c.listen_key == name]
        for name in "AB":
            assert self.registry.by_account(name) == [c for c in self.model if c.api_key == name]
        for name in "xy":
            assert self.registry.count_from(name) == sum(c.remote == name for c in self.model)


TestRegistry = RegistryMachine.TestCase
