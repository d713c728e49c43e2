"""What crossed the wire: REST calls and websocket frames, both ways, in order.

The simulator's thread appends; tests read immutable snapshots and wait on a condition
(never a sleep) for something to show up. Entries that record a client mistake carry a
``violation`` reason, which strict fixtures turn into a test failure.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, overload

from bingx_clocks.wakeups import Wakeups
from bingx_sim import defaults
from bingx_sim.core.clock import real_monotonic

__all__ = [
    "ENTRY_KINDS",
    "Entry",
    "FaultFired",
    "Journal",
    "JournalPage",
    "JournalSnapshot",
    "JournalTimeout",
    "Owners",
    "RestCall",
    "SimError",
    "WsEvent",
    "WsFrame",
    "entry_account",
    "entry_kind",
]


@dataclass(frozen=True, slots=True)
class RestCall:
    """One HTTP request and the exchange's answer (``code`` for JSON error bodies)."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: str
    status: int
    code: int | None
    at_ms: int
    violation: str | None = None
    full_size: int | None = None
    """The body's true length in characters when the journal kept only its start."""
    stub: str | None = None
    """The stub that answered (``stub #3 GET /path``), if one did."""
    reason: str | None = None
    """Why the exchange answered so: its error message, or the client's mistake."""
    duration_ms: float | None = None
    """Real milliseconds from the request read to the answer handed over."""

    def __str__(self) -> str:
        code = f" code={self.code}" if self.code is not None else ""
        return f"{self.method} {self.path} -> {self.status}{code}"


@dataclass(frozen=True, slots=True)
class WsFrame:
    """One websocket message; ``text`` is the un-gzipped payload of binary frames."""

    direction: Literal["in", "out"]
    stream: str
    listen_key: str
    text: str
    binary: bool
    at_ms: int
    violation: str | None = None
    full_size: int | None = None
    """The text's true length in characters when the journal kept only its start."""

    def __str__(self) -> str:
        arrow = "<-" if self.direction == "in" else "->"
        return f"ws {self.stream} {arrow} {self.text[:80]}"


@dataclass(frozen=True, slots=True)
class WsEvent:
    """A socket's lifecycle: ``open``, ``refused`` or ``close`` (with the close code)."""

    kind: Literal["open", "refused", "close"]
    stream: str
    listen_key: str
    at_ms: int
    code: int | None = None
    reason: str = ""
    violation: str | None = None

    def __str__(self) -> str:
        code = f" {self.code}" if self.code is not None else ""
        return f"ws {self.stream} {self.kind}{code} {self.reason}".rstrip()


@dataclass(frozen=True, slots=True)
class SimError:
    """The simulator itself failed somewhere (a bug of ours, or of a custom clock) and
    carried on. Counted like a client mistake, so a strict test cannot pass over it."""

    where: str
    error: str
    at_ms: int | None
    violation: str | None = None

    def __str__(self) -> str:
        return f"simulator error in {self.where}: {self.error}"


@dataclass(frozen=True, slots=True)
class FaultFired:
    """An injected fault acted: which (``fault`` and ``fault_id``), for which account,
    and where (``POST /openApi/...``, ``ws swap <key>``)."""

    fault: str
    fault_id: int
    account: str | None
    where: str
    at_ms: int
    violation: str | None = None

    def __str__(self) -> str:
        return f"fault {self.fault} #{self.fault_id} fired on {self.where}"


Entry = RestCall | WsFrame | WsEvent | SimError | FaultFired


ENTRY_KINDS: dict[type, str] = {
    RestCall: "rest",
    WsFrame: "frame",
    WsEvent: "socket",
    FaultFired: "fault",
    SimError: "error",
}
"""Each entry type's short name, as ``GET /_sim/journal?kind=`` takes it."""


def entry_kind(entry: Entry) -> str:
    """``rest``, ``frame``, ``socket``, ``fault`` or ``error``."""
    return ENTRY_KINDS[type(entry)]


class Owners(Protocol):
    """Who owns a listen key: its API key, or ``None`` for a key the exchange never had
    (``Exchange.owner_of``)."""

    def __call__(self, key: str, /) -> str | None: ...


