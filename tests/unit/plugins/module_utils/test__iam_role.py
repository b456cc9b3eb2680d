"""An IAM role, its policies and instance profile (plugins/module_utils/_iam_role.py)."""

from __future__ import annotations

import functools
import json

import boto3
import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from moto.iam.models import AWSManagedPolicy, iam_backends

from ansible_collections.hardening.aws.plugins.module_utils import _iam_role as rl
from ansible_collections.hardening.aws.plugins.module_utils._aws import AwsError, HardeningError
from ansible_collections.hardening.aws.plugins.module_utils._module import execute
from awslab import patches

ACCOUNT = "123456789012"
SSM_CORE = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
POWER_USER = "arn:aws:iam::aws:policy/PowerUserAccess"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
EXTRA = "arn:aws:iam::%s:policy/role-extra" % ACCOUNT
ROLE_ARN = "arn:aws:iam::%s:role/web" % ACCOUNT
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
# TRUST again: JSON text, lists instead of strings, keys in another order.
TRUST_REFORMATTED = json.dumps(
    {
        "Statement": [
            {"Action": ["sts:AssumeRole"], "Principal": {"Service": ["ec2.amazonaws.com"]}, "Effect": "Allow"}
        ],
        "Version": "2012-10-17",
    }
)
LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
DOC = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"},
        {"Sid": "Params", "Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "*"},
    ],
}
# DOC again: statements swapped, one-item list for a string, actions reordered, a dict not text.
DOC_REFORMATTED = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Params", "Effect": "Allow", "Action": ["ssm:GetParameter"], "Resource": ["*"]},
        {"Sid": "Read", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetObject"], "Resource": "*"},
    ],
}
DENY = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]}


def params(**options):
    """Module params as Ansible hands them over: every option, defaults applied."""
    spec = rl.MODULE_SPEC
    result = ArgumentSpecValidator(spec.argument_spec, **spec.validator_kwargs()).validate(options)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


def state(**values):
    """A role in read()'s form."""
    base = {
        "name": "web",
        "arn": ROLE_ARN,
        "path": "/",
        "description": None,
        "assume_role_policy": TRUST,
        "max_session_duration": 3600,
        "permissions_boundary": None,
        "tags": {},
    }
    base.update(values)
    return base


# --- validate ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options, field, words",
    [
        (dict(name="web server"), "name", "not a valid IAM role name"),
        (dict(name="x" * 65), "name", "1 to 64 characters"),
        (dict(name="web", path="svc"), "path", "must start and end with /"),
        (dict(name="web", description="x" * 1001), "description", "at most 1000 characters"),
        (dict(name="web", description="emoji \u2603"), "description", "not a valid role description"),
        (dict(name="web", assume_role_policy="{nope"), "assume_role_policy", "is not valid JSON"),
        (dict(name="web", assume_role_policy="[]"), "assume_role_policy", "must be a JSON object"),
        (
            dict(name="web", assume_role_policy={"Statement": "x"}),
            "assume_role_policy",
            "Statement must be an object or a list",
        ),
        (dict(name="web", managed_policies=["not valid!"]), "managed_policies", "IAM policy name"),
        (dict(name="web", permissions_boundary="arn:aws:iam::1:policy/x"), "permissions_boundary", "policy ARN"),
        (dict(name="web", max_session_duration=3599), "max_session_duration", "3600 to 43200"),
        (dict(name="web", max_session_duration=43201), "max_session_duration", "3600 to 43200"),
        (dict(name="web", tags={"aws:x": "1"}), "tags", "reserved for AWS"),
        (dict(name="web", inline_policies={"p q": DOC}), "inline_policies", "inline policy name"),
        (dict(name="web", inline_policies={"p": {"Statement": [1]}}), "inline_policies", "inline_policies[p]: each"),
    ],
)
def test_validate_names_the_field_and_the_rule(options, field, words):
    with pytest.raises(HardeningError) as info:
        rl.validate(params(**options))
    assert info.value.details["option"] == field
    assert field in info.value.msg and words in info.value.msg


