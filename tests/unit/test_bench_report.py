"""The benchmark's vocabulary: statistics, the results file round trip, the tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.report import Figure, Stat, environment, load, markdown, render, write


def test_a_stat_is_the_median_and_range_of_its_samples() -> None:
    assert Stat.of([3.0, 1.0, 2.0, 10.0]) == Stat(2.5, 1.0, 10.0, 4)
    with pytest.raises(ValueError, match="at least one"):
        Stat.of([])


def test_results_round_trip_and_render(tmp_path: Path) -> None:
    figures = [
        Figure(
            "rest",
            "PUT",
            "req/s",
            Stat.of([900, 1000]),
            "req/s, bare",
            Stat.of([1000]),
            Stat.of([0.9, 1.0]),
            "ours / bare",
            ">= 0.95",
            False,
        ),
        Figure("scale", "(suite failed)", "", None, note="RuntimeError('x')"),
    ]
    env = environment()
    assert {"python", "cpus", "load_average", "packages", "commit"} <= env.keys()
    path = tmp_path / "results.json"
    write(path, figures, env, quick=True)
    loaded_env, loaded = load(path)
    assert loaded == figures and loaded_env["cpus"] == env["cpus"]
    table = render(loaded)
    assert "NO" in table and "note: RuntimeError('x')" in table
    md = markdown(loaded)
    assert "| rest | PUT | 950 (900..1e+03) req/s |" in md and "**no**" in md
