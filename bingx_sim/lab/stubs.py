"""Stubs: answers for the other endpoints a real bot calls (markets, balance, positions),
so a client can run against the simulator unchanged. Pure data and matching; the REST
pipeline answers with them and journals each call with the stub's label.

They match as WireMock's and pytest-httpserver's do: method and path, then optionally
``query`` (those parameters present with those values; others such as ``timestamp``
ignored), ``api_key`` (only that account's calls), ``body_params`` (fields of a form or
JSON body). A stub answers with one reply, an ordered ``sequence`` of replies (one per
call, then it is spent), or, from Python, a callable ``answer`` of the request. When no
stub matches a call to an unknown path that one nearly matched, the 404 and the journal
say which came closest and why it did not match (WireMock's "near misses").

Like pytest-httpserver's ``expect_request(...).respond_with_json(...)``: a stub with
``times`` (or a ``sequence``) that is never called fails a strict test at teardown.
"""

from __future__ import annotations

import difflib
import itertools
import json as _json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from bingx_sim.rules.params import split_pairs

__all__ = [
    "ActiveStub",
    "Reply",
    "Stub",
    "StubPlan",
    "StubRequest",
    "reply_from_json",
    "stub_from_json",
]

_METHODS = frozenset({"*", "GET", "POST", "PUT", "DELETE", "PATCH"})
_NEAR_PATH = 0.8  # how alike two paths must be (difflib's ratio) to call one a near miss


def _check_answer(status: int, json: Any, body: str | None, headers: Mapping[str, str]) -> None:
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise ValueError(f"{status!r} is not an HTTP status")
    if json is not None and body is not None:
        raise ValueError("give json or body, not both")
    if body is not None and not isinstance(body, str):
        raise ValueError("body must be a string (json= for a JSON answer)")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
        raise ValueError("headers must map strings to strings")
    _json.dumps(json)  # not JSON-serialisable: TypeError now, not at answer time


@dataclass(frozen=True, kw_only=True)
class Reply:
    """One answer: ``status`` with ``json`` (or ``body`` verbatim, as text) and ``headers``."""

    json: Any = None
    status: int = 200
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_answer(self.status, self.json, self.body, self.headers)

    def payload(self) -> tuple[bytes, str]:
        """The body and its content type."""
        if self.body is not None:
            return self.body.encode(), "text/plain"
        return _json.dumps(self.json, separators=(",", ":")).encode(), "application/json"


@dataclass(frozen=True, slots=True)
class StubRequest:
    """What a stub's matchers, and a callable answer, see of a request: the decoded
    query, the raw body (UTF-8), the ``X-BX-APIKEY`` header and every header."""

    method: str
    path: str
    query: Mapping[str, str]
    body: str = ""
    api_key: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def body_fields(self) -> dict[str, Any]:
        """The body's fields: a JSON object's members, or a form's ``name=value`` pairs
        (the first of a repeated name); ``{}`` for anything else."""
        text = self.body.strip()
        if text.startswith(("{", "[")):
            try:
                parsed = _json.loads(text)
            except (ValueError, RecursionError):
                return {}
            return parsed if isinstance(parsed, dict) else {}
        found: dict[str, Any] = {}
        for name, value in split_pairs(text):
            found.setdefault(name, value)
        return found

    @property
    def params(self) -> dict[str, Any]:
        """Query and body fields merged (the query wins, as the exchange reads them)."""
        return {**self.body_fields(), **self.query}


def _same_value(sent: Any, wanted: Any) -> bool:
    """A body field equals the wanted value: equal as JSON, or a scalar whose text is the
    wanted string (``1`` in a JSON body matches ``"1"``, as in a form)."""
    if sent == wanted and type(sent) is type(wanted):
        return True
    if isinstance(wanted, str) and isinstance(sent, int | float | bool):
        text = _json.dumps(sent) if isinstance(sent, bool) else str(sent)
        return text == wanted
    if isinstance(sent, str) and isinstance(wanted, int | float) and not isinstance(wanted, bool):
        return sent == str(wanted)
    return False


def _short(api_key: str | None) -> str:
    return "none" if not api_key else (api_key[:8] + "…" if len(api_key) > 8 else api_key)