@pytest.mark.parametrize("duration", [3600, 43200, None])
def test_validate_accepts_good_input(duration):
    rl.validate(
        params(
            name="web-server_1",
            path="/svc/",
            description="Web servers\n(tab\tok)",
            assume_role_policy=TRUST_REFORMATTED,
            managed_policies=["AmazonSSMManagedInstanceCore", SSM_CORE],
            inline_policies={"p": DOC, "q": json.dumps(DOC)},
            max_session_duration=duration,
            permissions_boundary="PowerUserAccess",
            tags={"team": "web", "n": 1},
        )
    )
    rl.validate(params(name="web", permissions_boundary="", description=""))


def test_validate_ignores_other_options_when_absent():
    rl.validate(params(name="web", state="absent", max_session_duration=1, assume_role_policy="{"))


# --- planning ------------------------------------------------------------------------------


def _texts(steps):
    return [s.text for s in steps]


def test_plan_creates_everything_with_one_create_call():
    p = params(
        name="web",
        path="/svc/",
        description="web",
        assume_role_policy=TRUST,
        max_session_duration=7200,
        permissions_boundary="PowerUserAccess",
        tags={"team": "web", "n": 1},
        managed_policies=["AmazonSSMManagedInstanceCore"],
        inline_policies={"p": DOC},
        create_instance_profile=True,
    )
    steps, planned = rl.plan_present(None, p, TRUST, {"p": DOC}, [SSM_CORE], POWER_USER)
    assert _texts(steps) == [
        "create role web",
        "attach managed policy %s" % SSM_CORE,
        "add inline policy p",
        "create instance profile web",
        "add the role to instance profile web",
    ]
    assert steps[0].kwargs == {
        "RoleName": "web",
        "Path": "/svc/",
        "AssumeRolePolicyDocument": json.dumps(TRUST, sort_keys=True, separators=(",", ":")),
        "Description": "web",
        "MaxSessionDuration": 7200,
        "PermissionsBoundary": POWER_USER,
        "Tags": [{"Key": "n", "Value": "1"}, {"Key": "team", "Value": "web"}],
    }
    assert steps[3].kwargs == {"InstanceProfileName": "web", "Path": "/svc/"}
    assert planned == {
        "name": "web",
        "arn": None,
        "path": "/svc/",
        "description": "web",
        "assume_role_policy": TRUST,
        "max_session_duration": 7200,
        "permissions_boundary": POWER_USER,
        "tags": {"team": "web", "n": "1"},
        "managed_policies": [SSM_CORE],
        "inline_policies": {"p": DOC},
        "instance_profiles": [{"name": "web", "arn": None, "path": "/svc/", "roles": ["web"]}],
    }


def test_plan_minimal_new_role():
    steps, planned = rl.plan_present(None, params(name="web", assume_role_policy=TRUST), TRUST, None, None, None)
    assert [(s.method, s.kwargs) for s in steps] == [
        (
            "create_role",
            {
                "RoleName": "web",
                "Path": "/",
                "AssumeRolePolicyDocument": json.dumps(TRUST, sort_keys=True, separators=(",", ":")),
            },
        )
    ]
    assert planned == state(arn=None)


def test_plan_new_role_needs_a_trust_policy():
    with pytest.raises(HardeningError) as info:
        rl.plan_present(None, params(name="web", tags={"a": "b"}), None, None, None, None)
    assert info.value.msg.startswith("assume_role_policy is required to create role 'web'")


