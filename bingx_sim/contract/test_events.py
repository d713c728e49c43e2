"""Pushed events have the shapes of the shipped JSON Schemas (``docs/contract.md``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from bingx_sim import events as build
from bingx_sim import schemas
from bingx_sim.contract.wire import open_stream, recv_json
from bingx_sim.plugin.targets import Target
from bingx_sim.rules.event_types import EVENT_TYPES

pytestmark = pytest.mark.bingx_exchange


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def _needs_push(target: Target) -> None:
    if not target.can_push_events:
        pytest.skip(f"{target.name}: cannot push events on demand (place an order to see one)")


SKIPPED = "SNAPSHOT"
ACCOUNT_EVENTS: dict[tuple[str, str], Callable[..., dict[str, Any]]] = {
    (product, kind.name): shape.builder
    for kind in EVENT_TYPES.values()
    if kind.pushable and kind.name != SKIPPED
    for product, shape in kind.shapes.items()
    if shape.topic is None
}
"""Every pushable event type, per product whose sockets get it unsubscribed (swap and
coin-M), read from ``EVENT_TYPES``; the spot events need a subscription (below), and
``SNAPSHOT`` config frames are what ``recv_json`` skips (the exchange sends them unasked)."""


@pytest.mark.parametrize(
    ("product", "kind"), sorted(ACCOUNT_EVENTS), ids=[f"{p}-{k}" for p, k in sorted(ACCOUNT_EVENTS)]
)
def test_account_events_match_their_products_schema(
    bingx_target: Target, http: requests.Session, product: str, kind: str
) -> None:
    _needs_push(bingx_target)
    url = bingx_target.ws_url if product == "swap" else bingx_target.coinm_ws_url
    with open_stream(http, bingx_target, url) as (_, ws):
        assert bingx_target.push(ACCOUNT_EVENTS[product, kind](), product=product) == 1
        event = recv_json(ws)
        assert event["e"] == kind
        schemas.validate(event, product=product)


def test_spot_execution_report_arrives_wrapped(
    bingx_target: Target, http: requests.Session
) -> None:
    _needs_push(bingx_target)
    with open_stream(http, bingx_target, bingx_target.spot_ws_url) as (_, ws):
        ws.send(json.dumps({"id": "s", "reqType": "sub", "dataType": "spot.executionReport"}))
        assert recv_json(ws)["code"] == 0
        bingx_target.push(build.spot_execution_report(), product="spot")
        frame = recv_json(ws)
        assert frame["dataType"] == "spot.executionReport"
        schemas.validate(frame, spot=True)


def test_spot_account_subscription_pushes_an_init_overview(
    bingx_target: Target, http: requests.Session
) -> None:
    with open_stream(http, bingx_target, bingx_target.spot_ws_url) as (_, ws):
        ws.send(json.dumps({"id": "b", "reqType": "sub", "dataType": "ACCOUNT_UPDATE"}))
        assert recv_json(ws)["code"] == 0
        overview = recv_json(ws)
        assert overview["a"]["m"] == "INIT"
        schemas.validate(overview, spot=True)
