# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An IAM user: path, tags, boundary, groups, policies, console access; and its
deletion in the order IAM accepts (module iam_user).

Only what the options manage is read: GetUser (existence, path, tags, boundary)
always, then one list call per managed aspect, and the inline documents of the
policies named in the options. A converged run costs one call per managed aspect.
Deleting a user reads every kind of credential it may hold, so that the plan (and
check mode) lists each item that goes.
"""

from __future__ import annotations

import re
import secrets
import string

from ansible_collections.hardening.aws.plugins.module_utils import _delivery, _iam_common, _iam_names, _policy
from ansible_collections.hardening.aws.plugins.module_utils._aws import HardeningError
from ansible_collections.hardening.aws.plugins.module_utils._module import ModuleSpec

# Where a password the module sets goes by default, per store ({} = the user name).
# SSM wants a hierarchical name to start with a slash; Secrets Manager does not.
DEFAULT_SECRET_PREFIX = "hardening/console-passwords"  # noqa: S105 - a location, not a secret
# A generated password: at least this long (longer if the account's policy asks), every
# character class. 128 is IAM's maximum password length.
GENERATED_LENGTH = 32
MAX_PASSWORD_LENGTH = 128
# IAM's password policy counts these as symbols (the quote is left out: it breaks copy-paste).
SYMBOLS = "!@#$%^&*()_+-=[]{}|"
PASSWORD_CLASSES = (string.ascii_uppercase, string.ascii_lowercase, string.digits, SYMBOLS)
# Where the password a step sets comes from (a plan never holds the password itself).
GIVEN, GENERATED = "given", "generated"

# Virtual MFA devices have ARN serials (arn:aws:iam::123456789012:mfa/name); hardware
# tokens have plain serials and FIDO keys ARNs with :u2f/. Only virtual ones are deleted.
_VIRTUAL_MFA = re.compile(r"arn:aws[a-z-]*:iam::[0-9]{12}:mfa/")

# Aspects read on top of GetUser, and what an absent user needs read to be deleted.
ASPECTS = ("groups", "managed_policies", "inline_policies", "login_profile")
CREDENTIALS = (
    "access_keys",
    "signing_certificates",
    "ssh_public_keys",
    "service_specific_credentials",
    "mfa_devices",
)

ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True, aliases=["user_name"]),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    path=dict(type="str"),
    tags=dict(type="dict"),
    purge_tags=dict(type="bool", default=False),
    groups=dict(type="list", elements="str"),
    purge_groups=dict(type="bool", default=False),
    permissions_boundary=dict(type="str"),
    console_access=dict(type="bool"),
    password=dict(type="str", no_log=True),
    update_password=dict(type="str", default="on_create", choices=["on_create", "always"], no_log=False),
    password_reset_required=dict(type="bool", no_log=False),
)
ARGUMENT_SPEC.update(_iam_common.POLICY_ARGUMENT_SPEC)
ARGUMENT_SPEC.update(_delivery.DELIVERY_ARGUMENT_SPEC)


def _resource(name):
    return "user %s" % name


def default_secret_name(store, user_name):
    """Where a console password goes when O(secret_name) is not set."""
    return _delivery.default_secret_name(DEFAULT_SECRET_PREFIX, store, user_name)


# --- validation --------------------------------------------------------------------------


def parse_inline(params, field="inline_policies"):
    """The inline_policies option as {name: document dict}, every name and document checked."""
    return _iam_common.parse_inline_policies(params.get(field), field)


def _validate_console(params):
    console = params.get("console_access")
    password = params.get("password")
    if password is not None and console is not True:
        raise HardeningError("password is only used with console_access=true", option="password")
    if params.get("password_reset_required") is not None and console is not True:
        raise HardeningError(
            "password_reset_required is only used with console_access=true", option="password_reset_required"
        )
    if password is not None and not 1 <= len(password) <= MAX_PASSWORD_LENGTH:
        # Never echo the password itself.
        raise HardeningError(
            "password is not a valid IAM password: it must be 1 to %d characters long, not %d"
            % (MAX_PASSWORD_LENGTH, len(password)),
            option="password",
        )
    if params.get("update_password") == "always" and password is None:
        raise HardeningError("update_password=always needs password", option="update_password")
    store = params.get("store") or "none"
    _delivery.validate(params, default_secret_name(store, params.get("name")), "password")


def validate(params):
    """Reject names, paths, policy references, documents and console settings IAM would
    refuse or we cannot honour, before any call. With state=absent only the name matters."""
    _iam_names.check_name("user", params.get("name"), "name")
    if params.get("state") == "absent":
        return
    _iam_names.check_path(params.get("path"), "path")
    _iam_names.check_tags(params.get("tags"), "tags")
    _iam_names.check_names("group", params.get("groups"), "groups")
    for ref in params.get("managed_policies") or ():
        _iam_names.check_policy_ref(ref, "managed_policies")
    if params.get("permissions_boundary"):
        _iam_names.check_policy_ref(params["permissions_boundary"], "permissions_boundary")
    parse_inline(params)
    _validate_console(params)


# --- reading ---------------------------------------------------------------------------


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _read_groups(iam, name):
    answer = iam.paginate("list_groups_for_user", resource=_resource(name), UserName=name)
    return sorted(g["GroupName"] for g in answer.get("Groups", []))


def _read_managed(iam, name):
    return _iam_common.read_attached(iam, "user", name)


def _read_inline(iam, name, documents):
    return _iam_common.read_inline(iam, "user", name, documents)


def _read_login_profile(iam, name):
    answer = iam.call("get_login_profile", resource=_resource(name), ignore=("NoSuchEntity",), UserName=name)
    if answer is None:
        return {"console_access": False, "password_reset_required": None}
    return {
        "console_access": True,
        "password_reset_required": bool(answer["LoginProfile"].get("PasswordResetRequired", False)),
    }


def _list_service_specific_credentials(iam, name):
    # The API pages with Marker/IsTruncated but botocore has no paginator for it.
    found, marker = [], None
    while True:
        kwargs = dict(UserName=name)
        if marker:
            kwargs["Marker"] = marker
        answer = iam.call("list_service_specific_credentials", resource=_resource(name), **kwargs)
        found += answer.get("ServiceSpecificCredentials", [])
        marker = answer.get("Marker")
        if not (answer.get("IsTruncated") and marker):
            return found


def _read_credentials(iam, name):
    """Every credential that blocks DeleteUser, in our form."""
    resource = _resource(name)
    keys = iam.paginate("list_access_keys", resource=resource, UserName=name).get("AccessKeyMetadata", [])
    certs = iam.paginate("list_signing_certificates", resource=resource, UserName=name).get("Certificates", [])
    ssh = iam.paginate("list_ssh_public_keys", resource=resource, UserName=name).get("SSHPublicKeys", [])
    service = _list_service_specific_credentials(iam, name)
    mfa = iam.paginate("list_mfa_devices", resource=resource, UserName=name).get("MFADevices", [])
    return {
        "access_keys": [{"access_key_id": k["AccessKeyId"], "status": k.get("Status")} for k in keys],
        "signing_certificates": [{"certificate_id": c["CertificateId"], "status": c.get("Status")} for c in certs],
        "ssh_public_keys": [{"ssh_public_key_id": k["SSHPublicKeyId"], "status": k.get("Status")} for k in ssh],
        "service_specific_credentials": [
            {"service_specific_credential_id": c["ServiceSpecificCredentialId"], "service_name": c.get("ServiceName")}
            for c in service
        ],
        "mfa_devices": [d["SerialNumber"] for d in mfa],
    }


def read(iam, name, aspects=(), documents=None, credentials=False):
    """The user in our form, or None when it does not exist.

    ``aspects`` (see ASPECTS) adds what the options manage; ``documents`` limits which
    inline documents are read (None: all); ``credentials`` adds what blocks DeleteUser."""
    answer = iam.call("get_user", resource=_resource(name), ignore=("NoSuchEntity",), UserName=name)
    if answer is None:
        return None
    user = answer["User"]
    state = {
        "user_name": user["UserName"],
        "user_id": user.get("UserId"),
        "arn": user.get("Arn"),
        "path": user.get("Path", "/"),
        "create_date": _iso(user.get("CreateDate")),
        "tags": _iam_common.tags_from_api(user.get("Tags")),
        "permissions_boundary": (user.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
    }
    if "groups" in aspects:
        state["groups"] = _read_groups(iam, name)
    if "managed_policies" in aspects:
        state["managed_policies"] = _read_managed(iam, name)
    if "inline_policies" in aspects:
        state["inline_policies"] = _read_inline(iam, name, documents)
    if "login_profile" in aspects:
        state.update(_read_login_profile(iam, name))
    if credentials:
        state.update(_read_credentials(iam, name))
    return state


def aspects_of(params):
    """The aspects the options manage (each costs one or more reads)."""
    managed = {
        "groups": params.get("groups") is not None,
        "managed_policies": params.get("managed_policies") is not None,
        "inline_policies": params.get("inline_policies") is not None,
        "login_profile": params.get("console_access") is not None,
    }
    return tuple(aspect for aspect in ASPECTS if managed[aspect])


# --- resolving what the options name -------------------------------------------------------


def _partition(current, region):
    if current and current.get("arn"):
        return _iam_common.partition_of(current["arn"])
    region = region or ""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def resolve(iam, current, params, region=None, confirm_arns=True):
    """(managed policy ARNs or None, boundary ARN, "" or None) for the options. Names
    already attached (or already the boundary) resolve without a call."""
    refs = params.get("managed_policies")
    boundary = params.get("permissions_boundary")
    if refs is None and not boundary:
        return None, boundary
    current = current or {}
    known = {_iam_common.policy_name_of(arn): arn for arn in current.get("managed_policies") or ()}
    if current.get("permissions_boundary"):
        known.setdefault(_iam_common.policy_name_of(current["permissions_boundary"]), current["permissions_boundary"])
    resolver = _iam_common.PolicyResolver(iam, _partition(current, region), confirm_arns)
    arns = None if refs is None else resolver.resolve_all(refs, known, "managed_policies")
    if boundary:
        boundary = resolver.resolve(boundary, known, "permissions_boundary")
    return arns, boundary


def check_new_groups(iam, steps, field="groups"):
    """Fail, naming them, if groups the plan would add the user to do not exist: before any change."""
    new = [step["group_name"] for step in steps if step["action"] == "add_to_group"]
    _iam_common.require_existing(iam, "group", new, field)


# --- planning (pure) ---------------------------------------------------------------------
#
# A plan is a list of steps, each a dict with an "action" and the ids it acts on; it is
# what check mode reports, item by item. Steps carry no secret: a password appears only as
# its source, "given" or "generated".


def plan_absent(current):
    """Steps that delete ``current`` (read with every aspect and credentials) in the only
    order DeleteUser accepts: login profile, access keys, signing certificates, SSH
    public keys, service-specific credentials, MFA devices (deactivate, then delete the
    virtual device), inline policies, attached policies, group memberships, the user."""
    if current is None:
        return []
    steps = []
    if current.get("console_access"):
        steps.append({"action": "delete_login_profile"})
    steps += [{"action": "delete_access_key", "access_key_id": k["access_key_id"]} for k in current["access_keys"]]
    steps += [
        {"action": "delete_signing_certificate", "certificate_id": c["certificate_id"]}
        for c in current["signing_certificates"]
    ]
    steps += [
        {"action": "delete_ssh_public_key", "ssh_public_key_id": k["ssh_public_key_id"]}
        for k in current["ssh_public_keys"]
    ]
    steps += [
        {
            "action": "delete_service_specific_credential",
            "service_specific_credential_id": c["service_specific_credential_id"],
            "service_name": c["service_name"],
        }
        for c in current["service_specific_credentials"]
    ]
    for serial in current["mfa_devices"]:
        steps.append({"action": "deactivate_mfa_device", "serial_number": serial})
        if _VIRTUAL_MFA.match(serial):
            steps.append({"action": "delete_virtual_mfa_device", "serial_number": serial})
    steps += [{"action": "delete_inline_policy", "policy_name": p} for p in sorted(current["inline_policies"])]
    steps += [{"action": "detach_policy", "policy_arn": arn} for arn in current["managed_policies"]]
    steps += [{"action": "remove_from_group", "group_name": g} for g in current["groups"]]
    steps.append({"action": "delete_user"})
    return steps


def _new_user(name, path, tags, boundary, aspects):
    state = {
        "user_name": name,
        "user_id": None,
        "arn": None,
        "path": path,
        "create_date": None,
        "tags": dict(tags),
        "permissions_boundary": boundary or None,
    }
    if "groups" in aspects:
        state["groups"] = []
    if "managed_policies" in aspects:
        state["managed_policies"] = []
    if "inline_policies" in aspects:
        state["inline_policies"] = {}
    if "login_profile" in aspects:
        state.update(console_access=False, password_reset_required=None)
    return state


def _plan_user(current, params, boundary, aspects):
    """(steps, base state) for the user itself: create, or move, re-tag, re-bound."""
    name = params["name"]
    if current is None:
        tags = {k: str(v) for k, v in (params.get("tags") or {}).items()}
        step = {"action": "create_user", "path": params.get("path") or "/"}
        if tags:
            step["tags"] = tags
        if boundary:
            step["permissions_boundary"] = boundary
        return [step], _new_user(name, step["path"], tags, boundary, aspects)
    steps = []
    planned = dict(current)
    if params.get("path") is not None and params["path"] != current["path"]:
        steps.append({"action": "update_path", "path": params["path"], "previous_path": current["path"]})
        planned["path"] = params["path"]
    to_set, remove = _iam_common.plan_tags(current["tags"], params.get("tags"), params.get("purge_tags"))
    if to_set:
        steps.append({"action": "tag_user", "tags": to_set})
    if remove:
        steps.append({"action": "untag_user", "tag_keys": remove})
    planned["tags"] = {k: v for k, v in dict(current["tags"], **to_set).items() if k not in remove}
    if boundary is not None and boundary != (current["permissions_boundary"] or ""):
        if boundary:
            steps.append({"action": "put_permissions_boundary", "policy_arn": boundary})
        else:
            steps.append({"action": "delete_permissions_boundary", "policy_arn": current["permissions_boundary"]})
        planned["permissions_boundary"] = boundary or None
    return steps, planned


def _plan_login_profile(base, params):
    console = params.get("console_access")
    if console is None:
        return [], {}
    reset = params.get("password_reset_required")
    given = params.get("password") is not None
    store = params.get("store") or "none"
    delivery = None
    if store != "none":
        delivery = {
            "store": store,
            "secret_name": params.get("secret_name") or default_secret_name(store, params["name"]),
        }
    if not console:
        if base["console_access"]:
            return [{"action": "delete_login_profile"}], {"console_access": False, "password_reset_required": None}
        return [], {}
    if not base["console_access"]:
        step = {
            "action": "create_login_profile",
            "password_source": GIVEN if given else GENERATED,
            "password_reset_required": bool(reset),
        }
        if delivery:
            step["deliver_to"] = delivery
        return [step], {"console_access": True, "password_reset_required": bool(reset)}
    step = {"action": "update_login_profile"}
    if given and params.get("update_password") == "always":
        step["password_source"] = GIVEN
        if delivery:
            step["deliver_to"] = delivery
    if reset is not None and (reset != base["password_reset_required"] or "password_source" in step):
        step["password_reset_required"] = reset
    if len(step) == 1:
        return [], {}
    planned = {"console_access": True}
    if reset is not None:
        planned["password_reset_required"] = reset
    return [step], planned


def plan_present(current, params, managed_arns, boundary, inline_docs):
    """(steps, planned state) that bring ``current`` (None: no user) to what ``params`` ask.

    ``managed_arns``, ``boundary`` and ``inline_docs`` are the resolved options (None:
    not managed; boundary "" removes it)."""
    aspects = aspects_of(params)
    steps, planned = _plan_user(current, params, boundary, aspects)
    base = current if current is not None else planned

    if params.get("groups") is not None:
        add, remove = [], []
        have = set(base["groups"])
        for group in params["groups"]:
            if group not in have and group not in add:
                add.append(group)
        if params.get("purge_groups"):
            remove = [g for g in base["groups"] if g not in params["groups"]]
        steps += [{"action": "add_to_group", "group_name": g} for g in add]
        steps += [{"action": "remove_from_group", "group_name": g} for g in remove]
        planned["groups"] = sorted([g for g in base["groups"] if g not in remove] + add)

    if managed_arns is not None:
        attach, detach = _iam_common.plan_attached(
            base["managed_policies"], managed_arns, params.get("purge_managed_policies")
        )
        steps += [{"action": "attach_policy", "policy_arn": arn} for arn in attach]
        steps += [{"action": "detach_policy", "policy_arn": arn} for arn in detach]
        planned["managed_policies"] = sorted([a for a in base["managed_policies"] if a not in detach] + attach)

    if inline_docs is not None:
        put, delete = _iam_common.plan_inline(base["inline_policies"], inline_docs, params.get("purge_inline_policies"))
        steps += [
            {"action": "put_inline_policy", "policy_name": p, "replaces": p in base["inline_policies"]}
            for p in sorted(put)
        ]
        steps += [{"action": "delete_inline_policy", "policy_name": p} for p in delete]
        docs = {p: d for p, d in base["inline_policies"].items() if p not in delete}
        docs.update(put)
        planned["inline_policies"] = docs

    if "login_profile" in aspects:
        login_steps, login_state = _plan_login_profile(base, params)
        steps += login_steps
        planned.update(login_state)
    return steps, planned


# --- applying -------------------------------------------------------------------------------


def generate_password(length=GENERATED_LENGTH):
    """A random password from the OS's CSPRNG with every character class IAM's policy knows."""
    length = max(length, len(PASSWORD_CLASSES))
    alphabet = "".join(PASSWORD_CLASSES)
    chars = [secrets.choice(chars) for chars in PASSWORD_CLASSES]
    chars += [secrets.choice(alphabet) for _index in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def _generated_length(iam):
    """GENERATED_LENGTH, or more if the account's password policy asks for more."""
    answer = iam.call("get_account_password_policy", resource="account password policy", ignore=("NoSuchEntity",))
    minimum = (answer or {}).get("PasswordPolicy", {}).get("MinimumPasswordLength", 0)
    return min(MAX_PASSWORD_LENGTH, max(GENERATED_LENGTH, minimum))


