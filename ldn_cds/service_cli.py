"""Command line for the CDS Hooks 2.0 service: ``ldn-cds serve [--host H] [--port P]``.

The rule set is loaded once, before the server starts (``--rules-dir`` as for the other
commands; a rule set that is not the shipped one is named on stderr and in every response).
Starlette and uvicorn are imported here only when the command runs.

Logs carry no patient data: uvicorn's access log gives method, path (the query string is cut)
and status; the service logs an error by its exception class only.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from typing import Any

EXIT_OK, EXIT_BAD_INPUT, EXIT_USAGE = 0, 1, 2


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("serve", help="serve CDS Hooks 2.0 (discovery at /cds-services)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1; put a reverse proxy "
                             "with TLS in front for other machines)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    parser.add_argument("--fhir-server", action="append", default=[], metavar="URL",
                        help="a FHIR server (base URL) the service may read missing prefetch "
                             "from, with the request's fhirAuthorization; repeatable. Without "
                             "it the service never fetches")


class _PathOnly(logging.Filter):
    """Cut the query string from uvicorn's access log line (it could carry a patient id)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], args[2].split("?", 1)[0], args[3], args[4])
        return True


def serve(args: argparse.Namespace, load_rules: Callable[[], Any]) -> int:
    from ldn_cds.service.fetch import allowed_servers

    try:
        servers = allowed_servers(args.fhir_server)
    except ValueError as exc:
        print(f"ldn-cds serve: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    ruleset = load_rules()
    if ruleset is None:
        return EXIT_BAD_INPUT
    import uvicorn

    from ldn_cds.service.app import create_app
    from ldn_cds.service.hooks import foreign_ruleset_line

    try:
        app = create_app(ruleset, fhir_servers=servers)  # checks the service's words
    except ValueError as exc:
        for problem in str(exc).split("; "):
            print(f"ldn-cds serve: {ruleset.origin}/{problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not ruleset.shipped:
        print(foreign_ruleset_line(ruleset), file=sys.stderr)
    logging.getLogger("uvicorn.access").addFilter(_PathOnly())
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=True,
                timeout_keep_alive=5, server_header=False)
    return EXIT_OK
