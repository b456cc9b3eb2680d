"""Patches applied to moto's IAM backend inside the lab process.

Four kinds, all installed by :func:`install` (idempotent) and removed by :func:`uninstall`:

* Fidelity: AWS refuses to delete an IAM entity that still has dependants (HTTP 409
  ``DeleteConflict``); moto lets most of these deletes through. The strict versions below raise
  moto's own ``DeleteConflictException``, which moto serialises as a proper IAM error, so boto3
  raises ``ClientError`` with code ``DeleteConflict``. ``UpdateLoginProfile`` without a password
  no longer deletes the login profile.
* Missing calls: the IAM actions moto does not implement (service-specific credentials, user
  permissions boundaries, GetMFADevice, ChangePassword) become methods of moto's
  ``IamResponse``; see :mod:`awslab.iam_extras`.
* Root user: GetAccountSummary's ``AccountMFAEnabled`` / ``AccountAccessKeysPresent`` and the
  credential report's ``<root_account>`` row come from the account's root state (moto has no root
  user); see :mod:`awslab.root`.
* KMS keys named by a write: Secrets Manager's CreateSecret and SSM's PutParameter with a
  ``KmsKeyId`` / ``KeyId`` that names no key (or alias) of that account and region are refused, as
  AWS refuses them (moto stores the name and never looks), so a test can make delivery fail.
* Speed: AWS managed policies (``MOTO_IAM_LOAD_MANAGED_POLICIES``) are built once per process
  and copied per account instead of parsed and built per IAM backend, and only the ``aws``
  partition gets them (the lab lives in us-east-1; moto creates IAM backends for all six
  partitions of every account it looks at, e.g. to resolve an access key).
"""

from __future__ import annotations

import functools
import inspect
import json
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from moto import settings
from moto.core.exceptions import JsonRESTError
from moto.core.serialize import never_return
from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.exceptions import DeleteConflictException, NotFoundException
from moto.iam.models import AccountSummary, AWSManagedPolicy, IAMBackend, ManagedPolicy, User
from moto.iam.responses import IamResponse

from . import iam_extras, root

# AWS's wording, per dependency (as returned by the real DeleteUser / DeleteGroup / DeletePolicy).
USER_CONFLICTS = (
    ("login_profile", "Cannot delete entity, must delete login profile first."),
    ("access_keys", "Cannot delete entity, must delete access keys first."),
    ("signing_certificates", "Cannot delete entity, must delete certificates first."),
    ("ssh_public_keys", "Cannot delete entity, must remove referenced objects first."),
    ("service_specific_credentials", "Cannot delete entity, must remove referenced objects first."),
    ("mfa_devices", "Cannot delete entity, must delete MFA device first."),
    ("inline_policies", "Cannot delete entity, must delete policies first."),
    ("attached_policies", "Cannot delete entity, must detach all policies first."),
    ("groups", "Cannot delete entity, must remove users from group first."),
)
GROUP_CONFLICTS = (
    ("members", "Cannot delete entity, must remove users from group first."),
    ("inline_policies", "Cannot delete entity, must delete policies first."),
    ("attached_policies", "Cannot delete entity, must detach all policies first."),
)
POLICY_ATTACHED = "Cannot delete a policy attached to entities."
POLICY_VERSIONS = (
    "This policy has more than one version. Before you delete a policy, you must delete the "
    "policy's versions. The default version is deleted with the policy."
)
MFA_ASSIGNED = "Cannot delete entity, must deactivate MFA device first."

#: Listing operations that AWS documents as not returning a user's permissions boundary.
LISTINGS_WITHOUT_USER_BOUNDARY = (
    "ListUsersResponse.Users.User.PermissionsBoundary",
    "GetGroupResponse.Users.User.PermissionsBoundary",
)

_lock = threading.Lock()
_originals: dict[str, Callable[..., Any]] = {}
_MISSING = object()
#: (class, attribute, previous value or _MISSING) of every class attribute set, in order.
_class_originals: list[tuple[type, str, Any]] = []


def user_dependencies(backend: IAMBackend, user_name: str) -> list[str]:
    """Return what still blocks DeleteUser for ``user_name``, in AWS's order (empty: deletable)."""
    user = backend.get_user(user_name)
    present = {
        "login_profile": bool(user.password),
        "access_keys": bool(user.access_keys),
        "signing_certificates": bool(user.signing_certificates),
        "ssh_public_keys": bool(user.ssh_public_keys),
        "service_specific_credentials": bool(iam_extras.credentials_of(user)),
        "mfa_devices": bool(user.mfa_devices),
        "inline_policies": bool(user.policies),
        "attached_policies": bool(user.managed_policies),
        "groups": bool(backend.get_groups_for_user(user_name)),
    }
    return [name for name, _message in USER_CONFLICTS if present[name]]


