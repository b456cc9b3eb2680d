# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place where hardening.aws builds AWS clients and calls AWS.

Every module, in either execution path (AnsiballZ module or in-process action
plugin), gets its clients from :class:`AwsContext`. It owns credentials,
assume-role, the endpoint, retries, pagination and the translation of AWS
errors into messages that name the error code, the operation and the resource.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import random
import time

try:
    import boto3
    import botocore
    from botocore.config import Config
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        ConnectionClosedError,
        HTTPClientError,
        ProfileNotFound,
        ReadTimeoutError,
    )
    from botocore.parsers import ResponseParserError
    HAS_BOTO3 = True
    BOTO3_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the caller
    HAS_BOTO3 = False
    BOTO3_IMPORT_ERROR = exc

    class BotoCoreError(Exception):  # type: ignore[no-redef]
        """Stands in for botocore's class so the except clauses stay valid."""

    class ClientError(Exception):  # type: ignore[no-redef]
        """Stands in for botocore's class so the except clauses stay valid."""

    class ResponseParserError(Exception):  # type: ignore[no-redef]
        """Stands in for botocore's class so the except clauses stay valid."""

    HTTPClientError = ProfileNotFound = ConnectionClosedError = ReadTimeoutError = BotoCoreError

COLLECTION_VERSION = "0.1.0"
DEFAULT_REGION = "us-east-1"
DEFAULT_ROLE_SESSION_NAME = "hardening-aws"
# A session handed in through ``assumed_role_session`` is used only while it has more
# than this left; after that the task assumes the role again itself.
SESSION_MARGIN_SECONDS = 300

# IAM answers these for conditions that clear by themselves. botocore's standard
# retry mode already covers throttling and HTTP 5xx for a few attempts; these are
# retried again here, with full-jitter backoff, so a busy account still converges.
RETRYABLE_CODES = frozenset(
    (
        "Throttling",
        "ThrottlingException",
        "EntityTemporarilyUnmodifiable",
        "ConcurrentModification",
        "ServiceFailure",
    )
)
MAX_ATTEMPTS = 6

# A request AWS handled but whose answer was lost (a dropped connection, a timeout) is sent
# again by the retries, and the second attempt then fails with the very error the first one's
# success causes. After a retry, these errors mean "done already" for these verbs.
DONE_WHEN_RETRIED = {
    "create": frozenset(("EntityAlreadyExists", "ResourceExistsException")),
    "upload": frozenset(("EntityAlreadyExists", "DuplicateSSHPublicKey", "DuplicateCertificate")),
    "delete": frozenset(("NoSuchEntity", "ResourceNotFoundException", "ParameterNotFound")),
    "detach": frozenset(("NoSuchEntity",)),
    "remove": frozenset(("NoSuchEntity",)),
    "deactivate": frozenset(("NoSuchEntity",)),
}
BACKOFF_BASE = 0.5
BACKOFF_CAP = 20.0

# The options every module of the collection takes. Environment variables are
# resolved by boto3 itself (AWS_ACCESS_KEY_ID, AWS_PROFILE, AWS_ENDPOINT_URL...),
# except AWS_REGION which boto3 ignores and Ansible users expect.
AWS_COMMON_ARGUMENT_SPEC = dict(
    access_key=dict(type="str", aliases=["aws_access_key_id", "aws_access_key"], no_log=False),
    secret_key=dict(type="str", aliases=["aws_secret_access_key", "aws_secret_key"], no_log=True),
    session_token=dict(type="str", aliases=["aws_session_token", "security_token"], no_log=True),
    profile=dict(type="str", aliases=["aws_profile"]),
    region=dict(type="str", aliases=["aws_region"]),
    endpoint_url=dict(type="str", aliases=["aws_endpoint_url"]),
    assume_role_arn=dict(type="str"),
    external_id=dict(type="str", no_log=True),
    role_session_name=dict(type="str", default=DEFAULT_ROLE_SESSION_NAME),
    assumed_role_session=dict(type="dict", no_log=True),
)
AWS_COMMON_MUTUALLY_EXCLUSIVE = [("profile", "access_key"), ("profile", "secret_key"), ("profile", "session_token")]
AWS_COMMON_REQUIRED_TOGETHER = [("access_key", "secret_key")]
AWS_COMMON_REQUIRED_BY = {"external_id": ("assume_role_arn",), "assumed_role_session": ("assume_role_arn",)}

