# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An IAM role, its policies and its instance profile (module iam_role, practice 7).

GetRole answers for the trust policy, description, maximum session duration,
permissions boundary and tags in one call. The attached policies, the inline
policies and the instance profiles are read only when an option manages them, so
a converged run costs one call plus one per managed list.
"""

from __future__ import annotations

import re

from ansible_collections.hardening.aws.plugins.module_utils import _iam_common, _iam_names, _policy
from ansible_collections.hardening.aws.plugins.module_utils._aws import AwsError, HardeningError
from ansible_collections.hardening.aws.plugins.module_utils._module import ModuleSpec

MIN_SESSION = 3600
MAX_SESSION = 43200
MAX_DESCRIPTION = 1000
# IAM's pattern for a role description.
_DESCRIPTION = re.compile("[\u0009\u000a\u000d\u0020-\u007e\u00a1-\u00ff]*")

ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True, aliases=["role_name"]),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    path=dict(type="str"),
    description=dict(type="str"),
    assume_role_policy=dict(type="json", aliases=["assume_role_policy_document", "trust_policy"]),
    max_session_duration=dict(type="int"),
    permissions_boundary=dict(type="str", aliases=["boundary"]),
    tags=dict(type="dict"),
    purge_tags=dict(type="bool", default=False),
    create_instance_profile=dict(type="bool"),
)
ARGUMENT_SPEC.update(_iam_common.POLICY_ARGUMENT_SPEC)

# One API call of a plan: the boto3 method, its arguments, and what it does in words.
Step = _iam_common.Step


def _role_resource(name):
    return "role %s" % name


def parse_trust(params, field="assume_role_policy"):
    """The trust policy option as a dict (None when not given), checked statement by statement."""
    document = params.get(field)
    return None if document is None else _iam_common.parse_policy_document(document, field)


def parse_inline(params, field="inline_policies"):
    """The inline_policies option as {name: document dict}, every name and document checked."""
    return _iam_common.parse_inline_policies(params.get(field), field)


def _check_description(value, field="description"):
    if value is None:
        return
    if len(value) > MAX_DESCRIPTION:
        raise HardeningError(
            "%s is not a valid role description: it must be at most %d characters long, not %d"
            % (field, MAX_DESCRIPTION, len(value)),
            option=field,
        )
    if not _DESCRIPTION.fullmatch(value):
        raise HardeningError(
            "%s %r is not a valid role description: allowed are tab, newline and the printable "
            "characters of Latin-1" % (field, value),
            option=field,
        )


def validate(params):
    """Reject what IAM would refuse, before any call. With state=absent only the name matters."""
    _iam_names.check_name("role", params.get("name"), "name")
    if params.get("state") == "absent":
        return
    _iam_names.check_path(params.get("path"), "path")
    _check_description(params.get("description"))
    for ref in params.get("managed_policies") or ():
        _iam_names.check_policy_ref(ref, "managed_policies")
    boundary = params.get("permissions_boundary")
    if boundary:
        _iam_names.check_policy_ref(boundary, "permissions_boundary")
    duration = params.get("max_session_duration")
    if duration is not None and not MIN_SESSION <= duration <= MAX_SESSION:
        raise HardeningError(
            "max_session_duration=%d is out of range: AWS accepts %d to %d seconds (1 to 12 hours)"
            % (duration, MIN_SESSION, MAX_SESSION),
            option="max_session_duration",
        )
    _iam_names.check_tags(params.get("tags"), "tags")
    parse_trust(params)
    parse_inline(params)


# --- reading ---------------------------------------------------------------------


def _profile(answer):
    return {
        "name": answer["InstanceProfileName"],
        "arn": answer["Arn"],
        "path": answer["Path"],
        "roles": sorted(role["RoleName"] for role in answer.get("Roles", [])),
    }


def read(iam, name, managed=False, inline=False, documents=(), profiles=False):
    """The role in our form, or None when it does not exist.

    GetRole gives the core. ``managed`` adds ``managed_policies`` (sorted ARNs),
    ``inline`` adds ``inline_policies`` ({name: document}, documents read only for
    the names in ``documents``), ``profiles`` adds ``instance_profiles`` (the
    instance profiles that hold the role)."""
    resource = _role_resource(name)
    answer = iam.call("get_role", resource=resource, ignore=("NoSuchEntity",), RoleName=name)
    if answer is None:
        return None
    role = answer["Role"]
    state = {
        "name": role["RoleName"],
        "arn": role["Arn"],
        "path": role["Path"],
        "description": role.get("Description") or None,
        "assume_role_policy": _policy.parse(role["AssumeRolePolicyDocument"]),
        "max_session_duration": role.get("MaxSessionDuration", MIN_SESSION),
        "permissions_boundary": (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
        "tags": _iam_common.tags_from_api(role.get("Tags")),
    }
    if managed:
        state["managed_policies"] = _iam_common.read_attached(iam, "role", name)
    if inline:
        state["inline_policies"] = _iam_common.read_inline(iam, "role", name, documents)
    if profiles:
        listed = iam.paginate("list_instance_profiles_for_role", resource=resource, RoleName=name)
        state["instance_profiles"] = sorted(
            (_profile(p) for p in listed.get("InstanceProfiles", [])), key=lambda p: p["name"]
        )
    return state


def read_instance_profile(iam, name):
    """The instance profile called ``name`` (any role in it), or None."""
    answer = iam.call(
        "get_instance_profile",
        resource="instance profile %s" % name,
        ignore=("NoSuchEntity",),
        InstanceProfileName=name,
    )
    return _profile(answer["InstanceProfile"]) if answer else None


def resolve_policies(iam, current, params, confirm_arns=True):
    """(managed policy ARNs or None, boundary ARN / "" / None) from the options.

    Names already attached (or already the boundary) resolve without a call."""
    refs = params.get("managed_policies")
    boundary = params.get("permissions_boundary")
    current = current or {}
    known_arns = list(current.get("managed_policies") or [])
    if current.get("permissions_boundary"):
        known_arns.append(current["permissions_boundary"])
    known = {_iam_common.policy_name_of(arn): arn for arn in known_arns}
    resolver = _iam_common.PolicyResolver(iam, _iam_common.partition_of(current.get("arn")), confirm_arns)
    arns = None if refs is None else resolver.resolve_all(refs, known, "managed_policies")
    if boundary:
        boundary = resolver.resolve(boundary, known, "permissions_boundary")
    return arns, boundary


# --- planning (pure) ----------------------------------------------------------------


def plan_absent(current):
    """Steps that delete ``current`` in the order IAM accepts: out of every instance
    profile (deleting the one of the same name once it is empty), attached policies,
    inline policies, then the role."""
    if current is None:
        return []
    name = current["name"]
    steps = []
    for profile in current.get("instance_profiles", []):
        steps.append(
            Step(
                "remove_role_from_instance_profile",
                dict(InstanceProfileName=profile["name"], RoleName=name),
                "remove the role from instance profile %s" % profile["name"],
            )
        )
        if profile["name"] == name and profile["roles"] == [name]:
            steps.append(
                Step(
                    "delete_instance_profile",
                    dict(InstanceProfileName=name),
                    "delete instance profile %s" % name,
                )
            )
    steps += [
        Step("detach_role_policy", dict(RoleName=name, PolicyArn=arn), "detach managed policy %s" % arn)
        for arn in current.get("managed_policies", [])
    ]
    steps += [
        Step("delete_role_policy", dict(RoleName=name, PolicyName=p), "delete inline policy %s" % p)
        for p in sorted(current.get("inline_policies", {}))
    ]
    steps.append(Step("delete_role", dict(RoleName=name), "delete role %s" % name))
    return steps


def _new_role(params, trust, boundary):
    """(create step, planned state) for a role that does not exist yet."""
    name = params["name"]
    if trust is None:
        raise HardeningError(
            "assume_role_policy is required to create role %r, which does not exist; nothing was changed" % name,
            option="assume_role_policy",
        )
    path = params.get("path") or "/"
    kwargs = dict(RoleName=name, Path=path, AssumeRolePolicyDocument=_policy.to_json(trust))
    if params.get("description"):
        kwargs["Description"] = params["description"]
    if params.get("max_session_duration") is not None:
        kwargs["MaxSessionDuration"] = params["max_session_duration"]
    if boundary:
        kwargs["PermissionsBoundary"] = boundary
    tags = {k: str(v) for k, v in (params.get("tags") or {}).items()}
    if tags:
        kwargs["Tags"] = _iam_common.tags_to_api(tags)
    planned = {
        "name": name,
        "arn": None,
        "path": path,
        "description": params.get("description") or None,
        "assume_role_policy": trust,
        "max_session_duration": params.get("max_session_duration") or MIN_SESSION,
        "permissions_boundary": boundary or None,
        "tags": tags,
    }
    return Step("create_role", kwargs, "create role %s" % name), planned


def _update_core(current, params, trust, boundary):
    """Steps for the parts GetRole answers for, and the planned core state."""
    name = current["name"]
    if params.get("path") is not None and params["path"] != current["path"]:
        raise HardeningError(
            "path: role %r has path %r and AWS cannot move a role to another path (%r); "
            "delete the role and create it again to change it; nothing was changed"
            % (name, current["path"], params["path"]),
            option="path",
        )
    steps = []
    planned = dict(current)
    if trust is not None and not _policy.equal(current["assume_role_policy"], trust):
        steps.append(
            Step(
                "update_assume_role_policy",
                dict(RoleName=name, PolicyDocument=_policy.to_json(trust)),
                "update the trust policy",
            )
        )
        planned["assume_role_policy"] = trust

    description = params.get("description")
    duration = params.get("max_session_duration")
    new_description = (current["description"] or "") if description is None else description
    new_duration = current["max_session_duration"] if duration is None else duration
    if new_description != (current["description"] or "") or new_duration != current["max_session_duration"]:
        # UpdateRole is sent with both fields: AWS keeps a field left out, but simulators
        # (moto) reset it, and sending the value the role should keep is right for both.
        changes = []
        if new_description != (current["description"] or ""):
            changes.append("description")
        if new_duration != current["max_session_duration"]:
            changes.append("max session duration %d s" % new_duration)
        steps.append(
            Step(
                "update_role",
                dict(RoleName=name, Description=new_description, MaxSessionDuration=new_duration),
                "update the %s" % " and ".join(changes),
            )
        )
        planned["description"] = new_description or None
        planned["max_session_duration"] = new_duration

    if boundary == "" and current["permissions_boundary"]:
        steps.append(Step("delete_role_permissions_boundary", dict(RoleName=name), "remove the permissions boundary"))
        planned["permissions_boundary"] = None
    elif boundary and boundary != current["permissions_boundary"]:
        steps.append(
            Step(
                "put_role_permissions_boundary",
                dict(RoleName=name, PermissionsBoundary=boundary),
                "set the permissions boundary to %s" % boundary,
            )
        )
        planned["permissions_boundary"] = boundary

    to_set, remove = _iam_common.plan_tags(current["tags"], params.get("tags"), params.get("purge_tags"))
    if to_set:
        steps.append(
            Step(
                "tag_role",
                dict(RoleName=name, Tags=_iam_common.tags_to_api(to_set)),
                "set tags %s" % ", ".join(sorted(to_set)),
            )
        )
    if remove:
        steps.append(Step("untag_role", dict(RoleName=name, TagKeys=remove), "remove tags %s" % ", ".join(remove)))
    tags = {k: v for k, v in current["tags"].items() if k not in remove}
    tags.update(to_set)
    planned["tags"] = tags
    return steps, planned


def plan_instance_profile(name, path, wanted, profiles, same_name):
    """Steps for O(create_instance_profile) and the instance profiles planned.

    ``profiles`` are those that hold the role; ``same_name`` is the instance profile
    called like the role (read only when the role is not in it), or None."""
    if wanted is None:
        return [], profiles
    ours = [p for p in profiles if p["name"] == name]
    if wanted:
        if ours:
            return [], profiles
        steps = []
        if same_name is None:
            steps.append(
                Step(
                    "create_instance_profile",
                    dict(InstanceProfileName=name, Path=path),
                    "create instance profile %s" % name,
                )
            )
            same_name = {"name": name, "arn": None, "path": path, "roles": []}
        elif same_name["roles"]:
            raise HardeningError(
                "create_instance_profile: instance profile %r already holds role %r and an instance profile "
                "holds one role only; nothing was changed" % (name, same_name["roles"][0]),
                option="create_instance_profile",
            )
        steps.append(
            Step(
                "add_role_to_instance_profile",
                dict(InstanceProfileName=name, RoleName=name),
                "add the role to instance profile %s" % name,
            )
        )
        planned = sorted(profiles + [dict(same_name, roles=[name])], key=lambda p: p["name"])
        return steps, planned
    if not ours:
        return [], profiles
    steps = [
        Step(
            "remove_role_from_instance_profile",
            dict(InstanceProfileName=name, RoleName=name),
            "remove the role from instance profile %s" % name,
        )
    ]
    if ours[0]["roles"] == [name]:
        steps.append(
            Step("delete_instance_profile", dict(InstanceProfileName=name), "delete instance profile %s" % name)
        )
    return steps, [p for p in profiles if p["name"] != name]


def plan_present(current, params, trust, inline_docs, managed_arns, boundary, same_name=None):
    """(steps, planned state) that bring ``current`` (None: no role) to what ``params`` ask.

    ``trust``, ``inline_docs``, ``managed_arns`` and ``boundary`` are the parsed and
    resolved options (None: not managed; boundary "": remove it)."""
    name = params["name"]
    if current is None:
        create, planned = _new_role(params, trust, boundary)
        steps = [create]
        base = dict(planned, managed_policies=[], inline_policies={}, instance_profiles=[])
    else:
        steps, planned = _update_core(current, params, trust, boundary)
        base = current

    policy_steps, fields = _iam_common.plan_policy_steps("role", name, base, managed_arns, inline_docs, params)
    steps += policy_steps
    planned.update(fields)

    wanted_profile = params.get("create_instance_profile")
    if wanted_profile is not None:
        profile_steps, profiles = plan_instance_profile(
            name, planned["path"], wanted_profile, base["instance_profiles"], same_name
        )
        steps += profile_steps
        planned["instance_profiles"] = profiles
    return steps, planned


def needs_same_name_profile(current, params):
    """True when planning needs the instance profile named like the role (one read)."""
    if not params.get("create_instance_profile"):
        return False
    return not any(p["name"] == params["name"] for p in (current or {}).get("instance_profiles", []))


# --- results ---------------------------------------------------------------------------


def public(state):
    """The role as the module returns it (inline policies and instance profiles by name)."""
    if state is None:
        return None
    out = dict(state)
    if "inline_policies" in out:
        out["inline_policies"] = sorted(out["inline_policies"])
    if "instance_profiles" in out:
        out["instance_profiles"] = [p["name"] for p in out["instance_profiles"]]
    return out


def diff_state(state):
    """One side of the diff: the role, plus the inline documents that were compared."""
    return _iam_common.diff_side(state, public)


def apply_step(iam, name, step):
    """Send one step of the plan.

    AddRoleToInstanceProfile is the one write here that is not idempotent: a retry of a
    request AWS carried out but whose answer was lost fails with LimitExceeded (a profile
    holds one role). When the request was retried and the profile now holds exactly this
    role, the earlier attempt did the work; anything else is still a failure."""
    try:
        iam.call(step.method, resource=_role_resource(name), **step.kwargs)
    except AwsError as exc:
        if step.method != "add_role_to_instance_profile" or exc.code != "LimitExceeded" or not exc.retried:
            raise
        held = read_instance_profile(iam, step.kwargs["InstanceProfileName"])
        if held is None or held["roles"] != [name]:
            raise


def run(aws, params, check_mode, diff):
    """Converge the role (see module documentation)."""
    iam = aws.client("iam")
    name = params["name"]
    absent = params["state"] == "absent"
    trust = None if absent else parse_trust(params)
    inline_docs = None if absent else parse_inline(params)
    reads = dict(
        managed=absent or params.get("managed_policies") is not None,
        inline=absent or inline_docs is not None,
        documents=frozenset(inline_docs or ()),
        profiles=absent or params.get("create_instance_profile") is not None,
    )
    current = read(iam, name, **reads)
    if absent:
        steps, planned = plan_absent(current), None
    else:
        managed_arns, boundary = resolve_policies(iam, current, params, confirm_arns=not check_mode)
        same_name = read_instance_profile(iam, name) if needs_same_name_profile(current, params) else None
        steps, planned = plan_present(current, params, trust, inline_docs, managed_arns, boundary, same_name)

    changed = bool(steps)
    after = planned if changed else current
    if changed and not check_mode:
        for step in steps:
            apply_step(iam, name, step)
        after = None if absent else read(iam, name, **reads)
    result = {"changed": changed, "role": public(after), "actions": [s.text for s in steps]}
    if diff:
        result["diff"] = {"before": diff_state(current), "after": diff_state(after)}
    return result


MODULE_SPEC = ModuleSpec("iam_role", ARGUMENT_SPEC, run, validate=validate)
