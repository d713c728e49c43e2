"""The README's code: its pytest example runs as a downstream project would run it, and
its two commands are the ones CI uses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def test_the_readme_pytest_example_passes_in_a_fresh_project(pytester: pytest.Pytester) -> None:
    (example,) = [b for b in blocks("python") if "def test_" in b]
    pytester.makepyfile(test_downstream=example)
    # pytest-asyncio (our test extra) warns about its own unset option in a bare project.
    pytester.runpytest("-W", "error", "-p", "no:asyncio").assert_outcomes(passed=1)


def test_ci_runs_the_readme_test_command() -> None:
    commands = [line for b in blocks("sh") for line in b.splitlines() if "python3 -m venv" in line]
    assert len(commands) == 2, "the README gives exactly two set-up-and-run commands"
    demo, tests = commands
    assert demo.endswith("bingx-sim demo") and "pytest" in tests
    assert tests in (ROOT / ".ci" / "run").read_text()
