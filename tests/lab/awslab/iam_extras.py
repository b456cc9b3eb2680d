"""IAM calls that moto 5.2.5 lacks, added to moto's own IAM response class in the lab process.

moto answers these actions with an HTML 500 page (botocore ``ResponseParserError``). The lab
registers them as methods of ``moto.iam.responses.IamResponse`` (installed and removed with the
other patches by :mod:`awslab.patches`), so each request goes through moto's normal path: the
account is resolved by moto, IAM authorisation is enforced when it is switched on, parameters
are parsed and answers serialised from botocore's IAM service model (the shapes are exactly
AWS's), and errors are moto IAM exceptions, whose HTTP status comes from the same model.

State lives on moto's backend objects: service-specific credentials on the ``User``, a user's
permissions boundary as ``User.permissions_boundary_arn`` (the attribute moto uses for roles).
A reset or a deleted user drops it with them; accounts are isolated like everything else.

Calls (see tests/lab/README.md for what is and is not faithful):

* CreateServiceSpecificCredential, ListServiceSpecificCredentials, UpdateServiceSpecificCredential,
  ResetServiceSpecificCredential, DeleteServiceSpecificCredential;
* PutUserPermissionsBoundary, DeleteUserPermissionsBoundary, and ``PermissionsBoundary`` on
  CreateUser; GetUser and GetAccountAuthorizationDetails return the boundary (ListUsers does
  not, as in AWS); ``PermissionsBoundaryUsageCount`` of managed policies counts users and roles;
  ListEntitiesForPolicy honours ``PolicyUsageFilter``;
* GetMFADevice;
* ChangePassword (the calling IAM user's own password, checked against the password policy).
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import string
from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.iam.exceptions import (
    IAMException,
    InvalidInput,
    LimitExceededException,
    NotFoundException,
    ValidationError,
)

# ------------------------------------------------------------------------------------------
# Errors not defined by moto (codes as in botocore's IAM model; statuses come from the model).


class NotSupportedService(IAMException):
    """``NotSupportedService`` (404): the service has no service-specific credentials."""

    code = "NotSupportedService"


class InvalidUserType(IAMException):
    """``InvalidUserType`` (400)."""

    code = "InvalidUserType"


class PasswordPolicyViolation(IAMException):
    """``PasswordPolicyViolation`` (400)."""

    code = "PasswordPolicyViolation"


#: GetUser and the other "the caller's own user" calls, made with non-user (role) credentials.
NON_USER_CALLER = "Must specify userName when calling with non-User credentials"

# ------------------------------------------------------------------------------------------
# Service-specific credentials

#: Services AWS issues service-specific credentials for: a user name / password pair
#: (CodeCommit Git credentials, Amazon Keyspaces) or a long-term API key (Amazon Bedrock,
#: CloudWatch Logs), which has an alias and a secret instead and may expire.
PASSWORD_SERVICES = ("codecommit.amazonaws.com", "cassandra.amazonaws.com")
API_KEY_SERVICES = ("bedrock.amazonaws.com", "logs.amazonaws.com")
SUPPORTED_SERVICES = PASSWORD_SERVICES + API_KEY_SERVICES

#: AWS quota: at most two credentials per user and service.
MAX_PER_USER_AND_SERVICE = 2
MAX_CREDENTIAL_AGE_DAYS = 36600

ACTIVE, INACTIVE, EXPIRED = "Active", "Inactive", "Expired"
_ID_ALPHABET = string.ascii_uppercase + string.digits
_STORE = "awslab_service_specific_credentials"


class ServiceSpecificCredential:
    """One service-specific credential of a moto ``User`` (kept in the user's ``__dict__``)."""

    def __init__(self, user: Any, account_id: str, service_name: str, age_days: int | None = None):
        now = utcnow()
        self.user = user
        self.service_name = service_name
        self.service_specific_credential_id = "ACCA" + "".join(secrets.choice(_ID_ALPHABET) for _position in range(17))
        self.create_date = now
        self.expiration_date = now + dt.timedelta(days=age_days) if age_days else None
        self.api_key = service_name in API_KEY_SERVICES
        self.service_user_name = None if self.api_key else f"{user.name}-at-{account_id}"
        self.service_credential_alias = f"{user.name}+{int(now.timestamp())}-at-{account_id}" if self.api_key else None
        self._status = ACTIVE
        self.secret = ""
        self.new_secret()

    @property
    def user_name(self) -> str:
        """The owner's current name."""
        return str(self.user.name)

    @property
    def status(self) -> str:
        """``Active`` / ``Inactive``, or ``Expired`` once an API key's expiration date passed."""
        if self.expiration_date is not None and utcnow() >= self.expiration_date:
            return EXPIRED
        return self._status

    @status.setter
    def status(self, value: str) -> None:
        self._status = value

    def new_secret(self) -> str:
        """Generate a new password (or API key secret); return it."""
        raw = secrets.token_bytes(32)
        if self.api_key:
            alias = self.service_credential_alias or ""
            self.secret = "ABSK" + base64.b64encode(f"{alias}:".encode() + raw).decode()
        else:
            self.secret = base64.b64encode(raw).decode()
        return self.secret

    def metadata(self) -> dict[str, Any]:
        """``ServiceSpecificCredentialMetadata`` (what List returns: no password or secret)."""
        answer = {
            "UserName": self.user_name,
            "Status": self.status,
            "CreateDate": self.create_date,
            "ServiceSpecificCredentialId": self.service_specific_credential_id,
            "ServiceName": self.service_name,
        }
        if self.api_key:
            answer["ServiceCredentialAlias"] = self.service_credential_alias
        else:
            answer["ServiceUserName"] = self.service_user_name
        if self.expiration_date is not None:
            answer["ExpirationDate"] = self.expiration_date
        return answer

    def with_secret(self) -> dict[str, Any]:
        """``ServiceSpecificCredential`` (what Create and Reset return, secret included)."""
        answer = self.metadata()
        answer["ServiceCredentialSecret" if self.api_key else "ServicePassword"] = self.secret
        return answer


def credentials_of(user: Any) -> list[ServiceSpecificCredential]:
    """The (mutable) list of a moto ``User``'s service-specific credentials, oldest first."""
    store: list[ServiceSpecificCredential] = user.__dict__.setdefault(_STORE, [])
    return store


def _check_service(service_name: str | None) -> None:
    if service_name is not None and service_name not in SUPPORTED_SERVICES:
        raise NotSupportedService(f"No such service {service_name} is supported for Service-Specific Credentials")


def create_service_specific_credential(
    backend: Any, user_name: str, service_name: str, credential_age_days: int | None = None
) -> ServiceSpecificCredential:
    """CreateServiceSpecificCredential on a moto IAM backend."""
    user = backend.get_user(user_name)
    _check_service(service_name)
    if credential_age_days is not None:
        if service_name not in API_KEY_SERVICES:
            raise ValidationError(f"CredentialAgeDays is not supported for service {service_name}.")
        if not 1 <= int(credential_age_days) <= MAX_CREDENTIAL_AGE_DAYS:
            raise ValidationError(
                f"1 validation error detected: Value '{credential_age_days}' at 'credentialAgeDays' failed to "
                f"satisfy constraint: Member must have value between 1 and {MAX_CREDENTIAL_AGE_DAYS}"
            )
    held = [c for c in credentials_of(user) if c.service_name == service_name]
    if len(held) >= MAX_PER_USER_AND_SERVICE:
        raise LimitExceededException(
            f"Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: {MAX_PER_USER_AND_SERVICE}"
        )
    credential = ServiceSpecificCredential(user, backend.account_id, service_name, credential_age_days)
    credentials_of(user).append(credential)
    return credential


def find_service_specific_credential(backend: Any, user_name: str, credential_id: str) -> ServiceSpecificCredential:
    """The credential ``credential_id`` of user ``user_name`` (NoSuchEntity for either)."""
    user = backend.get_user(user_name)
    for credential in credentials_of(user):
        if credential.service_specific_credential_id == credential_id:
            return credential
    raise NotFoundException(f"No such credential {credential_id} exists for user {user_name}.")


def delete_service_specific_credential(backend: Any, user_name: str, credential_id: str) -> None:
    """DeleteServiceSpecificCredential on a moto IAM backend."""
    credential = find_service_specific_credential(backend, user_name, credential_id)
    credentials_of(credential.user).remove(credential)


def list_service_specific_credentials(
    backend: Any, user_name: str | None, service_name: str | None = None
) -> list[ServiceSpecificCredential]:
    """One user's credentials, or every user's (``user_name`` None), filtered by service."""
    _check_service(service_name)
    users = [backend.get_user(user_name)] if user_name is not None else list(backend.users.values())
    return [
        credential
        for user in users
        for credential in credentials_of(user)
        if service_name is None or credential.service_name == service_name
    ]


# ------------------------------------------------------------------------------------------
# Permissions boundaries


def permissions_boundary(obj: Any) -> dict[str, str] | None:
    """``PermissionsBoundary`` of a user, as moto shapes it for roles (None: no boundary)."""
    arn = obj.__dict__.get("permissions_boundary_arn")
    if not arn:
        return None
    return {"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": arn}


def check_boundary_policy(backend: Any, policy_arn: str) -> None:
    """InvalidInput for a malformed ARN, NoSuchEntity for a managed policy that does not exist."""
    if not backend.policy_arn_regex.match(policy_arn or ""):
        raise InvalidInput(f"ARN {policy_arn} is not valid.")
    try:
        backend.get_policy(policy_arn)
    except NotFoundException:
        raise NotFoundException(f"Policy {policy_arn} does not exist or is not attachable.") from None


def put_user_permissions_boundary(backend: Any, user_name: str, policy_arn: str) -> None:
    """PutUserPermissionsBoundary on a moto IAM backend."""
    user = backend.get_user(user_name)
    check_boundary_policy(backend, policy_arn)
    user.permissions_boundary_arn = policy_arn


def delete_user_permissions_boundary(backend: Any, user_name: str) -> None:
    """DeleteUserPermissionsBoundary on a moto IAM backend (no boundary: nothing to do)."""
    user = backend.get_user(user_name)
    user.permissions_boundary_arn = None


def boundary_holders(backend: Any, policy_arn: str) -> tuple[list[Any], list[Any]]:
    """(users, roles) whose permissions boundary is ``policy_arn``."""
    users = [u for u in backend.users.values() if u.__dict__.get("permissions_boundary_arn") == policy_arn]
    roles = [r for r in backend.roles.values() if getattr(r, "permissions_boundary_arn", None) == policy_arn]
    return users, roles


def permissions_boundary_usage_count(policy: Any) -> int:
    """``PermissionsBoundaryUsageCount`` of a managed policy in its account."""
    try:
        backend = policy.backend
    except KeyError:  # a template that belongs to no account
        return 0
    users, roles = boundary_holders(backend, policy.arn)
    return len(users) + len(roles)


# ------------------------------------------------------------------------------------------
# MFA devices and passwords


def get_mfa_device(backend: Any, user_name: str, serial_number: str) -> dict[str, Any]:
    """GetMFADevice: a device assigned to ``user_name`` (NoSuchEntity otherwise)."""
    user = backend.get_user(user_name)
    device = user.mfa_devices.get(serial_number)
    if device is None:
        raise NotFoundException(f"MFA device with serial number {serial_number} not found for user {user_name}.")
    answer: dict[str, Any] = {"UserName": user.name, "SerialNumber": serial_number}
    if getattr(device, "enable_date", None) is not None:
        answer["EnableDate"] = device.enable_date
    return answer


#: AWS's default password policy when the account has none: at least 8 characters and three of
#: the four character classes.
DEFAULT_MINIMUM_LENGTH = 8
_PASSWORD_HISTORY = "awslab_password_history"


def _classes(password: str) -> dict[str, bool]:
    return {
        "uppercase": any(c.isascii() and c.isupper() for c in password),
        "lowercase": any(c.isascii() and c.islower() for c in password),
        "number": any(c.isdigit() for c in password),
        "symbol": any(not c.isalnum() for c in password),
    }


def password_policy_violation(backend: Any, user: Any, password: str) -> str | None:
    """Why ``password`` breaks the account's password policy (None: it complies)."""
    policy = backend.account_password_policy
    classes = _classes(password)
    if policy is None:
        if len(password) < DEFAULT_MINIMUM_LENGTH or sum(classes.values()) < 3:
            return (
                f"Password should have a minimum length of {DEFAULT_MINIMUM_LENGTH} and at least three of: "
                "uppercase letters, lowercase letters, numbers, symbols"
            )
        return None
    minimum = policy.minimum_password_length or 0
    if len(password) < minimum:
        return f"Password should have a minimum length of {minimum}"
    for flag, name, message in (
        ("require_uppercase_characters", "uppercase", "Password should have at least one uppercase letter"),
        ("require_lowercase_characters", "lowercase", "Password should have at least one lowercase letter"),
        ("require_numbers", "number", "Password should have at least one number"),
        ("require_symbols", "symbol", "Password should have at least one symbol"),
    ):
        if getattr(policy, flag, False) and not classes[name]:
            return message
    reuse = policy.password_reuse_prevention or 0
    if reuse and password in user.__dict__.get(_PASSWORD_HISTORY, [])[-reuse:]:
        return f"Password should not be one of your last {reuse} passwords"
    return None


def change_password(backend: Any, user: Any, old_password: str, new_password: str) -> None:
    """ChangePassword for ``user`` (the caller)."""
    if not user.password:
        raise NotFoundException(f"Login Profile for User {user.name} cannot be found.")
    if old_password != user.password:
        raise InvalidUserType("The old password is incorrect.")
    violation = password_policy_violation(backend, user, new_password)
    if violation:
        raise PasswordPolicyViolation(violation)
    history = user.__dict__.setdefault(_PASSWORD_HISTORY, [])
    if not history:
        history.append(user.password)
    history.append(new_password)
    del history[:-24]
    user.password = new_password
    user.password_reset_required = False


# ------------------------------------------------------------------------------------------
# Request handlers: installed as methods of moto's IamResponse (``self`` is the IamResponse).


def _caller_user(response: Any) -> Any:
    """The IAM user whose access key signed the request, or None (role session, unknown key)."""
    return response.backend.get_user_from_access_key_id(response.get_access_key())


def _user_name_or_caller(response: Any) -> str:
    user_name = response._get_param("UserName")  # pylint: disable=protected-access
    if user_name:
        return str(user_name)
    user = _caller_user(response)
    if user is None:
        raise ValidationError(NON_USER_CALLER)
    return str(user.name)


def _page(response: Any, items: list[Any]) -> tuple[list[Any], dict[str, Any]]:
    """Marker / MaxItems paging (Marker is an opaque position)."""
    marker = response._get_param("Marker")  # pylint: disable=protected-access
    max_items = response._get_param("MaxItems") or 100  # pylint: disable=protected-access
    try:
        start = int(marker) if marker else 0
    except ValueError:
        raise InvalidInput(f"Invalid marker: {marker}") from None
    page = items[start : start + int(max_items)]
    end = start + len(page)
    if end < len(items):
        return page, {"IsTruncated": True, "Marker": str(end)}
    return page, {"IsTruncated": False}


def handle_create_service_specific_credential(self: Any) -> ActionResult:
    """CreateServiceSpecificCredential."""
    credential = create_service_specific_credential(
        self.backend,
        self._get_param("UserName"),
        self._get_param("ServiceName"),
        self._get_param("CredentialAgeDays"),
    )
    return ActionResult({"ServiceSpecificCredential": credential.with_secret()})


def handle_list_service_specific_credentials(self: Any) -> ActionResult:
    """ListServiceSpecificCredentials (``AllUsers`` lists every user's; not with UserName)."""
    all_users = bool(self._get_param("AllUsers"))
    if all_users and self._get_param("UserName"):
        raise ValidationError("AllUsers cannot be specified together with UserName.")
    user_name = None if all_users else _user_name_or_caller(self)
    found = list_service_specific_credentials(self.backend, user_name, self._get_param("ServiceName"))
    page, paging = _page(self, found)
    return ActionResult({"ServiceSpecificCredentials": [c.metadata() for c in page], **paging})


def handle_update_service_specific_credential(self: Any) -> ActionResult:
    """UpdateServiceSpecificCredential (``Status`` Active or Inactive)."""
    status = self._get_param("Status")
    if status not in (ACTIVE, INACTIVE):
        raise ValidationError(f"Status {status} cannot be set; use {ACTIVE} or {INACTIVE}.")
    credential = find_service_specific_credential(
        self.backend, _user_name_or_caller(self), self._get_param("ServiceSpecificCredentialId")
    )
    credential.status = status
    return EmptyResult()


def handle_reset_service_specific_credential(self: Any) -> ActionResult:
    """ResetServiceSpecificCredential: a new password (or API key secret)."""
    credential = find_service_specific_credential(
        self.backend, _user_name_or_caller(self), self._get_param("ServiceSpecificCredentialId")
    )
    credential.new_secret()
    return ActionResult({"ServiceSpecificCredential": credential.with_secret()})


def handle_delete_service_specific_credential(self: Any) -> ActionResult:
    """DeleteServiceSpecificCredential."""
    delete_service_specific_credential(
        self.backend, _user_name_or_caller(self), self._get_param("ServiceSpecificCredentialId")
    )
    return EmptyResult()


def handle_put_user_permissions_boundary(self: Any) -> ActionResult:
    """PutUserPermissionsBoundary."""
    put_user_permissions_boundary(self.backend, self._get_param("UserName"), self._get_param("PermissionsBoundary"))
    return EmptyResult()


def handle_delete_user_permissions_boundary(self: Any) -> ActionResult:
    """DeleteUserPermissionsBoundary."""
    delete_user_permissions_boundary(self.backend, self._get_param("UserName"))
    return EmptyResult()


def handle_get_mfa_device(self: Any) -> ActionResult:
    """GetMFADevice (UserName defaults to the calling user)."""
    return ActionResult(get_mfa_device(self.backend, _user_name_or_caller(self), self._get_param("SerialNumber")))


def handle_change_password(self: Any) -> ActionResult:
    """ChangePassword: only an IAM user, for its own password."""
    user = _caller_user(self)
    if user is None:
        raise InvalidUserType("Only an IAM user can change its own password with ChangePassword.")
    change_password(self.backend, user, self._get_param("OldPassword"), self._get_param("NewPassword"))
    return EmptyResult()


def wrap_create_user(original: Callable[..., Any]) -> Callable[..., Any]:
    """CreateUser with ``PermissionsBoundary`` (checked before the user is created)."""

    def create_user(self: Any) -> Any:
        boundary = self._get_param("PermissionsBoundary")
        if boundary:
            check_boundary_policy(self.backend, boundary)
        result = original(self)
        if boundary:
            self.backend.get_user(self._get_param("UserName")).permissions_boundary_arn = boundary
        return result

    return create_user


def wrap_list_entities_for_policy(original: Callable[..., Any]) -> Callable[..., Any]:
    """ListEntitiesForPolicy honouring ``PolicyUsageFilter`` (moto ignores it): attachments for
    ``PermissionsPolicy``, boundary holders for ``PermissionsBoundary``, both when absent."""

    def list_entities_for_policy(self: Any) -> Any:
        usage = self._get_param("PolicyUsageFilter")
        result = original(self)
        answer = result.result
        if usage == "PermissionsBoundary":
            answer["PolicyUsers"], answer["PolicyRoles"], answer["PolicyGroups"] = [], [], []
        if usage in (None, "", "PermissionsBoundary"):
            entity = self._get_param("EntityFilter")
            prefix = self._get_param("PathPrefix") or "/"
            users, roles = boundary_holders(self.backend, self._get_param("PolicyArn"))
            for kind, key, holders in (("User", "PolicyUsers", users), ("Role", "PolicyRoles", roles)):
                if entity in (None, "", kind):
                    listed = answer[key]
                    listed += [h for h in holders if h.path.startswith(prefix) and h not in listed]
        return result

    return list_entities_for_policy


#: IamResponse method name -> handler, for the actions moto does not implement.
HANDLERS: dict[str, Callable[..., Any]] = {
    "create_service_specific_credential": handle_create_service_specific_credential,
    "list_service_specific_credentials": handle_list_service_specific_credentials,
    "update_service_specific_credential": handle_update_service_specific_credential,
    "reset_service_specific_credential": handle_reset_service_specific_credential,
    "delete_service_specific_credential": handle_delete_service_specific_credential,
    "put_user_permissions_boundary": handle_put_user_permissions_boundary,
    "delete_user_permissions_boundary": handle_delete_user_permissions_boundary,
    "get_mfa_device": handle_get_mfa_device,
    "change_password": handle_change_password,
}

#: IamResponse method name -> wrapper factory, for actions moto implements partly.
WRAPPERS: dict[str, Callable[[Callable[..., Any]], Callable[..., Any]]] = {
    "create_user": wrap_create_user,
    "list_entities_for_policy": wrap_list_entities_for_policy,
}
