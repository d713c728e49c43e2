"""The container recipe (``Dockerfile``): built and run where a container builder is
available; otherwise its own install and start commands, read from the file, replayed in
a fresh venv from exactly what it copies.

Either way the sandbox it starts binds 0.0.0.0 and so refuses to start without a control
token, and with one serves the exchange and a guarded control API.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from ..sandbox_process import read_banner

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
TOKEN = "s3cret-token"

pytestmark = pytest.mark.timeout(600)


def _instructions(name: str) -> list[str]:
    """The arguments of every ``NAME`` instruction (continuation lines joined)."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [line.split(None, 1)[1] for line in text.splitlines() if line.split()[:1] == [name]]


def test_the_recipe_is_a_slim_python_image_run_by_a_plain_user() -> None:
    (base,) = _instructions("FROM")
    assert re.fullmatch(r"python:3\.11-slim", base)
    users = _instructions("USER")
    assert users and users[-1] not in ("root", "0")
    entry = json.loads(_instructions("ENTRYPOINT")[-1])
    assert entry == ["bingx-sim", "serve", "--host", "0.0.0.0"]
    assert "--control-token" not in DOCKERFILE.split("ENTRYPOINT")[1]  # the user's to give
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "tests"} <= set(ignored)


def _builder() -> str | None:
    docker = shutil.which("docker")
    if docker is None:
        return None
    probe = subprocess.run([docker, "info"], capture_output=True, timeout=30)
    return docker if probe.returncode == 0 else None


def _run(
    args: list[str | Path], cwd: Path, timeout: float = 540, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )


def _check_guarded_sandbox(base: str) -> None:
    with requests.Session() as http:
        http.trust_env = False
        assert http.get(f"{base}/_sim/health").status_code == 401
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        health = http.get(f"{base}/_sim/health", headers=bearer)
        assert health.status_code == 200 and health.json()["status"] == "ok"
        answer = http.post(f"{base}/openApi/user/auth/userDataStream")
        assert answer.json()["code"] == 100413  # the exchange answers, without the token


@contextmanager
def _serving(command: list[str], env: dict[str, str]) -> Iterator[str]:
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        banner = read_banner(proc)
        match = re.search(r"REST\s+http://[^:]+:(\d+)", banner)
        assert match is not None, banner
        yield f"http://127.0.0.1:{match.group(1)}"
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def test_the_image_builds_and_serves(tmp_path: Path) -> None:
    docker = _builder()
    if docker is None:
        pytest.skip("no container builder runs here (docker info failed or no docker)")
    tag = "bingx-sim-test:latest"  # only where a builder runs
    built = _run([docker, "build", "-q", "-t", tag, ROOT], ROOT)
    assert built.returncode == 0, built.stderr[-3000:]
    refused = _run([docker, "run", "--rm", tag], ROOT, 60)
    assert refused.returncode == 2 and "--control-token" in refused.stderr
    name = f"bingx-sim-test-{os.getpid()}"
    started = _run(
        [docker, "run", "-d", "--rm", "--name", name, "-p", "127.0.0.1::8080",
         "-e", f"BINGX_SIM_CONTROL_TOKEN={TOKEN}", tag], ROOT, 60,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    try:
        port = _run([docker, "port", name, "8080"], ROOT, 30).stdout.strip().rsplit(":", 1)[1]
        logs = ""
        for _ in range(100):
            logs = _run([docker, "logs", name], ROOT, 30).stdout
            if "SIGTERM stops it." in logs:
                break
        assert "bingx-sim sandbox ready" in logs
        _check_guarded_sandbox(f"http://127.0.0.1:{port}")
    finally:
        _run([docker, "stop", name], ROOT, 60)


def _index_reachable(tmp_path: Path) -> bool:
    tmp_path.mkdir()
    probe = _run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", tmp_path, "hatchling"],
        tmp_path,
        120,
    )
    return probe.returncode == 0


def test_the_recipes_install_and_start_commands_in_a_fresh_venv(tmp_path: Path) -> None:
    if not _index_reachable(tmp_path / "probe"):
        pytest.skip("the package index is unreachable: the recipe's pip install needs it")
    src = tmp_path / "src"
    src.mkdir()
    for copy in _instructions("COPY"):
        *sources, _dest = shlex.split(copy)
        for source in sources:
            origin = ROOT / source
            target = src / source
            if origin.is_dir():
                shutil.copytree(origin, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(origin, target)
    venv = tmp_path / "venv"
    assert _run([sys.executable, "-m", "venv", venv], tmp_path).returncode == 0
    (install,) = [run for run in _instructions("RUN") if "pip install" in run]
    pip_args = shlex.split(install.split("&&")[0])
    assert pip_args[:2] == ["pip", "install"]
    installed = _run([venv / "bin" / "python", "-m", *pip_args, "-q"], src)
    assert installed.returncode == 0, installed.stderr[-3000:]
    shutil.rmtree(src)  # as the image does: the installed copy must stand alone

    entry = json.loads(_instructions("ENTRYPOINT")[-1])
    command = [str(venv / "bin" / entry[0]), *entry[1:], *json.loads(_instructions("CMD")[-1])]
    command += ["--port", "0"]  # the last --port wins: any free port here
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "BINGX_SIM_CONTROL_TOKEN")
    }
    refused = _run(command, tmp_path, 60, env)
    assert refused.returncode == 2 and "pass --control-token" in refused.stderr
    with _serving(command, env | {"BINGX_SIM_CONTROL_TOKEN": TOKEN}) as base:
        _check_guarded_sandbox(base)
