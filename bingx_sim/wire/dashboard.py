"""The dashboard: a page at ``/_sim/ui`` (``docs/dashboard.md``), and the read-only
control routes it needs that the control API did not have: the open sockets, the fault
table (to build the lab's form from) and the accounts.

The page is plain HTML, CSS and one ES module shipped in the package (``bingx_sim/ui``);
it reads and drives the exchange only through the control API's own JSON routes, with
the same guards as any other caller. Its files are static: they are served to any
loopback (or, with a control token, any) ``Host`` and same-origin request without the
token, which the page then asks for and sends with every call. Every answer carries a
strict ``Content-Security-Policy``: scripts and styles only from this server, no inline
code, no framing, no other origin to talk to.
"""

from __future__ import annotations

import dataclasses
import typing
from importlib import resources
from typing import Any, Literal, get_args, get_origin

from aiohttp import web

from bingx_sim.core.clock import real_monotonic
from bingx_sim.core.state import STATE, SimState
from bingx_sim.lab.faults import FAULT_TYPES
from bingx_sim.rules.control_guard import refusal
from bingx_sim.wire.control_http import (
    CONTROL_PREFIX,
    TOKEN,
    ControlError,
    guarded,
    json_answer,
)
from bingx_sim.wire.pipeline import expecting, unknown_path

__all__ = ["CSP", "UI_PATH", "dashboard_routes", "fault_table", "socket_views"]

UI_PATH = f"{CONTROL_PREFIX}/ui"

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; "
    "require-trusted-types-for 'script'"
)
"""No inline script or style, nothing from another origin, no framing, and no string
ever turned into markup (Trusted Types: the page builds its DOM node by node)."""

_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-store",
}

_ASSETS = {
    "index.html": "text/html",
    "app.js": "text/javascript",
    "app.css": "text/css",
    "favicon.svg": "image/svg+xml",
}


def _asset(name: str) -> bytes:
    return resources.files("bingx_sim").joinpath("ui", name).read_bytes()


def _page_refusal(request: web.Request) -> web.Response | None:
    """The control API's browser rules (``Host``, ``Origin``) without the token: the
    page is static, and a browser cannot send the token when it navigates."""
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    local = sockname if isinstance(sockname, tuple) else ("", 0)
    refused = refusal(
        method=request.method,
        host=request.headers.get("Host"),
        origin=request.headers.get("Origin"),
        content_type=request.headers.get("Content-Type"),
        local_host=str(local[0]),
        local_port=int(local[1]),
        token_set=request.app.get(TOKEN) is not None,
    )
    if refused is None:
        return None
    return web.json_response({"error": refused.reason}, status=refused.status)


def _serve(name: str) -> web.Response:
    return web.Response(
        body=_asset(name), content_type=_ASSETS[name], charset="utf-8", headers=_HEADERS
    )


async def page(request: web.Request) -> web.StreamResponse:
    """``GET /_sim/ui``: the dashboard."""
    return _page_refusal(request) or _serve("index.html")


async def asset(request: web.Request) -> web.StreamResponse:
    """``GET /_sim/ui/{name}``: the page's script, style sheet and icon."""
    name = request.match_info["name"]
    if name not in _ASSETS:
        refused = _page_refusal(request)
        return refused or web.json_response(
            {"error": f"no dashboard file {name!r}"}, status=404, headers=_HEADERS
        )
    return _page_refusal(request) or _serve(name)


async def session(request: web.Request) -> web.StreamResponse:
    """``GET /_sim/ui/session``: whether the page must ask for the control token
    before its first call (so it does not learn it from a refused one)."""
    refused = _page_refusal(request)
    if refused is not None:
        return refused
    required = request.app.get(TOKEN) is not None
    return web.json_response({"token_required": required}, headers=_HEADERS)


async def root(request: web.Request) -> web.StreamResponse:
    """``GET /``: a browser (it asks for HTML) goes to the dashboard; any other caller
    gets the exchange's answer to an unknown path, journaled as before."""
    if "text/html" in request.headers.get("Accept", ""):
        raise web.HTTPFound(UI_PATH)
    return await unknown_path(request)