def _strict_delete_user(original: Callable[..., Any], self: IAMBackend, user_name: str) -> None:
    blockers = user_dependencies(self, user_name)
    if blockers:
        raise DeleteConflictException(dict(USER_CONFLICTS)[blockers[0]])
    original(self, user_name)


def _strict_delete_group(original: Callable[..., Any], self: IAMBackend, group_name: str) -> None:
    group = self.get_group(group_name)
    present = {
        "members": bool(group.users),
        "inline_policies": bool(group.policies),
        "attached_policies": bool(group.managed_policies),
    }
    for name, message in GROUP_CONFLICTS:
        if present[name]:
            raise DeleteConflictException(message)
    original(self, group_name)


def _policy_is_attached(backend: IAMBackend, arn: str) -> bool:
    """Attached to a user, group or role, or the permissions boundary of a user or role."""
    holders = [*backend.users.values(), *backend.groups.values(), *backend.roles.values()]
    if any(arn in holder.managed_policies for holder in holders):
        return True
    users, roles = iam_extras.boundary_holders(backend, arn)
    return bool(users or roles)


def _strict_delete_policy(original: Callable[..., Any], self: IAMBackend, policy_arn: str) -> None:
    policy = self.get_policy(policy_arn)
    if _policy_is_attached(self, policy.arn):
        raise DeleteConflictException(POLICY_ATTACHED)
    if len(policy.versions) > 1:
        raise DeleteConflictException(POLICY_VERSIONS)
    original(self, policy_arn)


def _strict_delete_virtual_mfa_device(original: Callable[..., Any], self: IAMBackend, serial_number: str) -> None:
    device = self.virtual_mfa_devices.get(serial_number)
    assigned = device is not None and (device.user is not None or device.enable_date is not None)
    assigned = assigned or any(serial_number in u.mfa_devices for u in self.users.values())
    if assigned:
        raise DeleteConflictException(MFA_ASSIGNED)
    original(self, serial_number)


def _strict_delete_role(original: Callable[..., Any], self: IAMBackend, role_name: str) -> None:
    # moto already refuses (instance profile, attached, inline); kept explicit so the lab's
    # guarantee does not depend on a moto version.
    role = self.get_role(role_name)
    if any(role in profile.roles for profile in self.get_instance_profiles()):
        raise DeleteConflictException("Cannot delete entity, must remove roles from instance profile first.")
    if role.managed_policies:
        raise DeleteConflictException("Cannot delete entity, must detach all policies first.")
    if role.policies:
        raise DeleteConflictException("Cannot delete entity, must delete policies first.")
    original(self, role_name)


def _update_login_profile(
    original: Callable[..., Any],
    self: IAMBackend,
    user_name: str,
    password: str | None,
    password_reset_required: Any,
) -> Any:
    # moto sets the password to None (= deletes the console login) when only
    # PasswordResetRequired is sent; AWS keeps the password.
    user = self.get_user(user_name)
    if not user.password:
        raise NotFoundException(f"Login profile for {user_name} not found")
    if password_reset_required is None:
        reset = user.password_reset_required
    else:
        reset = str(password_reset_required).lower() == "true"
    return original(self, user_name, password or user.password, reset)


@functools.lru_cache(maxsize=4)
def _managed_policy_templates(region_name: str) -> tuple[AWSManagedPolicy, ...]:
    """Every AWS managed policy, parsed once (moto parses ~1,600 of them per IAM backend)."""
    templates = []
    for name, data in json.loads(aws_managed_policies_data).items():
        templates.append(
            AWSManagedPolicy(
                name,
                account_id="aws",
                region=region_name,
                default_version_id=data.get("DefaultVersionId"),
                path=data.get("Path"),
                document=json.dumps(data.get("Document")),
                create_date=datetime.fromisoformat(data["CreateDate"]),
                update_date=datetime.fromisoformat(data["UpdateDate"]),
            )
        )
    return tuple(templates)


