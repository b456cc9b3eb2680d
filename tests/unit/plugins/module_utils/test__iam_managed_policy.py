"""Customer managed policies (plugins/module_utils/_iam_managed_policy.py)."""

from __future__ import annotations

import datetime
import json

import boto3
import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.hardening.aws.plugins.module_utils import _iam_managed_policy as mp
from ansible_collections.hardening.aws.plugins.module_utils._aws import HardeningError
from ansible_collections.hardening.aws.plugins.module_utils._module import execute

ACCOUNT = "123456789012"
NAME = "team-read"
ARN = "arn:aws:iam::%s:policy/%s" % (ACCOUNT, NAME)


def document(*actions, resource="*"):
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": resource}]}


READ = document("s3:GetObject")
WRITE = document("s3:PutObject")


def params(**options):
    options.setdefault("name", NAME)
    result = ArgumentSpecValidator(mp.MODULE_SPEC.argument_spec, **mp.MODULE_SPEC.validator_kwargs()).validate(options)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


def iam():
    """AWS read directly, not through the code under test."""
    return boto3.client("iam", region_name="us-east-1")


def stored(arn=ARN):
    """(policy, default document, versions) as AWS has them, or None."""
    client = iam()
    try:
        policy = client.get_policy(PolicyArn=arn)["Policy"]
    except client.exceptions.NoSuchEntityException:
        return None
    version = client.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])["PolicyVersion"]
    versions = client.list_policy_versions(PolicyArn=arn)["Versions"]
    return policy, version["Document"], versions


def converge(context, check_mode=False, diff=False, **options):
    return mp.run(context(), params(**options), check_mode=check_mode, diff=diff)


# --- validate -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options, field, fragment",
    [
        (dict(name="bad name"), "name", "'bad name' is not a valid IAM policy name: allowed characters"),
        (dict(name="x" * 129), "name", "1 to 128 characters long, not 129"),
        (dict(path="no-slashes"), "path", "'no-slashes' is not a valid IAM path"),
        (dict(path="/a"), "path", "it must start and end with /"),
        (dict(description="d" * 1001), "description", "description is 1001 characters long: AWS accepts 1000"),
        (dict(policy="{not json"), "policy", "policy is not valid JSON"),
        (dict(policy="[1, 2]"), "policy", "policy must be a JSON object, got list"),
        (dict(policy=42), "policy", "policy must be a JSON object or a JSON string, got int"),
        (dict(policy={"Version": "2012-10-17"}), "policy", "policy has no Statement"),
        (dict(policy={"Statement": "Allow"}), "policy", "Statement must be an object or a list of objects"),
        (dict(policy=document(*["s3:Get%04d" % i for i in range(600)])), "policy", "AWS accepts 6144 at most"),
        (dict(tags={"aws:owner": "x"}), "tags", "the aws: prefix is reserved"),
        (dict(tags={"k%d" % i: "v" for i in range(51)}), "tags", "at most 50 tags"),
    ],
)
def test_validate_rejects(options, field, fragment):
    with pytest.raises(HardeningError) as info:
        mp.validate(params(**options))
    assert fragment in info.value.msg
    assert info.value.details["option"] == field


@pytest.mark.parametrize(
    "options",
    [
        dict(),
        dict(path="/", policy=READ),
        dict(path="/team/a/", policy=json.dumps(READ), description="d" * 1000, tags={"owner": "x"}),
        dict(policy="  " + json.dumps(READ, indent=4) + "\n"),
        dict(state="absent"),
        # Whitespace does not count against AWS's 6,144 characters.
        dict(policy=json.dumps(document(*["s3:Get%03d" % i for i in range(400)]), indent=8)),
    ],
)
def test_validate_accepts(options):
    mp.validate(params(**options))


def test_bad_input_fails_before_any_aws_call(api_calls):
    def factory(_params):
        raise AssertionError("validation must come first")

    result = execute(mp.MODULE_SPEC, params(policy="{"), False, False, context_factory=factory)
    assert result["failed"] and result["option"] == "policy" and "not valid JSON" in result["msg"]
    assert api_calls.calls == []


