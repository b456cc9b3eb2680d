# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Planning shared by the identity modules: managed policies, inline policies, tags.

The plan functions are pure (current state and wanted state in, steps out), so they
are unit-tested without AWS. Lists replace only with an explicit ``purge``.
"""

from __future__ import annotations

from collections import namedtuple

from ansible_collections.hardening.aws.plugins.module_utils import _iam_names, _policy
from ansible_collections.hardening.aws.plugins.module_utils._aws import HardeningError

# AWS managed policies whose ARN has a path: resolved without listing the ~1,500 of them.
# Any other AWS managed policy name resolves to arn:<partition>:iam::aws:policy/<name>.
AWS_MANAGED_PATHS = {
    "AWSConfigRole": "service-role/",
    "AWSLambdaBasicExecutionRole": "service-role/",
    "AWSLambdaVPCAccessExecutionRole": "service-role/",
    "AmazonEC2RoleforSSM": "service-role/",
    "AmazonEC2ContainerServiceforEC2Role": "service-role/",
    "AmazonECSTaskExecutionRolePolicy": "service-role/",
    "AWSBackupServiceRolePolicyForBackup": "service-role/",
    "AWSGlueServiceRole": "service-role/",
    "AmazonSSMAutomationRole": "service-role/",
    "ViewOnlyAccess": "job-function/",
    "DatabaseAdministrator": "job-function/",
    "DataScientist": "job-function/",
    "NetworkAdministrator": "job-function/",
    "SupportUser": "job-function/",
    "SystemAdministrator": "job-function/",
    "Billing": "job-function/",
}


def partition_of(arn, default="aws"):
    """The partition (aws, aws-cn, aws-us-gov) of an ARN, or ``default``."""
    if isinstance(arn, str) and arn.startswith("arn:"):
        return arn.split(":")[1]
    return default


def policy_name_of(arn):
    """The name part of a managed policy ARN."""
    return arn.rsplit("/", 1)[-1]


class PolicyResolver:
    """Turns managed policy names into ARNs with as few calls as possible.

    A name already attached resolves from what is attached (no call). Otherwise one
    paginated ListPolicies(Scope=Local) answers for customer managed policies, and an
    AWS managed policy's ARN is derived and confirmed with one GetPolicy.
    """

    def __init__(self, iam, partition="aws", confirm_arns=True):
        self._iam = iam
        self._partition = partition
        # Off in check mode: a policy an earlier task of the play would create is given by ARN.
        self._confirm_arns = confirm_arns
        self._local = None

    def _local_policies(self):
        if self._local is None:
            answer = self._iam.paginate("list_policies", resource="customer managed policies", Scope="Local")
            self._local = {p["PolicyName"]: p["Arn"] for p in answer.get("Policies", [])}
        return self._local

    def resolve(self, ref, known=None, field="managed_policies"):
        """The ARN of ``ref`` (a name or an ARN); ``known`` maps names to ARNs already seen."""
        if ref.startswith("arn:"):
            # An ARN nobody has attached yet is confirmed before the first change: AWS would
            # refuse it only at the attach, after the user, group or role was created. Not in
            # check mode, where a policy created earlier in the play does not exist yet.
            if not self._confirm_arns or (known and ref in known.values()) or self._iam.call(
                "get_policy", resource="managed policy %s" % ref, ignore=("NoSuchEntity",), PolicyArn=ref
            ):
                return ref
            raise HardeningError(
                "%s: managed policy %r does not exist; nothing was changed" % (field, ref), option=field
            )
        if known and ref in known:
            return known[ref]
        local = self._local_policies()
        if ref in local:
            return local[ref]
        arn = "arn:%s:iam::aws:policy/%s%s" % (self._partition, AWS_MANAGED_PATHS.get(ref, ""), ref)
        if self._iam.call("get_policy", resource="managed policy %s" % ref, ignore=("NoSuchEntity",), PolicyArn=arn):
            return arn
        raise HardeningError(
            "%s: managed policy %r exists neither in this account nor among AWS managed policies; "
            "give its ARN if it has a path" % (field, ref),
            option=field,
        )

    def resolve_all(self, refs, known=None, field="managed_policies"):
        """ARNs of every ref, in order, without duplicates."""
        out = []
        for ref in refs or ():
            arn = self.resolve(ref, known, field)
            if arn not in out:
                out.append(arn)
        return out


# One planned AWS call: boto3 method, its arguments, and the line check mode shows.
Step = namedtuple("Step", "method kwargs text")

# The policy options of iam_user, iam_group and iam_role (documented in doc_fragments/policies.py).
POLICY_ARGUMENT_SPEC = dict(
    managed_policies=dict(type="list", elements="str", aliases=["managed_policy"]),
    purge_managed_policies=dict(type="bool", default=False, aliases=["purge_policies"]),
    inline_policies=dict(type="dict"),
    purge_inline_policies=dict(type="bool", default=False),
)

_PRINCIPAL_KEY = {"user": "UserName", "group": "GroupName", "role": "RoleName"}


def read_attached(iam, kind, name):
    """Sorted ARNs of the managed policies attached to a user, group or role."""
    answer = iam.paginate(
        "list_attached_%s_policies" % kind, resource="%s %s" % (kind, name), **{_PRINCIPAL_KEY[kind]: name}
    )
    return sorted(p["PolicyArn"] for p in answer.get("AttachedPolicies", []))


def read_inline(iam, kind, name, documents=None):
    """{policy name: document} of a user's, group's or role's inline policies.

    Only the documents named in ``documents`` are read (None: all); the others are None,
    since a document is read only to be compared."""
    key = {_PRINCIPAL_KEY[kind]: name}
    resource = "%s %s" % (kind, name)
    names = iam.paginate("list_%s_policies" % kind, resource=resource, **key).get("PolicyNames", [])
    out = {}
    for policy_name in names:
        document = None
        if documents is None or policy_name in documents:
            found = iam.call(
                "get_%s_policy" % kind,
                resource="inline policy %s of %s" % (policy_name, resource),
                ignore=("NoSuchEntity",),
                PolicyName=policy_name,
                **key
            )
            if found is None:  # deleted between the two calls
                continue
            document = _policy.parse(found["PolicyDocument"])
        out[policy_name] = document
    return out


def plan_attached(current_arns, wanted_arns, purge):
    """(to attach, to detach) for managed policies; None wanted means not managed."""
    if wanted_arns is None:
        return [], []
    attach = [arn for arn in wanted_arns if arn not in current_arns]
    detach = [arn for arn in current_arns if purge and arn not in wanted_arns]
    return attach, detach


def plan_inline(current, wanted, purge):
    """(to put {name: document}, to delete [name]) for inline policies.

    ``current`` and ``wanted`` map policy names to documents; documents that differ
    only in formatting are equal (see _policy.equal)."""
    if wanted is None:
        return {}, []
    put = {name: doc for name, doc in wanted.items() if name not in current or not _policy.equal(current[name], doc)}
    delete = sorted(name for name in current if purge and name not in wanted)
    return put, delete


def plan_policy_steps(kind, name, base, managed_arns, inline_docs, params):
    """Steps and planned fields for the managed and inline policies of a group or role.

    ``base`` is the current (or about to be created) state; ``managed_arns`` and
    ``inline_docs`` are the resolved options (None: not managed). Returns (steps, fields)
    where ``fields`` holds the planned ``managed_policies`` / ``inline_policies``."""
    key = {_PRINCIPAL_KEY[kind]: name}
    steps, fields = [], {}
    if managed_arns is not None:
        current = base["managed_policies"]
        attach, detach = plan_attached(current, managed_arns, params.get("purge_managed_policies"))
        steps += [
            Step("attach_%s_policy" % kind, dict(key, PolicyArn=a), "attach managed policy %s" % a) for a in attach
        ]
        steps += [
            Step("detach_%s_policy" % kind, dict(key, PolicyArn=a), "detach managed policy %s" % a) for a in detach
        ]
        fields["managed_policies"] = sorted([a for a in current if a not in detach] + attach)
    if inline_docs is not None:
        current = base["inline_policies"]
        put, delete = plan_inline(current, inline_docs, params.get("purge_inline_policies"))
        steps += [
            Step(
                "put_%s_policy" % kind,
                dict(key, PolicyName=p, PolicyDocument=_policy.to_json(doc)),
                "%s inline policy %s" % ("update" if p in current else "add", p),
            )
            for p, doc in sorted(put.items())
        ]
        steps += [
            Step("delete_%s_policy" % kind, dict(key, PolicyName=p), "delete inline policy %s" % p) for p in delete
        ]
        docs = {p: doc for p, doc in current.items() if p not in delete}
        docs.update(put)
        fields["inline_policies"] = docs
    return steps, fields


def diff_side(state, public):
    """One side of a group's or role's diff: ``public(state)`` plus the inline documents
    that were compared; ``{"state": "absent"}`` when there is none."""
    if state is None:
        return {"state": "absent"}
    out = dict(public(state), state="present")
    if "inline_policies" in state:
        out["inline_policy_documents"] = {p: d for p, d in state["inline_policies"].items() if d is not None}
    return out


def tags_from_api(tag_list):
    """AWS's [{Key, Value}] as a dict."""
    return {t["Key"]: t["Value"] for t in tag_list or ()}


