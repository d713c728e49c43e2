"""The three distributions, built and installed as users get them:

* an SDK user installs ``bingx-python`` 2.1.7 and then the simulator's wheels: the SDK
  stays intact (``bingx-sim`` no longer ships a ``bingx`` package) and the fixtures work;
* a user of our client installs only its wheels and runs the bingx-python wiki example
  against a simulator.

Wheels are built once per run; each venv installs from them and the package index.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bingx_sim import Simulator

ROOT = Path(__file__).parents[2]
pytestmark = pytest.mark.timeout(600)


def _run(*args: str | Path, cwd: Path | None = None) -> str:
    # Never from the checkout: ``python -c`` puts the working directory on sys.path, and
    # the checkout's bingx/ would shadow what the venv installed.
    where = cwd or Path(str(args[0])).parent
    done = subprocess.run(
        [str(a) for a in args], cwd=where, capture_output=True, text=True, timeout=540
    )
    assert done.returncode == 0, f"{args}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheels")
    _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", out,
         ROOT, ROOT / "clocks", ROOT / "client", cwd=out)  # fmt: skip
    return out


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    _run(sys.executable, "-m", "venv", tmp_path / "venv", cwd=tmp_path)
    return tmp_path / "venv" / "bin" / "python"


def _wheel(wheels: Path, name: str) -> Path:
    (found,) = wheels.glob(f"{name}-*.whl")
    return found


def test_the_simulator_installs_beside_the_bingx_python_sdk(wheels: Path, venv: Path) -> None:
    pip = (venv, "-m", "pip", "install", "-q")
    _run(*pip, "bingx-python==2.1.7")
    _run(*pip, _wheel(wheels, "bingx_clocks"), _wheel(wheels, "bingx_sim"), "pytest>=8,<10")
    _run(venv, "-c", "from bingx import BingXClient; assert callable(BingXClient('k', 's').trade)")
    project = venv.parent.parent / "project"
    project.mkdir()
    (project / "pytest.ini").write_text("[pytest]\n")
    (project / "test_sim.py").write_text(
        textwrap.dedent(
            """
            import requests

            def test_fixtures_work_beside_the_sdk(bingx_sim, bingx_account):
                answer = requests.post(
                    bingx_sim.rest_url + "/openApi/user/auth/userDataStream",
                    headers={"X-BX-APIKEY": bingx_account.api_key},
                )
                assert len(answer.json()["listenKey"]) == 64
            """
        )
    )
    out = _run(venv, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=project)
    assert "1 passed" in out
    _run(venv, "-m", "pip", "check")


def test_the_client_alone_runs_the_wiki_example(wheels: Path, venv: Path) -> None:
    _run(venv, "-m", "pip", "install", "-q",
         _wheel(wheels, "bingx_clocks"), _wheel(wheels, "bingx_sim_client"))  # fmt: skip
    with Simulator() as sim:
        sim.add_account("YOUR_API_KEY", "YOUR_API_SECRET")
        example = textwrap.dedent(
            f"""
            from bingx import BingXClient
            from bingx.websocket import AccountDataStream

            client = BingXClient(
                api_key="YOUR_API_KEY", api_secret="YOUR_API_SECRET", base_uri="{sim.rest_url}"
            )
            listen_key = client.listen_key().generate()["listenKey"]
            account_stream = AccountDataStream(listen_key, base_url="{sim.ws_url}")
            account_stream.connect()
            client.listen_key().extend(listen_key)
            client.listen_key().delete(listen_key)
            account_stream.disconnect()
            """
        )
        _run(venv, "-c", example)
        assert [(r.method, r.status) for r in sim.journal.requests] == [
            ("POST", 200),
            ("PUT", 200),
            ("DELETE", 200),
        ]
    assert "bingx_sim" not in _run(venv, "-m", "pip", "list")
