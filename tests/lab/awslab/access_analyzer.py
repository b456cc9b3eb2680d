"""IAM Access Analyzer's ListAnalyzers, which moto does not serve, answered from the lab's state.

moto 5 has no Access Analyzer: every request gets an HTML 500 page, which botocore retries with
backoff (about 7 s per account in an audit, all of it sleeping) before the audit reports the
``access_analyzer`` control as ``error``. That path stays the default (``Lab()``), since it is the
one a simulator without the service takes. ``Lab(access_analyzer=True)`` answers
``GET /analyzer`` (ListAnalyzers, optionally filtered by ``type``) the way AWS does, from the
analyzers given with ``Lab.add_access_analyzer``: none at first, as in a new account. Any other
Access Analyzer request gets a ``ValidationException`` naming it; the collection makes no other.
``Lab.serve_access_analyzer`` turns the answers on and off in a running lab.
"""

from __future__ import annotations

import datetime
import json
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from .constants import PARTITION, REGION

_REGION_RE = re.compile(r"Credential=[^/,\s]+/\d{8}/([^/,\s]+)/access-analyzer/aws4_request")
TYPES = ("ACCOUNT", "ORGANIZATION", "ACCOUNT_UNUSED_ACCESS", "ORGANIZATION_UNUSED_ACCESS")
STATUSES = ("ACTIVE", "CREATING", "DISABLED", "FAILED")


class AccessAnalyzerStub:
    """Analyzers per (account, region), and the WSGI answer to ListAnalyzers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._analyzers: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def add(
        self, account_id: str, name: str, region: str = REGION, analyzer_type: str = "ACCOUNT", status: str = "ACTIVE"
    ) -> dict[str, Any]:
        """One more analyzer in ``account_id``'s ``region``; returns it as ListAnalyzers shows it."""
        if analyzer_type not in TYPES:
            raise ValueError(f"analyzer type must be one of {TYPES}, not {analyzer_type!r}")
        if status not in STATUSES:
            raise ValueError(f"analyzer status must be one of {STATUSES}, not {status!r}")
        analyzer = {
            "arn": f"arn:{PARTITION}:access-analyzer:{region}:{account_id}:analyzer/{name}",
            "name": name,
            "type": analyzer_type,
            "status": status,
            "createdAt": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tags": {},
        }
        with self._lock:
            found = self._analyzers.setdefault((account_id, region), [])
            if any(a["name"] == name for a in found):
                raise ValueError(f"{account_id} already has an analyzer {name!r} in {region}")
            found.append(analyzer)
        return dict(analyzer)

    def clear(self) -> None:
        """No analyzer anywhere (Lab.reset)."""
        with self._lock:
            self._analyzers.clear()

    def handle(
        self, environ: dict[str, Any], start_response: Callable[..., Any], account_id: str
    ) -> Iterable[bytes]:
        """Answer one Access Analyzer request of ``account_id``."""
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "")
        if method != "GET" or path.rstrip("/") != "/analyzer":
            message = f"the lab's Access Analyzer serves ListAnalyzers (GET /analyzer) only, not {method} {path}"
            return _answer(start_response, "400 Bad Request", {"message": message}, error="ValidationException")
        match = _REGION_RE.search(environ.get("HTTP_AUTHORIZATION", ""))
        region = match.group(1) if match else REGION
        query = parse_qs(environ.get("QUERY_STRING", ""))
        wanted = query.get("type", [None])[0]
        with self._lock:
            found = [dict(a) for a in self._analyzers.get((account_id, region), ()) if wanted in (None, a["type"])]
        return _answer(start_response, "200 OK", {"analyzers": found})


def _answer(start_response: Callable[..., Any], status: str, payload: Any, error: str | None = None) -> list[bytes]:
    body = json.dumps(payload).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    if error:
        headers.append(("x-amzn-ErrorType", error))
    start_response(status, headers)
    return [body]