SERVICE_LABELS = {"iam": "IAM", "sts": "STS", "secretsmanager": "Secrets Manager", "ssm": "SSM"}


class HardeningError(Exception):
    """A failure the user should read: the message says what, where and why.

    ``details`` are returned next to ``msg`` in the failed result.
    """

    def __init__(self, msg, **details):
        super().__init__(msg)
        self.msg = msg
        self.details = details


class AwsError(HardeningError):
    """An AWS call failed after retries."""

    def __init__(self, msg, code=None, operation=None, resource=None, status=None):
        details = {"error": {"code": code, "operation": operation, "resource": resource, "http_status": status}}
        super().__init__(msg, **details)
        self.code = code
        self.operation = operation
        self.resource = resource
        # Whether the request was sent more than once: an earlier attempt may have done the work.
        self.retried = False


class AlreadyDone(AwsError):
    """A retried request failed because an earlier attempt of it had already done the work
    (see DONE_WHEN_RETRIED). :meth:`AwsClient.call` returns an empty answer for it, or raises
    it to a caller that needs the answer (``answer=True``) so that it reads what was made."""


def _done_when_retried(method, code, exc, attempt):
    """Whether ``code`` answering a retried ``method`` means an earlier attempt did it."""
    verb = method.split("_", 1)[0]
    if code not in DONE_WHEN_RETRIED.get(verb, ()):
        return False
    retried = (getattr(exc, "response", None) or {}).get("ResponseMetadata", {}).get("RetryAttempts", 0)
    return bool(retried) or attempt > 1


def _operation_name(client, method):
    """Map a boto3 method name (get_user) to the API operation (GetUser)."""
    names = getattr(client.meta, "method_to_api_mapping", {})
    return names.get(method, method)


def translate_error(exc, service, operation, resource=None):
    """Turn a botocore exception into an :class:`AwsError` with a useful message."""
    label = SERVICE_LABELS.get(service, service)
    where = " for %s" % resource if resource else ""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = error.get("Code", "Unknown")
        message = error.get("Message", str(exc))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return AwsError(
            "%s %s failed%s: %s: %s" % (label, operation, where, code, message),
            code=code,
            operation=operation,
            resource=resource,
            status=status,
        )
    if isinstance(exc, (ResponseParserError, HTTPClientError)):
        # The endpoint did not answer in AWS's format at all. A local simulator answers
        # calls it does not implement this way; never treat it as "nothing to do".
        message = "%s %s failed%s: the endpoint gave no valid AWS answer (%s: %s); it may not implement this call"
    else:
        # Raised before or around the request: credentials, parameters, connection.
        message = "%s %s failed%s: %s: %s"
    return AwsError(
        message % (label, operation, where, type(exc).__name__, exc),
        code=type(exc).__name__,
        operation=operation,
        resource=resource,
    )


