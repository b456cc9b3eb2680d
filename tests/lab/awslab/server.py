"""moto's WSGI app, served in-process by werkzeug, wrapped in the lab's middleware.

The middleware counts API calls per account and per ``service:Action`` and answers the lab's
own endpoints:

* ``GET /_lab/health`` -> ``{"status": "ok", ...}``
* ``GET /_lab/calls`` -> ``{account_id: {"iam:GetUser": n, ...}}``
* ``POST /_lab/calls/reset``
* ``POST /_lab/reset`` (``?seed=0`` to skip re-seeding; only when a reset hook is given)
"""

from __future__ import annotations

import functools
import io
import json
import logging
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs

from moto.core.responses import BaseResponse
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.datastructures import EnvironHeaders
from werkzeug.serving import BaseWSGIServer, make_server

from .faults import KINDS, FaultPlan, inject

LOG = logging.getLogger("awslab")

_SCOPE_RE = re.compile(r"Credential=[^/,\s]+/\d{8}/([^/,\s]+)/([^/,\s]+)/aws4_request")
_RPC_V2_RE = re.compile(r"^/service/[^/]+/operation/([A-Za-z0-9]+)$")
_MAX_FORM_BODY = 1 << 20

StartResponse = Callable[..., Any]


class CallCounter:
    """Thread-safe ``{account_id: Counter({"service:Action": n})}``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, Counter[str]] = defaultdict(Counter)

    def add(self, account_id: str, call: str) -> None:
        """Count one call."""
        with self._lock:
            self._counts[account_id][call] += 1

    def snapshot(self, account_id: str | None = None) -> dict[str, Any]:
        """Return a copy: every account, or one account's ``{call: n}`` when given."""
        with self._lock:
            if account_id is not None:
                return dict(sorted(self._counts.get(account_id, Counter()).items()))
            return {acct: dict(sorted(c.items())) for acct, c in sorted(self._counts.items())}

    def reset(self) -> None:
        """Forget every count."""
        with self._lock:
            self._counts.clear()


class _AccountProbe(BaseResponse):
    """Runs moto's own account resolution (``BaseResponse.get_current_account``) on a request.

    moto picks the account from MOTO_ACCOUNT_ID, else an ``x-moto-account-id`` header, else the
    SigV4 access key id (temporary keys from AssumeRole live in the target account's IAM
    backend; unknown keys fall back to 123456789012).
    """

    def __init__(self, headers: EnvironHeaders, querystring: dict[str, list[str]]):  # pylint: disable=super-init-not-called
        # Deliberately not calling BaseResponse.__init__: only the resolution helpers are used.
        self.headers = headers
        self.querystring = querystring


def resolve_account(environ: Mapping[str, Any], params: dict[str, list[str]] | None = None) -> str:
    """Return the account moto will act in for this WSGI request."""
    probe = _AccountProbe(EnvironHeaders(environ), params or {})
    return probe.get_current_account()


def _buffer_form_body(environ: dict[str, Any]) -> dict[str, list[str]]:
    """Read a url-encoded body (query protocol) and put it back for moto. Returns its params."""
    content_type = environ.get("CONTENT_TYPE", "")
    if not content_type.startswith("application/x-www-form-urlencoded"):
        return {}
    if environ.get("HTTP_CONTENT_ENCODING"):
        return {}
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return {}
    if length <= 0 or length > _MAX_FORM_BODY:
        return {}
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)


def describe_call(environ: dict[str, Any]) -> tuple[str, str, dict[str, list[str]]]:
    """Return ``(service, action, params)`` of an AWS API request.

    The service comes from the SigV4 credential scope; the action from ``Action`` (query
    protocol, in the query string or the form body), ``X-Amz-Target`` (JSON protocol), an
    RPCv2 path, or else the HTTP method (REST protocols).
    """
    params = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    for key, values in _buffer_form_body(environ).items():
        params.setdefault(key, []).extend(values)
    scope = _SCOPE_RE.search(environ.get("HTTP_AUTHORIZATION", ""))
    service = scope.group(2) if scope else "unsigned"
    if params.get("Action"):
        action = params["Action"][0]
    elif environ.get("HTTP_X_AMZ_TARGET"):
        action = environ["HTTP_X_AMZ_TARGET"].rsplit(".", 1)[-1]
    elif match := _RPC_V2_RE.match(environ.get("PATH_INFO", "")):
        action = match.group(1)
    else:
        action = environ.get("REQUEST_METHOD", "GET")
    return service, action, params