def entry_account(entry: Entry, owners: Owners) -> str | None:
    """The API key an entry belongs to: a REST call's ``X-BX-APIKEY`` header (else the
    owner of the ``listenKey`` it names), a frame's or socket's listen key's owner
    (``owners``: listen key to API key, a dict will do), a fired fault's account. ``None`` for what
    belongs to nobody (a simulator error, a call with neither, an unknown key)."""
    if isinstance(entry, RestCall):
        for name, value in entry.headers.items():
            if name.lower() == "x-bx-apikey" and value:
                return value
        key = entry.query.get("listenKey")
        return owners(key) if key else None
    if isinstance(entry, WsFrame | WsEvent):
        return owners(entry.listen_key)
    if isinstance(entry, FaultFired):
        return entry.account
    return None


class JournalTimeout(AssertionError):
    """No journal entry matched before the deadline; the message lists what did arrive."""


@dataclass(frozen=True, slots=True)
class JournalPage:
    """Entries after a cursor, each with its sequence number, for a reader that comes
    back for more (the control API's ``GET /_sim/journal?since=``).

    Sequence numbers start at 1 and only grow: they survive the journal's bound and
    :meth:`Journal.clear`, so a cursor stays meaningful while entries come and go."""

    entries: tuple[tuple[int, Entry], ...]
    """``(seq, entry)``, oldest first."""
    next: int
    """The cursor to pass next time: the last entry looked at (past entries that did
    not match, so a filtered reader does not scan them again)."""
    dropped: int
    """Entries after the cursor that the journal no longer holds (let go by its bound,
    or wiped by a reset): a reader that fell behind learns how much it missed."""
    first: int
    """The sequence number of the oldest entry held (``last + 1`` when none is)."""
    last: int
    """The sequence number of the newest entry ever appended (0: none yet)."""


def _trimmed(entry: Entry, limit: int) -> Entry:
    """The entry with an over-long body or frame text cut to ``limit`` characters."""
    if isinstance(entry, RestCall) and len(entry.body) > limit:
        return dataclasses.replace(entry, body=entry.body[:limit], full_size=len(entry.body))
    if isinstance(entry, WsFrame) and len(entry.text) > limit:
        return dataclasses.replace(entry, text=entry.text[:limit], full_size=len(entry.text))
    return entry


_SHARED: dict[str, str] = {}
_SHARED_MAX_ENTRIES = 4096
_SHARED_MAX_LENGTH = 256


def shared(text: str) -> str:
    """One copy of a short string that recurs from request to request (a path, a
    header value such as ``User-Agent``), so 100 000 journaled requests do not hold
    100 000 copies of it. Bounded: once 4 096 distinct strings are held, others are
    kept as they come."""
    if len(text) > _SHARED_MAX_LENGTH:
        return text
    found = _SHARED.get(text)
    if found is not None:
        return found
    if len(_SHARED) < _SHARED_MAX_ENTRIES:
        _SHARED[text] = text
    return text


_ITEM_BYTES = 64  # a dict slot plus a string object's header, roughly (CPython 3.11)


def _weight(entry: Entry) -> int:
    """Roughly what an entry costs in memory, for the journal's byte bound (checked
    against ``tracemalloc`` by ``python -m bench --only growth``)."""
    if isinstance(entry, RestCall):
        headers, query = entry.headers, entry.query
        extra = sum(map(len, headers)) + sum(map(len, headers.values()))
        extra += sum(map(len, query)) + sum(map(len, query.values()))
        extra += _ITEM_BYTES * (len(headers) + len(query))
        return 400 + len(entry.body) + len(entry.path) + extra
    if isinstance(entry, WsFrame):
        return 160 + len(entry.text)
    return 160 + len(str(entry))


_EVICTED = SimError("journal", "evicted", None)  # stands in for entries let go