class AwsClient:
    """A boto3 client with retries, pagination and error translation.

    ``call`` and ``paginate`` are the only ways the collection talks to AWS.
    """

    def __init__(self, client, service, sleep=time.sleep, max_attempts=MAX_ATTEMPTS):
        self.raw = client
        self.service = service
        self._sleep = sleep
        self._max_attempts = max_attempts

    def sleep(self, seconds):
        """Wait between polls of an asynchronous AWS job (tests inject a fake sleep)."""
        self._sleep(seconds)

    def _retrying(self, method, fn, resource):
        operation = _operation_name(self.raw, method)
        attempt = 0
        while True:
            attempt += 1
            try:
                return fn()
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code")
                if code in RETRYABLE_CODES and attempt < self._max_attempts:
                    self._sleep(random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** attempt)))
                    continue
                if _done_when_retried(method, code, exc, attempt):
                    error = translate_error(exc, self.service, operation, resource)
                    raise AlreadyDone(error.msg, code=code, operation=operation, resource=resource) from None
                error = translate_error(exc, self.service, operation, resource)
                error.retried = attempt > 1 or bool(exc.response.get("ResponseMetadata", {}).get("RetryAttempts"))
                raise error from None
            except (ConnectionClosedError, ReadTimeoutError) as exc:
                # A connection lost mid-request, after botocore's own attempts: the endpoint is
                # there but struggling. (An endpoint that cannot be reached at all is not retried.)
                if attempt < self._max_attempts:
                    self._sleep(random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** attempt)))
                    continue
                error = translate_error(exc, self.service, operation, resource)
                error.retried = True
                raise error from None
            except (BotoCoreError, ResponseParserError) as exc:
                raise translate_error(exc, self.service, operation, resource) from None

    def call(self, method, resource=None, ignore=(), answer=False, **kwargs):
        """Call ``method`` (a boto3 method name) and return its response.

        ``ignore`` lists error codes that mean "not there" to the caller; for those
        ``None`` is returned instead of a failure. A retried create or delete whose earlier
        attempt did the work returns an empty answer, or raises :class:`AlreadyDone` when the
        caller needs the answer (``answer=True``) and must read what was made instead.
        """
        try:
            return self._retrying(method, lambda: getattr(self.raw, method)(**kwargs), resource)
        except AlreadyDone:
            if answer:
                raise
            return {}
        except AwsError as exc:
            if exc.code in ignore:
                return None
            raise

    def paginate(self, method, resource=None, ignore=(), **kwargs):
        """Return the full result of a paginated call, every page merged."""
        if not self.raw.can_paginate(method):
            return self.call(method, resource=resource, ignore=ignore, **kwargs)

        def run():
            return self.raw.get_paginator(method).paginate(**kwargs).build_full_result()

        try:
            return self._retrying(method, run, resource)
        except AwsError as exc:
            if exc.code in ignore:
                return None
            raise


# botocore reads and parses service models (JSON, tens of milliseconds each) per
# session. One loader shared by every session keeps that cost to once per process,
# and once per run when warm_up() runs in the controller before it forks workers.
_SHARED_LOADER = None


def _new_session(**kwargs):
    """A boto3 session that shares the process's botocore data loader."""
    global _SHARED_LOADER
    core = botocore.session.Session()
    if _SHARED_LOADER is None:
        _SHARED_LOADER = core.get_component("data_loader")
    else:
        core.register_component("data_loader", _SHARED_LOADER)
    return boto3.session.Session(botocore_session=core, **kwargs)


def warm_up(services=("sts", "iam")):
    """Load the service models of ``services`` into the shared loader, offline.

    The in-process action plugins call this once in the controller's main process,
    so every forked worker starts with the models parsed. It is only an optimisation:
    any problem (a broken AWS config file, say) is left for the task to report."""
    if not HAS_BOTO3:
        return
    try:
        # Placeholder credentials: no request is sent, botocore only needs some to build a client.
        dummy = {"aws_access_key_id": "warm-up", "aws_secret_access_key": "warm-up"}
        session = _new_session(region_name=DEFAULT_REGION, **dummy)
        for service in services:
            session.client(service, config=_botocore_config())
    except Exception:  # noqa: BLE001  pylint: disable=broad-exception-caught
        return


def _resolve_region(params):
    """The task's region, else AWS_REGION, AWS_DEFAULT_REGION, the profile's region, us-east-1."""
    region = params.get("region") or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        return region
    try:
        configured = botocore.session.Session(profile=params.get("profile") or None).get_config_variable("region")
    except ProfileNotFound:
        configured = None  # reported, with the profile's name, when the session is built
    return configured or DEFAULT_REGION


def _botocore_config():
    return Config(
        retries={"mode": "standard", "max_attempts": 4},
        user_agent_extra="hardening.aws/%s" % COLLECTION_VERSION,
        connect_timeout=10,
        read_timeout=60,
    )


def _profile_error(exc):
    profile = getattr(exc, "kwargs", {}).get("profile") or os.environ.get("AWS_PROFILE")
    return HardeningError(
        "AWS profile %r is not configured on this host (set by the profile option or AWS_PROFILE): %s"
        % (profile, exc),
        option="profile",
    )