def test_plan_nothing_to_do_when_only_formatting_differs():
    current = state(
        description="web",
        max_session_duration=7200,
        permissions_boundary=POWER_USER,
        tags={"team": "web"},
        managed_policies=[SSM_CORE],
        inline_policies={"p": DOC},
        instance_profiles=[{"name": "web", "arn": "x", "path": "/", "roles": ["web"]}],
    )
    p = params(
        name="web",
        path="/",
        description="web",
        assume_role_policy=TRUST_REFORMATTED,
        max_session_duration=7200,
        permissions_boundary="PowerUserAccess",
        tags={"team": "web"},
        managed_policies=["AmazonSSMManagedInstanceCore"],
        inline_policies={"p": DOC_REFORMATTED},
        create_instance_profile=True,
    )
    trust = rl.parse_trust(p)
    steps, planned = rl.plan_present(current, p, trust, rl.parse_inline(p), [SSM_CORE], POWER_USER)
    assert steps == []
    assert planned == current


@pytest.mark.parametrize(
    "options, current_values, expected",
    [
        pytest.param(dict(), dict(description="d", tags={"a": "1"}), [], id="nothing-managed"),
        pytest.param(dict(assume_role_policy=LAMBDA_TRUST), {}, ["update the trust policy"], id="trust"),
        pytest.param(dict(description="new"), dict(description="old"), ["update the description"], id="description"),
        pytest.param(dict(description=""), dict(description="old"), ["update the description"], id="clear-desc"),
        pytest.param(dict(description=""), dict(description=None), [], id="no-description-either-way"),
        pytest.param(dict(max_session_duration=7200), {}, ["update the max session duration 7200 s"], id="max-session"),
        pytest.param(
            dict(description="x", max_session_duration=7200),
            {},
            ["update the description and max session duration 7200 s"],
            id="one-update-role-call-for-both",
        ),
        pytest.param(
            dict(permissions_boundary="PowerUserAccess"),
            {},
            ["set the permissions boundary to %s" % POWER_USER],
            id="set-boundary",
        ),
        pytest.param(
            dict(permissions_boundary=""),
            dict(permissions_boundary=POWER_USER),
            ["remove the permissions boundary"],
            id="remove-boundary",
        ),
        pytest.param(dict(permissions_boundary=""), {}, [], id="no-boundary-either-way"),
        pytest.param(
            dict(tags={"a": "2", "b": "1"}),
            dict(tags={"a": "1", "c": "3"}),
            ["set tags a, b"],
            id="tags-without-purge",
        ),
        pytest.param(
            dict(tags={"a": "1"}, purge_tags=True),
            dict(tags={"a": "1", "c": "3", "b": "2"}),
            ["remove tags b, c"],
            id="tags-purge",
        ),
        pytest.param(dict(purge_tags=True), dict(tags={"a": "1"}), [], id="purge-without-tags-is-not-managed"),
    ],
)
def test_plan_core_updates(options, current_values, expected):
    p = params(name="web", **options)
    resolved = {"PowerUserAccess": POWER_USER, "": ""}
    boundary = resolved.get(p["permissions_boundary"]) if p["permissions_boundary"] is not None else None
    steps, _planned = rl.plan_present(state(**current_values), p, rl.parse_trust(p), None, None, boundary)
    assert _texts(steps) == expected


def test_update_role_always_sends_both_fields():
    # AWS keeps a field UpdateRole leaves out, moto resets it: sending both is right for both.
    steps, planned = rl.plan_present(
        state(description="keep me", max_session_duration=7200),
        params(name="web", max_session_duration=3600),
        None,
        None,
        None,
        None,
    )
    assert [(s.method, s.kwargs) for s in steps] == [
        ("update_role", {"RoleName": "web", "Description": "keep me", "MaxSessionDuration": 3600})
    ]
    assert planned["description"] == "keep me" and planned["max_session_duration"] == 3600


def test_plan_refuses_a_path_change():
    with pytest.raises(HardeningError) as info:
        rl.plan_present(state(), params(name="web", path="/svc/"), None, None, None, None)
    assert info.value.details == {"option": "path"}
    assert "cannot move a role to another path" in info.value.msg


