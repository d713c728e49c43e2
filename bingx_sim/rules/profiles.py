"""Named sets of contract options: what a known client needs to pass where the faithful
defaults refuse it, each leniency with what the real exchange does instead.

A profile is applied before the options given explicitly
(``Simulator(profile="bingx-python", success_body="empty")`` keeps the empty body), by
``ContractOptions.split`` and ``ContractOptions.with_changes``. ``docs/contract.md`` and
``docs/migration.md`` list the same leniencies (a test compares them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["PROFILES", "Certainty", "Leniency", "Profile"]

Certainty = Literal["certain", "contested"]
"""``certain``: the real exchange was observed refusing what the client sends;
``contested``: the sources disagree, so the client may work in production or not."""


@dataclass(frozen=True, slots=True)
class Leniency:
    """One option a profile sets, why the client needs it, and what production does."""

    option: str
    value: object
    client_does: str
    exchange_does: str
    certainty: Certainty
    sources: str


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    summary: str
    leniencies: tuple[Leniency, ...]

    @property
    def options(self) -> dict[str, object]:
        """The option values, as keywords of ``Simulator(...)``."""
        return {leniency.option: leniency.value for leniency in self.leniencies}


BINGX_PYTHON = Profile(
    name="bingx-python",
    summary=(
        "the bingx-python SDK 2.1.7's listen-key calls as it sends them: generate, extend "
        "and delete work, so lifecycle logic can be tested with the SDK kept"
    ),
    leniencies=(
        Leniency(
            option="signature_encodings",
            value=frozenset({"hex", "base64"}),
            client_does="signs every call in base64 (BingXClient's default "
            "signature_encoding='base64')",
            exchange_does="BingX documents lowercase hex; whether its gateway still takes "
            "base64 (as the old bingbon API did) is not public. In production pass "
            "signature_encoding='hex' to BingXClient",
            certainty="contested",
            sources="S1, S6 (hex) vs S18 (the SDK's default)",
        ),
        Leniency(
            option="listen_key_source",
            value="query+body",
            client_does="sends the listen key of extend() in a form body",
            exchange_does="every real trace and BingX.Net's fix (aa1effc, 2024-07) send it "
            "in the query; BingX's general rule allows a form body. A body key may "
            "answer 204 (missing key) in production, and the key then expires at minute 60",
            certainty="contested",
            sources="S1 (general rule) vs S9, S15 (query)",
        ),
        Leniency(
            option="success_body",
            value="json",
            client_does="reads every answer as JSON: extend() and delete() raise "
            "BingXException('Invalid JSON response from API') on an empty body",
            exchange_does="a successful PUT or DELETE answers 200 with an empty body: "
            "extend() raises after the key was extended, delete() after it was deleted",
            certainty="certain",
            sources="S9 (a real trace), S15 (fixture); S6 documents an envelope",
        ),
    ),
)

PROFILES: dict[str, Profile] = {BINGX_PYTHON.name: BINGX_PYTHON}
"""Every profile by name."""
