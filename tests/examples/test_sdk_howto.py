"""``docs/sdk.md`` as an SDK user runs it: its Python blocks, as written, in a throwaway
venv holding ``bingx-python==2.1.7`` from the package index (import name ``bingx``, so it
never shares a venv with our client) beside this checkout's simulator. Skipped, with the
reason, where pip cannot get the SDK.

The SDK's wheel is downloaded once per run (per xdist worker); each venv installs it from
there without the index. The venv reaches the simulator and its dependencies through a
``.pth`` file naming a directory that links ``bingx_sim`` and ``bingx_clocks`` only (the
checkout's root also holds our ``bingx``) and the running interpreter's site-packages,
which is quick; ``tests/packaging/test_wheels.py`` installs the built wheels instead.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SDK = "bingx-python==2.1.7"
HOWTO = (ROOT / "docs" / "sdk.md").read_text()

pytestmark = pytest.mark.timeout(240)


def _run(
    args: list[str | Path], cwd: Path, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )


@pytest.fixture(scope="session")
def sdk_wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SDK's wheel, fetched once per run; a skip with pip's reason when it cannot be."""
    out = tmp_path_factory.mktemp("sdk-wheels")
    done = _run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", out, SDK], out, 120
    )
    if done.returncode != 0 or not list(out.glob("*.whl")):
        reason = (done.stderr.strip().splitlines() or ["no wheel"])[-1]
        pytest.skip(f"pip cannot get {SDK}: {reason}")
    return out


@pytest.fixture
def sdk_python(tmp_path: Path, sdk_wheels: Path) -> Path:
    """A venv with the SDK installed and this checkout's simulator reachable."""
    venv = tmp_path / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", venv], tmp_path)
    assert made.returncode == 0, made.stderr
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = venv / "lib" / version / "site-packages"
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index"]
    installed = _run([*pip, "--find-links", sdk_wheels, "--target", site, SDK], tmp_path)
    assert installed.returncode == 0, installed.stderr
    links = tmp_path / "simulator"
    links.mkdir()
    for package in ("bingx_sim", "bingx_clocks"):
        (links / package).symlink_to(ROOT / package, target_is_directory=True)
    here = sysconfig.get_paths()["purelib"]  # aiohttp, requests, pytest, freezegun, ...
    (site / "_bingx_sim_checkout.pth").write_text(f"{links}\n{here}\n")
    return venv / "bin" / "python"


def _project(tmp_path: Path, name: str, code: str) -> Path:
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    (project / "pytest.ini").write_text("[pytest]\n")
    (project / name).write_text(code)
    return project


def _pytest(python: Path, project: Path) -> subprocess.CompletedProcess[str]:
    # pytest-asyncio (our test extra) warns about its own unset option in a bare project.
    plugins = ["no:asyncio", "no:cacheprovider", "no:xdist", "no:randomly"]
    args: list[str | Path] = [python, "-m", "pytest", "-q", "-W", "error"]
    for plugin in plugins:
        args += ["-p", plugin]
    return _run(args, project)


def test_the_sdk_howto_passes_against_the_real_sdk(sdk_python: Path, tmp_path: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", HOWTO, flags=re.DOTALL)
    assert len(blocks) == 4
    project = _project(tmp_path, "test_sdk_howto.py", "\n\n".join(blocks))
    which = _run(
        [sdk_python, "-c", "import bingx; print(bingx.__version__, bingx.__file__)"], project
    )
    assert which.stdout.startswith("2.1.7 ") and "site-packages" in which.stdout, which
    done = _pytest(sdk_python, project)
    assert "4 passed" in done.stdout, done.stdout[-4000:] + done.stderr[-2000:]


def test_the_bingx_client_fixture_names_the_way_out_with_the_sdk(
    sdk_python: Path, tmp_path: Path
) -> None:
    project = _project(tmp_path, "test_fixture.py", "def test_x(bingx_client):\n    pass\n")
    done = _pytest(sdk_python, project)
    assert "1 error" in done.stdout, done.stdout[-3000:]
    (line,) = [row for row in done.stdout.splitlines() if "bingx_client fixture needs" in row][:1]
    assert "bingx-python SDK 2.1.7" in line and "pip install bingx-sim-client" in line
    assert "profile='bingx-python'" in line and "TypeError" not in done.stdout