@pytest.mark.parametrize("purge", [False, True])
def test_plan_policies_with_and_without_purge(purge):
    current = state(managed_policies=[READ_ONLY], inline_policies={"old": None, "p": DENY})
    p = params(
        name="web",
        managed_policies=[SSM_CORE],
        purge_managed_policies=purge,
        inline_policies={"p": DOC},
        purge_inline_policies=purge,
    )
    steps, planned = rl.plan_present(current, p, None, {"p": DOC}, [SSM_CORE], None)
    expected = ["attach managed policy %s" % SSM_CORE]
    expected += ["detach managed policy %s" % READ_ONLY] if purge else []
    expected += ["update inline policy p"]
    expected += ["delete inline policy old"] if purge else []
    assert _texts(steps) == expected
    assert planned["managed_policies"] == ([SSM_CORE] if purge else sorted([READ_ONLY, SSM_CORE]))
    assert sorted(planned["inline_policies"]) == (["p"] if purge else ["old", "p"])


def _profile(name, *roles):
    return {
        "name": name,
        "arn": "arn:aws:iam::%s:instance-profile/%s" % (ACCOUNT, name),
        "path": "/",
        "roles": list(roles),
    }


@pytest.mark.parametrize(
    "wanted, profiles, same_name, expected",
    [
        pytest.param(None, [], None, [], id="not-managed"),
        pytest.param(True, [_profile("web", "web")], None, [], id="already-there"),
        pytest.param(
            True,
            [],
            None,
            ["create instance profile web", "add the role to instance profile web"],
            id="create-and-add",
        ),
        pytest.param(
            True,
            [_profile("other", "web")],
            None,
            ["create instance profile web", "add the role to instance profile web"],
            id="other-profiles-do-not-count",
        ),
        pytest.param(True, [], _profile("web"), ["add the role to instance profile web"], id="empty-profile-exists"),
        pytest.param(False, [], None, [], id="false-nothing-there"),
        pytest.param(
            False,
            [_profile("web", "web")],
            None,
            ["remove the role from instance profile web", "delete instance profile web"],
            id="false-removes-and-deletes",
        ),
        pytest.param(False, [_profile("other", "web")], None, [], id="false-leaves-other-profiles"),
    ],
)
def test_plan_instance_profile(wanted, profiles, same_name, expected):
    steps, planned = rl.plan_instance_profile("web", "/", wanted, profiles, same_name)
    assert _texts(steps) == expected
    names = [p["name"] for p in planned]
    if wanted:
        assert "web" in names
    elif wanted is False:
        assert "web" not in names


def test_plan_instance_profile_held_by_another_role_fails():
    with pytest.raises(HardeningError) as info:
        rl.plan_instance_profile("web", "/", True, [], _profile("web", "api"))
    assert "instance profile 'web' already holds role 'api'" in info.value.msg


def test_plan_absent_in_the_order_iam_accepts():
    current = state(
        managed_policies=[SSM_CORE],
        inline_policies={"p": None},
        instance_profiles=[_profile("shared", "web"), _profile("web", "web")],
    )
    assert _texts(rl.plan_absent(current)) == [
        "remove the role from instance profile shared",
        "remove the role from instance profile web",
        "delete instance profile web",
        "detach managed policy %s" % SSM_CORE,
        "delete inline policy p",
        "delete role web",
    ]
    assert rl.plan_absent(None) == []


def test_needs_same_name_profile():
    assert rl.needs_same_name_profile(None, params(name="web", create_instance_profile=True)) is True
    inside = state(instance_profiles=[_profile("web", "web")])
    assert rl.needs_same_name_profile(inside, params(name="web", create_instance_profile=True)) is False
    assert rl.needs_same_name_profile(state(instance_profiles=[]), params(name="web")) is False


# --- run against moto, with the lab's strict deletes -------------------------------------


@functools.lru_cache(maxsize=1)
def _aws_managed_data():
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return json.loads(aws_managed_policies_data)


def add_aws_managed_policies(*names):
    """A few AWS managed policies, as AWS has them (loading moto's 1,600 costs seconds per test)."""
    backend = iam_backends[ACCOUNT]["aws"]
    for name in names:
        policy = AWSManagedPolicy.from_data(name, ACCOUNT, "us-east-1", _aws_managed_data()[name])
        backend.managed_policies[policy.arn] = policy