def parse_time(value):
    """An ISO 8601 time (as sts_session, the credential report and IAM give it) or a datetime, as
    an aware UTC datetime (UTC assumed when it has no zone); None when it is not a time."""
    if isinstance(value, datetime.datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        try:
            parsed = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.astimezone(datetime.timezone.utc)


def role_digest(role_arn):
    """A fingerprint of a role ARN, kept in a session so a session of another role is not
    used by mistake. Not the ARN itself: every value of a session (a no_log option) is
    masked wherever it appears in results, and the ARN holds the account id."""
    return hashlib.sha256(("hardening.aws:%s" % role_arn).encode("utf-8")).hexdigest()[:24]


def usable_session(session, role_arn, margin=SESSION_MARGIN_SECONDS, now=None):
    """True when ``session`` (the ``session`` result of hardening.aws.sts_session) holds
    credentials of ``role_arn`` that stay valid for more than ``margin`` seconds."""
    if not isinstance(session, dict) or not role_arn or session.get("role") != role_digest(role_arn):
        return False
    if not all(session.get(k) for k in ("access_key_id", "secret_access_key", "session_token")):
        return False
    expiration = parse_time(session.get("expiration"))
    if expiration is None:
        return False
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (expiration - now).total_seconds() > margin


class AwsContext:
    """Builds clients for one task: the caller's credentials, optionally a role in
    another account assumed once, one region and endpoint. Clients are cached for
    the lifetime of the context (one task)."""

    def __init__(self, params, sleep=time.sleep):
        if not HAS_BOTO3:
            raise HardeningError(
                "boto3 and botocore are required on the host that runs this task "
                "(pip install -r requirements.txt): %s" % BOTO3_IMPORT_ERROR
            )
        self._params = params
        self._sleep = sleep
        self.region = _resolve_region(params)
        self.endpoint_url = params.get("endpoint_url") or None
        self._config = _botocore_config()
        self._session = None
        self._clients = {}
        self.assumed_role_arn = params.get("assume_role_arn") or None
        # Set by session(): whether a handed-in session was reused, and the credentials
        # of a role assumed here (sts_session returns them; nothing else does).
        self.reused_session = False
        self.credentials = None

    def _base_session(self):
        try:
            return _new_session(
                aws_access_key_id=self._params.get("access_key") or None,
                aws_secret_access_key=self._params.get("secret_key") or None,
                aws_session_token=self._params.get("session_token") or None,
                profile_name=self._params.get("profile") or None,
                region_name=self.region,
            )
        except ProfileNotFound as exc:
            raise _profile_error(exc) from None

    def session(self):
        """The boto3 session the clients come from (assumed-role when asked)."""
        if self._session is not None:
            return self._session
        role_arn = self.assumed_role_arn
        if not role_arn:
            self._session = self._base_session()
            return self._session
        given = self._params.get("assumed_role_session")
        if usable_session(given, role_arn):
            self.reused_session = True
            return self._use(given["access_key_id"], given["secret_access_key"], given["session_token"])
        return self.assume_role()

    def _use(self, access_key_id, secret_access_key, session_token):
        self._clients = {}
        self._session = _new_session(
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            aws_session_token=session_token,
            region_name=self.region,
        )
        return self._session

    def assume_role(self, duration_seconds=None):
        """Assume O(assume_role_arn) now with the task's own credentials, whatever session
        was handed in, and make its credentials the context's. Keeps STS's Credentials in
        ``self.credentials`` (hardening.aws.sts_session returns them)."""
        role_arn = self.assumed_role_arn
        base = self._base_session()
        sts = AwsClient(
            base.client("sts", endpoint_url=self.endpoint_url, config=self._config), "sts", sleep=self._sleep
        )
        session_name = self._params.get("role_session_name") or DEFAULT_ROLE_SESSION_NAME
        kwargs = dict(RoleArn=role_arn, RoleSessionName=session_name)
        if self._params.get("external_id"):
            kwargs["ExternalId"] = self._params["external_id"]
        if duration_seconds:
            kwargs["DurationSeconds"] = duration_seconds
        self.credentials = sts.call("assume_role", resource="role %s" % role_arn, **kwargs)["Credentials"]
        self.reused_session = False
        return self._use(
            self.credentials["AccessKeyId"], self.credentials["SecretAccessKey"], self.credentials["SessionToken"]
        )

    def client(self, service):
        """A retrying, paginating :class:`AwsClient` for ``service``."""
        if service not in self._clients:
            try:
                raw = self.session().client(service, endpoint_url=self.endpoint_url, config=self._config)
            except ProfileNotFound as exc:
                raise _profile_error(exc) from None
            except (BotoCoreError, ValueError) as exc:
                raise HardeningError("cannot create the %s client: %s" % (service, exc)) from None
            self._clients[service] = AwsClient(raw, service, sleep=self._sleep)
        return self._clients[service]
