"""The journal is bounded in entries and in bytes, and cuts long texts."""

from __future__ import annotations

import zlib

import pytest

from bingx_sim.core.frames import FrameTooLarge, inflate
from bingx_sim.core.journal import Journal, JournalTimeout, WsFrame


def frame(text: str) -> WsFrame:
    return WsFrame("in", "swap", "k", text, False, 0)


def test_long_frames_are_cut_and_their_true_size_kept() -> None:
    journal = Journal(text_limit=10)
    journal.append(frame("x" * 25))
    kept = journal.snapshot()[0]
    assert isinstance(kept, WsFrame) and kept.text == "x" * 10 and kept.full_size == 25
    journal.append(frame("short"))
    assert journal.snapshot()[1].full_size is None  # type: ignore[union-attr]


def test_the_oldest_entries_go_once_the_byte_bound_is_passed() -> None:
    journal = Journal(max_bytes=10_000, text_limit=1_000)
    for i in range(100):
        journal.append(frame(str(i) * 900))
    assert journal.size_bytes <= 10_000
    texts = [e.text for e in journal.snapshot()]  # type: ignore[union-attr]
    assert len(texts) < 100 and texts[-1].startswith("99")


def test_an_entry_over_the_byte_bound_alone_is_still_kept() -> None:
    journal = Journal(max_bytes=100, text_limit=1_000)
    journal.append(frame("x" * 1_000))
    assert len(journal.snapshot()) == 1


def test_the_entry_count_bound_still_holds() -> None:
    journal = Journal(3)
    for i in range(5):
        journal.append(frame(str(i)))
    assert [e.text for e in journal.snapshot()] == ["2", "3", "4"]  # type: ignore[union-attr]


def test_inflate_stops_at_the_limit_however_small_the_frame() -> None:
    bomb = zlib.compress(b"\0" * 10_000_000, 9, wbits=31)
    assert len(bomb) < 20_000
    with pytest.raises(FrameTooLarge):
        inflate(bomb, 1_000_000)
    assert inflate(zlib.compress(b"Pong", wbits=31), 4) == "Pong"
    with pytest.raises(FrameTooLarge):
        inflate(zlib.compress(b"Pong!", wbits=31), 4)


def test_inflate_refuses_a_gzip_header_cut_short() -> None:
    with pytest.raises(zlib.error):
        inflate(b"0", 100)
    with pytest.raises(zlib.error):
        inflate(zlib.compress(b"Pong", wbits=31)[:5], 100)


def test_a_waiter_looks_at_each_entry_once_and_finds_later_ones() -> None:
    import threading

    journal = Journal()
    for i in range(1000):
        journal.append(frame(f"old {i}"))
    looked: list[str] = []

    def wanted(entry: object) -> bool:
        assert isinstance(entry, WsFrame)
        looked.append(entry.text)
        return entry.text == "new 3"

    def later() -> None:
        for i in range(5):
            journal.append(frame(f"new {i}"))

    appender = threading.Timer(0.05, later)
    appender.start()
    found = journal.wait_for(wanted, timeout=5)
    appender.join()
    assert isinstance(found, WsFrame) and found.text == "new 3"
    assert len(looked) == len(set(looked)) <= 1004  # never the same entry twice


def test_the_journal_keeps_order_across_eviction_and_clear() -> None:
    journal = Journal(5)
    for i in range(2000):
        journal.append(frame(str(i)))
    assert [e.text for e in journal.snapshot()] == ["1995", "1996", "1997", "1998", "1999"]  # type: ignore[union-attr]
    journal.clear()
    journal.append(frame("after"))
    assert [e.text for e in journal.snapshot()] == ["after"]  # type: ignore[union-attr]
    assert journal.wait_for(lambda e: True, timeout=1).text == "after"  # type: ignore[union-attr]
    with pytest.raises(JournalTimeout, match="after"):
        journal.wait_for(lambda e: False, timeout=0.05)