@dataclass(frozen=True, kw_only=True)
class Stub:
    """Answer ``method`` (``*``: any) on ``path`` with ``status`` and ``json`` (or
    ``body`` verbatim) plus ``headers``, ``times`` times (``None``: until cleared).

    ``signed``: the request must carry a valid ``timestamp`` and ``signature``, checked
    as the exchange checks them (its error otherwise). Matchers, each optional:
    ``query`` (these query parameters with these values; others ignored), ``api_key``
    (only this account's calls), ``body_params`` (these fields of a form or JSON body).
    Instead of one answer: ``sequence`` (replies in order, one per call; then spent) or
    ``answer`` (Python only: a callable of the :class:`StubRequest` returning a
    :class:`Reply` or a JSON value, run on the simulator's thread). ``name`` labels the
    stub in the journal and in strict failures."""

    method: str
    path: str
    json: Any = None
    status: int = 200
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    times: int | None = None
    signed: bool = False
    query: Mapping[str, str] | None = None
    api_key: str | None = None
    body_params: Mapping[str, Any] | None = None
    sequence: tuple[Reply, ...] = ()
    answer: Callable[[StubRequest], Any] | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.method, str) or not isinstance(self.path, str):
            raise ValueError("a stub needs a method and a path (strings)")
        object.__setattr__(self, "method", self.method.upper())
        if self.method not in _METHODS:
            raise ValueError(f"method must be one of {', '.join(sorted(_METHODS))}")
        if not self.path.startswith("/"):
            raise ValueError("path must start with /")
        _check_answer(self.status, self.json, self.body, self.headers)
        if self.times is not None and (
            isinstance(self.times, bool) or not isinstance(self.times, int) or self.times < 1
        ):
            raise ValueError("times must be a positive count, or None for until cleared")
        if self.query is not None:
            if not all(isinstance(k, str) and isinstance(v, str) for k, v in self.query.items()):
                raise ValueError("query must map parameter names to strings")
            object.__setattr__(self, "query", dict(self.query))
        if self.api_key is not None and (not isinstance(self.api_key, str) or not self.api_key):
            raise ValueError("api_key must be a non-empty string")
        if self.body_params is not None:
            if not all(isinstance(k, str) for k in self.body_params):
                raise ValueError("body_params must map field names to values")
            _json.dumps(self.body_params)
            object.__setattr__(self, "body_params", dict(self.body_params))
        if self.name is not None and not isinstance(self.name, str):
            raise ValueError("name must be a string")
        object.__setattr__(self, "sequence", tuple(_reply(r) for r in self.sequence))
        self._check_one_answer()

    def _check_one_answer(self) -> None:
        single = self.json is not None or self.body is not None or self.status != 200
        kinds = [single, bool(self.sequence), self.answer is not None]
        if sum(kinds) > 1:
            raise ValueError("give one answer: json/body/status, a sequence, or a callable")
        if self.answer is not None and not callable(self.answer):
            raise ValueError("answer must be a callable of the request")
        if self.sequence and self.times is not None:
            raise ValueError("a sequence answers once per reply: give no times")

    @property
    def label(self) -> str:
        """How the stub reads without its id (``'eth positions' GET /path``)."""
        named = f"{self.name!r} " if self.name else ""
        return f"{named}{self.method} {self.path}"

    @property
    def expected(self) -> bool:
        """A strict test fails if it is never called (``times`` or a ``sequence``)."""
        return self.times is not None or bool(self.sequence)

    @property
    def limit(self) -> int | None:
        """How many calls it answers before it is spent (``None``: until cleared)."""
        return len(self.sequence) if self.sequence else self.times

    def mismatches(self, request: StubRequest, *, path_too: bool = True) -> list[str]:
        """Why ``request`` does not match, one reason per matcher; empty: it matches."""
        reasons = []
        if self.method not in ("*", request.method):
            reasons.append(f"the method is {request.method}, the stub wants {self.method}")
        if path_too and self.path != request.path:
            reasons.append(f"the path is {request.path}, the stub's is {self.path}")
        for name, wanted in (self.query or {}).items():
            sent = request.query.get(name)
            if sent is None:
                reasons.append(f"the query has no {name} (the stub wants {wanted!r})")
            elif sent != wanted:
                reasons.append(f"the query's {name} is {sent!r}, the stub wants {wanted!r}")
        if self.api_key is not None and request.api_key != self.api_key:
            reasons.append(
                f"the API key is {_short(request.api_key)}, the stub answers {_short(self.api_key)}"
            )
        if self.body_params:
            fields = request.body_fields()
            for name, wanted in self.body_params.items():
                if name not in fields:
                    reasons.append(f"the body has no {name} (the stub wants {wanted!r})")
                elif not _same_value(fields[name], wanted):
                    reasons.append(
                        f"the body's {name} is {fields[name]!r}, the stub wants {wanted!r}"
                    )
        return reasons

    def matches(self, request: StubRequest) -> bool:
        if self.path != request.path or self.method not in ("*", request.method):
            return False
        return not self.mismatches(request, path_too=False)

    def reply(self, call: int, request: StubRequest) -> Reply:
        """The answer to its ``call``-th call (1-based). A callable's own exception goes
        to the caller (the pipeline journals it as a simulator error)."""
        if self.answer is not None:
            made = self.answer(request)
            found = made if isinstance(made, Reply) else Reply(json=made)
        elif self.sequence:
            found = self.sequence[min(call, len(self.sequence)) - 1]
        else:
            found = Reply(json=self.json, status=self.status, body=self.body)
        if self.headers:
            return Reply(
                json=found.json,
                status=found.status,
                body=found.body,
                headers={**self.headers, **found.headers},
            )
        return found

    def payload(self) -> tuple[bytes, str]:
        """The body and content type of its single answer (a sequence: its first)."""
        return self.reply(1, StubRequest(self.method, self.path, {})).payload()


