"""Awaitable waits on conditions that other threads change, on a real-time deadline.

The simulator's journal and the client's streams are filled by background threads.
Their blocking waits (``wait_for``, ``next_event``, ``wait_for_transition``) block the
calling thread; an ``async def`` test must not block its event loop, or the async
client under test could never make the progress being waited for. :class:`Wakeups`
gives each of them an awaitable twin: the filling thread calls :meth:`Wakeups.notify_all`,
which wakes every waiting coroutine on its own loop.

The deadline is real time; the event loop's own clock must be real too (``bingx_clock``
freezes with freezegun's ``real_asyncio=True``), as ``asyncio.wait_for`` reads it.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import TypeVar

from . import real_monotonic

__all__ = ["Wakeups"]

T = TypeVar("T")


class Wakeups:
    """Coroutines waiting for a condition that any thread may make true."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    def notify_all(self) -> None:
        """Wake every waiting coroutine (call it after changing what they look at)."""
        # Called for every event and journal entry, usually with nobody waiting. Safe
        # without the lock: a waiter registers before it looks, and we look after the
        # change, so one of us sees the other.
        if not self._waiting:
            return
        with self._lock:
            waiting = list(self._waiting)
        for loop, event in waiting:
            # A loop that has closed has nobody waiting on it any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)

    async def wait_until(
        self, ready: Callable[[], T | None], timeout: float, timed_out: Callable[[], Exception]
    ) -> T:
        """``ready()`` once it returns something, re-checked on every notification;
        ``timed_out()`` is raised after ``timeout`` real seconds."""
        loop = asyncio.get_running_loop()
        mine = (loop, asyncio.Event())
        with self._lock:
            self._waiting.append(mine)
        try:
            deadline = real_monotonic() + timeout
            while True:
                mine[1].clear()
                found = ready()
                if found is not None:
                    return found
                remaining = deadline - real_monotonic()
                if remaining <= 0:
                    raise timed_out()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(mine[1].wait(), remaining)
        finally:
            with self._lock:
                self._waiting.remove(mine)
