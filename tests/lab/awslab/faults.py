"""Fault injection: a share of the lab's AWS requests answered the way a struggling AWS answers.

Kinds of fault, each drawn with the same weight unless ``kinds`` narrows them:

- ``throttle``: the service's throttling error (IAM and STS ``Throttling``, 400; JSON services
  ``ThrottlingException``; EC2 ``RequestLimitExceeded``, 503). Nothing is done.
- ``server``: an internal error (IAM and STS ``ServiceFailure``, 500; JSON services
  ``InternalFailure``; EC2 ``InternalError``). Nothing is done.
- ``drop_before``: the connection is closed before the request is handled. Nothing is done.
- ``drop_after``: the request IS handled, then the connection is closed before the answer: the
  client cannot know whether a create happened (the case that orphans keys and secrets).

Draws come from a seeded generator, so a run over the same requests faults the same ones. Only
AWS API requests are faulted, never the lab's or moto's own endpoints.
"""

from __future__ import annotations

import json
import random
import socket
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

KINDS = ("throttle", "server", "drop_before", "drop_after")

_XML_ERROR = (
    '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>{type}</Type>'
    "<Code>{code}</Code><Message>{message}</Message></Error><RequestId>lab-fault</RequestId></ErrorResponse>"
)
_EC2_ERROR = (
    "<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
    "<RequestID>lab-fault</RequestID></Response>"
)


@dataclass
class FaultPlan:
    """Which share of requests fail, how, and where. ``rate`` 0 turns injection off."""

    rate: float = 0.0
    kinds: tuple[str, ...] = KINDS
    seed: int = 0
    #: Services to fault (SigV4 scope names such as ``iam``); empty = every service.
    services: tuple[str, ...] = ()
    injected: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"fault rate must be between 0 and 1, not {self.rate!r}")
        unknown = set(self.kinds) - set(KINDS)
        if unknown or not self.kinds:
            raise ValueError(f"fault kinds must be some of {KINDS}, not {self.kinds!r}")
        self._random = random.Random(self.seed)
        self._lock = threading.Lock()

    def draw(self, service: str, action: str) -> str | None:
        """The fault for one request, or None."""
        if not self.rate or (self.services and service not in self.services):
            return None
        with self._lock:
            if self._random.random() >= self.rate:
                return None
            kind = self._random.choice(self.kinds)
            self.injected[f"{kind} {service}:{action}"] += 1
            return kind

    def summary(self) -> dict[str, Any]:
        """The plan and what it injected so far (for ``GET /_lab/faults``)."""
        with self._lock:
            return {
                "rate": self.rate,
                "kinds": list(self.kinds),
                "seed": self.seed,
                "services": list(self.services),
                "injected": dict(self.injected),
                "total": sum(self.injected.values()),
            }


def _error(environ: dict[str, Any], service: str, kind: str) -> tuple[str, list[tuple[str, str]], bytes]:
    throttle = kind == "throttle"
    if service == "ec2":
        code = "RequestLimitExceeded" if throttle else "InternalError"
        body = _EC2_ERROR.format(code=code, message="lab fault injection").encode()
        status = "503 Service Unavailable" if throttle else "500 Internal Server Error"
        return status, [("Content-Type", "text/xml")], body
    if environ.get("HTTP_X_AMZ_TARGET") or service not in ("iam", "sts"):
        code = "ThrottlingException" if throttle else "InternalFailure"
        body = json.dumps({"__type": code, "message": "lab fault injection"}).encode()
        status = "400 Bad Request" if throttle else "500 Internal Server Error"
        return status, [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code)], body
    code, error_type = ("Throttling", "Sender") if throttle else ("ServiceFailure", "Receiver")
    body = _XML_ERROR.format(type=error_type, code=code, message="lab fault injection").encode()
    status = "400 Bad Request" if throttle else "500 Internal Server Error"
    return status, [("Content-Type", "text/xml")], body


def _drop(environ: dict[str, Any]) -> None:
    connection = environ.get("werkzeug.socket")
    if connection is None:
        raise ConnectionAbortedError("lab fault injection: connection dropped")
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def inject(kind: str, service: str, environ: dict[str, Any], start_response: Any, app: Any) -> Iterable[bytes]:
    """Answer one request with fault ``kind`` (``app`` handles it first for ``drop_after``)."""
    if kind in ("throttle", "server"):
        status, headers, body = _error(environ, service, kind)
        start_response(status, headers + [("Content-Length", str(len(body)))])
        return [body]
    if kind == "drop_after":
        result = app(environ, lambda *args, **kwargs: (lambda data: None))
        try:
            for _chunk in result:
                pass
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
    _drop(environ)
    # Nothing reaches the client: its connection is gone. werkzeug may log the broken pipe.
    start_response("500 Internal Server Error", [("Content-Length", "0"), ("Connection", "close")])
    return []