@pytest.fixture
def strict(aws):
    """moto as strict as AWS about deleting a role in an instance profile or with policies."""
    was_installed = patches.installed()
    if not was_installed:
        patches.install()
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_policy(PolicyName="role-extra", PolicyDocument=json.dumps(DENY))
    add_aws_managed_policies("AmazonSSMManagedInstanceCore", "PowerUserAccess", "ReadOnlyAccess")
    yield iam
    if not was_installed:
        patches.uninstall()


def aws_role(iam, name="web"):
    """The role read straight from AWS, or None."""
    try:
        role = iam.get_role(RoleName=name)["Role"]
    except iam.exceptions.NoSuchEntityException:
        return None
    return {
        "path": role["Path"],
        "description": role.get("Description") or None,
        "trust": role["AssumeRolePolicyDocument"],
        "max": role["MaxSessionDuration"],
        "boundary": role.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn"),
        "tags": {t["Key"]: t["Value"] for t in role.get("Tags", [])},
        "managed": sorted(p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]),
        "inline": {
            p: iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"]
            for p in iam.list_role_policies(RoleName=name)["PolicyNames"]
        },
        "profiles": sorted(
            p["InstanceProfileName"] for p in iam.list_instance_profiles_for_role(RoleName=name)["InstanceProfiles"]
        ),
    }


def profile_names(iam):
    return sorted(p["InstanceProfileName"] for p in iam.list_instance_profiles()["InstanceProfiles"])


def converge(context, check_mode, diff=False, **options):
    return rl.run(context(), params(**options), check_mode=check_mode, diff=diff)


FULL = dict(
    name="web",
    description="web servers",
    assume_role_policy=TRUST,
    managed_policies=["AmazonSSMManagedInstanceCore", "role-extra"],
    inline_policies={"app": DOC},
    max_session_duration=7200,
    permissions_boundary="PowerUserAccess",
    tags={"team": "web", "env": "prod"},
    create_instance_profile=True,
)
FULL_STATE = {
    "path": "/",
    "description": "web servers",
    "trust": TRUST,
    "max": 7200,
    "boundary": POWER_USER,
    "tags": {"team": "web", "env": "prod"},
    "managed": sorted([SSM_CORE, EXTRA]),
    "inline": {"app": DOC},
    "profiles": ["web"],
}


def test_four_runs_create_the_role(strict, context):
    check = converge(context, True, **FULL)
    assert check["changed"] is True
    assert check["actions"] == [
        "create role web",
        "attach managed policy %s" % SSM_CORE,
        "attach managed policy %s" % EXTRA,
        "add inline policy app",
        "create instance profile web",
        "add the role to instance profile web",
    ]
    expected = {
        "name": "web",
        "arn": None,
        "path": "/",
        "description": "web servers",
        "assume_role_policy": TRUST,
        "max_session_duration": 7200,
        "permissions_boundary": POWER_USER,
        "tags": {"team": "web", "env": "prod"},
        "managed_policies": sorted([SSM_CORE, EXTRA]),
        "inline_policies": ["app"],
        "instance_profiles": ["web"],
    }
    assert check["role"] == expected
    assert aws_role(strict) is None and profile_names(strict) == []

    apply = converge(context, False, **FULL)
    assert apply["changed"] is True and apply["actions"] == check["actions"]
    assert apply["role"] == dict(expected, arn=ROLE_ARN)
    assert aws_role(strict) == FULL_STATE
    profile = strict.get_instance_profile(InstanceProfileName="web")["InstanceProfile"]
    assert [r["RoleName"] for r in profile["Roles"]] == ["web"]

    for check_mode in (True, False):
        assert converge(context, check_mode, **FULL) == {"changed": False, "role": apply["role"], "actions": []}
    assert aws_role(strict) == FULL_STATE