def _copy_policy(template: AWSManagedPolicy, account_id: str) -> AWSManagedPolicy:
    """Per-account copy of an AWS managed policy (attachment_count, versions and tags are per
    account). The policy id is shared by every account, as AWS managed policy ids are in AWS.

    ``object.__new__`` skips moto's BaseModel instance tracking (only used by
    ``/moto-api/data.json``), which costs more than the copy itself.
    """
    policy = object.__new__(AWSManagedPolicy)
    policy.__dict__.update(template.__dict__)
    policy.account_id = account_id
    policy.attachment_count = 0
    policy.tags = dict(template.tags)
    versions = []
    for template_version in template.versions:
        version = object.__new__(type(template_version))
        version.__dict__.update(template_version.__dict__)
        versions.append(version)
    policy.versions = versions
    return policy


def _init_aws_policies(_original: Callable[..., Any], self: IAMBackend) -> list[Any]:
    if not settings.load_iam_aws_managed_policies() or self.partition != "aws":
        return []
    return [_copy_policy(t, self.account_id) for t in _managed_policy_templates(self.region_name)]


def _get_credential_report(original: Callable[..., Any], self: IAMBackend) -> str:
    # AWS's report always starts with the root user's row; moto's has none.
    return root.with_root_row(original(self), self)


def _root_summary_map(original: property) -> property:
    """AccountSummary.summary_map with the root user's values (moto: always 0)."""

    def summary_map(self: AccountSummary) -> dict[str, Any]:
        values = dict(original.fget(self))  # type: ignore[misc]
        values.update(root.summary_values(self._iam_backend, values))  # pylint: disable=protected-access
        return values

    return property(functools.wraps(original.fget)(summary_map))  # type: ignore[arg-type]


_PATCHES: dict[str, Callable[..., Any]] = {
    "delete_user": _strict_delete_user,
    "delete_group": _strict_delete_group,
    "delete_policy": _strict_delete_policy,
    "delete_virtual_mfa_device": _strict_delete_virtual_mfa_device,
    "delete_role": _strict_delete_role,
    "update_login_profile": _update_login_profile,
    "_init_aws_policies": _init_aws_policies,
    "get_credential_report": _get_credential_report,
}