def _reply(item: Reply | Mapping[str, Any]) -> Reply:
    if isinstance(item, Reply):
        return item
    if isinstance(item, Mapping):
        return reply_from_json(dict(item))
    raise ValueError("a sequence holds replies: Reply(...) or {json, status, body, headers}")


_ids = itertools.count(1)


@dataclass(eq=False)
class ActiveStub:
    stub: Stub
    id: int = field(default_factory=lambda: next(_ids))
    hits: int = 0
    spent: bool = False

    @property
    def label(self) -> str:
        """``stub #3 'eth positions' GET /path``: how the journal and failures name it."""
        return f"stub #{self.id} {self.stub.label}"

    def view(self) -> dict[str, Any]:
        stub = self.stub
        view: dict[str, Any] = {
            "id": self.id,
            "name": stub.name,
            "label": self.label,
            "hits": self.hits,
            "method": stub.method,
            "path": stub.path,
            "status": stub.status,
            "times": stub.times,
            "signed": stub.signed,
            "spent": self.spent,
        }
        if stub.query is not None:
            view["query"] = dict(stub.query)
        if stub.api_key is not None:
            view["api_key"] = stub.api_key
        if stub.body_params is not None:
            view["body_params"] = dict(stub.body_params)
        if stub.sequence:
            view["sequence"] = len(stub.sequence)
        if stub.answer is not None:
            view["answer"] = getattr(stub.answer, "__qualname__", "callable")
        return view


