"""The in-process lab: a moto server for a fleet of accounts, seeded, counted and strict."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import os
import threading
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

import boto3
import botocore.loaders
import botocore.session

from . import organization as org_mod
from . import root as root_mod
from . import seed as seed_mod
from .access_analyzer import AccessAnalyzerStub
from .common import (
    HostVars,
    LabError,
    controller_env,
    inventory_dict,
    write_inventory_file,
)
from .constants import (
    ADMINISTRATOR_ACCESS_ARN,
    CONTROLLER_ACCESS_KEY_ID,
    CONTROLLER_SECRET_ACCESS_KEY,
    MANAGEMENT_ACCOUNT_ID,
    PARTITION,
    REGION,
    member_account_id,
    org_role_arn,
)

MANAGED_POLICIES_ENV = "MOTO_IAM_LOAD_MANAGED_POLICIES"


@functools.lru_cache(maxsize=1)
def _shared_loader() -> Any:
    """One botocore data loader for every LabSession: service models are read from disk once
    (a fresh boto3 session spends ~0.2 s per new service loading them)."""
    return botocore.loaders.create_loader()


@contextlib.contextmanager
def _gc_paused() -> Any:
    """Pause the cyclic garbage collector while moto builds or drops many objects.

    Seeding and resetting allocate ~1,600 managed-policy objects per account; with the collector
    on, most of that time goes to full collections walking moto's (large, live) object graph.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class LabSession(boto3.Session):
    """A ``boto3.Session`` whose clients and resources default to the lab endpoint and region."""

    def __init__(self, endpoint_url: str, account_id: str, **kwargs: Any):
        kwargs.setdefault("region_name", REGION)
        if "botocore_session" not in kwargs:
            core = botocore.session.Session()
            core.register_component("data_loader", _shared_loader())
            kwargs["botocore_session"] = core
        super().__init__(**kwargs)
        self.endpoint_url = endpoint_url
        self.account_id = account_id

    def _setup_loader(self) -> None:
        # boto3 appends its data path on every Session; with a shared loader, append it once.
        self._loader = self._session.get_component("data_loader")
        path = os.path.join(os.path.dirname(boto3.__file__), "data")
        if path not in self._loader.search_paths:
            self._loader.search_paths.append(path)

    def client(self, service_name: str, *args: Any, **kwargs: Any) -> Any:  # pylint: disable=arguments-differ
        """``boto3.Session.client`` with ``endpoint_url`` defaulting to the lab's."""
        kwargs.setdefault("endpoint_url", self.endpoint_url)
        return super().client(service_name, *args, **kwargs)

    def resource(self, service_name: str, *args: Any, **kwargs: Any) -> Any:  # pylint: disable=arguments-differ
        """``boto3.Session.resource`` with ``endpoint_url`` defaulting to the lab's."""
        kwargs.setdefault("endpoint_url", self.endpoint_url)
        return super().resource(service_name, *args, **kwargs)


def _controller_kwargs() -> dict[str, Any]:
    return {
        "aws_access_key_id": CONTROLLER_ACCESS_KEY_ID,
        "aws_secret_access_key": CONTROLLER_SECRET_ACCESS_KEY,
        "region_name": REGION,
    }