def _bind(name: str, patch: Callable[..., Any], original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def method(self: IAMBackend, *args: Any, **kwargs: Any) -> Any:
        return patch(original, self, *args, **kwargs)

    method.__awslab_patch__ = name  # type: ignore[attr-defined]
    return method


def installed() -> bool:
    """Whether the lab's patches are active in this process."""
    return bool(_originals or _class_originals)


def _set_class_attribute(owner: type, name: str, value: Any) -> None:
    _class_originals.append((owner, name, owner.__dict__.get(name, _MISSING)))
    setattr(owner, name, value)


def _install_iam_extras() -> None:
    """Register the missing IAM calls with moto's ``IamResponse`` and the attributes they show."""
    for name, handler in iam_extras.HANDLERS.items():
        handler.__awslab_patch__ = name  # type: ignore[attr-defined]
        _set_class_attribute(IamResponse, name, handler)
    for name, wrap in iam_extras.WRAPPERS.items():
        method = functools.wraps(getattr(IamResponse, name))(wrap(getattr(IamResponse, name)))
        method.__awslab_patch__ = name  # type: ignore[attr-defined]
        _set_class_attribute(IamResponse, name, method)
    # moto serialises users and managed policies from their attributes (botocore names in
    # snake_case): GetUser, CreateUser and GetAccountAuthorizationDetails pick these up.
    _set_class_attribute(User, "permissions_boundary", property(iam_extras.permissions_boundary))
    _set_class_attribute(
        ManagedPolicy, "permissions_boundary_usage_count", property(iam_extras.permissions_boundary_usage_count)
    )
    # GetAccountAuthorizationDetails' ManagedPolicyDetail names these PolicyName / PolicyId, which
    # moto's serialiser does not map to ``name`` / ``id`` (GetPolicy's Policy shape it does).
    _set_class_attribute(ManagedPolicy, "policy_name", property(lambda policy: policy.name))
    _set_class_attribute(ManagedPolicy, "policy_id", property(lambda policy: policy.id))
    _set_class_attribute(AccountSummary, "summary_map", _root_summary_map(AccountSummary.__dict__["summary_map"]))
    transformers = dict(IamResponse.RESPONSE_KEY_PATH_TO_TRANSFORMER)
    transformers.update(dict.fromkeys(LISTINGS_WITHOUT_USER_BOUNDARY, never_return))
    _set_class_attribute(IamResponse, "RESPONSE_KEY_PATH_TO_TRANSFORMER", transformers)


# AWS's answers when a secret or parameter names a KMS key that does not exist. SSM's is documented
# (InvalidKeyId, carrying KMS's NotFoundException text); Secrets Manager's code is the lab's guess.
SECRETSMANAGER_KMS_MISSING = ("AccessDeniedException", "Access to KMS is not allowed")
SSM_KMS_MISSING = "InvalidKeyId"


def kms_key_exists(account_id: str, region: str, key_id: str) -> bool:
    """Whether ``key_id`` (key id, key ARN, alias name or alias ARN) names a key of the account.
    AWS managed aliases (``alias/aws/...``) always exist: AWS creates them on first use."""
    # pylint: disable=import-outside-toplevel
    from moto.kms.models import kms_backends

    if key_id.split(":")[-1].startswith("alias/aws/"):
        return True
    try:
        kms_backends[account_id][region].describe_key(key_id)
    except Exception:  # noqa: BLE001  pylint: disable=broad-exception-caught
        return False  # moto raises KeyError, NotFoundException or TypeError for the unknown
    return True


def _argument(function: Callable[..., Any], self: Any, args: Any, kwargs: Any, name: str) -> Any:
    """The value of parameter ``name`` in a call of ``function``, positional or not."""
    return inspect.signature(function).bind(self, *args, **kwargs).arguments.get(name)


def _checked_create_secret(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def create_secret(self: Any, *args: Any, **kwargs: Any) -> Any:
        key_id = _argument(original, self, args, kwargs, "kms_key_id")
        if key_id and not kms_key_exists(self.account_id, self.region_name, key_id):
            raise JsonRESTError(*SECRETSMANAGER_KMS_MISSING)
        return original(self, *args, **kwargs)

    create_secret.__awslab_patch__ = "create_secret"  # type: ignore[attr-defined]
    return create_secret


def _checked_put_parameter(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def put_parameter(self: Any, *args: Any, **kwargs: Any) -> Any:
        key_id = _argument(original, self, args, kwargs, "keyid")
        secure = _argument(original, self, args, kwargs, "parameter_type") == "SecureString"
        if key_id and secure and not kms_key_exists(self.account_id, self.region_name, key_id):
            raise JsonRESTError(
                SSM_KMS_MISSING,
                "Key '%s' does not exist (Service: AWSKMS; Status Code: 400; Error Code: NotFoundException)" % key_id,
            )
        return original(self, *args, **kwargs)

    put_parameter.__awslab_patch__ = "put_parameter"  # type: ignore[attr-defined]
    return put_parameter


def _install_kms_checks() -> None:
    # pylint: disable=import-outside-toplevel
    from moto.secretsmanager.models import SecretsManagerBackend
    from moto.ssm.models import SimpleSystemManagerBackend

    _set_class_attribute(
        SecretsManagerBackend, "create_secret", _checked_create_secret(SecretsManagerBackend.create_secret)
    )
    _set_class_attribute(
        SimpleSystemManagerBackend, "put_parameter", _checked_put_parameter(SimpleSystemManagerBackend.put_parameter)
    )


def install() -> None:
    """Patch moto's ``IAMBackend`` class (every account, existing and future backends) and
    register the missing IAM calls with moto's ``IamResponse``."""
    with _lock:
        if _originals or _class_originals:
            return
        for name, patch in _PATCHES.items():
            original = getattr(IAMBackend, name)
            _originals[name] = original
            setattr(IAMBackend, name, _bind(name, patch, original))
        _install_iam_extras()
        _install_kms_checks()


def uninstall() -> None:
    """Restore moto's original methods and attributes."""
    with _lock:
        for name, original in _originals.items():
            setattr(IAMBackend, name, original)
        _originals.clear()
        while _class_originals:
            owner, name, previous = _class_originals.pop()
            if previous is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, previous)


class PatchedSteps:
    """Steps (any iterable) run with the lab's patches installed in this process, ``setup``
    first: the unit-test scenarios of modules whose calls plain moto lacks use it."""

    def __init__(self, setup_fn: Any, steps: Any):
        self._setup = setup_fn
        self.steps = steps

    def __iter__(self) -> Any:
        installed_here = not installed()
        install()
        try:
            self._setup()
            yield from self.steps
        finally:
            if installed_here:
                uninstall()