class StubPlan:
    """The stubs, in the order they were added (the first match answers)."""

    def __init__(self) -> None:
        self._active: list[ActiveStub] = []
        self._done: list[ActiveStub] = []

    @property
    def empty(self) -> bool:
        """No stub added since the last :meth:`forget`."""
        return not self._active and not self._done

    @property
    def live(self) -> bool:
        """Some stub can still answer (a cheap look for the pipeline's hot path)."""
        return bool(self._active)

    def add(self, stub: Stub) -> ActiveStub:
        active = ActiveStub(stub)
        self._active.append(active)
        return active

    def __iter__(self) -> Iterator[ActiveStub]:
        return iter(list(self._active))

    def match(self, request: StubRequest) -> ActiveStub | None:
        """The first stub for this call, counted; a spent one leaves the plan."""
        for active in self._active:
            if active.stub.matches(request):
                active.hits += 1
                limit = active.stub.limit
                if limit is not None and active.hits >= limit:
                    active.spent = True
                    self._active.remove(active)
                    self._done.append(active)
                return active
        return None

    def near_miss(self, request: StubRequest) -> str | None:
        """The stub that came closest to ``request`` (fewest failed matchers, on a path
        at least 80 % alike), and why it did not answer; ``None`` when none came close."""
        best: tuple[int, str] | None = None
        for active in (*self._active, *(a for a in self._done if a.spent)):
            stub = active.stub
            if stub.path != request.path:
                ratio = difflib.SequenceMatcher(None, stub.path, request.path).ratio()
                if ratio < _NEAR_PATH:
                    continue
            reasons = stub.mismatches(request)
            if active.spent:
                reasons.append(f"it is spent (answered its {active.hits} call(s))")
            if best is None or len(reasons) < best[0]:
                best = (len(reasons), f"{active.label}: {'; '.join(reasons)}")
        return None if best is None else best[1]

    def hits(self, stub_id: int) -> int:
        """How often stub ``stub_id`` answered (active or spent)."""
        return self.find(stub_id).hits

    def find(self, stub_id: int) -> ActiveStub:
        """Stub ``stub_id``, active or done; ``KeyError`` when there is none."""
        for active in (*self._active, *self._done):
            if active.id == stub_id:
                return active
        raise KeyError(f"no stub #{stub_id}")

    def remove(self, stub_id: int) -> bool:
        for active in self._active:
            if active.id == stub_id:
                self._active.remove(active)
                self._done.append(active)
                return True
        return False

    def clear(self) -> int:
        cleared = len(self._active)
        self._done.extend(self._active)
        self._active = []
        return cleared

    def unused(self) -> list[str]:
        """Stubs with ``times`` set (or a ``sequence``) that were never called."""
        found = []
        for active in (*self._done, *self._active):
            stub = active.stub
            if not stub.expected or active.hits:
                continue
            what = (
                f"times={stub.times}"
                if stub.times is not None
                else (f"a sequence of {len(stub.sequence)} replies")
            )
            found.append(f"{active.label} ({what}) was never called: the test expected it to be")
        return found

    def forget(self) -> None:
        self._active.clear()
        self._done.clear()


_STUB_FIELDS = frozenset(
    {
        "method",
        "path",
        "json",
        "status",
        "body",
        "headers",
        "times",
        "signed",
        "query",
        "api_key",
        "body_params",
        "sequence",
        "name",
    }
)
_REPLY_FIELDS = frozenset({"json", "status", "body", "headers"})


def reply_from_json(body: dict[str, Any]) -> Reply:
    """One reply of a control-API ``sequence``; ``ValueError`` with a reason."""
    unknown = set(body) - _REPLY_FIELDS
    if unknown:
        raise ValueError(f"a reply takes no {', '.join(sorted(unknown))}")
    return Reply(**body)


def _texts(value: Any, what: str) -> dict[str, str]:
    """A control-API ``query``: names to strings (a number is taken as its text)."""
    if not isinstance(value, dict):
        raise ValueError(f"{what} must be an object of parameter names and values")
    found = {}
    for name, item in value.items():
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise ValueError(f"{what}'s {name} must be a string")
        found[name] = str(item)
    return found


def stub_from_json(body: dict[str, Any]) -> Stub:
    """A control-API body to a stub (the same field names as :class:`Stub`, but no
    callable ``answer``); ``ValueError`` with a reason."""
    unknown = set(body) - _STUB_FIELDS
    if unknown:
        hint = " (a callable answer is Python-only)" if "answer" in unknown else ""
        raise ValueError(f"a stub takes no {', '.join(sorted(unknown))}{hint}")
    if not isinstance(body.get("method"), str) or not isinstance(body.get("path"), str):
        raise ValueError("a stub needs a method and a path (strings)")
    fields = dict(body)
    if fields.get("query") is not None:
        fields["query"] = _texts(fields["query"], "query")
    if fields.get("body_params") is not None and not isinstance(fields["body_params"], dict):
        raise ValueError("body_params must be an object of field names and values")
    if "sequence" in fields:
        sequence = fields["sequence"]
        if not isinstance(sequence, list) or not sequence:
            raise ValueError("sequence must be a non-empty list of replies")
        if not all(isinstance(item, dict) for item in sequence):
            raise ValueError("each reply of a sequence is an object {json, status, body, headers}")
        fields["sequence"] = tuple(reply_from_json(item) for item in sequence)
    return Stub(**fields)
