"""Editable installs are editable: after the README's ``pip install -e ./clocks -e ./client``
an edit to ``bingx/`` or ``bingx_clocks/`` is what every process imports, from any
directory (pytester's ``runpytest_subprocess`` runs in a temporary directory too).

hatchling's ``force-include`` used to copy both packages into site-packages, where the
copy came before the checkout on ``sys.path`` everywhere but at the repository root.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import websocket

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(300)

PROBE = """
import bingx.client, bingx_clocks
print(hasattr(bingx.client, "MARK"), hasattr(bingx_clocks, "MARK"))
print(bingx.client.__file__)
print(bingx_clocks.__file__)
"""


def _run(*args: str | Path, cwd: Path) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, f"{args}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _clone(to: Path) -> Path:
    """The parts of the checkout the two distributions are built from."""
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in ("client", "clocks", "bingx", "bingx_clocks"):
        shutil.copytree(ROOT / part, to / part, ignore=skip)
    return to


def test_an_edit_is_imported_outside_the_repository(tmp_path: Path) -> None:
    repo = _clone(tmp_path / "repo")
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    _run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps",
         "-e", repo / "clocks", "-e", repo / "client", cwd=tmp_path)  # fmt: skip
    (site_packages,) = venv.glob("lib/python*/site-packages")
    # What an editable install is: no copy of either package, a .pth naming the root.
    assert not (site_packages / "bingx").exists()
    assert not (site_packages / "bingx_clocks").exists()
    # The client's dependencies, from the venv running this test (after the root's .pth
    # entries: the file name sorts last), so the test installs nothing from an index.
    deps = {Path(str(module.__file__)).parents[1] for module in (requests, websocket)}
    (site_packages / "zz_test_dependencies.pth").write_text("".join(f"{d}\n" for d in deps))

    with (repo / "bingx" / "client.py").open("a") as f:
        f.write("MARK = 1\n")
    with (repo / "bingx_clocks" / "__init__.py").open("a") as f:
        f.write("MARK = 1\n")

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    marks, client, clocks = _run(python, "-c", PROBE, cwd=outside).splitlines()
    assert marks == "True True"
    assert Path(client) == repo.resolve() / "bingx" / "client.py"
    assert Path(clocks) == repo.resolve() / "bingx_clocks" / "__init__.py"


def test_this_venv_imports_the_checkout_from_anywhere(tmp_path: Path) -> None:
    # The venv running the suite (installed as the README says): a subprocess started
    # outside the checkout, as pytester's are, runs the checkout's code, not a copy.
    _, client, clocks = _run(sys.executable, "-c", PROBE, cwd=tmp_path).splitlines()
    reinstall = "a copy shadows the checkout: pip install -e ./clocks -e ./client again"
    assert Path(client) == ROOT / "bingx" / "client.py", reinstall
    assert Path(clocks) == ROOT / "bingx_clocks" / "__init__.py", reinstall
