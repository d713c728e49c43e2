"""docs/reference.md names everything public: both packages' ``__all__``, the fixtures,
markers, options, CLI flags and every control route."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import bingx
import bingx_sim
from bingx_sim.wire.app import create_app

REFERENCE = (Path(__file__).parents[2] / "docs" / "reference.md").read_text()


@pytest.mark.parametrize("name", [*bingx_sim.__all__, *bingx.__all__])
def test_every_public_name_is_in_the_reference(name: str) -> None:
    assert f"`{name}`" in REFERENCE or f" {name}" in REFERENCE, name


def test_every_fixture_marker_and_option_is_in_the_reference() -> None:
    plugin = Path(bingx_sim.__file__).with_name("pytest_plugin.py").read_text()
    fixtures = re.findall(r"@pytest\.fixture[^\n]*\ndef (bingx_\w+)", plugin)
    options = re.findall(r'"(--bingx-[\w-]+)"', plugin)
    inis = re.findall(r'"(bingx_sim_(?:ping_interval|pong_timeout|strict))"', plugin)
    markers = re.findall(r'"(bingx_\w+)(?:\(|:)', plugin)
    assert fixtures and options and inis and markers
    for name in {*fixtures, *options, *inis, *markers}:
        assert f"`{name}" in REFERENCE or name in REFERENCE, name


def test_every_cli_flag_is_in_the_reference() -> None:
    from bingx_sim.runners.cli import _parser

    parser = _parser()
    serve = parser._subparsers._group_actions[0].choices["serve"]  # type: ignore[union-attr,index]
    actions = [*parser._actions, *serve._actions]
    flags = {opt for action in actions for opt in action.option_strings}
    for flag in flags - {"-h", "--help"}:
        assert f"`{flag}" in REFERENCE or f"`bingx-sim {flag}" in REFERENCE, flag


def test_every_control_route_is_in_the_reference() -> None:
    app = create_app()
    for route in app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if not path.startswith("/_sim/") or route.method == "HEAD" or "{tail" in path:
            continue
        assert f"{route.method} {path}" in REFERENCE, f"{route.method} {path}"