# --- pure helpers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "partition, account, path, name, arn",
    [
        ("aws", ACCOUNT, None, "p", "arn:aws:iam::123456789012:policy/p"),
        ("aws", ACCOUNT, "/", "p", "arn:aws:iam::123456789012:policy/p"),
        ("aws-cn", "111111111111", "/a/b/", "p", "arn:aws-cn:iam::111111111111:policy/a/b/p"),
        ("aws-us-gov", "222222222222", "/x/", "p.q@r", "arn:aws-us-gov:iam::222222222222:policy/x/p.q@r"),
    ],
)
def test_derive_arn(partition, account, path, name, arn):
    assert mp.derive_arn(partition, account, path, name) == arn


class FakeContext:
    def __init__(self, role_arn=None, identity=None):
        self.assumed_role_arn = role_arn
        self.identity = identity
        self.sts_calls = 0

    def client(self, service):
        assert service == "sts"
        context = self

        class Sts:
            def call(self, method, resource=None, **_kwargs):
                assert method == "get_caller_identity"
                context.sts_calls += 1
                return context.identity

        return Sts()


@pytest.mark.parametrize(
    "role_arn, expected",
    [
        ("arn:aws:iam::210000000001:role/OrganizationAccountAccessRole", ("aws", "210000000001")),
        ("arn:aws-cn:iam::333333333333:role/path/Hardening", ("aws-cn", "333333333333")),
        ("arn:aws-us-gov:iam::444444444444:role/x", ("aws-us-gov", "444444444444")),
    ],
)
def test_account_comes_from_the_assumed_role_without_a_call(role_arn, expected):
    context = FakeContext(role_arn=role_arn)
    assert mp.account_of(context) == expected
    assert context.sts_calls == 0


@pytest.mark.parametrize("role_arn", [None, "", "not-an-arn", "arn:aws:iam::12345:role/short-account"])
def test_account_comes_from_sts_otherwise(role_arn):
    identity = {"Account": "555555555555", "Arn": "arn:aws-cn:iam::555555555555:user/me"}
    context = FakeContext(role_arn=role_arn, identity=identity)
    assert mp.account_of(context) == ("aws-cn", "555555555555")
    assert context.sts_calls == 1


def _version(number, default=False, days_ago=None):
    created = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc) - datetime.timedelta(days=days_ago or 0)
    return {"VersionId": "v%d" % number, "IsDefaultVersion": default, "CreateDate": created}


@pytest.mark.parametrize(
    "versions, expected",
    [
        pytest.param([_version(1, True)], [], id="one-version"),
        pytest.param([_version(i, i == 4, days_ago=10 - i) for i in range(1, 5)], [], id="four-versions-room-left"),
        pytest.param([_version(i, i == 5, days_ago=10 - i) for i in range(1, 6)], ["v1"], id="five-oldest-goes"),
        pytest.param(
            [_version(i, i == 1, days_ago=10 - i) for i in range(1, 6)], ["v2"], id="oldest-is-default-so-next"
        ),
        pytest.param(
            [
                _version(7, True, 1),
                _version(3, False, 5),
                _version(9, False, 9),
                _version(4, False, 2),
                _version(8, False, 3),
            ],
            ["v9"],
            id="by-date-not-by-number",
        ),
        pytest.param(
            [
                _version(12, False, 5),
                _version(10, False, 5),
                _version(11, True, 1),
                _version(13, False, 2),
                _version(14, False, 1),
            ],
            ["v10"],
            id="same-date-lower-number-first",
        ),
        pytest.param(
            [_version(i, i == 6, days_ago=10 - i) for i in range(1, 7)], ["v1", "v2"], id="over-the-limit-already"
        ),
    ],
)
def test_versions_to_delete(versions, expected):
    assert mp.versions_to_delete(versions) == expected


def test_non_default_versions():
    versions = [_version(1), _version(2, True), _version(3)]
    assert mp.non_default_versions(versions) == ["v1", "v3"]


