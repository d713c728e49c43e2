"""Runners own threads, loops and ports: ``Simulator`` (in process), the ``bingx-sim
serve`` sandbox and CLI, the demo, and ``AppServer`` (the one bind/serve/close path)."""
