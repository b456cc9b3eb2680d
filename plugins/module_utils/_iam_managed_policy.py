# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Customer managed policies: read, plan, apply (module iam_managed_policy).

The policy is found by its ARN, built from the account, the path and the name, so
AWS's ~1,500 managed policies are never listed. The account comes for free from
the role the task assumes (a session of arn:aws:iam::111111111111:role/X acts in
111111111111); only without a role does it cost one sts:GetCallerIdentity. A
converged run is then GetPolicy (tags, description, attachment count included) and
GetPolicyVersion of the default version: two IAM calls however many policies the
account has. ListPolicies(Scope=Local) is only called when the policy is not at the
derived ARN (creation, or a policy living under another path), because IAM policy
names are unique in an account whatever their path.
"""

from __future__ import annotations

import re

from ansible_collections.hardening.aws.plugins.module_utils import _iam_common as common
from ansible_collections.hardening.aws.plugins.module_utils import _iam_names as names
from ansible_collections.hardening.aws.plugins.module_utils import _policy
from ansible_collections.hardening.aws.plugins.module_utils._aws import HardeningError
from ansible_collections.hardening.aws.plugins.module_utils._module import ModuleSpec

# AWS keeps at most five versions of a managed policy, the default one included.
MAX_VERSIONS = 5
# A managed policy document may hold 6,144 characters, whitespace not counted.
MAX_DOCUMENT_CHARS = 6144
MAX_DESCRIPTION_CHARS = 1000

# Any IAM or STS ARN names the account (and partition) a role session acts in.
_ACCOUNT_ARN = re.compile(r"arn:(aws[a-z-]*):(?:iam|sts)::([0-9]{12}):")

# How ListEntitiesForPolicy names each kind of holder, and the call that detaches it.
HOLDERS = (
    ("PolicyUsers", "UserName", "user", "detach_user_policy"),
    ("PolicyGroups", "GroupName", "group", "detach_group_policy"),
    ("PolicyRoles", "RoleName", "role", "detach_role_policy"),
)

ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True, aliases=["policy_name"]),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    path=dict(type="str"),
    description=dict(type="str"),
    policy=dict(type="raw", aliases=["policy_document"]),
    tags=dict(type="dict"),
    purge_tags=dict(type="bool", default=False),
)


def _document_problem(document):
    """Why ``document`` cannot be a managed policy document, or None."""
    try:
        normalised = _policy.normalise(document, "policy")
    except _policy.PolicyError as exc:
        return str(exc)
    if not normalised["Statement"]:
        return "policy has no Statement"
    size = len(re.sub(r"\s", "", _policy.to_json(document)))
    if size > MAX_DOCUMENT_CHARS:
        return "policy is %d characters long without whitespace; AWS accepts %d at most" % (size, MAX_DOCUMENT_CHARS)
    return None


def validate(params):
    """Names, path, description, tags and the document, before any AWS call."""
    names.check_name("policy", params.get("name"), "name")
    names.check_path(params.get("path"), "path")
    description = params.get("description")
    if description is not None and len(description) > MAX_DESCRIPTION_CHARS:
        raise HardeningError(
            "description is %d characters long: AWS accepts %d at most" % (len(description), MAX_DESCRIPTION_CHARS),
            option="description",
        )
    names.check_tags(params.get("tags"), "tags")
    if params.get("policy") is not None:
        problem = _document_problem(params["policy"])
        if problem:
            raise HardeningError(problem, option="policy")


def desired_document(params):
    """The wanted document as a dict, or None when the document is not managed."""
    if params.get("policy") is None:
        return None
    return _policy.parse(params["policy"], "policy")


def derive_arn(partition, account_id, path, name):
    """arn:<partition>:iam::<account>:policy/<path><name> (path ``/`` or ``/a/b/``)."""
    return "arn:%s:iam::%s:policy%s%s" % (partition, account_id, path or "/", name)


def account_of(aws):
    """(partition, account id) the task acts in: from the assumed role's ARN when there
    is one (no call), otherwise from sts:GetCallerIdentity."""
    match = _ACCOUNT_ARN.match(getattr(aws, "assumed_role_arn", None) or "")
    if match:
        return match.group(1), match.group(2)
    identity = aws.client("sts").call("get_caller_identity", resource="caller identity")
    return common.partition_of(identity["Arn"]), identity["Account"]


def from_api(policy, version):
    """Our form of a GetPolicy answer and its default version."""
    return {
        "name": policy["PolicyName"],
        "arn": policy["Arn"],
        "path": policy.get("Path", "/"),
        "policy_id": policy.get("PolicyId"),
        "description": policy.get("Description"),
        "default_version_id": policy["DefaultVersionId"],
        "document": _policy.parse(version["Document"], "stored policy document"),
        "attachment_count": policy.get("AttachmentCount", 0),
        "permissions_boundary_usage_count": policy.get("PermissionsBoundaryUsageCount", 0),
        "tags": common.tags_from_api(policy.get("Tags")),
    }


def _read_arn(iam, arn):
    answer = iam.call("get_policy", resource="managed policy %s" % arn, ignore=("NoSuchEntity",), PolicyArn=arn)
    if answer is None:
        return None
    policy = answer["Policy"]
    version = iam.call(
        "get_policy_version",
        resource="managed policy %s version %s" % (arn, policy["DefaultVersionId"]),
        PolicyArn=arn,
        VersionId=policy["DefaultVersionId"],
    )["PolicyVersion"]
    return from_api(policy, version)


def _find_elsewhere(iam, name, path):
    """The ARN of the account's policy called ``name`` under any path (names are unique in
    an account and case-insensitive), or None. Fails when it cannot be the policy asked for."""
    answer = iam.paginate("list_policies", resource="customer managed policies", Scope="Local")
    for found in answer.get("Policies", []):
        if found["PolicyName"].lower() != name.lower():
            continue
        if found["PolicyName"] != name:
            raise HardeningError(
                "name: this account already has a managed policy %r; IAM policy names are case-insensitive, "
                "so %r cannot be created next to it: use its exact name" % (found["PolicyName"], name),
                option="name",
                arn=found["Arn"],
            )
        if path is not None and found.get("Path", "/") != path:
            raise HardeningError(
                "path: managed policy %r exists under path %r, not %r, and IAM cannot move a policy: "
                "set path to %r (or leave it unset), or delete the policy first"
                % (name, found.get("Path", "/"), path, found.get("Path", "/")),
                option="path",
                arn=found["Arn"],
            )
        return found["Arn"]
    return None


def read(iam, partition, account_id, name, path):
    """The policy in our form, or None when the account has no policy called ``name``."""
    current = _read_arn(iam, derive_arn(partition, account_id, path, name))
    if current is not None:
        return current
    arn = _find_elsewhere(iam, name, path)
    return _read_arn(iam, arn) if arn else None


def versions_to_delete(versions, limit=MAX_VERSIONS):
    """Ids of the non-default versions to delete, oldest first, so that one more version
    fits under AWS's limit. ``versions`` are ListPolicyVersions entries."""
    spare = [v for v in versions if not v.get("IsDefaultVersion")]
    spare.sort(key=lambda v: (v.get("CreateDate") is None, v.get("CreateDate"), _version_number(v["VersionId"])))
    surplus = len(versions) + 1 - limit
    return [v["VersionId"] for v in spare[: max(surplus, 0)]]


