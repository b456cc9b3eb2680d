"""The messy starting point of every member account, declared once.

``SEED`` describes what :func:`seed_account` creates. Tests read it (``SEEDED_USERS["ci-deploy"]``)
instead of repeating literals. Ages are *real*: after seeding, the CreateDate of users and keys,
``AccessKeyLastUsed.LastUsedDate``, ``PasswordLastUsed`` and the credential report's columns are
``now - N days``, set on moto's backend objects.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .constants import (
    ADMINISTRATOR_ACCESS_ARN,
    MANAGEMENT_ACCOUNT_ID,
    ORG_ROLE_NAME,
    POWER_USER_ACCESS_ARN,
    READ_ONLY_ACCESS_ARN,
    REGION,
)

#: Pass as a ``*_days`` value to :func:`age_user` / :func:`age_key` to clear a last-used date.
NEVER = "never"

#: Console password given to every seeded login profile (moto does not check it).
SEED_PASSWORD = "Lab-Passw0rd-not-a-secret!"  # noqa: S105 - moto does not check it


@dataclass(frozen=True)
class KeySeed:
    """One access key. Keys are created in the order given (the first is ``access_key_1``)."""

    created_days_ago: int
    last_used_days_ago: int | None = None  # None: never used
    active: bool = True
    last_used_service: str = "s3"


@dataclass(frozen=True)
class ServiceCredentialSeed:
    """One service-specific credential (e.g. CodeCommit Git credentials), in the order given."""

    service_name: str = "codecommit.amazonaws.com"
    created_days_ago: int = 0
    active: bool = True


@dataclass(frozen=True)
class UserSeed:
    """One IAM user and everything hanging off it."""

    name: str
    kind: str  # human, admin, service, dormant, leaver
    created_days_ago: int
    console: bool = False
    password_last_used_days_ago: int | None = None  # None: never used ("no_information")
    groups: tuple[str, ...] = ()
    attached_policies: tuple[str, ...] = ()  # AWS managed ARNs or customer managed policy names
    inline_policies: tuple[str, ...] = ()  # names from INLINE_POLICY_DOCUMENTS
    access_keys: tuple[KeySeed, ...] = ()
    virtual_mfa_enabled_days_ago: int | None = None  # None: no MFA device
    ssh_public_key: bool = False
    signing_certificate: bool = False
    tags: tuple[tuple[str, str], ...] = ()
    service_specific_credentials: tuple[ServiceCredentialSeed, ...] = ()
    permissions_boundary: str | None = None  # an AWS managed ARN or a customer managed policy name

    @property
    def active_keys(self) -> tuple[KeySeed, ...]:
        """The keys seeded Active."""
        return tuple(k for k in self.access_keys if k.active)

    @property
    def has_mfa(self) -> bool:
        """Whether a (virtual) MFA device is assigned."""
        return self.virtual_mfa_enabled_days_ago is not None

    @property
    def tag_dict(self) -> dict[str, str]:
        """Tags as a dict."""
        return dict(self.tags)


@dataclass(frozen=True)
class GroupSeed:
    """One IAM group."""

    name: str
    attached_policies: tuple[str, ...] = ()


@dataclass(frozen=True)
class PolicySeed:
    """One customer managed policy."""

    name: str
    document: dict[str, Any]
    description: str = ""


@dataclass(frozen=True)
class RoleSeed:
    """One IAM role trusted by another account."""

    name: str
    trusted_account_id: str
    attached_policies: tuple[str, ...] = ()
    created_days_ago: int = 0


@dataclass(frozen=True)
class AccountSeed:
    """Everything seeded into one member account."""

    users: tuple[UserSeed, ...]
    groups: tuple[GroupSeed, ...]
    policies: tuple[PolicySeed, ...]
    roles: tuple[RoleSeed, ...]
    password_policy: dict[str, Any] | None = None  # None: no account password policy
    account_alias: str | None = None
    inline_policy_documents: dict[str, dict[str, Any]] = field(default_factory=dict)

    def user(self, name: str) -> UserSeed:
        """Return the seed of user ``name``."""
        for user in self.users:
            if user.name == name:
                return user
        raise KeyError(name)

    @property
    def console_users(self) -> tuple[str, ...]:
        """Users with a console password."""
        return tuple(u.name for u in self.users if u.console)

    @property
    def console_users_without_mfa(self) -> tuple[str, ...]:
        """Users with a console password and no MFA device."""
        return tuple(u.name for u in self.users if u.console and not u.has_mfa)

    def users_with_active_keys_older_than(self, days: int) -> tuple[str, ...]:
        """Users holding an active key created more than ``days`` days ago."""
        return tuple(u.name for u in self.users if any(k.created_days_ago > days for k in u.active_keys))

    @property
    def users_with_direct_policies(self) -> tuple[str, ...]:
        """Users with attached managed or inline policies of their own."""
        return tuple(u.name for u in self.users if u.attached_policies or u.inline_policies)

    @property
    def users_with_service_specific_credentials(self) -> tuple[str, ...]:
        """Users holding service-specific credentials (they block DeleteUser)."""
        return tuple(u.name for u in self.users if u.service_specific_credentials)

    @property
    def users_with_permissions_boundary(self) -> tuple[str, ...]:
        """Users with a permissions boundary (it does not block DeleteUser)."""
        return tuple(u.name for u in self.users if u.permissions_boundary)


def _allow(actions: list[str], resource: str = "*") -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}],
    }


SEED = AccountSeed(
    users=(
        UserSeed(
            name="alice",
            kind="human",
            created_days_ago=200,
            console=True,
            password_last_used_days_ago=3,
            groups=("developers",),
        ),
        UserSeed(
            name="bob",
            kind="human",
            created_days_ago=180,
            console=True,
            password_last_used_days_ago=5,
            groups=("developers",),
            access_keys=(KeySeed(created_days_ago=30, last_used_days_ago=1),),
        ),
        UserSeed(
            name="carol",
            kind="admin",
            created_days_ago=300,
            console=True,
            password_last_used_days_ago=7,
            attached_policies=(ADMINISTRATOR_ACCESS_ARN,),
        ),
        UserSeed(
            name="ci-deploy",
            kind="service",
            created_days_ago=450,
            access_keys=(
                KeySeed(created_days_ago=400, last_used_days_ago=None),
                KeySeed(created_days_ago=130, last_used_days_ago=2, last_used_service="cloudformation"),
            ),
        ),
        UserSeed(
            name="dormant-erin",
            kind="dormant",
            created_days_ago=400,
            console=True,
            password_last_used_days_ago=200,
            access_keys=(KeySeed(created_days_ago=390, last_used_days_ago=200),),
        ),
        UserSeed(
            name="leaver-dave",
            kind="leaver",
            created_days_ago=600,
            console=True,
            password_last_used_days_ago=100,
            groups=("developers",),
            attached_policies=("dave-extra",),
            inline_policies=("dave-inline",),
            access_keys=(
                KeySeed(created_days_ago=500, last_used_days_ago=320, active=False),
                KeySeed(created_days_ago=300, last_used_days_ago=95),
            ),
            virtual_mfa_enabled_days_ago=550,
            ssh_public_key=True,
            signing_certificate=True,
            tags=(("team", "payments"), ("owner", "dave@example.com")),
            service_specific_credentials=(
                ServiceCredentialSeed(service_name="codecommit.amazonaws.com", created_days_ago=450),
            ),
            permissions_boundary=POWER_USER_ACCESS_ARN,
        ),
    ),
    groups=(GroupSeed(name="developers", attached_policies=(READ_ONLY_ACCESS_ARN,)),),
    policies=(
        PolicySeed(
            name="dave-extra",
            document=_allow(["dynamodb:GetItem", "dynamodb:Query"], "arn:aws:dynamodb:*:*:table/payments-*"),
            description="Extra rights granted to dave by hand",
        ),
    ),
    roles=(
        RoleSeed(
            name=ORG_ROLE_NAME,
            trusted_account_id=MANAGEMENT_ACCOUNT_ID,
            attached_policies=(ADMINISTRATOR_ACCESS_ARN,),
            created_days_ago=700,
        ),
    ),
    inline_policy_documents={"dave-inline": _allow(["s3:ListAllMyBuckets", "s3:GetObject"])},
)

#: name -> UserSeed of every seeded user, in creation order.
SEEDED_USERS = MappingProxyType({u.name: u for u in SEED.users})
#: name -> GroupSeed of every seeded group.
SEEDED_GROUPS = MappingProxyType({g.name: g for g in SEED.groups})


# --------------------------------------------------------------------------------------------
# Time helpers: moto stores naive UTC datetimes (moto.core.utils.utcnow()).


def _now() -> dt.datetime:
    from moto.core.utils import utcnow  # pylint: disable=import-outside-toplevel

    return utcnow()


def days_ago(days: float, now: dt.datetime | None = None) -> dt.datetime:
    """Return a naive-UTC datetime ``days`` days before ``now`` (moto's own clock by default)."""
    return (now or _now()) - dt.timedelta(days=days)


# --------------------------------------------------------------------------------------------
# Crypto material generated at run time (one RSA key per process).


@functools.lru_cache(maxsize=1)
def _rsa_key() -> Any:
    from cryptography.hazmat.primitives.asymmetric import rsa  # pylint: disable=import-outside-toplevel

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def ssh_public_key_body(comment: str = "lab@example.com") -> str:
    """Return a well-formed ``ssh-rsa`` public key line (generated once per process)."""
    from cryptography.hazmat.primitives import serialization  # pylint: disable=import-outside-toplevel

    blob = _rsa_key().public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return f"{blob.decode()} {comment}"


@functools.lru_cache(maxsize=8)
def signing_certificate_pem(common_name: str = "lab-signing") -> str:
    """Return a self-signed X.509 certificate (PEM) usable with UploadSigningCertificate."""
    # pylint: disable=import-outside-toplevel
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    key = _rsa_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


# --------------------------------------------------------------------------------------------
# Seeding and ageing on moto's backend objects.


def policy_arn(account_id: str, name_or_arn: str) -> str:
    """Resolve a customer managed policy name to its ARN in ``account_id`` (ARNs pass through)."""
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    return f"arn:aws:iam::{account_id}:policy/{name_or_arn}"


def trust_policy(trusted_account_id: str) -> str:
    """Return the JSON trust policy letting ``trusted_account_id`` assume a role."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{trusted_account_id}:root"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


def ensure_org_role(backend: Any, trusted_account_id: str = MANAGEMENT_ACCOUNT_ID) -> Any:
    """Create ``OrganizationAccountAccessRole`` with AdministratorAccess unless it exists."""
    from moto.iam.exceptions import NotFoundException  # pylint: disable=import-outside-toplevel

    try:
        return backend.get_role(ORG_ROLE_NAME)
    except NotFoundException:
        pass
    seed = next(r for r in SEED.roles if r.name == ORG_ROLE_NAME)
    return _create_role(backend, seed, trusted_account_id, _now())


def _create_role(backend: Any, seed: RoleSeed, trusted_account_id: str, now: dt.datetime) -> Any:
    role = backend.create_role(
        role_name=seed.name,
        assume_role_policy_document=trust_policy(trusted_account_id),
        path="/",
        permissions_boundary=None,
        description="",
        tags=[],
        max_session_duration="3600",
    )
    role.create_date = days_ago(seed.created_days_ago, now)
    for arn in seed.attached_policies:
        backend.attach_role_policy(policy_arn(backend.account_id, arn), seed.name)
    return role


def seed_backend(backend: Any, account_seed: AccountSeed = SEED) -> None:
    """Create ``account_seed`` in one account's IAM backend (moto ``IAMBackend``), with real ages."""
    now = _now()
    account_id = backend.account_id
    for role in account_seed.roles:
        _create_role(backend, role, role.trusted_account_id, now)
    for policy in account_seed.policies:
        backend.create_policy(
            description=policy.description,
            path="/",
            policy_document=json.dumps(policy.document),
            policy_name=policy.name,
            tags=[],
        )
    for group in account_seed.groups:
        backend.create_group(group.name, "/")
        for arn in group.attached_policies:
            backend.attach_group_policy(policy_arn(account_id, arn), group.name)
    if account_seed.password_policy:
        backend.update_account_password_policy(**account_seed.password_policy)
    if account_seed.account_alias:
        backend.create_account_alias(account_seed.account_alias)
    for user in account_seed.users:
        _seed_user(backend, user, account_seed, now)


def _seed_user(backend: Any, seed: UserSeed, account_seed: AccountSeed, now: dt.datetime) -> None:
    from . import iam_extras  # pylint: disable=import-outside-toplevel

    name = seed.name
    tags = [{"Key": k, "Value": v} for k, v in seed.tags]
    user = backend.create_user(REGION, name, "/", tags)
    user.create_date = days_ago(seed.created_days_ago, now)
    if seed.console:
        backend.create_login_profile(name, SEED_PASSWORD)
        if seed.password_last_used_days_ago is not None:
            user.password_last_used = days_ago(seed.password_last_used_days_ago, now)
    for group in seed.groups:
        backend.add_user_to_group(group, name)
    for arn in seed.attached_policies:
        backend.attach_user_policy(policy_arn(backend.account_id, arn), name)
    for policy_name in seed.inline_policies:
        document = account_seed.inline_policy_documents[policy_name]
        backend.put_user_policy(name, policy_name, json.dumps(document))
    for key_seed in seed.access_keys:
        key = backend.create_access_key(name, status="Active" if key_seed.active else "Inactive")
        set_key_dates(key, key_seed.created_days_ago, key_seed.last_used_days_ago, key_seed.last_used_service, now)
    if seed.virtual_mfa_enabled_days_ago is not None:
        device = backend.create_virtual_mfa_device(name, "/")
        backend.enable_mfa_device(name, device.serial_number, "123456", "654321")
        enabled = days_ago(seed.virtual_mfa_enabled_days_ago, now)
        device.enable_date = enabled
        user.mfa_devices[device.serial_number].enable_date = enabled
    if seed.ssh_public_key:
        ssh_key = backend.upload_ssh_public_key(name, ssh_public_key_body(f"{name}@example.com"))
        ssh_key.upload_date = days_ago(seed.created_days_ago - 1, now)
    if seed.signing_certificate:
        cert = backend.upload_signing_certificate(name, signing_certificate_pem(name))
        cert.upload_date = days_ago(seed.created_days_ago - 1, now)
    for credential_seed in seed.service_specific_credentials:
        credential = iam_extras.create_service_specific_credential(backend, name, credential_seed.service_name)
        credential.create_date = days_ago(credential_seed.created_days_ago, now)
        credential.status = "Active" if credential_seed.active else "Inactive"
    if seed.permissions_boundary:
        iam_extras.put_user_permissions_boundary(
            backend, name, policy_arn(backend.account_id, seed.permissions_boundary)
        )
    _refresh_mfa_user_attribute(backend, user)


def set_key_dates(
    key: Any,
    created_days_ago: float | None,
    last_used_days_ago: float | str | None,
    service: str = "iam",
    now: dt.datetime | None = None,
) -> None:
    """Set a moto ``AccessKey``'s CreateDate and LastUsedDate (``NEVER`` clears last use).

    ``None`` leaves a value unchanged, except that a new key's last use stays unset.
    """
    # pylint: disable=import-outside-toplevel
    from moto.iam.models import AccessKeyLastUsed

    now = now or _now()
    if created_days_ago is not None:
        key.create_date = days_ago(created_days_ago, now)
    if last_used_days_ago == NEVER:
        key.last_used = None
    elif last_used_days_ago is not None:
        key.last_used = AccessKeyLastUsed(
            timestamp=days_ago(float(last_used_days_ago), now), service=service, region=REGION
        )


def _refresh_mfa_user_attribute(backend: Any, user: Any) -> None:
    """moto snapshots the user (CreateDate...) into a virtual MFA device when it is enabled."""
    for device in backend.virtual_mfa_devices.values():
        if device.user is user and device.user_attribute:
            device.user_attribute["CreateDate"] = user.create_date
            device.user_attribute["PasswordLastUsed"] = user.password_last_used


def age_user(
    backend: Any,
    user_name: str,
    days: float | None = None,
    *,
    key_id: str | int | None = None,
    last_used_days: float | str | None = None,
    password_last_used_days: float | str | None = None,
    service: str = "iam",
) -> None:
    """Move the real ages of one user, or of one of its access keys. See :meth:`awslab.Lab.age`."""
    if days is None and last_used_days is None and password_last_used_days is None:
        raise ValueError("age(): nothing to change; give days, last_used_days or password_last_used_days")
    user = backend.get_user(user_name)
    now = _now()
    if key_id is None:
        if last_used_days is not None:
            raise ValueError("age(): last_used_days applies to an access key; pass key_id")
        if days is not None:
            user.create_date = days_ago(days, now)
    else:
        set_key_dates(find_key(user, key_id), days, last_used_days, service, now)
    if password_last_used_days == NEVER:
        user.password_last_used = None
    elif password_last_used_days is not None:
        user.password_last_used = days_ago(float(password_last_used_days), now)
    _refresh_mfa_user_attribute(backend, user)


def find_key(user: Any, key_id: str | int) -> Any:
    """Return a user's access key by id, or by position (0 = oldest, ``access_key_1``)."""
    if isinstance(key_id, int):
        try:
            return user.access_keys[key_id]
        except IndexError:
            raise KeyError(f"user {user.name} has no access key #{key_id}") from None
    for key in user.access_keys:
        if key.access_key_id == key_id:
            return key
    raise KeyError(f"user {user.name} has no access key {key_id}")


# --------------------------------------------------------------------------------------------
# More users per account, for benchmarks (Lab(extra_users=N)): the default seed is unchanged.

#: Name of the ``n``-th extra user (0-based).
EXTRA_USER_NAME = "fleet-user-{:04d}"


def extra_user_seeds(count: int) -> tuple[UserSeed, ...]:
    """``count`` plain users, deterministic and varied: every other one in ``developers``; every
    third with a console password (mostly used recently, some never, a few long ago); every
    fourth with an access key of an age between 5 and 395 days (so about three in four of those
    are due for rotation at 90 days), used recently, long ago or never; every tenth with a second,
    Inactive key. No MFA, no policies of their own, no tags."""
    users = []
    for n in range(count):
        keys: tuple[KeySeed, ...] = ()
        if n % 4 == 0:
            used = (None, 1, 3, 40, 200)[n // 4 % 5]
            keys = (KeySeed(created_days_ago=5 + (n * 37) % 391, last_used_days_ago=used),)
            if n % 10 == 0:
                keys += (KeySeed(created_days_ago=3 + (n * 11) % 300, last_used_days_ago=None, active=False),)
        console = n % 3 == 0
        users.append(
            UserSeed(
                name=EXTRA_USER_NAME.format(n),
                kind="human" if console else "service",
                created_days_ago=30 + (n * 13) % 600,
                console=console,
                password_last_used_days_ago=(None, 2, 10, 150)[n // 3 % 4] if console else None,
                groups=("developers",) if n % 2 == 0 else (),
                access_keys=keys,
            )
        )
    return tuple(users)


def seed_extra_users(backend: Any, count: int, account_seed: AccountSeed = SEED) -> None:
    """Add :func:`extra_user_seeds` (``count``) to an account seeded with ``account_seed``."""
    now = _now()
    for user in extra_user_seeds(count):
        _seed_user(backend, user, account_seed, now)
