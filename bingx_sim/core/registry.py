"""Every open account socket, indexed for what the simulator looks them up by. Lives on
the simulator's loop thread, like the connections it holds."""

from __future__ import annotations

from collections.abc import Iterator

from bingx_sim.core.sockets import Connection

__all__ = ["Registry"]


class Registry:
    """Every open account socket, indexed by listen key, by account and by remote
    address, so a push, an expiry or a connect costs what it touches, not a scan of
    every open socket."""

    def __init__(self) -> None:
        # Insertion order is connection order, so pushes reach an account's sockets in
        # a stable order. Per key and per account a list (a key has one socket or two,
        # an account a few): a small dict would cost a socket 230 bytes more, twice.
        self._all: dict[Connection, None] = {}
        self._by_key: dict[str, list[Connection]] = {}
        self._by_account: dict[str, list[Connection]] = {}
        self._from: dict[str, int] = {}

    def add(self, conn: Connection) -> None:
        if conn in self._all:
            return
        self._all[conn] = None
        self._by_key.setdefault(conn.listen_key, []).append(conn)
        self._by_account.setdefault(conn.api_key, []).append(conn)
        self._from[conn.remote] = self._from.get(conn.remote, 0) + 1

    def discard(self, conn: Connection) -> None:
        if conn not in self._all:
            return
        del self._all[conn]
        for index, name in ((self._by_key, conn.listen_key), (self._by_account, conn.api_key)):
            group = index[name]
            group.remove(conn)
            if not group:
                del index[name]
        left = self._from[conn.remote] - 1
        if left:
            self._from[conn.remote] = left
        else:
            del self._from[conn.remote]

    def __iter__(self) -> Iterator[Connection]:
        return iter(list(self._all))

    def __len__(self) -> int:
        return len(self._all)

    def by_key(self, listen_key: str) -> list[Connection]:
        return list(self._by_key.get(listen_key, ()))

    def by_account(self, api_key: str) -> list[Connection]:
        return list(self._by_account.get(api_key, ()))

    def has_account(self, api_key: str) -> bool:
        """Whether the account has any socket open (of any product)."""
        return api_key in self._by_account

    def count_from(self, remote: str) -> int:
        return self._from.get(remote, 0)
