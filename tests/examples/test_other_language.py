"""How-to: a client in another language. ``docs/recipes/listen_key.sh`` signs with
openssl and calls with curl; it runs here against the simulator (where both tools
exist), with the simulator's signature check required."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from bingx_sim import Simulator

RECIPE = Path(__file__).parents[2] / "docs" / "recipes" / "listen_key.sh"


@pytest.mark.skipif(
    not (shutil.which("curl") and shutil.which("openssl") and shutil.which("sh")),
    reason="needs sh, curl and openssl",
)
def test_the_shell_recipe_signs_and_manages_a_key() -> None:
    with Simulator(signature="required") as sim:
        account = sim.add_account()
        env = os.environ | {
            "BASE": sim.rest_url,
            "API_KEY": account.api_key,
            "API_SECRET": account.api_secret,
        }
        done = subprocess.run(
            ["sh", str(RECIPE)], env=env, capture_output=True, text=True, timeout=30
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines()[-1] == "extended and deleted"
        calls = [(r.method, r.status) for r in sim.journal.requests]
        assert calls == [("POST", 200), ("PUT", 200), ("DELETE", 200)]
        assert not sim.journal.violations
