"""``python -m bench [--quick] [--only SUITE,...] [--out PATH]``: every figure of
``docs/performance.md``, measured against a same-run baseline, printed as a table and
written to ``bench/results.json``.

``--quick`` is a smoke run (small sizes, few runs, under a minute): it proves every
suite still runs and writes its file; its figures are not the ones to quote.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from . import (
    fixtures,
    growth,
    incidents,
    keeper_refusal,
    ledger,
    lifecycle,
    memory_caps,
    orders,
    rest,
    scale,
    startup,
    stream,
    waiter,
)
from .report import Figure, environment, load, markdown, render, write

SUITES: dict[str, Callable[[bool], list[Figure]]] = {
    "startup": startup.run,
    "fixtures": fixtures.run,
    "lifecycle": lifecycle.run,
    "rest": rest.run,
    "stream": stream.run,
    "waiter": waiter.run,
    "growth": growth.run,
    "scale": scale.run,
    "incidents": incidents.run,
    "keeper": keeper_refusal.run,
    "memory": memory_caps.run,
    "orders": orders.run,
    "ledger": ledger.run,
}
_ALIASES = {"trading": "orders"}  # the suite's name before issue 29


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: small and fast")
    parser.add_argument(
        "--only", default="", help=f"comma-separated suites (default all): {','.join(SUITES)}"
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="results file (default bench/results.json; with --quick, bench/results-quick.json)",
    )
    parser.add_argument(
        "--markdown",
        type=Path,
        metavar="RESULTS",
        help="print RESULTS as a Markdown table, run nothing",
    )
    args = parser.parse_args(argv)
    if args.markdown is not None:
        print(markdown(load(args.markdown)[1]))
        return 0
    if args.out is None:
        name = "results-quick.json" if args.quick else "results.json"
        args.out = Path(__file__).with_name(name)
    chosen = [_ALIASES.get(s.strip(), s.strip()) for s in args.only.split(",") if s.strip()]
    chosen = chosen or list(SUITES)
    unknown = [s for s in chosen if s not in SUITES]
    if unknown:
        parser.error(f"unknown suite(s) {', '.join(unknown)}; known: {', '.join(SUITES)}")
    env = environment()
    figures: list[Figure] = []
    failed = False
    for name in chosen:
        started = time.perf_counter()
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        try:
            figures.extend(SUITES[name](args.quick))
        except Exception as error:  # one broken suite must not hide the others' figures
            failed = True
            figures.append(Figure(name, "(suite failed)", "", None, note=repr(error)))
        print(f"[bench] {name} took {time.perf_counter() - started:.1f} s", file=sys.stderr)
    env["load_average_after"] = environment()["load_average"]
    write(args.out, figures, env, args.quick)
    print(render(figures))
    print(f"\nwritten to {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
