"""Planning helpers shared by the identity modules, and managed policy resolution."""

from __future__ import annotations

import json

import pytest

from ansible_collections.hardening.aws.plugins.module_utils import _iam_common
from ansible_collections.hardening.aws.plugins.module_utils._aws import HardeningError

A, B, C = ("arn:aws:iam::aws:policy/%s" % n for n in ("A", "B", "C"))


@pytest.mark.parametrize(
    "current, wanted, purge, attach, detach",
    [
        ([A], None, True, [], []),  # not managed: nothing, even with purge
        ([A], [A, B], False, [B], []),
        ([A, C], [A, B], False, [B], []),  # without purge, extras stay
        ([A, C], [A, B], True, [B], [C]),
        ([A], [], True, [], [A]),
        ([], [], True, [], []),
    ],
)
def test_plan_attached(current, wanted, purge, attach, detach):
    assert _iam_common.plan_attached(current, wanted, purge) == (attach, detach)


READ = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
READ_TEXT = json.dumps(
    {"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:getobject"], "Resource": ["*"]}]}
)
WRITE = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]}


@pytest.mark.parametrize(
    "current, wanted, purge, put, delete",
    [
        ({"r": READ}, None, True, {}, []),
        ({"r": READ}, {"r": READ_TEXT}, True, {}, []),  # formatting only: no change
        ({"r": READ}, {"r": WRITE}, False, {"r": WRITE}, []),
        ({"r": READ, "x": WRITE}, {"r": READ}, False, {}, []),
        ({"r": READ, "x": WRITE}, {"r": READ}, True, {}, ["x"]),
        ({}, {"n": READ}, True, {"n": READ}, []),
    ],
)
def test_plan_inline(current, wanted, purge, put, delete):
    assert _iam_common.plan_inline(current, wanted, purge) == (put, delete)


@pytest.mark.parametrize(
    "current, wanted, purge, to_set, remove",
    [
        ({"a": "1"}, None, True, {}, []),
        ({"a": "1"}, {"a": 1}, True, {}, []),  # values compare as strings, as AWS stores them
        ({"a": "1"}, {"a": "2"}, False, {"a": "2"}, []),
        ({"a": "1", "b": "2"}, {"a": "1"}, False, {}, []),
        ({"a": "1", "b": "2"}, {"a": "1"}, True, {}, ["b"]),
    ],
)
def test_plan_tags(current, wanted, purge, to_set, remove):
    assert _iam_common.plan_tags(current, wanted, purge) == (to_set, remove)


def test_tags_round_trip():
    api = _iam_common.tags_to_api({"b": 2, "a": "x"})
    assert api == [{"Key": "a", "Value": "x"}, {"Key": "b", "Value": "2"}]
    assert _iam_common.tags_from_api(api) == {"a": "x", "b": "2"}


def test_parse_inline_policies_checks_names_and_statements():
    assert _iam_common.parse_inline_policies(None) is None
    assert _iam_common.parse_inline_policies({"ok": READ_TEXT}) == {"ok": json.loads(READ_TEXT)}
    with pytest.raises(HardeningError, match="inline_policies 'bad name' is not a valid inline policy name"):
        _iam_common.parse_inline_policies({"bad name": READ})
    with pytest.raises(HardeningError, match=r"inline_policies\[p\].*not valid JSON"):
        _iam_common.parse_inline_policies({"p": "{not json"})
    with pytest.raises(HardeningError, match=r"inline_policies\[p\].*Statement"):
        _iam_common.parse_inline_policies({"p": {"Statement": ["not an object"]}})


def test_partition_and_names():
    assert _iam_common.partition_of("arn:aws-cn:iam::123456789012:role/x") == "aws-cn"
    assert _iam_common.partition_of(None) == "aws"
    assert _iam_common.policy_name_of("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess") == "ViewOnlyAccess"