class LabMiddleware:
    """WSGI middleware: counts calls, serves ``/_lab/*``, passes everything else to moto."""

    def __init__(
        self,
        app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]],
        counter: CallCounter,
        info: Callable[[], dict[str, Any]] | None = None,
        reset_hook: Callable[[bool], None] | None = None,
    ):
        self.app = app
        self.counter = counter
        self.info = info or dict
        self.reset_hook = reset_hook
        #: Fault injection (awslab.faults); off until set.
        self.faults = FaultPlan()
        #: One-shot rendezvous: (account, "service:Action") -> threading.Barrier (Lab.rendezvous).
        self.barriers: dict[tuple[str, str], threading.Barrier] = {}
        self._barriers_lock = threading.Lock()
        self._race_lock = threading.Lock()
        #: One-shot hooks: "service:Action" -> (nth, callback), called after the nth such request
        #: was handled, before its answer is sent (Lab.on_call).
        self.hooks: dict[str, list[Any]] = {}
        #: Access Analyzer's ListAnalyzers (awslab.access_analyzer); None leaves it to moto (500s).
        self.access_analyzer: Any = None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_lab/"):
            return self._lab_endpoint(environ, start_response, path)
        if not path.startswith("/moto-api"):
            service, action, params = describe_call(environ)
            try:
                account = resolve_account(environ, params)
            except Exception:  # pylint: disable=broad-exception-caught
                LOG.exception("could not resolve the account of a request")
                account = "unknown"
            self.counter.add(account, f"{service}:{action}")
            app = self.app
            if service == "access-analyzer" and self.access_analyzer is not None:
                app = functools.partial(self.access_analyzer.handle, account_id=account)
            hook = self._hook(f"{service}:{action}")
            if hook is not None:
                answer = list(app(environ, start_response))
                hook()
                return answer
            if self._meet(account, f"{service}:{action}"):
                # Released together; handled one at a time, as AWS applies each request
                # atomically (moto's checks, such as the two-key limit, are not thread-safe).
                with self._race_lock:
                    return list(app(environ, start_response))
            kind = self.faults.draw(service, action)
            if kind is not None:
                return inject(kind, service, environ, start_response, app)
            return app(environ, start_response)
        return self.app(environ, start_response)

    def _hook(self, call: str) -> Callable[[], None] | None:
        """The callback due after this request, if it is the nth of a hooked call."""
        with self._barriers_lock:
            entry = self.hooks.get(call)
            if entry is None:
                return None
            entry[0] -= 1
            if entry[0] > 0:
                return None
            del self.hooks[call]
            return entry[1]

    def _meet(self, account: str, call: str) -> bool:
        """Hold a request at its rendezvous until the other parties arrive (or it times out);
        whether there was one."""
        with self._barriers_lock:
            barrier = self.barriers.get((account, call))
        if barrier is None:
            return False
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            LOG.warning("rendezvous %s in %s timed out", call, account)
        with self._barriers_lock:
            if self.barriers.get((account, call)) is barrier:
                del self.barriers[(account, call)]
        return True

    def _lab_endpoint(self, environ: dict[str, Any], start_response: StartResponse, path: str) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if path == "/_lab/health" and method == "GET":
            return _json(start_response, {"status": "ok", **self.info()})
        if path == "/_lab/calls" and method == "GET":
            account = query.get("account", [None])[0]
            return _json(start_response, self.counter.snapshot(account))
        if path == "/_lab/calls/reset" and method == "POST":
            self.counter.reset()
            return _json(start_response, {"status": "ok"})
        if path == "/_lab/faults" and method == "GET":
            return _json(start_response, self.faults.summary())
        if path == "/_lab/faults" and method == "POST":
            try:
                settings = json.loads(_read_body(environ) or b"{}")
                self.faults = FaultPlan(
                    rate=float(settings.get("rate", 0.0)),
                    kinds=tuple(settings.get("kinds") or KINDS),
                    seed=int(settings.get("seed", 0)),
                    services=tuple(settings.get("services") or ()),
                )
            except (TypeError, ValueError) as exc:
                return _json(start_response, {"error": str(exc)}, "400 Bad Request")
            return _json(start_response, self.faults.summary())
        if path == "/_lab/reset" and method == "POST" and self.reset_hook is not None:
            self.reset_hook(query.get("seed", ["1"])[0] not in ("0", "false", "no"))
            return _json(start_response, {"status": "ok"})
        return _json(start_response, {"error": f"no such lab endpoint: {method} {path}"}, "404 Not Found")


def _read_body(environ: dict[str, Any]) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(length) if length else b""


def _json(start_response: StartResponse, payload: Any, status: str = "200 OK") -> list[bytes]:
    body = json.dumps(payload, sort_keys=True).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


class QuietRequestHandler(MotoRequestHandler):
    """moto's request handler, logging each request at DEBUG on the ``awslab`` logger."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log one request (DEBUG) instead of printing it."""
        LOG.debug("%s %s %s", self.command, self.path, code)

    def log(self, type: str, message: str, *args: Any) -> None:  # pylint: disable=redefined-builtin
        """Route werkzeug's own messages to the ``awslab`` logger."""
        level = logging.ERROR if type == "error" else logging.DEBUG
        LOG.log(level, message, *args)


class LabServer:
    """A werkzeug server for moto in a daemon thread, bound to a port chosen by the OS."""

    def __init__(self, host: str, app: Callable[..., Iterable[bytes]]):
        self.host = host
        self.app = app
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @staticmethod
    def moto_app() -> DomainDispatcherApplication:
        """Return moto's own WSGI application (what ``moto_server`` serves)."""
        return DomainDispatcherApplication(create_backend_app)

    @property
    def port(self) -> int:
        """The bound port."""
        if self._server is None:
            raise RuntimeError("server not started")
        return int(self._server.server_port)

    def start(self) -> None:
        """Bind (port 0) and serve in a background thread."""
        self._server = make_server(self.host, 0, self.app, threaded=True, request_handler=QuietRequestHandler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="awslab-server", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is None:
            return
        self._server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server.server_close()
        self._server = None
        self._thread = None