def open_session(endpoint_url: str, account_id: str, session_name: str = "awslab") -> LabSession:
    """Return a :class:`LabSession` acting in ``account_id``, reached the way a real fleet is.

    The management account uses the controller's dummy credentials; a member account is reached
    with ``sts:AssumeRole`` into its OrganizationAccountAccessRole. Raises ``AssertionError``
    unless ``sts:GetCallerIdentity`` answers ``account_id`` (unknown keys would otherwise land
    silently in the management account).
    """
    if account_id == MANAGEMENT_ACCOUNT_ID:
        session = LabSession(endpoint_url, account_id, **_controller_kwargs())
    else:
        sts = LabSession(endpoint_url, MANAGEMENT_ACCOUNT_ID, **_controller_kwargs()).client("sts")
        creds = sts.assume_role(RoleArn=org_role_arn(account_id), RoleSessionName=session_name)["Credentials"]
        session = LabSession(
            endpoint_url,
            account_id,
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
    actual = session.client("sts").get_caller_identity()["Account"]
    if actual != account_id:
        raise AssertionError(f"session for {account_id} acts in {actual}")
    return session


class Lab:  # pylint: disable=too-many-instance-attributes
    """A moto server simulating a management account and ``accounts`` member accounts.

    moto's state is process-global, so one Lab runs per process at a time.
    """

    _active: ClassVar[Lab | None] = None
    _class_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        accounts: int = 3,
        seed: bool = True,
        host: str = "127.0.0.1",
        root: Mapping[str, root_mod.RootState | Mapping[str, Any]] | None = None,
        organization: bool = False,
        extra_users: int = 0,
        access_analyzer: bool = False,
    ):
        if accounts < 0:
            raise ValueError("accounts must be >= 0")
        if extra_users < 0:
            raise ValueError("extra_users must be >= 0")
        self.host = host
        self.seed = seed
        self.account_ids: list[str] = [member_account_id(i) for i in range(1, accounts + 1)]
        self.management_account_id = MANAGEMENT_ACCOUNT_ID
        #: The root user's starting state per account, applied at start and after every reset
        #: (other accounts have none: moto's answers, no ``<root_account>`` row).
        self.root_states: dict[str, root_mod.RootState] = {
            self._known_account(account_id): root_mod.as_state(state) for account_id, state in (root or {}).items()
        }
        #: Whether the management account runs an Organization over the members (awslab.organization).
        self.organization = organization
        #: Plain users added to every seeded member account on top of the seed
        #: (``awslab.seed.extra_user_seeds``), for benchmarks; 0 keeps the seed as it is.
        self.extra_users = extra_users
        #: Whether the lab answers Access Analyzer's ListAnalyzers (awslab.access_analyzer) instead
        #: of leaving it to moto, which has no such service (500 pages, retried).
        self.access_analyzer = access_analyzer
        self._analyzers = AccessAnalyzerStub()
        #: The organisation's accounts (members plus one closed account), when ``organization``.
        self.org_accounts: list[org_mod.OrgAccount] = []
        self._server: Any = None
        self._counter: Any = None
        self._sessions: dict[str, LabSession] = {}
        self._saved_env: str | None = None
        self._lock = threading.RLock()

    # ---------------------------------------------------------------- lifecycle

    def __enter__(self) -> Lab:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = self.endpoint_url if self.running else "stopped"
        return f"<Lab {len(self.account_ids)} accounts {state}>"

    @property
    def running(self) -> bool:
        """Whether the server is up."""
        return self._server is not None

    def start(self) -> Lab:
        """Start serving on a free port, with strict deletes, and seed the member accounts."""
        # pylint: disable=import-outside-toplevel
        from . import patches
        from .server import CallCounter, LabMiddleware, LabServer

        if "MOTO_ACCOUNT_ID" in os.environ:
            raise LabError("MOTO_ACCOUNT_ID is set: it pins every request to one account; unset it")
        with Lab._class_lock:
            if Lab._active is self:
                raise LabError("this Lab is already started")
            if Lab._active is not None:
                raise LabError(f"another Lab is running in this process ({Lab._active!r}); moto state is global")
            Lab._active = self
        try:
            # moto reads this when it creates an IAM backend (moto.settings.
            # load_iam_aws_managed_policies, called by IAMBackend.__init__), not at import time;
            # the reset below makes sure every backend is created after it is set.
            self._saved_env = os.environ.get(MANAGED_POLICIES_ENV)
            os.environ[MANAGED_POLICIES_ENV] = "true"
            patches.install()
            self._counter = CallCounter()
            app = LabMiddleware(LabServer.moto_app(), self._counter, info=self.info, reset_hook=self._reset_hook)
            app.access_analyzer = self._analyzers if self.access_analyzer else None
            self._server = LabServer(self.host, app)
            with _gc_paused():
                self._reset_moto_in_process()
                self._server.start()
                self._populate(self.seed)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server and restore moto's original IAM behaviour. Idempotent."""
        from . import patches  # pylint: disable=import-outside-toplevel

        with Lab._class_lock:
            if Lab._active is not self:
                return
            if self._server is not None:
                self._server.stop()
                self._server = None
            self._sessions.clear()
            patches.uninstall()
            if self._saved_env is None:
                os.environ.pop(MANAGED_POLICIES_ENV, None)
            else:
                os.environ[MANAGED_POLICIES_ENV] = self._saved_env
            Lab._active = None

    @property
    def endpoint_url(self) -> str:
        """``http://<host>:<port>`` of the running server."""
        if self._server is None:
            raise LabError("the lab is not running")
        return f"http://{self.host}:{self._server.port}"

    def info(self) -> dict[str, Any]:
        """What ``GET /_lab/health`` reports."""
        return {
            "endpoint_url": self.endpoint_url,
            "account_ids": list(self.account_ids),
            "management_account_id": self.management_account_id,
            "pid": os.getpid(),
            "seeded": self.seed,
        }

    # ---------------------------------------------------------------- state

    @staticmethod
    def _reset_moto_in_process() -> None:
        from moto.moto_api._internal.models import moto_api_backend  # pylint: disable=import-outside-toplevel

        moto_api_backend.reset()

    def _populate(self, seed: bool) -> None:
        management = self.iam_backend(self.management_account_id)
        if ADMINISTRATOR_ACCESS_ARN not in management.managed_policies:
            raise LabError("AWS managed policies are not loaded (MOTO_IAM_LOAD_MANAGED_POLICIES)")
        for account_id in self.account_ids:
            if seed:
                self.seed_account(account_id)
            else:
                seed_mod.ensure_org_role(self.iam_backend(account_id), self.management_account_id)
        for account_id, state in self.root_states.items():
            root_mod.set_state(self.iam_backend(account_id), state)
        if self.organization:
            self.org_accounts = org_mod.create(self.account_ids)

    def _reset_hook(self, seed: bool) -> None:
        with self._lock, _gc_paused():
            self._reset_moto_in_process()
            self._sessions.clear()
            self._analyzers.clear()
            self._populate(seed)
            self._counter.reset()

    def reset(self, seed: bool = True, reset_calls: bool = True) -> None:
        """Wipe every account (``POST /moto-api/reset``), then re-seed (or only re-create the
        organisation role when ``seed`` is false). Cached sessions are dropped. Root users go back
        to their starting state either way: ``Lab(root=...)``, else none (moto's answers)."""
        with self._lock, _gc_paused():
            url = f"{self.endpoint_url}/moto-api/reset"
            request = urllib.request.Request(url, data=b"", method="POST")  # noqa: S310 - the lab's own endpoint
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                response.read()
            self._sessions.clear()
            self._analyzers.clear()
            self._populate(seed)
            if reset_calls:
                self._counter.reset()

    def add_access_analyzer(
        self,
        account_id: str,
        name: str = "external-access",
        region: str = REGION,
        analyzer_type: str = "ACCOUNT",
        status: str = "ACTIVE",
    ) -> dict[str, Any]:
        """An Access Analyzer analyzer in ``account_id``'s ``region``, as ListAnalyzers returns it
        while the lab serves Access Analyzer (:meth:`serve_access_analyzer`); until the next
        :meth:`reset`."""
        if not self.access_analyzer:
            raise LabError(
                "the lab does not serve Access Analyzer: Lab(access_analyzer=True) or serve_access_analyzer(True)"
            )
        return self._analyzers.add(self._known_account(account_id), name, region, analyzer_type, status)

    def serve_access_analyzer(self, on: bool = True) -> None:
        """Answer ListAnalyzers from the lab's analyzers (on), or leave Access Analyzer to moto, which
        has none (off: HTML 500 pages, as at ``Lab()``). The analyzers added are kept either way."""
        if self._server is None:
            raise LabError("the lab is not running")
        self.access_analyzer = bool(on)
        self._server.app.access_analyzer = self._analyzers if on else None

    def set_faults(
        self,
        rate: float = 0.0,
        kinds: Iterable[str] | None = None,
        seed: int = 0,
        services: Iterable[str] = (),
    ) -> dict[str, Any]:
        """Fault ``rate`` of the AWS requests from now on (awslab.faults: throttling, internal
        errors, connections dropped before or after the request is handled), drawn from a
        generator seeded with ``seed``; ``rate`` 0 turns it off. Returns the new plan."""
        from .faults import KINDS, FaultPlan  # pylint: disable=import-outside-toplevel

        if self._server is None:
            raise LabError("the lab is not running")
        plan = FaultPlan(rate=rate, kinds=tuple(kinds or KINDS), seed=seed, services=tuple(services))
        self._server.app.faults = plan
        return plan.summary()

    def faults(self) -> dict[str, Any]:
        """The fault plan and what it has injected so far."""
        if self._server is None:
            raise LabError("the lab is not running")
        return self._server.app.faults.summary()

    @contextlib.contextmanager
    def faulty(self, rate: float, **settings: Any) -> Iterator[dict[str, Any]]:
        """Faults on inside the block (see :meth:`set_faults`), off after it; yields the live
        summary dict of what was injected, refreshed when the block ends."""
        summary = self.set_faults(rate, **settings)
        try:
            yield summary
        finally:
            summary.update(self.faults())
            self.set_faults(0.0)

    def rendezvous(
        self, call: str, parties: int = 2, accounts: Iterable[str] | None = None, timeout: float = 60.0
    ) -> None:
        """Hold the next ``parties`` requests of ``call`` (``"iam:CreateAccessKey"``) in each of
        ``accounts`` (default: every member) until all of them have arrived, then let them go
        together: two overlapping runs then really race at that call. One-shot per account; a
        party that never comes releases the others after ``timeout`` seconds."""
        if self._server is None:
            raise LabError("the lab is not running")
        middleware = self._server.app
        with middleware._barriers_lock:  # pylint: disable=protected-access
            for account_id in accounts or self.account_ids:
                middleware.barriers[(account_id, call)] = threading.Barrier(parties, timeout=timeout)

    def on_call(self, call: str, callback: Any, nth: int = 1) -> None:
        """Call ``callback()`` once, right after the ``nth`` request of ``call``
        (``"iam:CreateAccessKey"``, any account) was handled and before its answer goes out:
        the place to kill a run half-way, AWS having done the work."""
        if self._server is None:
            raise LabError("the lab is not running")
        middleware = self._server.app
        with middleware._barriers_lock:  # pylint: disable=protected-access
            middleware.hooks[call] = [nth, callback]

    def set_auth(self, enforced: bool) -> None:
        """Turn moto's IAM authorisation on or off for every account. On, every request must be
        signed by a known identity and allowed by its policies (identity policies of users and
        roles, explicit denies; not trust or session policies). The lab's own sessions use
        unknown dummy credentials, so turn it off again before reading accounts with them."""
        url = f"{self.endpoint_url}/moto-api/reset-auth"
        body = b"0" if enforced else b"inf"
        request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "text/plain"})
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the lab's own endpoint
            response.read()

    @contextlib.contextmanager
    def enforced_auth(self) -> Iterator[None]:
        """IAM authorisation on inside the block, off after it, whatever happens."""
        self.set_auth(True)
        try:
            yield
        finally:
            self.set_auth(False)

    def seed_account(self, account_id: str) -> None:
        """Create the messy starting point (``awslab.SEED``) in a fresh account, with real ages,
        and the lab's ``extra_users`` on top."""
        with _gc_paused():
            seed_mod.seed_backend(self.iam_backend(account_id))
            if self.extra_users:
                seed_mod.seed_extra_users(self.iam_backend(account_id), self.extra_users)

    def _known_account(self, account_id: str) -> str:
        if account_id != self.management_account_id and account_id not in self.account_ids:
            raise LabError(
                f"{account_id!r} is not an account of this lab "
                f"(management {self.management_account_id}, members {self.account_ids})"
            )
        return account_id

    def set_root(
        self, account_id: str, state: root_mod.RootState | Mapping[str, Any] | None = None, **settings: Any
    ) -> root_mod.RootState:
        """Give the root user of ``account_id`` this state, replacing the previous one; return it
        with every moment resolved to a naive UTC datetime.

        ``state`` (a ``RootState`` or a mapping of its fields, default ``RootState()``) with
        ``settings`` (``RootState`` fields) over it, e.g.
        ``lab.set_root(acct, mfa_enabled=True, access_keys=1, password_last_used=3)``. Moments
        are datetimes or numbers of days before now (moto's clock). Until the next :meth:`reset`.
        """
        self._known_account(account_id)
        base = root_mod.as_state(state)
        if settings:
            base = root_mod.as_state({**dataclasses.asdict(base), **settings})
        with self._lock:
            return root_mod.set_state(self.iam_backend(account_id), base)

    def clear_root(self, account_id: str) -> None:
        """Forget the root state of ``account_id``: moto's answers again (no ``<root_account>`` row
        in the credential report, summary flags 0, no root MFA device). Until the next reset."""
        self._known_account(account_id)
        with self._lock:
            root_mod.clear_state(self.iam_backend(account_id))

    def root(self, account_id: str) -> root_mod.RootState | None:
        """The current root state of ``account_id`` (moments resolved), None when not set."""
        return root_mod.state_of(self.iam_backend(self._known_account(account_id)))

    def iam_backend(self, account_id: str) -> Any:
        """moto's IAM backend of ``account_id``: ``moto.iam.models.iam_backends[account_id]["aws"]``."""
        from moto.iam.models import iam_backends  # pylint: disable=import-outside-toplevel

        return iam_backends[account_id][PARTITION]

    def age(
        self,
        account_id: str,
        user_name: str,
        days: float | None = None,
        *,
        key_id: str | int | None = None,
        last_used_days: float | str | None = None,
        password_last_used_days: float | str | None = None,
        service: str = "iam",
    ) -> None:
        """Move real ages of a user or of one of its keys, relative to now (moto's clock).

        * ``days`` without ``key_id``: the user was created ``days`` ago (CreateDate; moto also
          reports it as the login profile's CreateDate and ``password_last_changed``).
        * ``days`` with ``key_id``: that access key was created ``days`` ago (CreateDate,
          ``access_key_N_last_rotated``).
        * ``last_used_days`` (needs ``key_id``): the key was last used ``last_used_days`` ago
          by ``service`` in us-east-1 (``GetAccessKeyLastUsed``, ``access_key_N_last_used_date``).
        * ``password_last_used_days``: ``PasswordLastUsed`` / ``password_last_used``.

        ``key_id`` is an access key id or a position (0 = the user's first key). Pass
        ``awslab.NEVER`` as a ``*_last_used_days`` value to make it "never used"; ``None``
        leaves a value unchanged.
        """
        seed_mod.age_user(
            self.iam_backend(account_id),
            user_name,
            days,
            key_id=key_id,
            last_used_days=last_used_days,
            password_last_used_days=password_last_used_days,
            service=service,
        )

    # ---------------------------------------------------------------- calls

    def calls(self, account_id: str | None = None) -> dict[str, Any]:
        """Server-side call counts ``{account_id: {"service:Action": n}}`` (or one account's)."""
        if self._counter is None:
            raise LabError("the lab is not running")
        return self._counter.snapshot(account_id)

    def reset_calls(self) -> None:
        """Forget the call counts."""
        if self._counter is not None:
            self._counter.reset()

    # ---------------------------------------------------------------- clients

    def controller_env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """Environment for a controller subprocess (see :func:`awslab.lab.controller_env`)."""
        return controller_env(base)

    def session(self, account_id: str, fresh: bool = False) -> LabSession:
        """A session acting in ``account_id``: the controller's credentials for the management
        account, else credentials from ``sts:AssumeRole`` into its OrganizationAccountAccessRole.

        Raises ``AssertionError`` unless ``sts:GetCallerIdentity`` answers ``account_id``.
        Sessions are cached until :meth:`reset` (``fresh=True`` assumes the role again); making
        one costs an AssumeRole and a GetCallerIdentity call, which are counted.
        """
        with self._lock:
            if not fresh and account_id in self._sessions:
                return self._sessions[account_id]
            session = open_session(self.endpoint_url, account_id)
            self._sessions[account_id] = session
            return session

    def client(self, account_id: str, service: str, **kwargs: Any) -> Any:
        """A boto3 client for ``service`` acting in ``account_id`` at the lab endpoint."""
        return self.session(account_id).client(service, **kwargs)

    # ---------------------------------------------------------------- files

    def write_inventory(
        self,
        path: str | os.PathLike[str],
        accounts: Iterable[str] | None = None,
        hostvars: HostVars = None,
    ) -> Path:
        """Write an Ansible YAML inventory: group ``aws_accounts``, host ``lab-<id>`` per member
        account (or per id in ``accounts``). ``hostvars`` is merged into every host: a mapping,
        or a callable ``account_id -> mapping`` for per-host values."""
        account_ids = list(self.account_ids if accounts is None else accounts)
        return write_inventory_file(path, inventory_dict(self.endpoint_url, account_ids, hostvars))