class Journal:
    """The live, thread-safe log. Bounded in entries and in bytes, so a long soak or a
    client sending huge bodies cannot eat the memory: bodies and frames longer than
    ``text_limit`` are kept cut (``full_size`` says how long they were), and the oldest
    entries go once there are more than ``max_entries`` or ``max_bytes``.

    Every entry has a sequence number, so a waiter looks only at entries it has not seen
    and evaluates its predicate outside the lock: a test waiting on a long journal does
    not slow the simulator appending to it."""

    def __init__(
        self,
        maxlen: int = defaults.JOURNAL_MAX_ENTRIES,
        *,
        max_bytes: int = defaults.JOURNAL_MAX_BYTES,
        text_limit: int = defaults.JOURNAL_TEXT_LIMIT,
    ) -> None:
        # A list with a moving start (compacted now and then) rather than a deque, so
        # the entries after a given one are a cheap slice.
        self._entries: list[Entry] = []
        self._weights: list[int] = []
        self._start = 0  # index of the oldest live entry
        self._first_seq = 0  # sequence number of that entry
        self._bytes = 0
        self._max_entries = maxlen
        self._max_bytes = max_bytes
        self._text_limit = text_limit
        self._changed = threading.Condition()
        self._wakeups = Wakeups()  # async waiters, woken from the simulator's thread
        self.listeners: list[Callable[[Entry], None]] = []  # e.g. the sandbox's log

    @property
    def size_bytes(self) -> int:
        """The journal's approximate memory, the figure its byte bound applies to."""
        return self._bytes

    @property
    def empty(self) -> bool:
        """Nothing appended since the last :meth:`clear` (a cheap look, any thread)."""
        return len(self._entries) == self._start

    def _live(self) -> int:
        return len(self._entries) - self._start

    def append(self, entry: Entry) -> None:
        entry = _trimmed(entry, self._text_limit)
        weight = _weight(entry)
        with self._changed:
            self._entries.append(entry)
            self._weights.append(weight)
            self._bytes += weight
            while self._live() > 1 and (
                self._live() > self._max_entries or self._bytes > self._max_bytes
            ):
                self._bytes -= self._weights[self._start]
                # Let it go now, not at the next compaction: no reader looks before
                # the start, and an evicted entry must not hold its memory.
                self._entries[self._start] = _EVICTED
                self._start += 1
                self._first_seq += 1
            if self._start > 1024 and self._start * 2 > len(self._entries):
                del self._entries[: self._start], self._weights[: self._start]
                self._start = 0
            self._changed.notify_all()
        self._wakeups.notify_all()
        for listener in self.listeners:
            listener(entry)

    def clear(self) -> None:
        with self._changed:
            self._first_seq += self._live()
            self._entries, self._weights, self._start, self._bytes = [], [], 0, 0
            self._changed.notify_all()
        self._wakeups.notify_all()

    def snapshot(self) -> JournalSnapshot:
        with self._changed:
            return JournalSnapshot(tuple(self._entries[self._start :]), self)

    @property
    def last_seq(self) -> int:
        """The sequence number of the newest entry appended (0 before the first); the
        ``n``-th entry ever appended has number ``n``."""
        return self._first_seq + self._live()

    def page(
        self,
        since: int = 0,
        *,
        limit: int | None = None,
        match: Callable[[Entry], bool] | None = None,
    ) -> JournalPage:
        """The entries numbered above ``since`` that ``match`` (all: ``None``), at most
        ``limit`` of them. ``ValueError`` when ``since`` is negative or ahead of the
        journal (a cursor from another run). The predicate runs outside the lock."""
        if since < 0:
            raise ValueError(f"since must be 0 or more, not {since}")
        if limit is not None and limit < 0:
            raise ValueError(f"limit must be 0 or more, not {limit}")
        with self._changed:
            last = self.last_seq
            if since > last:
                raise ValueError(
                    f"since {since} is ahead of the journal, whose last entry is {last} "
                    "(a cursor from an earlier run? start again from 0)"
                )
            first = self._first_seq + 1
            fresh, _ = self._since(since)
        dropped = max(0, first - 1 - since)
        start = max(since, first - 1)  # the number of the entry before fresh[0]
        found: list[tuple[int, Entry]] = []
        cursor = last
        if limit != 0:
            for offset, entry in enumerate(fresh):
                if match is None or match(entry):
                    found.append((start + offset + 1, entry))
                    if limit is not None and len(found) >= limit:
                        cursor = start + offset + 1
                        break
        else:
            cursor = since
        return JournalPage(tuple(found), cursor, dropped, first, last)

    async def page_async(
        self,
        since: int = 0,
        *,
        limit: int | None = None,
        match: Callable[[Entry], bool] | None = None,
        timeout: float = 0.0,
        stop: Callable[[], bool] | None = None,
    ) -> JournalPage:
        """:meth:`page`, waiting up to ``timeout`` real seconds for at least one matching
        entry: woken by each append (no polling), never blocking the loop. On timeout (or
        once ``stop()`` is true, checked at each wake-up) an empty page whose ``next``
        has moved past what did not match. ``dropped`` counts from the first look."""
        first_look = self.page(since, limit=limit, match=match)
        if first_look.entries or timeout <= 0 or limit == 0:
            return first_look
        latest = [first_look]

        def ready() -> JournalPage | None:
            page = self.page(latest[0].next, limit=limit, match=match)
            latest[0] = page
            if page.entries or (stop is not None and stop()):
                return page
            return None

        def timed_out() -> Exception:
            return TimeoutError()

        try:
            page = await self._wakeups.wait_until(ready, timeout, timed_out)
        except TimeoutError:
            page = latest[0]
        return JournalPage(page.entries, page.next, first_look.dropped, page.first, page.last)

    def wake(self) -> None:
        """Wake every coroutine waiting in :meth:`page_async` or :meth:`wait_for_async`
        to look again (a server shutting down tells its long polls to stop)."""
        self._wakeups.notify_all()

    def _since(self, seq: int | None) -> tuple[list[Entry], int]:
        """The live entries from sequence number ``seq`` on (``None``: all), and the
        number to ask from next time. Called under the lock; O(new entries)."""
        offset = 0 if seq is None else max(0, seq - self._first_seq)
        fresh = self._entries[self._start + offset :]
        return fresh, self._first_seq + self._live()

    def _timeout(self, timeout: float) -> JournalTimeout:
        with self._changed:
            recent = self._entries[max(self._start, len(self._entries) - 15) :]
        listed = "\n  ".join(str(e) for e in recent) or "(none)"
        return JournalTimeout(
            f"no journal entry matched within {timeout} s; the last entries:\n  {listed}"
        )

    async def wait_for_async(self, predicate: Callable[[Entry], bool], timeout: float) -> Entry:
        cursor: list[int | None] = [None]

        def ready() -> Entry | None:
            with self._changed:
                fresh, cursor[0] = self._since(cursor[0])
            return next((e for e in fresh if predicate(e)), None)

        return await self._wakeups.wait_until(ready, timeout, lambda: self._timeout(timeout))

    def wait_for(self, predicate: Callable[[Entry], bool], timeout: float) -> Entry:
        deadline = real_monotonic() + timeout
        seq: int | None = None
        while True:
            with self._changed:
                fresh, seq = self._since(seq)
            for entry in fresh:  # outside the lock: appends go on meanwhile
                if predicate(entry):
                    return entry
            remaining = deadline - real_monotonic()
            if remaining <= 0:
                raise self._timeout(timeout)
            with self._changed:
                if self._first_seq + self._live() == seq:  # nothing new since the look
                    # Condition.wait times out on a C lock: real time even inside a freeze.
                    self._changed.wait(remaining)


