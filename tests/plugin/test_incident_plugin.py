"""Strict faults and the incident fixture, as a user's suite sees them (pytester)."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


def test_a_required_fault_that_never_fired_fails_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
from bingx_sim.faults import RestError, Silence

def test_forgotten(bingx_sim):
    bingx_sim.inject(RestError(method="PUT", status=503))

def test_optional(bingx_sim):
    bingx_sim.inject(RestError(method="PUT", status=503, required=False))

def test_until_cleared(bingx_sim):
    bingx_sim.inject(Silence(times=None))

def test_fired(bingx_sim, bingx_client):
    bingx_sim.fail_next("POST", status=503)
    try:
        bingx_client.listen_key().generate()
    except Exception:
        pass
"""
    )
    result = pytester.runpytest("-p", "no:randomly")
    # As with client mistakes, the failure comes at teardown: an error of that test.
    result.assert_outcomes(passed=4, errors=1)
    result.stdout.fnmatch_lines(
        ["*ERROR at teardown of test_forgotten*", "*fault RestError #* never fired*"]
    )


def test_bingx_incident_runs_a_test_once_per_incident(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import pytest
from bingx_sim.incidents import INCIDENTS

seen = []

def test_each(bingx_incident):
    seen.append(bingx_incident.name)

@pytest.mark.bingx_incidents("silent-socket", "corrupt-frame")
def test_some(bingx_incident):
    assert bingx_incident.name in ("silent-socket", "corrupt-frame")

def test_all_seen():
    assert seen == list(INCIDENTS)
"""
    )
    result = pytester.runpytest("-p", "no:randomly", "-v")
    from bingx_sim.incidents import INCIDENTS

    result.assert_outcomes(passed=len(INCIDENTS) + 2 + 1)
    result.stdout.fnmatch_lines(["*test_each?silent-socket?*PASSED*"])


def test_an_unknown_incident_name_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import pytest

@pytest.mark.bingx_incidents("volcano")
def test_some(bingx_incident):
    pass
"""
    )
    result = pytester.runpytest()
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*unknown incident(s) volcano*"])


def test_an_unused_stub_with_times_fails_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
def test_never_called(bingx_sim):
    bingx_sim.stub("GET", "/openApi/swap/v2/quote/contracts", json={"code": 0}, times=1)

def test_called(bingx_sim):
    import requests
    bingx_sim.stub("GET", "/ok", json={}, times=1)
    requests.get(bingx_sim.rest_url + "/ok")
"""
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*stub #* GET /openApi/swap/v2/quote/contracts*never called*"])