def test_formatting_only_changes_are_no_change(strict, context):
    converge(context, False, **FULL)
    reformatted = dict(FULL)
    reformatted.update(assume_role_policy=TRUST_REFORMATTED, inline_policies={"app": json.dumps(DOC_REFORMATTED)})
    for check_mode in (True, False):
        result = converge(context, check_mode, **reformatted)
        assert result["changed"] is False, result["actions"]


def test_update_everything_four_runs(strict, context):
    converge(context, False, **FULL)
    update = dict(
        name="web",
        description="",
        assume_role_policy=LAMBDA_TRUST,
        managed_policies=["ReadOnlyAccess"],
        purge_managed_policies=True,
        inline_policies={"deny": DENY},
        purge_inline_policies=True,
        max_session_duration=43200,
        permissions_boundary="",
        tags={"team": "lambda"},
        purge_tags=True,
        create_instance_profile=False,
    )
    check = converge(context, True, **update)
    assert check["actions"] == [
        "update the trust policy",
        "update the description and max session duration 43200 s",
        "remove the permissions boundary",
        "set tags team",
        "remove tags env",
        "attach managed policy %s" % READ_ONLY,
        "detach managed policy %s" % EXTRA,
        "detach managed policy %s" % SSM_CORE,
        "add inline policy deny",
        "delete inline policy app",
        "remove the role from instance profile web",
        "delete instance profile web",
    ]
    assert aws_role(strict) == FULL_STATE

    apply = converge(context, False, **update)
    assert apply["changed"] is True and apply["role"] == dict(check["role"], arn=ROLE_ARN)
    assert aws_role(strict) == {
        "path": "/",
        "description": None,
        "trust": LAMBDA_TRUST,
        "max": 43200,
        "boundary": None,
        "tags": {"team": "lambda"},
        "managed": [READ_ONLY],
        "inline": {"deny": DENY},
        "profiles": [],
    }
    assert profile_names(strict) == []
    assert converge(context, True, **update)["changed"] is False
    assert converge(context, False, **update)["changed"] is False


def test_unmanaged_options_are_kept(strict, context):
    converge(context, False, **FULL)
    result = converge(context, False, name="web", max_session_duration=3600)
    assert result["actions"] == ["update the max session duration 3600 s"]
    assert aws_role(strict) == dict(FULL_STATE, max=3600)


def test_boundary_by_arn_and_tags_without_purge(strict, context):
    converge(context, False, name="web", assume_role_policy=TRUST, tags={"a": "1"})
    result = converge(context, False, name="web", permissions_boundary=READ_ONLY, tags={"b": "2"})
    assert result["actions"] == ["set the permissions boundary to %s" % READ_ONLY, "set tags b"]
    role = aws_role(strict)
    assert role["boundary"] == READ_ONLY and role["tags"] == {"a": "1", "b": "2"}


def test_four_runs_delete_the_role_with_its_dependencies(strict, context):
    converge(context, False, **FULL)
    # A second instance profile holding the role: the role leaves it, the profile stays.
    strict.create_instance_profile(InstanceProfileName="shared")
    strict.add_role_to_instance_profile(InstanceProfileName="shared", RoleName="web")

    check = converge(context, True, name="web", state="absent")
    assert check["changed"] is True and check["role"] is None
    assert check["actions"] == [
        "remove the role from instance profile shared",
        "remove the role from instance profile web",
        "delete instance profile web",
        "detach managed policy %s" % EXTRA,
        "detach managed policy %s" % SSM_CORE,
        "delete inline policy app",
        "delete role web",
    ]
    assert aws_role(strict)["profiles"] == ["shared", "web"]

    apply = converge(context, False, name="web", state="absent")
    assert apply == {"changed": True, "role": None, "actions": check["actions"]}
    assert aws_role(strict) is None
    assert profile_names(strict) == ["shared"]
    strict.get_policy(PolicyArn=EXTRA)  # the customer managed policy is left alone

    for check_mode in (True, False):
        assert converge(context, check_mode, name="web", state="absent") == {
            "changed": False,
            "role": None,
            "actions": [],
        }