def _create_local_policy(iam, name, path="/"):
    return iam.call("create_policy", PolicyName=name, Path=path, PolicyDocument=json.dumps(WRITE))["Policy"]["Arn"]


def test_resolver_uses_known_names_and_arns_without_calls(context, api_calls):
    iam = context().client("iam")
    resolver = _iam_common.PolicyResolver(iam)
    api_calls.clear()
    known = {"Known": "arn:aws:iam::123456789012:policy/p/Known"}
    assert resolver.resolve("arn:aws:iam::123456789012:policy/p/Known", known=known) == known["Known"]
    assert resolver.resolve("Known", known=known).endswith("Known")
    assert api_calls.actions == []


def test_resolver_confirms_an_arn_not_yet_attached_before_any_change(context, api_calls):
    iam = context().client("iam")
    deploy = _create_local_policy(iam, "deploy")
    resolver = _iam_common.PolicyResolver(iam)
    api_calls.clear()
    assert resolver.resolve(deploy) == deploy
    with pytest.raises(HardeningError, match="managed_policies: managed policy 'arn:aws:iam::aws:policy/X' does not"):
        resolver.resolve("arn:aws:iam::aws:policy/X")
    assert api_calls.actions == ["iam:GetPolicy", "iam:GetPolicy"]


def test_resolver_takes_arns_as_given_in_check_mode(context, api_calls):
    """A policy an earlier task of the play would create does not exist yet in check mode."""
    resolver = _iam_common.PolicyResolver(context().client("iam"), confirm_arns=False)
    api_calls.clear()
    assert resolver.resolve("arn:aws:iam::123456789012:policy/NotYet") == "arn:aws:iam::123456789012:policy/NotYet"
    assert api_calls.actions == []


def test_resolver_finds_customer_policies_with_one_list(context, api_calls):
    iam = context().client("iam")
    deploy = _create_local_policy(iam, "deploy", "/team/")
    other = _create_local_policy(iam, "other")
    resolver = _iam_common.PolicyResolver(iam)
    api_calls.clear()
    assert resolver.resolve_all(["deploy", "other", "deploy"]) == [deploy, other]
    assert api_calls.actions == ["iam:ListPolicies"]


def test_resolver_derives_aws_managed_arns_and_fails_naming_unknown(context, api_calls, monkeypatch):
    iam = context().client("iam")
    resolver = _iam_common.PolicyResolver(iam)
    # moto in process only knows AWS managed policies when told to load them; answer GetPolicy directly.
    seen = []

    def fake_call(method, resource=None, ignore=(), **kwargs):
        if method == "get_policy":
            seen.append(kwargs["PolicyArn"])
            return {"Policy": {}} if kwargs["PolicyArn"].endswith(("/ReadOnlyAccess", "/ViewOnlyAccess")) else None
        return {"Policies": []}

    monkeypatch.setattr(iam, "call", fake_call)
    monkeypatch.setattr(iam, "paginate", lambda method, resource=None, **kw: {"Policies": []})
    assert resolver.resolve("ReadOnlyAccess") == "arn:aws:iam::aws:policy/ReadOnlyAccess"
    assert resolver.resolve("ViewOnlyAccess") == "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"
    with pytest.raises(HardeningError, match="'NoSuchPolicy' exists neither in this account nor among AWS"):
        resolver.resolve("NoSuchPolicy", field="groups[0].managed_policies")
    assert seen == [
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
        "arn:aws:iam::aws:policy/NoSuchPolicy",
    ]


def test_require_existing_names_every_missing_one(context):
    iam = context().client("iam")
    iam.call("create_user", UserName="alice")
    _iam_common.require_existing(iam, "user", ["alice"], "members")
    with pytest.raises(HardeningError) as caught:
        _iam_common.require_existing(iam, "user", ["alice", "bob", "carol"], "members")
    assert caught.value.msg == "members: 'bob', 'carol' do not exist in this account; nothing was changed"
    assert caught.value.details["missing"] == ["bob", "carol"]
