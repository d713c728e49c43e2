"""What the per-test fixtures do to stay cheap (issue 29) must not change what a test
sees: the marker is read without ``request``, a run of tests taking ``bingx_account``
gets each account from the previous test's reset, and ``bingx_clock``'s freeze skips
only the modules freezegun itself found nothing to patch in."""

from __future__ import annotations

import pytest

from .conftest import ASYNCIO_INI

pytest_plugins = ["pytester"]


def test_each_test_of_a_run_gets_a_fresh_account_on_an_empty_simulator(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
import pytest

SEEN = []

@pytest.mark.parametrize("n", range(4))
def test_accounts(bingx_sim, bingx_account, bingx_client, n):
    assert [a.api_key for a in bingx_sim.accounts()] == [bingx_account.api_key]
    assert bingx_account.api_key not in SEEN
    SEEN.append(bingx_account.api_key)
    assert len(bingx_sim.journal) == 0 and bingx_sim.listen_keys() == ()
    bingx_client.listen_key().generate()

@pytest.mark.skip(reason="never runs: the account made for it must not leak")
def test_skipped(bingx_sim, bingx_account):
    pass

def test_after_the_skipped_one(bingx_sim):
    assert bingx_sim.accounts() == () and bingx_sim.pristine

def test_another_account(bingx_sim, bingx_account):
    assert [a.api_key for a in bingx_sim.accounts()] == [bingx_account.api_key]

@pytest.mark.bingx_sim(ping_interval=7.0)
def test_a_private_simulator_gets_its_own_account(bingx_sim, bingx_sim_server, bingx_account):
    assert bingx_sim is not bingx_sim_server
    assert [a.api_key for a in bingx_sim.accounts()] == [bingx_account.api_key]
    assert bingx_sim_server.accounts() == ()
"""
    )
    result = pytester.runpytest("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=7, skipped=1)


def test_the_marker_is_read_for_each_test_and_strictness_still_applies(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
import pytest, requests

@pytest.mark.bingx_sim(strict=False)
def test_lenient(bingx_sim, bingx_account):
    requests.get(bingx_sim.rest_url + "/nope")

def test_strict(bingx_sim, bingx_account):
    requests.get(bingx_sim.rest_url + "/nope")

@pytest.mark.bingx_sim(now="2030-01-02T03:04:05")
def test_now(bingx_sim, bingx_clock):
    assert bingx_clock.now().year == 2030

@pytest.mark.bingx_sim(now="2030-01-02T03:04:05")
def test_now_without_a_clock(bingx_sim):
    pass
"""
    )
    result = pytester.runpytest("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, errors=2)  # test_strict's call passed; its teardown failed
    result.stdout.fnmatch_lines(["*test_strict*", "*unknown endpoint GET /nope*"])
    result.stdout.fnmatch_lines(["*now=...) sets the frozen clock's start*"])


def test_the_freeze_patches_what_freezegun_patches(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\n" + ASYNCIO_INI)
    pytester.makepyfile(
        bound="""
from time import time
from datetime import datetime

def stamps():
    return time(), datetime.now()
"""
    )
    pytester.makepyfile(
        """
import datetime, sys, time

import pytest

import bound

@pytest.mark.parametrize("n", range(3))  # the first freeze scans all; the others skip
@pytest.mark.bingx_sim(now="2030-01-02T03:04:05")
def test_frozen(bingx_sim, bingx_clock, n):
    stamp, now = bound.stamps()
    assert now == datetime.datetime(2030, 1, 2, 3, 4, 5)
    assert stamp == datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.UTC).timestamp()
    assert time.time() == stamp
    import json  # a library module: skipped, as freezegun found nothing in it
    assert "json" in sys.modules

def test_real_again():
    assert bound.stamps()[1].year < 2030
"""
    )
    pytester.runpytest("-p", "no:randomly", "-p", "no:cacheprovider").assert_outcomes(passed=4)
