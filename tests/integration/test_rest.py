"""The listen-key REST endpoints, status and body, for every case of ``docs/contract.md``."""

from __future__ import annotations

import json
import re

import pytest
import requests

from bingx_sim import LISTEN_KEY_PATH, Account, KeyState, RestCall, Simulator
from bingx_sim.rules.auth import sign
from tests.integration.conftest import MakeSim
from tests.wire import call, headers, new_key


def error_of(response: requests.Response) -> tuple[int, int, str]:
    body = response.json()
    assert set(body) == {"code", "msg", "timestamp"}
    assert isinstance(body["timestamp"], int)
    return response.status_code, body["code"], body["msg"]


def test_generate_is_a_bare_listen_key_object(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    response = call(http, sim, "POST", account)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["listenKey"]
    assert re.fullmatch(r"[0-9a-f]{64}", body["listenKey"])


def test_generate_twice_gives_two_live_keys(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    first, second = new_key(http, sim, account), new_key(http, sim, account)
    assert first != second
    assert {k.key for k in sim.listen_keys() if k.state is KeyState.ACTIVE} == {first, second}


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
@pytest.mark.parametrize("signed", [False, True])
def test_extend_and_delete_answer_200_with_an_empty_body(
    sim: Simulator, http: requests.Session, account: Account, method: str, signed: bool
) -> None:
    key = new_key(http, sim, account)
    response = call(http, sim, method, account, {"listenKey": key}, signed=signed)
    assert (response.status_code, response.content) == (200, b"")
    assert response.headers["Content-Length"] == "0"


def test_delete_marks_the_key_deleted_and_then_404s(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    key = new_key(http, sim, account)
    assert call(http, sim, "DELETE", account, {"listenKey": key}).status_code == 200
    (held,) = sim.listen_keys()
    assert held.state is KeyState.DELETED
    for method in ("PUT", "DELETE"):
        response = call(http, sim, method, account, {"listenKey": key})
        assert (response.status_code, response.content) == (404, b"")


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_missing_listen_key_is_204_empty(
    sim: Simulator, http: requests.Session, account: Account, method: str
) -> None:
    response = call(http, sim, method, account)
    assert (response.status_code, response.content) == (204, b"")


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_unknown_key_is_404_empty(
    sim: Simulator, http: requests.Session, account: Account, method: str
) -> None:
    response = call(http, sim, method, account, {"listenKey": "f" * 64})
    assert (response.status_code, response.content) == (404, b"")


def test_someone_elses_key_is_404_and_stays_alive(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    key = new_key(http, sim, account)
    other = sim.add_account()
    assert call(http, sim, "DELETE", other, {"listenKey": key}).status_code == 404
    assert call(http, sim, "PUT", account, {"listenKey": key}).status_code == 200


def test_key_in_a_form_body_counts_as_missing_by_default(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    key = new_key(http, sim, account)
    url = sim.rest_url + LISTEN_KEY_PATH
    response = http.put(url, data={"listenKey": key}, headers=headers(account))
    assert response.status_code == 204


def test_key_in_a_form_body_is_read_when_configured(
    make_sim: MakeSim, http: requests.Session
) -> None:
    sim = make_sim(listen_key_source="query+body")
    account = sim.add_account()
    key = new_key(http, sim, account)
    url = sim.rest_url + LISTEN_KEY_PATH
    assert http.put(url, data={"listenKey": key}, headers=headers(account)).status_code == 200


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_missing_api_key_header_is_100413_null_apikey(
    sim: Simulator, http: requests.Session, method: str
) -> None:
    response = http.request(method, sim.rest_url + LISTEN_KEY_PATH + "?listenKey=x")
    assert error_of(response) == (200, 100413, "Null apiKey")


def test_unknown_api_key_is_100413_incorrect_apikey(sim: Simulator, http: requests.Session) -> None:
    response = call(http, sim, "POST", Account("nobody", "x"))
    assert error_of(response) == (200, 100413, "Incorrect apiKey")


def test_bad_signature_is_100001(sim: Simulator, http: requests.Session, account: Account) -> None:
    impostor = Account(account.api_key, "not-the-secret")
    response = call(http, sim, "POST", impostor, signed=True)
    assert error_of(response)[:2] == (200, 100001)


def test_stale_timestamp_is_100421(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    query = f"timestamp={sim.now_ms() - 60_000}"
    url = f"{sim.rest_url}{LISTEN_KEY_PATH}?{query}&signature={sign(account.api_secret, query)}"
    status, code, msg = error_of(http.post(url, headers=headers(account)))
    assert (status, code) == (200, 100421)
    assert msg.startswith("Null timestamp or timestamp mismatch")


def test_signature_required_mode_gives_100412(make_sim: MakeSim, http: requests.Session) -> None:
    sim = make_sim(signature="required")
    account = sim.add_account()
    assert error_of(call(http, sim, "POST", account))[:2] == (200, 100412)
    assert call(http, sim, "POST", account, signed=True).status_code == 200


def test_error_status_is_configurable(make_sim: MakeSim, http: requests.Session) -> None:
    sim = make_sim(error_status=400)
    assert error_of(call(http, sim, "POST", Account("nobody", "x")))[:2] == (400, 100413)


def test_wrapped_post_and_json_success_bodies_are_options(
    make_sim: MakeSim, http: requests.Session
) -> None:
    sim = make_sim(post_shape="wrapped", success_body="envelope")
    account = sim.add_account()
    body = call(http, sim, "POST", account).json()
    assert body["code"] == 0 and re.fullmatch(r"[0-9a-f]{64}", body["data"]["listenKey"])
    put = call(http, sim, "PUT", account, {"listenKey": body["data"]["listenKey"]})
    assert put.json() == {"code": 0, "msg": "", "data": {}}


def test_rate_limit_answers_100410_with_headers_then_locks_out(
    make_sim: MakeSim, http: requests.Session
) -> None:
    sim = make_sim(rate_limit_per_second=2)
    account = sim.add_account()
    answers = [call(http, sim, "POST", account) for _ in range(3)]
    # The listen-key pages list 100410, also after the 2025-10-16 change (docs/contract.md).
    assert [a.json().get("code") for a in answers] == [None, None, 100410]
    assert [a.headers["X-RateLimit-Requests-Remain"] for a in answers] == ["1", "0", "0"]
    assert int(answers[2].headers["X-RateLimit-Requests-Expire"]) == 300_000
    unblock = sim.now_ms() + 300_000
    message = answers[2].json()["msg"]
    assert message.startswith("The endpoint trigger frequency limit rule is currently in the")
    assert abs(int(message.rsplit(" ", 1)[1]) - unblock) < 5_000  # an absolute epoch-ms time
    # Locked out for five minutes of exchange time, however much real time passes ...
    locked = call(http, sim, "POST", account)
    assert locked.json()["code"] == 100410
    assert 0 < int(locked.headers["X-RateLimit-Requests-Expire"]) <= 300_000
    other = sim.add_account()
    assert call(http, sim, "POST", other).json()["listenKey"]  # per account
    sim.advance(300)  # ... and free once the exchange clock has moved past it
    assert call(http, sim, "POST", account).json()["listenKey"]
    assert not sim.journal.violations  # being rate limited is not a client mistake


def test_each_listen_key_endpoint_has_its_own_budget(
    make_sim: MakeSim, http: requests.Session
) -> None:
    # BingX: "rate limitation by UID: 2/s" on each listen-key page; each api its own.
    sim = make_sim(rate_limit_per_second=2)
    account = sim.add_account()
    key = new_key(http, sim, account)
    sequence = [
        call(http, sim, "PUT", account, {"listenKey": key}),
        call(http, sim, "DELETE", account, {"listenKey": key}),
        call(http, sim, "POST", account),
        call(http, sim, "PUT", account, {"listenKey": key}),
    ]
    assert [r.status_code for r in sequence] == [200, 200, 200, 404]
    assert all(r.content == b"" or "listenKey" in r.json() for r in sequence)


def test_too_many_erroneous_calls_lock_the_endpoint_with_100202(
    make_sim: MakeSim, http: requests.Session
) -> None:
    sim = make_sim(rate_limit_per_second=100, error_lockout_threshold=3, error_lockout_window=60)
    account = sim.add_account()
    sim.expect_errors("signature")
    bad = {"timestamp": "1", "signature": "00"}  # answered 100001: an erroneous request
    assert [call(http, sim, "POST", account, bad).json()["code"] for _ in range(3)] == [100001] * 3
    # Errors of authentication come before the account is known, so they do not count;
    # business errors of the account do: an order refused four times locks the endpoint.
    assert new_key(http, sim, account)
    key = new_key(http, sim, account)
    refused = [call(http, sim, "PUT", account, {"listenKey": "f" * 64}) for _ in range(4)]
    assert [r.status_code for r in refused] == [404] * 4
    locked = call(http, sim, "PUT", account, {"listenKey": key}).json()
    assert locked["code"] == 100202 and "over 3 error code:100202 requests" in locked["msg"]
    assert "can retry after time: " in locked["msg"]
    assert new_key(http, sim, account)  # another endpoint is not locked
    sim.advance(61)
    assert call(http, sim, "PUT", account, {"listenKey": key}).status_code == 200


def test_legacy_codes_and_no_lockout_options(make_sim: MakeSim, http: requests.Session) -> None:
    sim = make_sim(rate_limit_per_second=1, error_codes="legacy", rate_limit_lockout=0)
    account = sim.add_account()
    codes = [call(http, sim, "POST", account).json().get("code") for _ in range(2)]
    assert codes == [None, 100410]


def test_unknown_path_and_wrong_method_are_100404_and_recorded_as_violations(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    for response in (
        http.get(sim.rest_url + "/openApi/nope", headers=headers(account)),
        http.get(sim.rest_url + LISTEN_KEY_PATH, headers=headers(account)),
    ):
        assert response.status_code == 404
        assert json.loads(response.content)["code"] == 100404
    reasons = [e.violation for e in sim.journal.violations]
    assert reasons == [
        "unknown endpoint GET /openApi/nope",
        f"unknown endpoint GET {LISTEN_KEY_PATH}",
    ]


def test_journal_records_method_path_query_headers_status_and_code(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    key = new_key(http, sim, account)
    call(http, sim, "PUT", account, {"listenKey": key})
    call(http, sim, "POST", Account("nobody", "x"))
    post, put, bad = sim.journal.requests
    assert (post.method, post.status, post.code) == ("POST", 200, None)
    assert (put.method, put.query, put.headers["X-BX-APIKEY"]) == (
        "PUT",
        {"listenKey": key},
        account.api_key,
    )
    assert (bad.status, bad.code, bad.violation) == (200, 100413, "bad API key: Incorrect apiKey")
    assert all(isinstance(e, RestCall) for e in sim.journal.requests)


def test_a_malformed_key_is_404_and_recorded_as_a_client_mistake(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    assert call(http, sim, "PUT", account, {"listenKey": "0" * 64}).status_code == 404
    assert call(http, sim, "PUT", account, {"listenKey": '"abc"'}).status_code == 404
    (mistake,) = sim.journal.violations
    assert mistake.violation == "malformed listenKey '\"abc\"'"


def test_fail_next_injects_errors_once_without_touching_state(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    key = new_key(http, sim, account)
    sim.fail_next("PUT", status=503, body="upstream busy")
    busy = call(http, sim, "PUT", account, {"listenKey": key})
    assert (busy.status_code, busy.text) == (503, "upstream busy")
    assert call(http, sim, "PUT", account, {"listenKey": key}).status_code == 200
    sim.fail_next(code=100410, msg="rate limited", status=200, times=2)
    assert [call(http, sim, "POST", account).json().get("code") for _ in range(3)] == [
        100410,
        100410,
        None,
    ]
    assert not sim.journal.violations  # injected answers are not the client's fault


def test_fail_next_validates_and_reset_clears_it(sim: Simulator, http: requests.Session) -> None:
    with pytest.raises(ValueError, match="HTTP status"):
        sim.fail_next(status=42)
    sim.fail_next("POST", status=500)
    sim.reset()
    account = sim.add_account()
    assert call(http, sim, "POST", account).status_code == 200


def test_a_json_body_listen_key_counts_under_query_and_body(
    make_sim: MakeSim, http: requests.Session
) -> None:
    sim = make_sim(listen_key_source="query+body")
    account = sim.add_account()
    key = new_key(http, sim, account)
    answer = http.put(
        f"{sim.rest_url}{LISTEN_KEY_PATH}",
        data=json.dumps({"listenKey": key}),
        headers={"X-BX-APIKEY": account.api_key, "Content-Type": "application/json"},
    )
    assert answer.status_code == 200


def test_put_without_an_api_key_is_100413_unless_the_option_allows_it(
    make_sim: MakeSim, http: requests.Session
) -> None:
    for needs, expected in ((True, 100413), (False, None)):
        sim = make_sim(change_needs_api_key=needs)
        key = new_key(http, sim, sim.add_account())
        answer = http.put(f"{sim.rest_url}{LISTEN_KEY_PATH}", params={"listenKey": key})
        assert (answer.json().get("code") if answer.content else None) == expected
        sim.expect_errors("Null apiKey")
