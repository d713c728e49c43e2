"""BingXClient and ListenKeyService against the simulator: bodies, signing, every error."""

from __future__ import annotations

import socket
import threading
from datetime import timedelta

import pytest
import requests
from freezegun import freeze_time

from bingx import (
    AuthenticationException,
    BingXClient,
    ListenKeyNotFound,
    NetworkException,
    RateLimitException,
)
from bingx_sim import Account, KeyState, Simulator
from tests.integration.conftest import MakeSim


def test_generate_extend_delete(sim: Simulator, client: BingXClient) -> None:
    keys = client.listen_key()
    key = keys.generate()["listenKey"]
    assert len(key) == 64
    assert keys.extend(key) == {}  # the exchange's empty 200, which the SDK chokes on
    assert keys.delete(key) == {}
    assert [k.state for k in sim.listen_keys()] == [KeyState.DELETED]


def test_requests_are_signed_in_the_query_with_api_key_header(
    make_sim: MakeSim, account: Account
) -> None:
    sim = make_sim(signature="required")
    sim.add_account(account.api_key, account.api_secret)
    with BingXClient(
        account.api_key,
        account.api_secret,
        base_uri=sim.rest_url,
        source_key="my-broker",
        recv_window=3000,
    ) as client:
        client.listen_key().extend(client.listen_key().generate()["listenKey"])
    post, put = sim.journal.requests
    assert set(put.query) == {"listenKey", "timestamp", "recvWindow", "signature"}
    assert put.query["recvWindow"] == "3000" and len(put.query["signature"]) == 64
    assert (post.headers["X-BX-APIKEY"], post.headers["X-SOURCE-KEY"]) == (
        account.api_key,
        "my-broker",
    )
    assert post.body == "" and not sim.journal.violations


def test_base64_signature_needs_a_lenient_simulator(make_sim: MakeSim) -> None:
    strict = make_sim()
    account = strict.add_account()
    with BingXClient(
        account.api_key, account.api_secret, strict.rest_url, signature_encoding="base64"
    ) as client:
        with pytest.raises(AuthenticationException) as refused:
            client.listen_key().generate()
        assert refused.value.code == 100001
    lenient = make_sim(signature_encodings={"hex", "base64"})
    lenient.add_account(account.api_key, account.api_secret)
    with BingXClient(
        account.api_key, account.api_secret, lenient.rest_url, signature_encoding="base64"
    ) as client:
        assert client.listen_key().generate()["listenKey"]


def test_unknown_signature_encoding_is_refused_up_front() -> None:
    with pytest.raises(ValueError, match="signature_encoding"):
        BingXClient("k", "s", signature_encoding="md5")


def test_bad_secret_is_authentication_error_with_everything_kept(
    sim: Simulator, account: Account
) -> None:
    with (
        BingXClient(account.api_key, "wrong", base_uri=sim.rest_url) as client,
        pytest.raises(AuthenticationException) as caught,
    ):
        client.listen_key().generate()
    error = caught.value
    assert (error.status, error.code, error.api_code) == (200, 100001, "100001")
    assert error.msg == "Signature verification failed"
    assert error.body is not None and '"code":100001' in error.body
    assert error.response_data["code"] == 100001


def test_bad_api_key_is_authentication_error(sim: Simulator) -> None:
    with (
        BingXClient("nobody", "x", base_uri=sim.rest_url) as client,
        pytest.raises(AuthenticationException) as caught,
    ):
        client.listen_key().generate()
    assert (caught.value.code, caught.value.msg) == (100413, "Incorrect apiKey")
    assert "[100413]" in str(caught.value)


def test_unknown_and_deleted_keys_raise_listen_key_not_found(client: BingXClient) -> None:
    keys = client.listen_key()
    with pytest.raises(ListenKeyNotFound) as unknown:
        keys.extend("0" * 64)
    assert (unknown.value.status, unknown.value.body) == (404, "")
    key = keys.generate()["listenKey"]
    keys.delete(key)
    with pytest.raises(ListenKeyNotFound):
        keys.delete(key)
    with pytest.raises(ListenKeyNotFound):
        keys.extend(key)


def test_empty_listen_key_is_a_value_error(client: BingXClient) -> None:
    with pytest.raises(ValueError, match="non-empty"):
        client.listen_key().extend("")


def test_network_errors_are_wrapped() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with (
        BingXClient("k", "s", base_uri=f"http://127.0.0.1:{port}", timeout=2) as client,
        pytest.raises(NetworkException) as caught,
    ):
        client.listen_key().generate()
    assert isinstance(caught.value.original_exception, requests.ConnectionError)


def test_post_is_never_retried(make_sim: MakeSim) -> None:
    sim = make_sim(rate_limit_per_second=1)
    account = sim.add_account()
    with BingXClient(account.api_key, account.api_secret, sim.rest_url) as client:
        client.listen_key().generate()
        with pytest.raises(RateLimitException) as caught:
            client.listen_key().generate()
    assert caught.value.code == 100410  # the listen-key pages' code, in both code sets
    assert [r.method for r in sim.journal.requests] == ["POST", "POST"]


def test_a_session_passed_in_stays_open(sim: Simulator, account: Account) -> None:
    with requests.Session() as session:
        with BingXClient(
            account.api_key, account.api_secret, sim.rest_url, session=session
        ) as client:
            client.listen_key().generate()
        assert session.get(sim.rest_url + "/nope").status_code == 404  # still usable
    sim.reset()  # the deliberate 404 above is not a mistake of the client under test


def test_timestamps_follow_a_freeze_even_from_a_background_thread(
    sim: Simulator, client: BingXClient
) -> None:
    """``time.time()`` ignores freezegun when ``threading`` is within five frames of the
    caller, as it is when ``extend`` is itself the thread's target; a timestamp taken that
    way is real time, far from the frozen exchange clock, and gets 100421."""
    with freeze_time("2024-05-01 12:00:00") as frozen:
        key = client.listen_key().generate()["listenKey"]
        frozen.tick(timedelta(minutes=20))
        worker = threading.Thread(target=client.listen_key().extend, args=(key,))
        worker.start()
        worker.join(5)
    _, put = sim.journal.requests
    assert (put.method, put.status, put.code) == ("PUT", 200, None)