CURRENT = {"document": READ, "tags": {"team": "a", "owner": "x"}}


@pytest.mark.parametrize(
    "options, expected",
    [
        pytest.param({}, (None, {}, []), id="nothing-managed"),
        pytest.param({"policy": READ}, (None, {}, []), id="same-document"),
        pytest.param(
            {
                "policy": {
                    "Statement": {"Resource": "*", "Action": "S3:GETOBJECT", "Effect": "Allow"},
                    "Version": "2012-10-17",
                }
            },
            (None, {}, []),
            id="formatting-only",
        ),
        pytest.param({"policy": WRITE}, (WRITE, {}, []), id="new-document"),
        pytest.param({"tags": {"team": "a"}}, (None, {}, []), id="tags-subset-no-purge"),
        pytest.param({"tags": {"team": "a"}, "purge_tags": True}, (None, {}, ["owner"]), id="purge"),
        pytest.param({"tags": {"team": "b", "cost": 7}}, (None, {"team": "b", "cost": "7"}, []), id="set-tags"),
        pytest.param({"tags": {}, "purge_tags": True}, (None, {}, ["owner", "team"]), id="purge-all"),
    ],
)
def test_plan_present(options, expected):
    assert mp.plan_present(CURRENT, params(**options), mp.desired_document(params(**options))) == expected


def test_holders_of_orders_users_groups_roles():
    entities = {
        "PolicyRoles": [{"RoleName": "r1"}],
        "PolicyGroups": [{"GroupName": "g1"}, {"GroupName": "g2"}],
        "PolicyUsers": [{"UserName": "u1"}],
    }
    assert mp.holders_of(entities) == [
        ("user", "u1", "detach_user_policy", "UserName"),
        ("group", "g1", "detach_group_policy", "GroupName"),
        ("group", "g2", "detach_group_policy", "GroupName"),
        ("role", "r1", "detach_role_policy", "RoleName"),
    ]
    assert mp.holders_of({}) == []


# --- run against moto ---------------------------------------------------------------------------


def test_four_runs_create(context):
    options = dict(policy=READ, description="Read", tags={"team": "a"}, path="/team/")
    arn = "arn:aws:iam::%s:policy/team/%s" % (ACCOUNT, NAME)

    check = converge(context, check_mode=True, **options)
    assert check["changed"] is True and check["actions"] == ["create policy %s" % arn]
    assert check["policy"]["arn"] == arn and check["policy"]["document"] == READ
    assert stored(arn) is None

    apply = converge(context, **options)
    assert apply["changed"] is True
    policy, doc, versions = stored(arn)
    assert doc == READ and policy["Description"] == "Read" and len(versions) == 1
    assert apply["policy"] == {
        "name": NAME,
        "arn": arn,
        "path": "/team/",
        "policy_id": policy["PolicyId"],
        "description": "Read",
        "default_version_id": "v1",
        "document": READ,
        "attachment_count": 0,
        "tags": {"team": "a"},
    }

    for check_mode in (True, False):
        again = converge(context, check_mode=check_mode, **options)
        assert again == dict(apply, changed=False, actions=[])
    assert len(stored(arn)[2]) == 1


def test_converged_run_is_two_iam_calls_and_one_sts(context, api_calls):
    converge(context, policy=READ, tags={"team": "a"})
    api_calls.clear()
    assert converge(context, policy=READ, tags={"team": "a"})["changed"] is False
    assert api_calls.actions == ["sts:GetCallerIdentity", "iam:GetPolicy", "iam:GetPolicyVersion"]


def test_converged_run_with_a_role_needs_no_sts_identity_call(context, api_calls):
    role = "arn:aws:iam::111111111111:role/OrganizationAccountAccessRole"
    mp.run(context(dict(assume_role_arn=role)), params(policy=READ), check_mode=False, diff=False)
    api_calls.clear()
    result = mp.run(context(dict(assume_role_arn=role)), params(policy=READ), check_mode=False, diff=False)
    assert result["changed"] is False
    assert result["policy"]["arn"] == "arn:aws:iam::111111111111:policy/%s" % NAME
    assert api_calls.actions == ["sts:AssumeRole", "iam:GetPolicy", "iam:GetPolicyVersion"]


