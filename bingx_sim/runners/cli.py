"""The ``bingx-sim`` command: ``serve`` (the sandbox) and ``demo``."""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bingx_sim import defaults
from bingx_sim.rules.profiles import PROFILES

__all__ = ["main", "parse_duration"]

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}


def parse_duration(text: str) -> timedelta:
    """``60m``, ``90s``, ``1h``, ``1500ms``; a bare number is seconds, for every flag."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h)?\s*", text)
    problem = argparse.ArgumentTypeError(f"{text!r} is not a positive duration like 60m or 90s")
    if match is None or float(match.group(1)) <= 0:
        raise problem
    try:
        return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2) or "s"])
    except OverflowError:
        raise argparse.ArgumentTypeError(f"{text!r} is longer than any clock can run") from None


def _seconds(text: str) -> float:
    """A duration flag that the simulator takes in seconds."""
    value = parse_duration(text).total_seconds()
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return value


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("bingx-sim")
    except PackageNotFoundError:
        return "0+unknown (not installed)"


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
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "serve",
        help="run the sandbox exchange until SIGINT/SIGTERM",
        description="Durations take a unit (1500ms, 90s, 60m, 1h); a bare number is seconds.",
    )
    run.add_argument("--host", default="127.0.0.1", help="address or name (default: 127.0.0.1)")
    run.add_argument("--port", type=_port, default=8080, help="0: any free port (default: 8080)")
    run.add_argument("--accounts", type=Path, help="JSON list of {api_key, api_secret}")
    run.add_argument(
        "--scenario",
        type=Path,
        metavar="FILE",
        help="a JSON or TOML file of options, accounts, stubs, faults and prices, loaded at "
        "start-up and after every reset (docs/reference.md)",
    )
    run.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        help="a named set of contract options for a known client (docs/sdk.md); "
        "--option values win over it",
    )
    run.add_argument(
        "--key-ttl",
        type=parse_duration,
        default=defaults.KEY_TTL,
        help="listen-key lifetime on the exchange clock (default: 60m)",
    )
    run.add_argument(
        "--ping-interval",
        type=_seconds,
        default=defaults.PING_INTERVAL,
        help=f"real time between heartbeat Pings (default: {defaults.PING_INTERVAL:g}s)",
    )
    run.add_argument(
        "--pong-timeout",
        type=_seconds,
        default=defaults.PONG_TIMEOUT,
        help=f"real time without a Pong before a drop (default: {defaults.PONG_TIMEOUT:g}s)",
    )
    run.add_argument("--seed", type=int, help="reproducible listen keys and demo credentials")
    run.add_argument(
        "--control-token",
        default=os.environ.get("BINGX_SIM_CONTROL_TOKEN") or None,
        help="required for /_sim/ when --host is not loopback (default: $BINGX_SIM_CONTROL_TOKEN)",
    )
    run.add_argument(
        "--option",
        type=_option,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a contract option (docs/contract.md), e.g. invalid_key=close; repeatable",
    )
    run.add_argument(
        "--log-level",
        default="INFO",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        help="(default: INFO)",
    )
    run.add_argument(
        "--log-format", default="text", choices=("text", "json"), help="(default: text)"
    )
    commands.add_parser("demo", help="show the whole listen-key lifecycle in one run")
    return parser


class _JsonLines(logging.Formatter):
    """One JSON object per log record, for machines reading the sandbox's log: ``time``
    (UTC, ISO 8601), ``level``, ``event`` and the fields the line has (``account``,
    ``key``, ``status``, ``code``, ``reason``, ``duration_ms``, ...), then ``message``."""

    def format(self, record: logging.LogRecord) -> str:
        from bingx_sim.runners.sandbox import LOG_FIELDS

        stamp = datetime.fromtimestamp(record.created, tz=UTC)
        line: dict[str, object] = {
            "time": stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "event": getattr(record, "event", record.name),
        }
        for name in LOG_FIELDS[1:]:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        line["message"] = record.getMessage()
        return json.dumps(line, default=str)


def _configure_logging(level: str, style: str) -> None:
    handler = logging.StreamHandler()
    if style == "json":
        handler.setFormatter(_JsonLines())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "demo":
        try:
            from bingx_sim.runners.demo import run_demo  # the demo needs the client; serve does not
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
    from bingx_sim.rules.options import option_names
    from bingx_sim.runners.sandbox import SandboxError, SandboxSettings, load_accounts, serve
    from bingx_sim.runners.scenario import ScenarioError, load_scenario
    from bingx_sim.wire.app import make_config

    _configure_logging(args.log_level, args.log_format)
    try:
        try:
            scenario = load_scenario(args.scenario) if args.scenario else None
        except ScenarioError as error:
            raise SandboxError(str(error)) from None
        # The profile under the scenario's options, and --option over both.
        options = dict(scenario.options) if scenario is not None else {}
        if args.profile:
            options["profile"] = args.profile
        options.update(args.option)
        try:
            config = make_config(
                key_ttl=args.key_ttl,
                ping_interval=args.ping_interval,
                pong_timeout=args.pong_timeout,
                seed=args.seed,
                **options,
            )
        except TypeError as error:  # an unknown --option: say which ones there are
            valid = ", ".join(sorted(option_names()))
            raise SandboxError(f"{error}; valid options: {valid}") from None
        except ValueError as error:  # a bad value: the message names the choices
            raise SandboxError(str(error)) from None
        settings = SandboxSettings(
            host=args.host,
            port=args.port,
            config=config,
            accounts=load_accounts(args.accounts) if args.accounts else (),
            control_token=args.control_token,
            scenario=scenario,
        )
        serve(settings, sys.stdout)
    except SandboxError as error:
        print(f"bingx-sim: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
