"""Fetch the prefetch a CDS client did not send, from its ``fhirServer``, within seconds.

CDS Hooks 2.0 lets a service read what the client did not prefetch from the client's FHIR
server with the access token in ``fhirAuthorization``.  This service does so only:

* from a server the operator allowed (``ldn-cds serve --fhir-server URL``, repeatable): a
  request names its own ``fhirServer``, and a service that fetched from any URL it is given
  would send the client's token, and its own requests, wherever a request says;
* over http(s), without following redirects, for the patient of ``context.patientId`` (a FHIR
  id, checked), at most ``MAX_PAGES`` pages of a search and ``MAX_BYTES`` per page;
* within ``FETCH_TIMEOUT_S`` for all keys together (they are fetched at once).

What could not be fetched stays unknown (never "none") and the card names it with the reason
in words (timed out, refused with HTTP 401, ...).  Nothing of the request is logged: httpx's
own request log (which would carry the patient id in the URL) is silenced.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx

FETCH_TIMEOUT_S = 3.0
"""For all the missing keys together; a CDS client waits for the cards."""
MAX_BYTES = 5 * 1024 * 1024
MAX_PAGES = 5
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
for _name in ("httpx", "httpcore"):  # their INFO lines carry the URL (the patient id)
    logging.getLogger(_name).setLevel(logging.WARNING)


@dataclass
class Fetched:
    """What was fetched, by prefetch key, and why each other key was not."""

    values: dict[str, Any] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    """key -> reason in words (no patient data)."""
    skipped: str = ""
    """Why nothing was fetched (empty when a fetch was tried)."""


def _base(url: str) -> str | None:
    """The server base normalised for comparison (scheme and host lower case, no trailing
    slash), or None when it is not an http(s) URL without credentials or query."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return None
    if parts.username or parts.password or parts.query or parts.fragment:
        return None
    netloc = parts.hostname.lower() + (f":{parts.port}" if parts.port else "")
    return f"{parts.scheme.lower()}://{netloc}{parts.path.rstrip('/')}"


def allowed_servers(urls: Sequence[str]) -> list[str]:
    """The ``--fhir-server`` values normalised; raises ValueError naming a bad one."""
    out = []
    for url in urls:
        base = _base(url)
        if base is None:
            raise ValueError(f"--fhir-server {url!r}: not an http(s) URL of a FHIR server")
        out.append(base)
    return out


def plan(body: dict[str, Any], missing: Sequence[str], templates: dict[str, str],
         allowed: Sequence[str]) -> tuple[str, dict[str, str], str]:
    """(server base, key -> URL, reason nothing is fetched).  Pure; no network."""
    server = body.get("fhirServer")
    if not missing:
        return "", {}, ""
    if not server:
        return "", {}, "no FHIR server was given"
    base = _base(server)
    if base is None or base not in allowed:
        return "", {}, ("a FHIR server was given, but this service is not set to fetch from "
                        "it (ldn-cds serve --fhir-server URL)")
    patient = body["context"].get("patientId")
    if not isinstance(patient, str) or not _FHIR_ID.fullmatch(patient):
        return "", {}, "the context has no patient id to fetch for"
    urls = {key: f"{base}/{templates[key].replace('{{context.patientId}}', patient)}"
            for key in missing}
    return base, urls, ""


def _headers(body: dict[str, Any]) -> dict[str, str]:
    headers = {"Accept": "application/fhir+json, application/json"}
    auth = body.get("fhirAuthorization") or {}
    token = auth.get("access_token")
    if isinstance(token, str) and token and str(auth.get("token_type", "Bearer")).lower() \
            == "bearer":
        headers["Authorization"] = f"Bearer {token}"
    return headers


async def _get_json(client: httpx.AsyncClient, url: str) -> Any:
    async with client.stream("GET", url) as response:
        if response.status_code != 200:
            raise _Failed(f"the server answered HTTP {response.status_code}")
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > MAX_BYTES:
                raise _Failed(f"the answer is over {MAX_BYTES:,} bytes")
            chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks))
    except (ValueError, RecursionError):
        raise _Failed("the answer is not JSON") from None


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every fetch (building one per request costs milliseconds)."""
    return ssl.create_default_context()


class _Failed(Exception):
    pass


def _next(page: dict[str, Any]) -> str | None:
    links = page.get("link")
    for link in links if isinstance(links, list) else []:
        if isinstance(link, dict) and link.get("relation") == "next" \
                and isinstance(link.get("url"), str):
            return str(link["url"])
    return None


async def _fetch_key(client: httpx.AsyncClient, base: str, url: str) -> Any:
    """One resource, or a searchset with the entries of up to MAX_PAGES pages."""
    value = await _get_json(client, url)
    if not isinstance(value, dict) or not isinstance(value.get("resourceType"), str):
        raise _Failed("the answer is not a FHIR resource")
    if value["resourceType"] == "OperationOutcome":
        raise _Failed("the server answered with an OperationOutcome")
    if value["resourceType"] != "Bundle":
        return value
    entries = list(value.get("entry") or [])
    page = value
    for _ in range(MAX_PAGES - 1):
        nxt = _next(page)
        if nxt is None:
            break
        where = _base(nxt.split("?", 1)[0]) or ""
        if where != base and not where.startswith(base + "/"):
            raise _Failed("a next page points outside the FHIR server")
        page = await _get_json(client, nxt)
        if not isinstance(page, dict) or page.get("resourceType") != "Bundle":
            raise _Failed("a next page is not a Bundle")
        entries.extend(page.get("entry") or [])
    else:
        if _next(page) is not None:
            raise _Failed(f"more than {MAX_PAGES} pages")
    return {**value, "entry": entries, "link": []}


async def fetch(body: dict[str, Any], missing: Sequence[str], templates: dict[str, str],
                allowed: Sequence[str], *, timeout_s: float = FETCH_TIMEOUT_S,
                transport: httpx.AsyncBaseTransport | None = None) -> Fetched:
    """Fetch the ``missing`` prefetch keys of a checked request (see the module text)."""
    base, urls, skipped = plan(body, missing, templates, allowed)
    out = Fetched(skipped=skipped)
    if not urls:
        return out

    async def one(client: httpx.AsyncClient, key: str, url: str) -> None:
        try:
            out.values[key] = await _fetch_key(client, base, url)
        except _Failed as exc:
            out.failed[key] = str(exc)
        except httpx.TimeoutException:
            out.failed[key] = f"timed out after {timeout_s:g} s"
        except httpx.HTTPError as exc:
            out.failed[key] = f"could not reach the server ({exc.__class__.__name__})"

    async with httpx.AsyncClient(headers=_headers(body), follow_redirects=False,
                                 timeout=httpx.Timeout(timeout_s), transport=transport,
                                 trust_env=False, verify=_tls()) as client:
        with anyio.move_on_after(timeout_s) as scope:
            async with anyio.create_task_group() as group:
                for key, url in urls.items():
                    group.start_soon(one, client, key, url)
    if scope.cancelled_caught:
        for key in urls:
            if key not in out.values and key not in out.failed:
                out.failed[key] = f"timed out after {timeout_s:g} s"
    return out


__all__ = ["FETCH_TIMEOUT_S", "Fetched", "allowed_servers", "fetch", "plan"]