def _version_number(version_id):
    digits = re.match(r"v(\d+)", version_id or "")
    return int(digits.group(1)) if digits else 0


def non_default_versions(versions):
    """Ids of every version but the default one (DeletePolicy refuses while they exist)."""
    return [v["VersionId"] for v in versions if not v.get("IsDefaultVersion")]


def plan_present(current, params, document):
    """What to change on an existing policy: (new document or None, tags to set, tag keys to remove)."""
    new_document = None
    if document is not None and not _policy.equal(current["document"], document):
        new_document = document
    to_set, remove = common.plan_tags(current["tags"], params.get("tags"), params["purge_tags"])
    return new_document, to_set, remove


def holders_of(entities):
    """[(kind, name, detach method, name parameter)] from a ListEntitiesForPolicy answer,
    users, then groups, then roles."""
    out = []
    for key, field, kind, method in HOLDERS:
        for entity in entities.get(key, []):
            out.append((kind, entity[field], method, field))
    return out


def _boundary_refusal(current):
    count = current.get("permissions_boundary_usage_count") or 0
    if count:
        raise HardeningError(
            "managed policy %r is the permissions boundary of %d user(s) or role(s); removing a boundary widens "
            "what they may do, so this module does not: change their boundaries first" % (current["name"], count),
            arn=current["arn"],
        )


def _versions(iam, arn):
    return iam.paginate("list_policy_versions", resource="managed policy %s" % arn, PolicyArn=arn)["Versions"]


def _entities(iam, arn):
    return iam.paginate(
        "list_entities_for_policy",
        resource="managed policy %s" % arn,
        PolicyArn=arn,
        PolicyUsageFilter="PermissionsPolicy",
    )


def _diff_state(policy):
    if policy is None:
        return {"state": "absent"}
    return {
        "state": "present",
        "name": policy["name"],
        "path": policy["path"],
        "description": policy.get("description"),
        "document": policy["document"],
        "tags": policy["tags"],
    }


def _public(policy):
    if policy is None:
        return None
    return {k: v for k, v in policy.items() if k != "permissions_boundary_usage_count"}