def test_the_lab_refuses_a_role_delete_out_of_order(strict, context):
    converge(context, False, **FULL)
    with pytest.raises(strict.exceptions.DeleteConflictException):
        strict.delete_role(RoleName="web")


def test_creating_without_a_trust_policy_fails_before_any_change(strict, context, api_calls):
    with pytest.raises(HardeningError) as info:
        converge(context, True, name="web", tags={"a": "b"})
    assert "assume_role_policy is required to create role 'web'" in info.value.msg
    assert api_calls.actions == ["iam:GetRole"]


def test_a_path_change_fails_before_any_change(strict, context):
    converge(context, False, name="web", assume_role_policy=TRUST, path="/svc/")
    with pytest.raises(HardeningError):
        converge(context, False, name="web", path="/other/", max_session_duration=7200)
    assert aws_role(strict)["max"] == 3600


def test_an_unknown_boundary_name_fails_naming_it(strict, context):
    with pytest.raises(HardeningError) as info:
        converge(context, False, name="web", assume_role_policy=TRUST, permissions_boundary="NoSuchBoundary")
    assert info.value.details == {"option": "permissions_boundary"}
    assert "'NoSuchBoundary'" in info.value.msg
    assert aws_role(strict) is None


def test_a_leftover_empty_instance_profile_is_reused(strict, context):
    strict.create_instance_profile(InstanceProfileName="web")
    result = converge(context, False, name="web", assume_role_policy=TRUST, create_instance_profile=True)
    assert result["actions"] == ["create role web", "add the role to instance profile web"]
    assert aws_role(strict)["profiles"] == ["web"]


def test_an_instance_profile_held_by_another_role_fails_before_any_change(strict, context):
    strict.create_role(RoleName="api", AssumeRolePolicyDocument=json.dumps(TRUST))
    strict.create_instance_profile(InstanceProfileName="web")
    strict.add_role_to_instance_profile(InstanceProfileName="web", RoleName="api")
    with pytest.raises(HardeningError) as info:
        converge(context, False, name="web", assume_role_policy=TRUST, create_instance_profile=True)
    assert "already holds role 'api'" in info.value.msg
    assert aws_role(strict) is None


# --- diff ----------------------------------------------------------------------------------


@pytest.mark.parametrize("check_mode", [True, False])
def test_diff_when_updating(strict, context, check_mode):
    converge(context, False, **FULL)
    result = converge(
        context, check_mode, diff=True, name="web", max_session_duration=3600, inline_policies={"app": DENY}
    )
    before, after = result["diff"]["before"], result["diff"]["after"]
    assert (before["max_session_duration"], after["max_session_duration"]) == (7200, 3600)
    assert before["inline_policy_documents"] == {"app": DOC}
    assert after["inline_policy_documents"] == {"app": DENY}
    assert before["state"] == after["state"] == "present"
    assert "managed_policies" not in before and "instance_profiles" not in before


def test_diff_when_creating_and_deleting(strict, context):
    created = converge(context, True, diff=True, **FULL)
    assert created["diff"]["before"] == {"state": "absent"}
    assert created["diff"]["after"]["instance_profiles"] == ["web"]
    converge(context, False, **FULL)
    deleted = converge(context, True, diff=True, name="web", state="absent")
    assert deleted["diff"]["after"] == {"state": "absent"}
    assert deleted["diff"]["before"]["instance_profiles"] == ["web"]
    assert deleted["diff"]["before"]["managed_policies"] == sorted([SSM_CORE, EXTRA])


def test_diff_when_unchanged(strict, context):
    converge(context, False, **FULL)
    reformatted = dict(FULL)
    reformatted.update(assume_role_policy=TRUST_REFORMATTED)
    result = converge(context, False, diff=True, **reformatted)
    assert result["changed"] is False
    assert result["diff"]["before"] == result["diff"]["after"]


@pytest.mark.parametrize("diff", [True, False])
def test_execute_returns_diff_only_when_asked(strict, context, diff):
    result = execute(rl.MODULE_SPEC, params(name="web", assume_role_policy=TRUST), True, diff, context_factory=context)
    assert result["changed"] is True
    assert ("diff" in result) is diff


