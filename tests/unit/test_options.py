"""Contract knobs fail loudly on a typo instead of silently using a default."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bingx_sim import ContractOptions, Simulator
from bingx_sim.wire.app import make_config


def test_defaults_follow_contract_section_7() -> None:
    o = ContractOptions()
    assert (o.post_shape, o.post_existing, o.success_body) == ("flat", "new", "empty")
    assert (o.listen_key_source, o.signature, o.error_status) == ("query", "verify-if-present", 200)
    assert (o.on_expiry, o.invalid_key, o.ping_encoding, o.snapshots) == (
        "close",
        "reject",
        "gzip",
        True,
    )
    assert (o.snapshot_event, o.snapshot_symbols, o.spot_expiry) == ("SNAPSHOT", None, "push")


def test_bad_choice_names_the_field_and_the_choices() -> None:
    with pytest.raises(ValueError, match=r"on_expiry='explode' is not one of close, silent"):
        ContractOptions(on_expiry="explode")  # type: ignore[arg-type]


def test_bad_encoding_set() -> None:
    with pytest.raises(ValueError, match="signature_encodings"):
        ContractOptions(signature_encodings=frozenset({"md5"}))


def test_unknown_simulator_option_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"unknown simulator option.*on_expire"):
        Simulator(on_expire="silent")


def test_make_config_splits_timings_from_contract_options() -> None:
    config = make_config(key_ttl=timedelta(minutes=5), ping_interval=1, on_expiry="silent")
    assert config.ttl_ms == 300_000 and config.ping_interval == 1
    assert config.options.on_expiry == "silent"


@pytest.mark.parametrize("bad", [{"ping_interval": 0}, {"pong_timeout": -1}, {"watch_interval": 0}])
def test_timings_must_be_positive(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="positive"):
        make_config(**bad)


def test_max_recv_window_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_recv_window_ms"):
        ContractOptions(max_recv_window_ms=0)
    assert ContractOptions().recv_window_cap_ms == 5000
    assert ContractOptions(recv_window_ms=30_000).recv_window_cap_ms == 30_000
    assert ContractOptions(max_recv_window_ms=60_000).recv_window_cap_ms == 60_000


def test_both_packages_know_their_version() -> None:
    import bingx
    import bingx_sim

    assert bingx.__version__ == bingx_sim.__version__ == "0.1.0"


def test_signature_encodings_given_as_a_set_or_list_become_a_frozenset() -> None:
    from bingx_sim.rules.options import ContractOptions

    for given in ({"hex", "base64"}, ["base64"]):
        assert isinstance(ContractOptions(signature_encodings=given).signature_encodings, frozenset)  # type: ignore[arg-type]


def test_every_choice_field_refuses_a_value_outside_its_literal() -> None:
    """The choices come from each field's ``Literal`` alias: a text field that is not
    one (or whose alias is not read) would accept anything."""
    from dataclasses import fields

    text_fields = [f.name for f in fields(ContractOptions) if isinstance(f.default, str)]
    assert len(text_fields) >= 15
    for name in text_fields:
        bad: dict[str, Any] = {name: "bogus"}
        with pytest.raises(ValueError, match=rf"^{name}='bogus' is not one of "):
            ContractOptions(**bad)


def test_every_choice_of_a_field_is_accepted() -> None:
    assert ContractOptions(signature="required").signature == "required"
    assert ContractOptions(too_many_sockets="404").too_many_sockets == "404"
    with pytest.raises(ValueError, match=r"too_many_sockets='405' is not one of frame, 404$"):
        ContractOptions(too_many_sockets="405")  # type: ignore[arg-type]