def tags_to_api(tags):
    """A dict as AWS's [{Key, Value}], sorted by key."""
    return [{"Key": k, "Value": str(v)} for k, v in sorted(tags.items())]


def plan_tags(current, wanted, purge):
    """(to set {key: value}, to remove [key]); None wanted means not managed."""
    if wanted is None:
        return {}, []
    wanted = {k: str(v) for k, v in wanted.items()}
    to_set = {k: v for k, v in wanted.items() if current.get(k) != v}
    remove = sorted(k for k in current if purge and k not in wanted)
    return to_set, remove


def parse_policy_document(document, field, what=None):
    """A policy option (JSON text or dict) as a dict, its statements checked, before any call."""
    what = what or field
    try:
        parsed = _policy.parse(document, what)
        # parse() only checks for a JSON object; normalise() also checks the statements.
        _policy.normalise(parsed, what)
    except _policy.PolicyError as exc:
        message = str(exc)
        if not message.startswith(what):
            message = "%s: %s" % (what, message)
        raise HardeningError(message, option=field) from None
    return parsed


def parse_inline_policies(policies, field="inline_policies"):
    """An inline policies option ({name: JSON text or dict}) as {name: dict}, every name and
    document checked before any call; None (not managed) stays None."""
    if policies is None:
        return None
    out = {}
    for name, document in policies.items():
        _iam_names.check_name("inline_policy", name, field)
        out[name] = parse_policy_document(document, field, "%s[%s]" % (field, name))
    return out


def require_existing(iam, kind, names, field):
    """Fail, naming them all, when any of ``names`` (users or groups) does not exist.

    Called before the first change, so a typo in a list leaves the account untouched."""
    method, key = {"user": ("get_user", "UserName"), "group": ("get_group", "GroupName")}[kind]
    missing = []
    for name in names:
        kwargs = {key: name, "MaxItems": 1} if kind == "group" else {key: name}
        found = iam.call(method, resource="%s %s" % (kind, name), ignore=("NoSuchEntity",), **kwargs)
        if found is None:
            missing.append(name)
    if missing:
        raise HardeningError(
            "%s: %s %s not exist in this account; nothing was changed"
            % (field, ", ".join(repr(n) for n in missing), "does" if len(missing) == 1 else "do"),
            option=field,
            missing=missing,
        )
