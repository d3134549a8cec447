"""The Starlette application of ``ldn-cds serve`` (CDS Hooks 2.0 discovery and services).

Every answer is JSON.  A body that is not JSON or not a CDS Hooks request gets 400, an unknown
service 404, a body over ``MAX_BODY_BYTES`` 413, a body that does not arrive within
``BODY_TIMEOUT_S`` 408; an unexpected error 500 with no detail.  Nothing from a request body
reaches the logs: errors are logged by exception class only, and the access log (uvicorn's)
carries the path without its query string (see ``ldn_cds.service_cli``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import date
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ldn_cds.core.ruleset import RuleSet
from ldn_cds.service.fetch import fetch
from ldn_cds.service.hooks import (
    PREFETCH,
    SERVICES,
    HookRequestError,
    check_request,
    check_texts,
    discovery,
    missing_keys,
    respond,
)

MAX_BODY_BYTES = 5 * 1024 * 1024
"""A prefetch for one patient is rarely more than a few hundred kilobytes."""
BODY_TIMEOUT_S = 5.0
MAX_DEPTH = 64
log = logging.getLogger("ldn_cds.service")


class _TooLarge(Exception):
    pass


def _error(status: int, message: str, where: str = "") -> JSONResponse:
    body: dict[str, Any] = {"error": message}
    if where:
        body["field"] = where
    return JSONResponse(body, status_code=status)


async def _read_body(request: Request) -> bytes:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise _TooLarge
    chunks, size = [], 0
    with anyio.fail_after(BODY_TIMEOUT_S):
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise _TooLarge
            chunks.append(chunk)
    return b"".join(chunks)


def _depth_ok(value: Any) -> bool:
    """False when the JSON nests deeper than MAX_DEPTH (no request needs that)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return False
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return True


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def create_app(ruleset: RuleSet, *, today: Any = date.today,
               fhir_servers: Sequence[str] = ()) -> Starlette:
    """The application, with the rule set loaded once at start-up; ``fhir_servers``: the
    normalised bases it may fetch missing prefetch from (``fetch.allowed_servers``).

    Raises:
        ValueError: the rule set's texts lack words for a service or prefetch key.
    """
    problems = check_texts(ruleset)
    if problems:
        raise ValueError("; ".join(problems))

    async def services(request: Request) -> JSONResponse:
        return JSONResponse(discovery(ruleset))

    async def service(request: Request) -> JSONResponse:
        sid = request.path_params["service_id"]
        if sid not in SERVICES:
            return _error(404, "no such CDS service; see GET /cds-services")
        try:
            raw = await _read_body(request)
        except _TooLarge:
            return _error(413, f"request body over {MAX_BODY_BYTES:,} bytes")
        except TimeoutError:
            return _error(408, f"request body not received within {BODY_TIMEOUT_S:g} s")
        try:
            body = json.loads(raw, parse_constant=_reject_constant)
        except (ValueError, RecursionError):
            return _error(400, "malformed JSON")
        if not _depth_ok(body):
            return _error(400, f"JSON nested deeper than {MAX_DEPTH} levels")
        hook = SERVICES[sid]
        try:
            checked = check_request(body, hook)
            fetched = await fetch(checked, missing_keys(checked), PREFETCH, fhir_servers)
            answer = await anyio.to_thread.run_sync(respond, checked, hook, ruleset, today(),
                                                    fetched)
        except HookRequestError as exc:
            return _error(400, f"not a CDS Hooks {hook} request this service reads: "
                          f"{exc.message}", exc.where)
        except Exception as exc:  # the last guard: the service keeps serving
            log.error("CDS service %s failed: %s", sid, exc.__class__.__name__)
            return _error(500, "internal error")
        return JSONResponse(answer)

    async def not_found(request: Request, exc: Exception) -> JSONResponse:
        return _error(404, "not found; see GET /cds-services")

    async def not_allowed(request: Request, exc: Exception) -> JSONResponse:
        return _error(405, "method not allowed")

    return Starlette(routes=[Route("/cds-services", services, methods=["GET"]),
                             Route("/cds-services/{service_id}", service, methods=["POST"])],
                     exception_handlers={404: not_found, 405: not_allowed},
                     # CDS clients (e.g. the CDS Hooks sandbox) call from a browser
                     middleware=[Middleware(CORSMiddleware, allow_origins=["*"],
                                            allow_methods=["GET", "POST"],
                                            allow_headers=["Authorization", "Content-Type"])])


def default_app() -> Starlette:
    """The application on the shipped rule set, for several workers:
    ``uvicorn --factory ldn_cds.service.app:default_app --workers 4`` (no access-log filter
    there: give ``--no-access-log`` or filter query strings in the proxy)."""
    from ldn_cds.resources import default_ruleset

    return create_app(default_ruleset())


__all__ = ["BODY_TIMEOUT_S", "MAX_BODY_BYTES", "create_app", "default_app"]