# --- cost ----------------------------------------------------------------------------------


def test_bad_input_fails_before_any_aws_call(api_calls):
    def factory(_params):
        raise AssertionError("validation must come first")

    result = execute(rl.MODULE_SPEC, params(name="web", max_session_duration=60), False, False, context_factory=factory)
    assert result["failed"] is True and result["option"] == "max_session_duration"
    assert api_calls.calls == []


@pytest.mark.parametrize(
    "options, expected",
    [
        pytest.param(
            dict(
                name="web",
                assume_role_policy=TRUST,
                description="web servers",
                max_session_duration=7200,
                permissions_boundary="PowerUserAccess",
                tags={"team": "web"},
            ),
            ["iam:GetRole"],
            id="get-role-answers-for-the-core",
        ),
        pytest.param(
            dict(name="web", managed_policies=["AmazonSSMManagedInstanceCore", "role-extra"]),
            ["iam:GetRole", "iam:ListAttachedRolePolicies"],
            id="managed-by-name-resolves-from-what-is-attached",
        ),
        pytest.param(
            dict(name="web", create_instance_profile=True),
            ["iam:GetRole", "iam:ListInstanceProfilesForRole"],
            id="instance-profile",
        ),
        pytest.param(
            FULL,
            [
                "iam:GetRole",
                "iam:ListAttachedRolePolicies",
                "iam:ListRolePolicies",
                "iam:GetRolePolicy",
                "iam:ListInstanceProfilesForRole",
            ],
            id="everything",
        ),
    ],
)
def test_converged_run_reads_only_what_is_managed(strict, context, api_calls, options, expected):
    converge(context, False, **FULL)
    api_calls.clear()
    result = converge(context, False, **options)
    assert result["changed"] is False
    assert api_calls.actions == expected


def test_deleting_a_missing_role_costs_one_call(strict, context, api_calls):
    assert converge(context, False, name="web", state="absent")["changed"] is False
    assert api_calls.actions == ["iam:GetRole"]


class _LostAnswer:
    """An IAM client whose AddRoleToInstanceProfile was carried out on a first attempt whose
    answer was lost: the retry fails with LimitExceeded. ``holder`` is the role then in the profile."""

    def __init__(self, holder, retried=True, code="LimitExceeded"):
        self.holder, self.retried, self.code = holder, retried, code
        self.calls = []

    def call(self, method, resource=None, ignore=(), **kwargs):
        self.calls.append(method)
        if method == "get_instance_profile":
            role = {"RoleName": self.holder, "Arn": "arn:aws:iam::123456789012:role/%s" % self.holder}
            return {"InstanceProfile": {"InstanceProfileName": "web", "Arn": "arn", "Path": "/", "Roles": [role]}}
        error = AwsError("IAM AddRoleToInstanceProfile failed: %s" % self.code, code=self.code)
        error.retried = self.retried
        raise error


ADD = rl.Step("add_role_to_instance_profile", dict(InstanceProfileName="web", RoleName="web"), "add")


def test_a_retried_add_to_profile_that_was_done_is_success():
    iam = _LostAnswer("web")
    rl.apply_step(iam, "web", ADD)
    assert iam.calls == ["add_role_to_instance_profile", "get_instance_profile"]


@pytest.mark.parametrize(
    "holder, retried, code",
    [
        ("other", True, "LimitExceeded"),  # another role got there first: a real conflict
        ("web", False, "LimitExceeded"),  # sent once: the profile was already full when we asked
        ("web", True, "ServiceFailure"),  # some other failure
    ],
)
def test_add_to_profile_failures_that_were_not_our_earlier_attempt_still_fail(holder, retried, code):
    iam = _LostAnswer(holder, retried=retried, code=code)
    with pytest.raises(AwsError) as caught:
        rl.apply_step(iam, "web", ADD)
    assert caught.value.code == code