def _account_id(arn):
    parts = (arn or "").split(":")
    return parts[4] if len(parts) > 4 else None


class _Applier:
    """Runs a plan's steps for one user; keeps what the result may carry (never in a log)."""

    def __init__(self, aws, iam, params, inline_docs):
        self.aws = aws
        self.iam = iam
        self.params = params
        self.name = params["name"]
        self.inline_docs = inline_docs or {}
        self.arn = None
        self.extra = {}

    def call(self, method, resource=None, **kwargs):
        return self.iam.call(method, resource=resource or _resource(self.name), **kwargs)

    def run(self, step):
        getattr(self, "_" + step["action"])(step)

    # user --------------------------------------------------------------------------
    def _create_user(self, step):
        kwargs = dict(UserName=self.name, Path=step["path"])
        if step.get("tags"):
            kwargs["Tags"] = _iam_common.tags_to_api(step["tags"])
        if step.get("permissions_boundary"):
            kwargs["PermissionsBoundary"] = step["permissions_boundary"]
        # An empty answer: an earlier attempt made the user, its answer was lost (AwsClient.call).
        made = self.call("create_user", **kwargs).get("User") or self.call("get_user", UserName=self.name)["User"]
        self.arn = made.get("Arn")

    def _update_path(self, step):
        self.call("update_user", UserName=self.name, NewPath=step["path"])

    def _tag_user(self, step):
        self.call("tag_user", UserName=self.name, Tags=_iam_common.tags_to_api(step["tags"]))

    def _untag_user(self, step):
        self.call("untag_user", UserName=self.name, TagKeys=step["tag_keys"])

    def _put_permissions_boundary(self, step):
        self.call("put_user_permissions_boundary", UserName=self.name, PermissionsBoundary=step["policy_arn"])

    def _delete_permissions_boundary(self, _step):
        self.call("delete_user_permissions_boundary", UserName=self.name)

    def _delete_user(self, _step):
        self.call("delete_user", UserName=self.name)

    # groups and policies -----------------------------------------------------------------
    def _add_to_group(self, step):
        self.call(
            "add_user_to_group",
            resource="group %s" % step["group_name"],
            GroupName=step["group_name"],
            UserName=self.name,
        )

    def _remove_from_group(self, step):
        self.call(
            "remove_user_from_group",
            resource="group %s" % step["group_name"],
            GroupName=step["group_name"],
            UserName=self.name,
        )

    def _attach_policy(self, step):
        self.call(
            "attach_user_policy",
            resource="managed policy %s" % step["policy_arn"],
            UserName=self.name,
            PolicyArn=step["policy_arn"],
        )

    def _detach_policy(self, step):
        self.call(
            "detach_user_policy",
            resource="managed policy %s" % step["policy_arn"],
            UserName=self.name,
            PolicyArn=step["policy_arn"],
        )

    def _put_inline_policy(self, step):
        name = step["policy_name"]
        self.call(
            "put_user_policy",
            resource="inline policy %s of %s" % (name, _resource(self.name)),
            UserName=self.name,
            PolicyName=name,
            PolicyDocument=_policy.to_json(self.inline_docs[name]),
        )

    def _delete_inline_policy(self, step):
        name = step["policy_name"]
        self.call(
            "delete_user_policy",
            resource="inline policy %s of %s" % (name, _resource(self.name)),
            UserName=self.name,
            PolicyName=name,
        )

    # credentials -------------------------------------------------------------------------
    def _password(self):
        """The password to set: the one given, else a new random one (returned only when
        it is not delivered to a store)."""
        if self.params.get("password") is not None:
            return self.params["password"], False
        return generate_password(_generated_length(self.iam)), True

    def _deliver(self, step, password):
        """Store the password before it is set: a failed delivery then changes nothing,
        and no console password exists that nobody can read."""
        target = step.get("deliver_to")
        if not target:
            return
        value = {"user_name": self.name, "password": password, "account_id": _account_id(self.arn)}
        self.extra["password_delivery"] = _delivery.deliver(
            self.aws,
            target["store"],
            target["secret_name"],
            value,
            "Console password of IAM user %s, set by hardening.aws.iam_user" % self.name,
            kms_key_id=self.params.get("kms_key_id"),
        )

    def _create_login_profile(self, step):
        password, generated = self._password()
        self._deliver(step, password)
        self.call(
            "create_login_profile",
            UserName=self.name,
            Password=password,
            PasswordResetRequired=step["password_reset_required"],
        )
        if generated and not step.get("deliver_to"):
            self.extra["generated_password"] = password

    def _update_login_profile(self, step):
        kwargs = dict(UserName=self.name)
        if step.get("password_source"):
            kwargs["Password"] = self.params["password"]
            self._deliver(step, kwargs["Password"])
        if "password_reset_required" in step:
            kwargs["PasswordResetRequired"] = step["password_reset_required"]
        self.call("update_login_profile", **kwargs)

    def _delete_login_profile(self, _step):
        self.call("delete_login_profile", UserName=self.name)

    def _delete_access_key(self, step):
        self.call(
            "delete_access_key",
            resource="access key %s" % step["access_key_id"],
            UserName=self.name,
            AccessKeyId=step["access_key_id"],
        )

    def _delete_signing_certificate(self, step):
        self.call(
            "delete_signing_certificate",
            resource="signing certificate %s" % step["certificate_id"],
            UserName=self.name,
            CertificateId=step["certificate_id"],
        )

    def _delete_ssh_public_key(self, step):
        self.call(
            "delete_ssh_public_key",
            resource="SSH public key %s" % step["ssh_public_key_id"],
            UserName=self.name,
            SSHPublicKeyId=step["ssh_public_key_id"],
        )

    def _delete_service_specific_credential(self, step):
        credential = step["service_specific_credential_id"]
        self.call(
            "delete_service_specific_credential",
            resource="service-specific credential %s" % credential,
            UserName=self.name,
            ServiceSpecificCredentialId=credential,
        )

    def _deactivate_mfa_device(self, step):
        self.call(
            "deactivate_mfa_device",
            resource="MFA device %s" % step["serial_number"],
            UserName=self.name,
            SerialNumber=step["serial_number"],
        )

    def _delete_virtual_mfa_device(self, step):
        self.call(
            "delete_virtual_mfa_device",
            resource="virtual MFA device %s" % step["serial_number"],
            SerialNumber=step["serial_number"],
        )


