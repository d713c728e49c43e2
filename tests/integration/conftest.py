"""Fixtures for wire tests: a fresh simulator per test (it starts in about a millisecond),
a requests session and an account, all closed at teardown."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from bingx import BingXClient
from bingx_sim import Account, Simulator

MakeSim = Callable[..., Simulator]


@pytest.fixture
def make_sim() -> Iterator[MakeSim]:
    started: list[Simulator] = []

    def make(**options: Any) -> Simulator:
        # Wire tests read frames one by one: a quiet socket unless the test is about the
        # periodic config frames (on by default, as on BingX: test_stream.py checks them).
        options.setdefault("snapshots", False)
        sim = Simulator(**options).start()
        started.append(sim)
        return sim

    yield make
    for sim in reversed(started):
        sim.stop()


@pytest.fixture
def sim(make_sim: MakeSim) -> Simulator:
    return make_sim()


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.fixture
def account(sim: Simulator) -> Account:
    return sim.add_account()


@pytest.fixture
def client(sim: Simulator, account: Account) -> Iterator[BingXClient]:
    with BingXClient(account.api_key, account.api_secret, base_uri=sim.rest_url) as made:
        yield made