def test_formatting_only_change_is_no_change(context, api_calls):
    converge(context, policy=READ)
    reformatted = '{"Version":"2012-10-17","Statement":{"Resource":["*"],"Effect":"Allow","Action":"s3:getobject"}}'
    api_calls.clear()
    result = converge(context, policy=reformatted)
    assert result["changed"] is False
    assert "iam:CreatePolicyVersion" not in api_calls.actions
    assert len(stored()[2]) == 1


def test_changed_document_becomes_new_default_version_four_runs(context):
    converge(context, policy=READ)

    check = converge(context, check_mode=True, diff=True, policy=WRITE)
    assert check["changed"] is True and check["actions"] == ["create a new default version"]
    assert check["policy"]["document"] == WRITE and check["policy"]["default_version_id"] is None
    assert check["diff"]["before"]["document"] == READ and check["diff"]["after"]["document"] == WRITE
    assert stored()[1] == READ

    apply = converge(context, policy=WRITE)
    policy, doc, versions = stored()
    assert apply["changed"] is True and doc == WRITE and policy["DefaultVersionId"] == "v2"
    assert apply["policy"]["default_version_id"] == "v2" and apply["policy"]["document"] == WRITE
    assert sorted(v["VersionId"] for v in versions) == ["v1", "v2"]

    assert converge(context, check_mode=True, policy=WRITE)["changed"] is False
    assert converge(context, policy=WRITE)["changed"] is False
    assert len(stored()[2]) == 2


def test_six_changes_never_exceed_five_versions(context, api_calls):
    converge(context, policy=document("s3:Action0"))
    for number in range(1, 7):
        api_calls.clear()
        result = converge(context, policy=document("s3:Action%d" % number))
        policy, doc, versions = stored()
        assert doc == document("s3:Action%d" % number)
        assert len(versions) <= mp.MAX_VERSIONS
        deleted = [p["VersionId"] for p in api_calls.params_of("iam:DeletePolicyVersion")]
        if number < 5:
            assert deleted == [] and len(versions) == number + 1
        else:
            # v1 goes when v6 comes, then v2 for v7: always the oldest, never the default.
            assert deleted == ["v%d" % (number - 4)]
            assert result["actions"] == [
                "delete version v%d (AWS keeps 5 at most)" % (number - 4),
                "create a new default version",
            ]
            assert api_calls.actions.index("iam:DeletePolicyVersion") < api_calls.actions.index(
                "iam:CreatePolicyVersion"
            )
    assert sorted(v["VersionId"] for v in stored()[2]) == ["v3", "v4", "v5", "v6", "v7"]


def test_full_with_a_non_default_old_version_made_elsewhere(context):
    """The oldest non-default is deleted even when the default is older than it."""
    converge(context, policy=READ)
    client = iam()
    for number in range(2, 6):
        client.create_policy_version(PolicyArn=ARN, PolicyDocument=json.dumps(document("s3:A%d" % number)))
    assert stored()[0]["DefaultVersionId"] == "v1"
    result = converge(context, policy=WRITE)
    assert result["actions"][0] == "delete version v2 (AWS keeps 5 at most)"
    versions = sorted(v["VersionId"] for v in stored()[2])
    assert versions == ["v1", "v3", "v4", "v5", "v6"]


def test_tags_only(context, api_calls):
    converge(context, policy=READ, tags={"team": "a", "owner": "x"})
    api_calls.clear()
    result = converge(context, tags={"team": "b"}, purge_tags=True)
    assert result["changed"] is True
    assert result["actions"] == ["tag team", "untag owner"]
    assert result["policy"]["tags"] == {"team": "b"}
    assert api_calls.params_of("iam:TagPolicy") == [{"PolicyArn": ARN, "Tags": [{"Key": "team", "Value": "b"}]}]
    assert api_calls.params_of("iam:UntagPolicy") == [{"PolicyArn": ARN, "TagKeys": ["owner"]}]
    assert "iam:CreatePolicyVersion" not in api_calls.actions
    assert converge(context, tags={"team": "b"}, purge_tags=True)["changed"] is False


