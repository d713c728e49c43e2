"""Every real frame we have passes the shipped schemas.

``real_frames/`` holds the frames BingX was seen sending (quoted by ccxt, recorded by
BingX.Net, seen on VST) and the documentation's examples where no capture exists, one JSON
file each with its source and date. The contract suite validates a real target's frames
with the same schemas, so a schema that refused one of these would fail there on the
schema, not on BingX.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from bingx_sim import schemas

HERE = Path(__file__).parent / "real_frames"
FILES = sorted(HERE.glob("*.json"))
KINDS = {"observed", "third-party fixture", "documentation example"}


@cache
def record(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def event_of(item: dict[str, Any]) -> dict[str, Any]:
    """The event inside the frame (spot's ``executionReport`` is wrapped in ``data``)."""
    frame: dict[str, Any] = item["frame"]
    inner: dict[str, Any] = frame.get("data", frame)
    return inner


def test_the_frames_are_there() -> None:
    assert len(FILES) >= 9


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_each_frame_says_where_and_when_it_comes_from(path: Path) -> None:
    item = record(path)
    assert item["kind"] in KINDS and item["description"]
    assert item["schema"] in schemas.SCHEMAS and item["product"] in {"swap", "coinm", "spot"}
    source = item["source"]
    assert source.get("repository") or source.get("document")
    assert source.get("commit") or source.get("package")
    assert isinstance(item["whole_message"], bool) and isinstance(item["notes"], list)
    moment = datetime.fromtimestamp(event_of(item)["E"] / 1000, UTC)
    assert item["date"] == moment.date().isoformat()  # the frame's own time
    assert path.stem.endswith(item["date"])


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_each_real_frame_validates(path: Path) -> None:
    item = record(path)
    frame, name, product = item["frame"], item["schema"], item["product"]
    jsonschema.validate(frame, schemas.load(name))
    assert schemas.schema_for(frame, product=product) == name
    schemas.validate(frame, product=product)


def _frames(**where: Any) -> list[dict[str, Any]]:
    items = [record(path) for path in FILES]
    return [item for item in items if all(item.get(k) == v for k, v in where.items())]


def test_the_frames_the_issue_names_are_covered() -> None:
    """The frames that the old schemas refused: keep them in the corpus."""
    swap_orders = [event_of(f)["o"] for f in _frames(schema="order_trade_update")]
    assert any(isinstance(order["i"], str) for order in swap_orders)
    spot_balances = [
        entry for f in _frames(schema="spot_account_update") for entry in event_of(f)["a"]["B"]
    ]
    assert any("lk" not in entry for entry in spot_balances)
    assert any("lk" in entry for entry in spot_balances)
    reports = [event_of(f) for f in _frames(schema="spot_execution_report")]
    assert any("C" not in report and isinstance(report["i"], str) for report in reports)
    assert any("C" in report for report in reports)
    assert _frames(schema="snapshot", kind="observed")
    assert _frames(schema="listen_key_expired")


def test_every_swap_and_spot_schema_has_a_real_frame() -> None:
    """Coin-M is the gap: no coin-M frame is public (its rows in docs/contract.md say so)."""
    covered = {record(path)["schema"] for path in FILES}
    assert covered == {name for name in schemas.SCHEMAS if not name.startswith("coinm_")}


def test_observed_frames_outnumber_the_rest() -> None:
    kinds = [record(path)["kind"] for path in FILES]
    assert kinds.count("observed") > len(kinds) / 2
