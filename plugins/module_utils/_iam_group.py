# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An IAM group, its members and its policies (module iam_group, practice 2).

Only what the options manage is read: GetGroup (existence, path, members) always,
the attached policies when O(managed_policies) is set, the inline policy names and
the documents of the named ones when O(inline_policies) is set. A converged run
therefore costs one call per managed aspect, whatever else the account holds.
"""

from __future__ import annotations

from ansible_collections.hardening.aws.plugins.module_utils import _iam_common, _iam_names
from ansible_collections.hardening.aws.plugins.module_utils._module import ModuleSpec

ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True, aliases=["group_name"]),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    path=dict(type="str"),
    members=dict(type="list", elements="str", aliases=["users"]),
    purge_members=dict(type="bool", default=False, aliases=["purge_users"]),
)
ARGUMENT_SPEC.update(_iam_common.POLICY_ARGUMENT_SPEC)

# One API call of a plan: the boto3 method, its arguments, and what it does in words
# (the words are what check mode reports, item by item).
Step = _iam_common.Step


def _group_resource(name):
    return "group %s" % name


def parse_inline(params, field="inline_policies"):
    """The inline_policies option as {name: document dict}, every name and document checked."""
    return _iam_common.parse_inline_policies(params.get(field), field)


def validate(params):
    """Reject names, paths, policy references and documents IAM would refuse, before any call.
    With state=absent only the name matters."""
    _iam_names.check_name("group", params.get("name"), "name")
    if params.get("state") == "absent":
        return
    _iam_names.check_path(params.get("path"), "path")
    for ref in params.get("managed_policies") or ():
        _iam_names.check_policy_ref(ref, "managed_policies")
    _iam_names.check_names("user", params.get("members"), "members")
    parse_inline(params)


# --- reading ---------------------------------------------------------------------


def read(iam, name, managed=False, inline=False, documents=()):
    """The group in our form, or None when it does not exist.

    ``managed`` adds ``managed_policies`` (sorted ARNs); ``inline`` adds
    ``inline_policies`` ({name: document}), with the documents of ``documents`` read
    and the others left as None: a document is read only to compare it."""
    resource = _group_resource(name)
    answer = iam.paginate("get_group", resource=resource, ignore=("NoSuchEntity",), GroupName=name)
    if answer is None:
        return None
    group = answer["Group"]
    state = {
        "name": group["GroupName"],
        "arn": group["Arn"],
        "path": group["Path"],
        "members": sorted(user["UserName"] for user in answer.get("Users", [])),
    }
    if managed:
        state["managed_policies"] = _iam_common.read_attached(iam, "group", name)
    if inline:
        state["inline_policies"] = _iam_common.read_inline(iam, "group", name, documents)
    return state


def check_new_members(iam, steps, field="members"):
    """Fail, naming them, if users the plan would add do not exist: before any change."""
    new = [s.kwargs["UserName"] for s in steps if s.method == "add_user_to_group"]
    _iam_common.require_existing(iam, "user", new, field)


def resolve_managed(iam, current, refs, field="managed_policies", confirm_arns=True):
    """ARNs of the managed_policies option. A name already attached resolves for free."""
    if refs is None:
        return None
    attached = (current or {}).get("managed_policies") or []
    known = {_iam_common.policy_name_of(arn): arn for arn in attached}
    resolver = _iam_common.PolicyResolver(iam, _iam_common.partition_of((current or {}).get("arn")), confirm_arns)
    return resolver.resolve_all(refs, known, field)


# --- planning (pure) ----------------------------------------------------------------


def plan_members(current, wanted, purge):
    """(to add, to remove) user names. IAM user names are unique regardless of case, so
    ``Alice`` and ``alice`` are the same member; None wanted means not managed."""
    if wanted is None:
        return [], []
    have = {user.lower() for user in current}
    want = {user.lower() for user in wanted}
    add = []
    for user in wanted:
        if user.lower() not in have:
            have.add(user.lower())
            add.append(user)
    remove = sorted(user for user in current if purge and user.lower() not in want)
    return add, remove


def plan_absent(current):
    """Steps that delete ``current`` in the order IAM accepts: members, attached
    policies, inline policies, then the group."""
    if current is None:
        return []
    name = current["name"]
    steps = [
        Step("remove_user_from_group", dict(GroupName=name, UserName=user), "remove user %s" % user)
        for user in current["members"]
    ]
    steps += [
        Step("detach_group_policy", dict(GroupName=name, PolicyArn=arn), "detach managed policy %s" % arn)
        for arn in current.get("managed_policies", [])
    ]
    steps += [
        Step("delete_group_policy", dict(GroupName=name, PolicyName=p), "delete inline policy %s" % p)
        for p in sorted(current.get("inline_policies", {}))
    ]
    steps.append(Step("delete_group", dict(GroupName=name), "delete group %s" % name))
    return steps


def plan_present(current, params, managed_arns, inline_docs):
    """(steps, planned state) that bring ``current`` (None: no group) to what ``params``
    ask. ``managed_arns`` and ``inline_docs`` are the resolved options (None: not managed)."""
    name = params["name"]
    steps = []
    if current is None:
        path = params.get("path") or "/"
        steps.append(Step("create_group", dict(GroupName=name, Path=path), "create group %s" % name))
        base = {"name": name, "arn": None, "path": path, "members": []}
        if managed_arns is not None:
            base["managed_policies"] = []
        if inline_docs is not None:
            base["inline_policies"] = {}
    else:
        base = current
        if params.get("path") is not None and params["path"] != current["path"]:
            steps.append(
                Step(
                    "update_group",
                    dict(GroupName=name, NewPath=params["path"]),
                    "move group %s from path %s to %s" % (name, current["path"], params["path"]),
                )
            )
    planned = dict(base, path=params.get("path") or base["path"])
    if planned["arn"] and planned["path"] != base["path"]:
        # A group's ARN holds its path: arn:aws:iam::123456789012:group/people/devs
        planned["arn"] = "%s:group%s%s" % (planned["arn"].split(":group/", 1)[0], planned["path"], name)

    add, remove = plan_members(base["members"], params.get("members"), params.get("purge_members"))
    steps += [Step("add_user_to_group", dict(GroupName=name, UserName=u), "add user %s" % u) for u in add]
    steps += [Step("remove_user_from_group", dict(GroupName=name, UserName=u), "remove user %s" % u) for u in remove]
    planned["members"] = sorted([u for u in base["members"] if u not in remove] + add)

    policy_steps, fields = _iam_common.plan_policy_steps("group", name, base, managed_arns, inline_docs, params)
    steps += policy_steps
    planned.update(fields)
    return steps, planned


# --- results ---------------------------------------------------------------------------


def public(state):
    """The group as the module returns it (inline policies by name)."""
    if state is None:
        return None
    out = dict(state)
    if "inline_policies" in out:
        out["inline_policies"] = sorted(out["inline_policies"])
    return out


def diff_state(state):
    """One side of the diff: the group, plus the inline documents that were compared."""
    return _iam_common.diff_side(state, public)


def run(aws, params, check_mode, diff):
    """Converge the group (see module documentation)."""
    iam = aws.client("iam")
    name = params["name"]
    absent = params["state"] == "absent"
    inline_docs = None if absent else parse_inline(params)
    reads = dict(
        managed=absent or params.get("managed_policies") is not None,
        inline=absent or inline_docs is not None,
        documents=frozenset(inline_docs or ()),
    )
    current = read(iam, name, **reads)
    if absent:
        steps, planned = plan_absent(current), None
    else:
        managed_arns = resolve_managed(iam, current, params.get("managed_policies"), confirm_arns=not check_mode)
        steps, planned = plan_present(current, params, managed_arns, inline_docs)
        check_new_members(iam, steps)

    changed = bool(steps)
    after = planned if changed else current
    if changed and not check_mode:
        for step in steps:
            iam.call(step.method, resource=_group_resource(name), **step.kwargs)
        after = None if absent else read(iam, name, **reads)
    result = {"changed": changed, "group": public(after), "actions": [s.text for s in steps]}
    if diff:
        result["diff"] = {"before": diff_state(current), "after": diff_state(after)}
    return result


MODULE_SPEC = ModuleSpec("iam_group", ARGUMENT_SPEC, run, validate=validate)
