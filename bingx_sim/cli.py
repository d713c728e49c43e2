"""The ``bingx-sim`` command: ``serve`` (the sandbox) and ``demo``."""

from __future__ import annotations

import argparse
import json
import logging
import math
import re
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from . import defaults

__all__ = ["main", "parse_duration"]

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}


def parse_duration(text: str) -> timedelta:
    """``60m``, ``90s``, ``1h``, ``1500ms``; a bare number is minutes."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h)?\s*", text)
    problem = argparse.ArgumentTypeError(f"{text!r} is not a positive duration like 60m or 90s")
    if match is None or float(match.group(1)) <= 0:
        raise problem
    try:
        return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2) or "m"])
    except OverflowError:
        raise argparse.ArgumentTypeError(f"{text!r} is longer than any clock can run") from None


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return value


def _option(text: str) -> tuple[str, object]:
    """``NAME=VALUE``: the value read as JSON when it parses (``2``, ``true``,
    ``["hex","base64"]``), else as a string (``close``)."""
    name, sep, raw = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE")
    try:
        value: object = json.loads(raw)
    except ValueError:
        value = raw
    return name.strip(), value


def _port(text: str) -> int:
    if not re.fullmatch(r"[0-9]{1,5}", text) or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number from 0 to 65535")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bingx-sim", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="run the sandbox exchange until SIGINT/SIGTERM")
    run.add_argument("--host", default="127.0.0.1", help="an IPv4 or IPv6 address, or a name")
    run.add_argument("--port", type=_port, default=8080, help="0 picks a free port")
    run.add_argument("--accounts", type=Path, help="JSON list of {api_key, api_secret}")
    run.add_argument("--key-ttl", type=parse_duration, default=defaults.KEY_TTL)
    run.add_argument(
        "--ping-interval", type=_positive, default=defaults.PING_INTERVAL, help="seconds"
    )
    run.add_argument(
        "--pong-timeout", type=_positive, default=defaults.PONG_TIMEOUT, help="seconds"
    )
    run.add_argument("--seed", type=int, help="reproducible listen keys and demo credentials")
    run.add_argument("--control-token", help="required for /_sim/ when --host is not loopback")
    run.add_argument(
        "--option",
        type=_option,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a contract option (docs/contract.md), e.g. invalid_key=close; repeatable",
    )
    commands.add_parser("demo", help="show the whole listen-key lifecycle in one run")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "demo":
        try:
            from .demo import run_demo  # the demo needs the client; serve does not
        except ImportError as missing:
            if missing.name != "bingx":
                raise
            print(
                "bingx-sim: the demo runs our client (import name bingx): pip install "
                "bingx-sim-client (from a checkout: pip install -e ./clocks -e ./client)",
                file=sys.stderr,
            )
            return 2
        return run_demo(sys.stdout)
    from .app import make_config
    from .sandbox import SandboxError, SandboxSettings, load_accounts, serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        try:
            config = make_config(
                key_ttl=args.key_ttl,
                ping_interval=args.ping_interval,
                pong_timeout=args.pong_timeout,
                seed=args.seed,
                **dict(args.option),
            )
        except (TypeError, ValueError) as error:  # an unknown or invalid --option
            raise SandboxError(str(error)) from None
        settings = SandboxSettings(
            host=args.host,
            port=args.port,
            config=config,
            accounts=load_accounts(args.accounts) if args.accounts else (),
            control_token=args.control_token,
        )
        serve(settings, sys.stdout)
    except SandboxError as error:
        print(f"bingx-sim: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