def test_tags_left_unset_are_not_managed(context):
    converge(context, policy=READ, tags={"team": "a"})
    assert converge(context, policy=READ)["changed"] is False
    assert converge(context, policy=READ, tags={}, purge_tags=False)["changed"] is False
    assert converge(context, policy=READ)["policy"]["tags"] == {"team": "a"}


def test_description_of_an_existing_policy_is_not_changed(context, api_calls):
    converge(context, policy=READ, description="first")
    api_calls.clear()
    result = converge(context, policy=READ, description="second")
    assert result["changed"] is False and result["policy"]["description"] == "first"
    assert api_calls.actions == ["sts:GetCallerIdentity", "iam:GetPolicy", "iam:GetPolicyVersion"]


def test_creating_needs_a_document(context, api_calls):
    result = execute(mp.MODULE_SPEC, params(tags={"a": "b"}), False, False, context_factory=context)
    assert result["failed"] and result["option"] == "policy"
    assert "policy is required to create managed policy 'team-read'" in result["msg"]
    assert not [a for a in api_calls.actions if not a.startswith(("iam:Get", "iam:List", "sts:"))]


def test_policy_under_another_path_is_found_when_path_is_unset(context, api_calls):
    iam().create_policy(PolicyName=NAME, Path="/elsewhere/", PolicyDocument=json.dumps(READ))
    api_calls.clear()
    result = converge(context, policy=READ)
    assert result["changed"] is False
    assert result["policy"]["arn"] == "arn:aws:iam::%s:policy/elsewhere/%s" % (ACCOUNT, NAME)
    assert api_calls.actions.count("iam:ListPolicies") == 1
    assert api_calls.params_of("iam:ListPolicies") == [{"Scope": "Local"}]


def test_policy_under_another_path_fails_when_path_is_set(context, api_calls):
    iam().create_policy(PolicyName=NAME, Path="/elsewhere/", PolicyDocument=json.dumps(READ))
    api_calls.clear()
    result = execute(mp.MODULE_SPEC, params(policy=WRITE, path="/team/"), False, False, context_factory=context)
    assert result["failed"] and result["option"] == "path"
    assert "exists under path '/elsewhere/', not '/team/'" in result["msg"]
    assert "iam:CreatePolicy" not in api_calls.actions and "iam:CreatePolicyVersion" not in api_calls.actions


def test_name_differing_only_in_case_fails_clearly(context):
    iam().create_policy(PolicyName="Team-Read", PolicyDocument=json.dumps(READ))
    result = execute(mp.MODULE_SPEC, params(policy=READ), False, False, context_factory=context)
    assert result["failed"] and result["option"] == "name"
    assert "already has a managed policy 'Team-Read'" in result["msg"] and "case-insensitive" in result["msg"]


def test_aws_managed_policies_are_never_listed(context, api_calls):
    converge(context, policy=READ, path="/x/")
    converge(context, policy=WRITE, path="/x/")
    converge(context, state="absent", path="/x/")
    for call in api_calls.params_of("iam:ListPolicies"):
        assert call.get("Scope") == "Local"


def _attach_everywhere(arn=ARN):
    client = iam()
    client.create_user(UserName="alice")
    client.create_group(GroupName="devs")
    client.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(document("sts:AssumeRole")))
    client.attach_user_policy(UserName="alice", PolicyArn=arn)
    client.attach_group_policy(GroupName="devs", PolicyArn=arn)
    client.attach_role_policy(RoleName="app", PolicyArn=arn)


