"""``start_freeze`` (behind ``bingx_clock``) skips only the library modules freezegun's own
memory says bind no time function; everything else is freezegun's own ``start()``."""

from __future__ import annotations

import datetime
import sys
import types

import pytest

from bingx_sim.plugin.clock_fixtures import _quiet_modules, start_freeze

freezegun_api = pytest.importorskip("freezegun.api")
_2030 = datetime.datetime(2030, 1, 2, tzinfo=datetime.UTC)


def _module(name: str, source: str) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__file__ = f"/somewhere/in/a/project/{name}.py"  # not a library module
    exec(source, module.__dict__)
    sys.modules[name] = module
    return module


def test_only_library_modules_that_bind_nothing_are_skipped() -> None:
    bound = _module("_freeze_scan_bound", "from time import time\n")
    plain = _module("_freeze_scan_plain", "X = 1\n")
    try:
        for _ in range(2):  # the first freeze fills freezegun's memory
            freezer, _factory = start_freeze("2030-01-02", ["_pytest.timing"])
            try:
                assert (
                    bound.time() == datetime.datetime(2030, 1, 2, tzinfo=datetime.UTC).timestamp()
                )
            finally:
                freezer.stop()
        quiet = _quiet_modules(freezegun_api._GLOBAL_MODULES_CACHE)
        assert quiet.get(id(sys.modules["json"])) is sys.modules["json"]
        assert id(bound) not in quiet  # binds a time function
        assert id(plain) not in quiet  # binds none, but is not a library module
        assert bound.time() < _2030.timestamp()
    finally:
        del sys.modules["_freeze_scan_bound"], sys.modules["_freeze_scan_plain"]


def test_a_full_scan_when_asked_and_the_callers_ignore_list_decides_real_time() -> None:
    freezer, _factory = start_freeze("2030-01-02", ["_pytest.timing"], full_scan=True)
    try:
        assert datetime.datetime.now().year == 2030
        assert freezegun_api.ignore_lists[-1][0] == "_pytest.timing"
    finally:
        freezer.stop()
    freezer, _factory = start_freeze("2030-01-02", ["_pytest.timing"])
    try:
        assert freezegun_api.ignore_lists[-1][0] == "_pytest.timing"
    finally:
        freezer.stop()
    assert datetime.datetime.now().year < 2030


def test_a_module_without_a_file_is_never_taken_for_a_library_module() -> None:
    made = types.ModuleType("_freeze_scan_made_by_a_test")  # no __file__
    sys.modules[made.__name__] = made
    try:
        for _ in range(2):  # freezegun remembers it as binding nothing
            freezer, _factory = start_freeze("2030-01-02", ["_pytest.timing"])
            freezer.stop()
        assert id(made) not in _quiet_modules(freezegun_api._GLOBAL_MODULES_CACHE)
        setattr(made, "now", __import__("time").time)  # noqa: B010  # it binds one later
        freezer, _factory = start_freeze("2030-01-02", ["_pytest.timing"])
        try:
            assert getattr(made, "now")() == _2030.timestamp()  # noqa: B009
        finally:
            freezer.stop()
    finally:
        del sys.modules[made.__name__]