class JournalSnapshot(Sequence[Entry]):
    """An immutable view of the journal at one moment, plus a way to wait for more."""

    def __init__(self, entries: tuple[Entry, ...], live: Journal) -> None:
        self._entries = entries
        self._live = live

    @overload
    def __getitem__(self, index: int) -> Entry: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Entry]: ...
    def __getitem__(self, index: int | slice) -> Entry | Sequence[Entry]:
        return self._entries[index]

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._entries)

    def __repr__(self) -> str:
        return f"<JournalSnapshot {len(self._entries)} entries>"

    @property
    def requests(self) -> tuple[RestCall, ...]:
        return tuple(e for e in self._entries if isinstance(e, RestCall))

    @property
    def frames(self) -> tuple[WsFrame, ...]:
        return tuple(e for e in self._entries if isinstance(e, WsFrame))

    @property
    def sockets(self) -> tuple[WsEvent, ...]:
        return tuple(e for e in self._entries if isinstance(e, WsEvent))

    @property
    def violations(self) -> tuple[Entry, ...]:
        return tuple(e for e in self._entries if e.violation)

    def wait_for(self, predicate: Callable[[Entry], bool], timeout: float = 2.0) -> Entry:
        """The first entry (already logged or yet to come) matching ``predicate``.

        Waits on a condition with a real-time deadline and raises :class:`JournalTimeout`,
        listing recent entries, when none matches in ``timeout`` seconds.
        """
        return self._live.wait_for(predicate, timeout)

    async def wait_for_async(
        self, predicate: Callable[[Entry], bool], timeout: float = 2.0
    ) -> Entry:
        """:meth:`wait_for` for ``async def`` tests: awaits without blocking the event
        loop, so an async client under test keeps running meanwhile."""
        return await self._live.wait_for_async(predicate, timeout)