def test_four_runs_absent_detaches_then_deletes_versions_then_policy(context, api_calls):
    converge(context, policy=READ)
    converge(context, policy=WRITE)
    converge(context, policy=document("s3:ListBucket"))
    _attach_everywhere()
    expected = [
        "detach from user alice",
        "detach from group devs",
        "detach from role app",
        "delete version v1",
        "delete version v2",
        "delete policy %s" % ARN,
    ]

    api_calls.clear()
    check = converge(context, check_mode=True, diff=True, state="absent")
    assert check["changed"] is True and check["policy"] is None and check["actions"] == expected
    assert check["diff"]["after"] == {"state": "absent"} and check["diff"]["before"]["state"] == "present"
    assert stored() is not None and stored()[0]["AttachmentCount"] == 3
    assert not [a for a in api_calls.actions if not a.startswith(("iam:Get", "iam:List", "sts:"))]

    api_calls.clear()
    apply = converge(context, state="absent")
    assert apply["changed"] is True and apply["actions"] == expected
    assert stored() is None
    writes = [a for a in api_calls.actions if not a.startswith(("iam:Get", "iam:List", "sts:"))]
    assert writes == [
        "iam:DetachUserPolicy",
        "iam:DetachGroupPolicy",
        "iam:DetachRolePolicy",
        "iam:DeletePolicyVersion",
        "iam:DeletePolicyVersion",
        "iam:DeletePolicy",
    ]
    assert api_calls.params_of("iam:ListEntitiesForPolicy") == [
        {"PolicyArn": ARN, "PolicyUsageFilter": "PermissionsPolicy"}
    ]
    assert iam().list_attached_user_policies(UserName="alice")["AttachedPolicies"] == []

    for check_mode in (True, False):
        again = converge(context, check_mode=check_mode, state="absent")
        assert again == {"changed": False, "policy": None, "actions": []}


def test_absent_when_nothing_there_costs_three_calls(context, api_calls):
    converge(context, state="absent")
    assert api_calls.actions == ["sts:GetCallerIdentity", "iam:GetPolicy", "iam:ListPolicies"]


def test_permissions_boundary_is_never_removed(context, monkeypatch, api_calls):
    converge(context, policy=READ)
    real_read = mp._read_arn

    def read_with_boundary(client, arn):
        found = real_read(client, arn)
        if found:
            found["permissions_boundary_usage_count"] = 2
        return found

    monkeypatch.setattr(mp, "_read_arn", read_with_boundary)
    api_calls.clear()
    for check_mode in (True, False):
        result = execute(mp.MODULE_SPEC, params(state="absent"), check_mode, False, context_factory=context)
        assert result["failed"] and "permissions boundary of 2" in result["msg"] and result["arn"] == ARN
    assert stored() is not None
    assert not [a for a in api_calls.actions if not a.startswith(("iam:Get", "iam:List", "sts:"))]


@pytest.mark.parametrize("check_mode", [True, False])
def test_diff_only_when_asked_and_never_noisy(context, check_mode):
    converge(context, policy=READ, tags={"t": "1"})
    reformatted = {
        "Statement": {"Action": "s3:getobject", "Effect": "Allow", "Resource": ["*"]},
        "Version": "2012-10-17",
    }
    result = converge(context, check_mode=check_mode, diff=True, policy=reformatted, tags={"t": "1"})
    assert result["changed"] is False
    assert result["diff"]["before"] == result["diff"]["after"]
    assert result["diff"]["before"] == {
        "state": "present",
        "name": NAME,
        "path": "/",
        "description": None,
        "document": READ,
        "tags": {"t": "1"},
    }
    assert "diff" not in converge(context, check_mode=check_mode, policy=WRITE)


def test_diff_when_creating(context):
    result = converge(context, check_mode=True, diff=True, policy=READ)
    assert result["diff"]["before"] == {"state": "absent"}
    assert result["diff"]["after"]["document"] == READ and result["diff"]["after"]["state"] == "present"


def test_document_is_sent_as_compact_json(context, api_calls):
    converge(context, policy=json.dumps(READ, indent=4))
    sent = api_calls.params_of("iam:CreatePolicy")[0]
    assert sent["PolicyDocument"] == json.dumps(READ, sort_keys=True, separators=(",", ":"))
    assert sent["Path"] == "/" and "Tags" not in sent and "Description" not in sent
