"""With the bingx-python SDK installed (its import name is ``bingx`` too), the
``bingx_client`` fixture says in one line what to do, instead of a TypeError from the
SDK's constructor. (tests/examples/test_sdk_howto.py checks it with the real SDK.)"""

from __future__ import annotations

import textwrap

import pytest

pytest_plugins = ["pytester"]

FAKE_SDK = textwrap.dedent(
    """
    # What matters of bingx-python 2.1.7 here: its version and its constructor.
    __version__ = "2.1.7"


    class BingXClient:
        def __init__(self, api_key, api_secret, base_uri="https://open-api.bingx.com",
                     source_key=None, signature_encoding="base64", timeout=30):
            pass
    """
)


def test_the_fixture_names_both_ways_out_in_one_line(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    sdk = pytester.path / "sdk"
    (sdk / "bingx").mkdir(parents=True)
    (sdk / "bingx" / "__init__.py").write_text(FAKE_SDK)
    monkeypatch.setenv("PYTHONPATH", str(sdk))  # before the checkout's bingx, as installed
    pytester.makepyfile(test_x="def test_x(bingx_client):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    # The whole message on one line (the summary line repeats its start).
    lines = [line for line in result.outlines if line.startswith("the bingx_client fixture")]
    assert len(lines) == 1, result.outlines
    (line,) = lines
    assert "bingx here is the bingx-python SDK 2.1.7" in line
    assert "pip install bingx-sim-client" in line
    assert "@pytest.mark.bingx_sim(profile='bingx-python')" in line and "docs/sdk.md" in line
    assert "TypeError" not in result.stdout.str()


def test_no_bingx_at_all_says_to_install_the_client(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = pytester.path / "blocker"
    blocker.mkdir()
    # A finder that hides every bingx module, as on a machine with neither installed.
    (blocker / "sitecustomize.py").write_text(
        textwrap.dedent(
            """
            import sys

            class _NoBingx:
                def find_spec(self, name, path=None, target=None):
                    if name == "bingx" or name.startswith("bingx."):
                        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
                    return None

            sys.meta_path.insert(0, _NoBingx())
            """
        )
    )
    monkeypatch.setenv("PYTHONPATH", str(blocker))
    pytester.makepyfile(test_x="def test_x(bingx_client):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*the bingx_client fixture needs our client: pip install*"])


def test_the_marker_takes_a_profile(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_profile="""
import pytest

@pytest.mark.bingx_sim(profile="bingx-python", success_body="envelope")
def test_profile(bingx_sim, bingx_sim_server):
    assert bingx_sim is not bingx_sim_server  # options of its own: a private simulator
    assert bingx_sim.options.listen_key_source == "query+body"
    assert bingx_sim.options.success_body == "envelope"

def test_unknown_profile(bingx_sim):
    pass

test_unknown_profile = pytest.mark.bingx_sim(profile="nope")(test_unknown_profile)
"""
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*no profile 'nope'; known: bingx-python*"])
