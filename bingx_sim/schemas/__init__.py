"""JSON Schemas of the events the exchange pushes, shipped with the package.

The same schemas check the simulator's event builders and, in the contract suite, what a
real exchange sends, so the fake and the real thing are held to one description.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from bingx_sim.rules.event_types import EVENT_TYPES

__all__ = ["SCHEMAS", "load", "schema_for", "validate"]

SCHEMAS: tuple[str, ...] = tuple(
    sorted({shape.schema for kind in EVENT_TYPES.values() for shape in kind.shapes.values()})
)
"""Every shipped schema: the ones the rows of ``EVENT_TYPES`` name (each shape names the
schema of its frame as delivered); there is no schema of anything else."""


@cache
def load(name: str) -> dict[str, Any]:
    if name not in SCHEMAS:
        raise KeyError(f"no schema {name!r}; known: {', '.join(SCHEMAS)}")
    text = resources.files(__name__).joinpath(f"{name}.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def schema_for(frame: dict[str, Any], *, spot: bool = False, product: str | None = None) -> str:
    """The schema name for one decoded account-stream frame of ``product`` (``swap`` by
    default; ``spot=True`` is ``product="spot"``). ``event_types`` decides."""
    chosen = "spot" if spot else (product or "swap")
    for kind in EVENT_TYPES.values():
        shape = kind.shapes.get(chosen)
        if shape is not None and shape.wrapped and frame.get("dataType") == shape.topic:
            return shape.schema
    found = EVENT_TYPES.get(str(frame.get("e")))
    shape = None if found is None else found.shapes.get(chosen)
    if shape is None:
        raise KeyError(f"no schema for {chosen} event type {frame.get('e')!r}")
    return shape.schema


@cache
def _validator(name: str) -> Any:
    """One checked validator per schema: ``jsonschema.validate`` re-checks the schema
    itself on every call (milliseconds each), which a test validating every frame of a
    long script pays thousands of times."""
    import jsonschema

    schema = load(name)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate(frame: dict[str, Any], *, spot: bool = False, product: str | None = None) -> None:
    """Raise ``jsonschema.ValidationError`` if ``frame`` breaks its event's schema (the
    most relevant error, as ``jsonschema.validate`` raises it).

    Needs ``jsonschema`` (in the ``test`` extra).
    """
    import jsonschema

    validator = _validator(schema_for(frame, spot=spot, product=product))
    error = jsonschema.exceptions.best_match(validator.iter_errors(frame))
    if error is not None:
        raise error