def _create(iam, arn, params, document, check_mode):
    name = params["name"]
    actions = ["create policy %s" % arn]
    planned = {
        "name": name,
        "arn": arn,
        "path": params.get("path") or "/",
        "policy_id": None,
        "description": params.get("description"),
        "default_version_id": "v1",
        "document": document,
        "attachment_count": 0,
        "tags": {k: str(v) for k, v in (params.get("tags") or {}).items()},
    }
    if check_mode:
        return actions, planned
    kwargs = dict(PolicyName=name, Path=planned["path"], PolicyDocument=_policy.to_json(document))
    if params.get("description"):
        kwargs["Description"] = params["description"]
    if params.get("tags"):
        kwargs["Tags"] = common.tags_to_api(params["tags"])
    created = iam.call("create_policy", resource="managed policy %s" % name, **kwargs).get("Policy")
    if created is None:  # an earlier attempt made it and its answer was lost (AwsClient.call)
        listed = iam.paginate("list_policies", Scope="Local", PathPrefix=planned["path"]).get("Policies", [])
        created = next(p for p in listed if p["PolicyName"] == name)
    return actions, _read_arn(iam, created["Arn"])


def _update(iam, current, params, document, check_mode):
    arn = current["arn"]
    new_document, to_set, remove = plan_present(current, params, document)
    actions = []
    stale = []
    if new_document is not None:
        stale = versions_to_delete(_versions(iam, arn))
        actions += ["delete version %s (AWS keeps %d at most)" % (v, MAX_VERSIONS) for v in stale]
        actions.append("create a new default version")
    if to_set:
        actions.append("tag %s" % ", ".join(sorted(to_set)))
    if remove:
        actions.append("untag %s" % ", ".join(remove))
    if not actions or check_mode:
        planned = dict(current)
        if new_document is not None:
            planned.update(document=new_document, default_version_id=None)
        tags = {k: v for k, v in current["tags"].items() if k not in remove}
        tags.update(to_set)
        planned["tags"] = tags
        return actions, planned
    resource = "managed policy %s" % arn
    # AWS refuses a sixth version, so the oldest spare one goes first. It is history, not
    # the version in force: if the new document is then refused, permissions are unchanged.
    for version_id in stale:
        iam.call(
            "delete_policy_version",
            resource="%s version %s" % (resource, version_id),
            PolicyArn=arn,
            VersionId=version_id,
        )
    if new_document is not None:
        iam.call(
            "create_policy_version",
            resource=resource,
            PolicyArn=arn,
            PolicyDocument=_policy.to_json(new_document),
            SetAsDefault=True,
        )
    if to_set:
        iam.call("tag_policy", resource=resource, PolicyArn=arn, Tags=common.tags_to_api(to_set))
    if remove:
        iam.call("untag_policy", resource=resource, PolicyArn=arn, TagKeys=remove)
    return actions, _read_arn(iam, arn)


def _delete(iam, current, check_mode):
    _boundary_refusal(current)
    arn = current["arn"]
    resource = "managed policy %s" % arn
    holders = holders_of(_entities(iam, arn))
    stale = non_default_versions(_versions(iam, arn))
    actions = ["detach from %s %s" % (kind, name) for kind, name, _method, _field in holders]
    actions += ["delete version %s" % v for v in stale]
    actions.append("delete policy %s" % arn)
    if check_mode:
        return actions
    for kind, name, method, field in holders:
        # NoSuchEntity: detached (or gone) since the listing; nothing left to undo.
        iam.call(method, resource="%s %s" % (kind, name), ignore=("NoSuchEntity",), PolicyArn=arn, **{field: name})
    for version_id in stale:
        iam.call(
            "delete_policy_version",
            resource="%s version %s" % (resource, version_id),
            PolicyArn=arn,
            VersionId=version_id,
        )
    iam.call("delete_policy", resource=resource, PolicyArn=arn)
    return actions


def run(aws, params, check_mode, diff):
    """Converge one customer managed policy (see module documentation)."""
    iam = aws.client("iam")
    partition, account_id = account_of(aws)
    current = read(iam, partition, account_id, params["name"], params.get("path"))
    document = desired_document(params)

    if params["state"] == "absent":
        actions = _delete(iam, current, check_mode) if current is not None else []
        after = None
    elif current is None:
        if document is None:
            raise HardeningError(
                "policy is required to create managed policy %r (it does not exist yet)" % params["name"],
                option="policy",
            )
        actions, after = _create(
            iam, derive_arn(partition, account_id, params.get("path"), params["name"]), params, document, check_mode
        )
    else:
        actions, after = _update(iam, current, params, document, check_mode)

    result = {"changed": bool(actions), "policy": _public(after), "actions": actions}
    if diff:
        result["diff"] = {"before": _diff_state(current), "after": _diff_state(after)}
    return result


MODULE_SPEC = ModuleSpec("iam_managed_policy", ARGUMENT_SPEC, run, validate=validate)