def socket_views(state: SimState, api_key: str | None = None) -> list[dict[str, Any]]:
    """Every account socket still served (closing ones too), oldest first."""
    now = real_monotonic()
    views = []
    for conn in sorted(state.live, key=lambda c: c.opened_at):
        if api_key is not None and conn.api_key != api_key:
            continue
        last = conn.last_frame
        views.append(
            {
                "id": id(conn),  # stable while the socket lives
                "account": conn.api_key,
                "listen_key": conn.listen_key,
                "product": conn.stream,
                "remote": conn.remote,
                "age_s": round(now - conn.opened_at, 3),
                "pings": conn.pings,
                "pongs": conn.pongs,
                "frames_in": conn.frames_in,
                "frames_out": conn.frames_out,
                "last_frame": None
                if last is None
                else {"direction": last[0], "text": last[1][:200], "at_ms": last[2]},
                "subscriptions": sorted(conn.subscriptions),
                "silenced": conn.silenced,
                "closing": conn.closed,
                "close_code": conn.close_code,
            }
        )
    return views


async def sockets(request: web.Request) -> web.StreamResponse:
    """``GET /_sim/sockets[?account=KEY]``: the open account sockets."""
    account = request.query.get("account")
    if account is not None and not account:
        raise ControlError(400, "account must be an API key")
    return json_answer({"sockets": socket_views(request.app[STATE], account)})


def _field_view(field: dataclasses.Field[Any], hint: Any) -> dict[str, Any]:
    """One field of a fault: its JSON type, whether it may be null, its choices, its
    default (absent: required)."""
    args = [a for a in get_args(hint) if a is not type(None)]
    nullable = type(None) in get_args(hint)
    base = args[0] if nullable and len(args) == 1 else hint
    view: dict[str, Any] = {"name": field.name, "nullable": nullable}
    if get_origin(base) is Literal:
        view |= {"type": "choice", "choices": list(get_args(base))}
    else:
        kinds = {bool: "boolean", int: "integer", float: "number", str: "string"}
        view["type"] = kinds.get(base, "string")
    if field.name == "account":
        view |= {"type": "account", "nullable": True}
    if field.default is not dataclasses.MISSING:
        view["default"] = field.default
    else:
        view["required"] = True
    return view


def fault_table() -> list[dict[str, Any]]:
    """Every fault the control API takes, with its fields, for a form to be built
    from: ``type`` (what ``POST /_sim/faults`` takes), ``scope`` (what one time is),
    ``doc``, ``fields``."""
    table = []
    for name, spec in sorted(FAULT_TYPES.items()):
        hints = typing.get_type_hints(spec)
        fields = [_field_view(f, hints[f.name]) for f in dataclasses.fields(spec)]
        doc = " ".join((spec.__doc__ or "").split("\n\n")[0].replace("``", "").split())
        table.append({"type": name, "scope": spec.scope, "doc": doc, "fields": fields})
    return table


async def fault_types(request: web.Request) -> web.StreamResponse:
    """``GET /_sim/fault-types``: the fault table."""
    return json_answer({"fault_types": fault_table()})


async def accounts(request: web.Request) -> web.StreamResponse:
    """``GET /_sim/accounts``: every account's API key (not its secret), and whether
    it is a seed account that a reset re-creates."""
    found = request.app[STATE].accounts()
    return json_answer({"accounts": [{"api_key": a.api_key, "seed": seed} for a, seed in found]})


def dashboard_routes() -> list[web.RouteDef]:
    """The page, its files and its read-only routes; add them before the control
    API's catch-all, and ``GET /`` before the exchange's."""
    p = CONTROL_PREFIX
    return expecting(
        [
            web.get(UI_PATH, page),
            web.get(f"{UI_PATH}/session", session),
            web.get(f"{UI_PATH}/{{name}}", asset),
            web.get(f"{p}/sockets", guarded(sockets)),
            web.get(f"{p}/fault-types", guarded(fault_types)),
            web.get(f"{p}/accounts", guarded(accounts)),
            web.get("/", root),
        ]
    )