# --- results ------------------------------------------------------------------------------


def public(state):
    """The user as the module returns it: inline policies by name, no credential ids."""
    if state is None:
        return None
    out = {k: v for k, v in state.items() if k not in CREDENTIALS}
    if "inline_policies" in out:
        out["inline_policies"] = sorted(out["inline_policies"])
    return out


def diff_state(state):
    """One side of the diff: what the task manages, the inline documents that were read,
    and (for a user about to be deleted) its credentials by id. Never a password."""
    if state is None:
        return {"state": "absent"}
    out = {k: v for k, v in state.items() if k not in ("user_id", "arn", "create_date", "inline_policies")}
    out["state"] = "present"
    if "inline_policies" in state:
        out["inline_policies"] = sorted(state["inline_policies"])
        out["inline_policy_documents"] = {p: d for p, d in state["inline_policies"].items() if d is not None}
    return out


def _run_absent(iam, params, check_mode):
    name = params["name"]
    # Inline policies are deleted by name: their documents are not needed.
    current = read(iam, name, ASPECTS, documents=frozenset(), credentials=True)
    steps = plan_absent(current)
    if steps and not check_mode:
        applier = _Applier(None, iam, params, None)
        for step in steps:
            applier.run(step)
    return current, steps, None, {}


def _run_present(aws, iam, params, check_mode):
    name = params["name"]
    inline_docs = parse_inline(params)
    aspects = aspects_of(params)
    documents = frozenset(inline_docs or ())
    current = read(iam, name, aspects, documents=documents)
    managed_arns, boundary = resolve(iam, current, params, getattr(aws, "region", None), not check_mode)
    steps, planned = plan_present(current, params, managed_arns, boundary, inline_docs)
    check_new_groups(iam, steps)
    if not steps:
        return current, steps, current, {}
    if check_mode:
        return current, steps, planned, {}
    applier = _Applier(aws, iam, params, inline_docs)
    applier.arn = (current or {}).get("arn")
    for step in steps:
        applier.run(step)
    return current, steps, read(iam, name, aspects, documents=documents), applier.extra


def run(aws, params, check_mode, diff):
    """Converge the user (see module documentation)."""
    iam = aws.client("iam")
    if params["state"] == "absent":
        current, steps, after, extra = _run_absent(iam, params, check_mode)
    else:
        current, steps, after, extra = _run_present(aws, iam, params, check_mode)
    result = {"changed": bool(steps), "user": public(after), "plan": steps}
    result.update(extra)
    if diff:
        result["diff"] = {"before": diff_state(current), "after": diff_state(after)}
    return result


MODULE_SPEC = ModuleSpec("iam_user", ARGUMENT_SPEC, run, validate=validate)
