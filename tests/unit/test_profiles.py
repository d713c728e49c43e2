"""Profiles (named sets of contract options) and options changed from JSON."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bingx_sim.rules.options import ContractOptions, option_names
from bingx_sim.rules.profiles import PROFILES
from bingx_sim.wire.app import make_config

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_a_profile_lays_its_values_under_the_explicit_ones() -> None:
    options, rest = ContractOptions.split({"profile": "bingx-python", "success_body": "empty"})
    assert not rest and options.profile == "bingx-python"
    assert options.signature_encodings == frozenset({"hex", "base64"})
    assert options.listen_key_source == "query+body"
    assert options.success_body == "empty"  # given explicitly: it wins
    assert make_config(profile="bingx-python").options.success_body == "json"


def test_an_unknown_profile_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="no profile 'nope'; known: bingx-python"):
        ContractOptions.split({"profile": "nope"})
    with pytest.raises(ValueError, match="no profile 'nope'"):
        ContractOptions(profile="nope")


def test_with_changes_validates_as_the_constructor_does_plus_types() -> None:
    base = ContractOptions()
    changed = base.with_changes(
        {
            "signature_encodings": ["base64"],
            "snapshot_symbols": ["BTC-USDT"],
            "rate_limit_lockout": 5,
        }
    )
    assert changed.signature_encodings == frozenset({"base64"})
    assert changed.snapshot_symbols == ("BTC-USDT",) and changed.rate_limit_lockout == 5.0
    assert base.with_changes({"max_recv_window_ms": None}).max_recv_window_ms is None
    cases: list[tuple[dict[str, Any], str]] = [
        ({"nope": 1}, r"unknown option\(s\) nope; valid: change_needs_api_key, "),
        ({"on_expiry": "explode"}, "on_expiry='explode' is not one of close, silent"),
        ({"recv_window_ms": "5"}, r"recv_window_ms='5' has the wrong type \(expected int\)"),
        ({"recv_window_ms": True}, "wrong type"),
        ({"snapshots": 1}, r"expected bool"),
        ({"error_status": None}, "error_status cannot be null"),
        ({"signature_encodings": [1]}, "signature_encodings must be a list of strings"),
        ({"rate_limit_per_second": 1.5}, r"expected int or null"),
        ({"on_delete": 3}, r"expected one of close, silent"),
        ({"snapshot_symbols": "BTC"}, r"expected a list of strings or null"),
        ({"recv_window_ms": 0}, "must be positive"),
    ]
    for changes, message in cases:
        with pytest.raises(ValueError, match=message):
            base.with_changes(changes)


def test_json_views() -> None:
    options = ContractOptions().with_changes({"profile": "bingx-python"})
    assert options.changed() == {
        "success_body": "json",
        "listen_key_source": "query+body",
        "signature_encodings": ["base64", "hex"],
        "profile": "bingx-python",
    }
    everything = options.as_json()
    assert set(everything) == option_names() and everything["snapshot_symbols"] is None


def test_the_docs_list_every_leniency_with_its_certainty() -> None:
    """docs/contract.md, docs/migration.md and docs/sdk.md name each option of each
    profile, with the value and whether production's answer is certain or contested."""
    for profile in PROFILES.values():
        for doc in ("contract.md", "migration.md", "sdk.md"):
            text = (DOCS / doc).read_text()
            assert f"`{profile.name}`" in text or f'"{profile.name}"' in text, doc
            for leniency in profile.leniencies:
                rows = [line for line in text.splitlines() if f"`{leniency.option}" in line]
                assert any(leniency.certainty in row for row in rows), (doc, leniency.option)


def test_signature_payload_is_a_documented_option() -> None:
    contract = (DOCS / "contract.md").read_text()
    assert re.search(r"`signature_payload=\"as-sent\"` / `\"sorted\"` / `\"either\"`", contract)
