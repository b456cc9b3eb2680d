"""An IAM user (plugins/module_utils/_iam_user.py).

Pure functions are table-driven; run() is driven against moto in process, made strict
about deletes with the lab's patches (awslab.patches, as the integration lab is), and
against botocore's Stubber for the calls moto does not implement (service-specific
credentials, user permissions boundaries).
"""

from __future__ import annotations

import datetime as dt
import json
import string

import boto3
import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber

from ansible_collections.hardening.aws.plugins.module_utils import _iam_user as iu
from ansible_collections.hardening.aws.plugins.module_utils._aws import AwsClient, HardeningError
from ansible_collections.hardening.aws.plugins.module_utils._module import execute
from awslab import patches

ACCOUNT = "123456789012"
GIVEN_PASSWORD = "Giv3n-Passw0rd!Unit"
READ_S3 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
LIST_S3 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": "*"}]}
DENY_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}


def params(**options):
    """Module params as Ansible hands them over: every option, defaults applied."""
    options.setdefault("name", "alice")
    spec = iu.MODULE_SPEC
    result = ArgumentSpecValidator(spec.argument_spec, **spec.validator_kwargs()).validate(options)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


def arn(name):
    return "arn:aws:iam::%s:policy/%s" % (ACCOUNT, name)


def iam_client():
    return boto3.client("iam", region_name="us-east-1")


@pytest.fixture
def strict(aws):
    """moto as strict as AWS about deletes (the lab's patches), for this test only."""
    was_installed = patches.installed()
    patches.install()
    yield
    if not was_installed:
        patches.uninstall()


def lab_implements(*operations):
    """Skip unless the lab's patches implement ``operations`` (boto3 method names) in moto."""
    from moto.iam.responses import IamResponse

    missing = [op for op in operations if not hasattr(IamResponse, op)]
    if missing:
        pytest.skip("the lab (awslab.patches) does not implement %s in moto yet" % ", ".join(missing))


@pytest.fixture
def account(strict):
    """An account with two groups and two customer managed policies to work with."""
    iam = iam_client()
    for group in ("developers", "auditors"):
        iam.create_group(GroupName=group)
    for name, document in (("read-s3", READ_S3), ("list-s3", LIST_S3)):
        iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document))
    return iam


def converge(context, check_mode, diff=False, **options):
    return iu.run(context(), params(**options), check_mode=check_mode, diff=diff)


def execute_task(context, check_mode, diff=False, **options):
    """The whole module path: validation, run, result shaping."""
    return execute(iu.MODULE_SPEC, params(**options), check_mode, diff, context_factory=context)


# --- validate ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(name="bob smith"), "name 'bob smith' is not a valid IAM user name: allowed characters are"),
        (dict(name="a" * 65), "name '%s' is not a valid IAM user name: it must be 1 to 64" % ("a" * 65)),
        (dict(path="people"), "path 'people' is not a valid IAM path: it must start and end with /"),
        (dict(path="/people"), "path '/people' is not a valid IAM path"),
        (dict(tags={"aws:owner": "x"}), "tags 'aws:owner' is not a valid tag key: the aws: prefix is reserved"),
        (dict(groups=["dev ops"]), "groups 'dev ops' is not a valid IAM group name"),
        (dict(managed_policies=["read s3"]), "managed_policies 'read s3' is not a valid IAM policy name"),
        (
            dict(managed_policies=["arn:aws:iam::12345:policy/x"]),
            "managed_policies 'arn:aws:iam::12345:policy/x' is not a valid managed policy ARN",
        ),
        (dict(permissions_boundary="no such/thing"), "permissions_boundary 'no such/thing' is not a valid IAM policy"),
        (dict(inline_policies={"bad name": READ_S3}), "inline_policies 'bad name' is not a valid inline policy name"),
        (dict(inline_policies={"p": "{not json"}), "inline_policies[p] is not valid JSON"),
        (dict(inline_policies={"p": {"Statement": "x"}}), "inline_policies[p]: Statement must be an object or a list"),
        (dict(password=GIVEN_PASSWORD), "password is only used with console_access=true"),
        (dict(console_access=False, password=GIVEN_PASSWORD), "password is only used with console_access=true"),
        (dict(password_reset_required=True), "password_reset_required is only used with console_access=true"),
        (dict(console_access=True, update_password="always"), "update_password=always needs password"),
        (dict(console_access=True, secret_name="x"), "secret_name is set but store=none"),
        (dict(console_access=True, kms_key_id="alias/x"), "kms_key_id is set but store=none"),
    ],
)
def test_validate_rejects_with_field_and_rule(options, message):
    with pytest.raises(HardeningError) as info:
        iu.validate(params(**options))
    assert info.value.msg.startswith(message), info.value.msg


@pytest.mark.parametrize("length", [0, 129])
def test_validate_password_length_never_echoes_the_password(length):
    password = "Zq" * 100
    with pytest.raises(HardeningError) as info:
        iu.validate(params(console_access=True, password=password[:length]))
    assert (
        info.value.msg == "password is not a valid IAM password: it must be 1 to 128 characters long, not %d" % length
    )
    if length:
        assert password[:length] not in json.dumps(info.value.details) + info.value.msg


@pytest.mark.parametrize(
    "options",
    [
        dict(),
        dict(name="a" * 64, path="/a/b/", tags={"team": "x"}, groups=["developers"], purge_groups=True),
        dict(managed_policies=["ReadOnlyAccess", "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"]),
        dict(permissions_boundary=""),
        dict(permissions_boundary="arn:aws:iam::123456789012:policy/boundary"),
        dict(inline_policies={"p": json.dumps(READ_S3), "q": READ_S3}),
        dict(console_access=True),
        dict(console_access=False),
        dict(console_access=True, password=GIVEN_PASSWORD, update_password="always", password_reset_required=True),
        dict(console_access=True, store="secretsmanager", secret_name="x", kms_key_id="alias/x"),
        dict(console_access=True, store="ssm"),
        # With state=absent only the name matters.
        dict(state="absent", path="bad", password="x", groups=["not valid"]),
    ],
)
def test_validate_accepts(options):
    iu.validate(params(**options))


def test_validate_absent_still_checks_the_name():
    with pytest.raises(HardeningError, match="not a valid IAM user name"):
        iu.validate(params(name="bad name", state="absent"))


@pytest.mark.parametrize(
    "store, expected",
    [
        ("secretsmanager", "hardening/console-passwords/alice"),
        ("ssm", "/hardening/console-passwords/alice"),
        ("none", None),
    ],
)
def test_default_secret_name(store, expected):
    assert iu.default_secret_name(store, "alice") == expected


# --- generate_password ------------------------------------------------------------------


@pytest.mark.parametrize("length", [4, 20, 32, 128])
def test_generated_password_has_every_class(length):
    for _attempt in range(50):
        password = iu.generate_password(length)
        assert len(password) == length
        assert any(c in string.ascii_uppercase for c in password)
        assert any(c in string.ascii_lowercase for c in password)
        assert any(c in string.digits for c in password)
        assert any(c in iu.SYMBOLS for c in password)
        assert set(password) <= set("".join(iu.PASSWORD_CLASSES))


def test_generated_passwords_differ():
    assert len({iu.generate_password() for _index in range(200)}) == 200
    assert len(iu.generate_password()) == iu.GENERATED_LENGTH >= 20


# --- plan_absent ------------------------------------------------------------------------

LEAVER = {
    "user_name": "dave",
    "path": "/",
    "tags": {"team": "payments"},
    "permissions_boundary": None,
    "groups": ["developers"],
    "managed_policies": [arn("dave-extra")],
    "inline_policies": {"dave-inline": None, "another": None},
    "console_access": True,
    "password_reset_required": False,
    "access_keys": [
        {"access_key_id": "AKIAIOSFODNN7EXAMPLE", "status": "Inactive"},
        {"access_key_id": "AKIAI44QH8DHBEXAMPLE", "status": "Active"},
    ],
    "signing_certificates": [{"certificate_id": "TA7SMP42TDN5Z26OBPJE7EXAMPLE", "status": "Active"}],
    "ssh_public_keys": [{"ssh_public_key_id": "APKAEIBAERJR2EXAMPLE", "status": "Active"}],
    "service_specific_credentials": [
        {"service_specific_credential_id": "ACCAEXAMPLE123EXAMPLE", "service_name": "codecommit.amazonaws.com"}
    ],
    "mfa_devices": ["GAHT12345678", "arn:aws:iam::123456789012:mfa/dave"],
}
LEAVER_PLAN = [
    {"action": "delete_login_profile"},
    {"action": "delete_access_key", "access_key_id": "AKIAIOSFODNN7EXAMPLE"},
    {"action": "delete_access_key", "access_key_id": "AKIAI44QH8DHBEXAMPLE"},
    {"action": "delete_signing_certificate", "certificate_id": "TA7SMP42TDN5Z26OBPJE7EXAMPLE"},
    {"action": "delete_ssh_public_key", "ssh_public_key_id": "APKAEIBAERJR2EXAMPLE"},
    {
        "action": "delete_service_specific_credential",
        "service_specific_credential_id": "ACCAEXAMPLE123EXAMPLE",
        "service_name": "codecommit.amazonaws.com",
    },
    # A hardware token is deactivated only; a virtual device is deactivated, then deleted.
    {"action": "deactivate_mfa_device", "serial_number": "GAHT12345678"},
    {"action": "deactivate_mfa_device", "serial_number": "arn:aws:iam::123456789012:mfa/dave"},
    {"action": "delete_virtual_mfa_device", "serial_number": "arn:aws:iam::123456789012:mfa/dave"},
    {"action": "delete_inline_policy", "policy_name": "another"},
    {"action": "delete_inline_policy", "policy_name": "dave-inline"},
    {"action": "detach_policy", "policy_arn": arn("dave-extra")},
    {"action": "remove_from_group", "group_name": "developers"},
    {"action": "delete_user"},
]
BARE = dict(
    LEAVER,
    groups=[],
    managed_policies=[],
    inline_policies={},
    console_access=False,
    password_reset_required=None,
    access_keys=[],
    signing_certificates=[],
    ssh_public_keys=[],
    service_specific_credentials=[],
    mfa_devices=[],
)


@pytest.mark.parametrize(
    "current, expected",
    [
        pytest.param(None, [], id="no-user"),
        pytest.param(BARE, [{"action": "delete_user"}], id="bare-user"),
        pytest.param(LEAVER, LEAVER_PLAN, id="every-kind-of-credential"),
        pytest.param(
            dict(BARE, mfa_devices=["arn:aws:iam::123456789012:u2f/user/dave/key-ABC"]),
            [
                {"action": "deactivate_mfa_device", "serial_number": "arn:aws:iam::123456789012:u2f/user/dave/key-ABC"},
                {"action": "delete_user"},
            ],
            id="fido-key-is-not-a-virtual-device",
        ),
        pytest.param(
            dict(BARE, mfa_devices=["arn:aws-us-gov:iam::123456789012:mfa/dave"]),
            [
                {"action": "deactivate_mfa_device", "serial_number": "arn:aws-us-gov:iam::123456789012:mfa/dave"},
                {"action": "delete_virtual_mfa_device", "serial_number": "arn:aws-us-gov:iam::123456789012:mfa/dave"},
                {"action": "delete_user"},
            ],
            id="virtual-device-in-another-partition",
        ),
    ],
)
def test_plan_absent(current, expected):
    assert iu.plan_absent(current) == expected


# --- plan_present -------------------------------------------------------------------------

EXISTING = {
    "user_name": "alice",
    "user_id": "AIDAIOSFODNN7EXAMPLE",
    "arn": "arn:aws:iam::123456789012:user/people/alice",
    "path": "/people/",
    "create_date": "2024-05-01T10:00:00+00:00",
    "tags": {"team": "payments", "owner": "alice"},
    "permissions_boundary": None,
    "groups": ["auditors", "developers"],
    "managed_policies": [arn("read-s3")],
    "inline_policies": {"p": READ_S3},
    "console_access": True,
    "password_reset_required": False,
}


def plan(current, managed=None, boundary=None, inline=None, **options):
    return iu.plan_present(current, params(**options), managed, boundary, inline)


@pytest.mark.parametrize(
    "options, managed, boundary, inline, expected",
    [
        pytest.param({}, None, None, None, [], id="nothing-managed"),
        pytest.param(
            dict(
                path="/people/",
                tags={"team": "payments"},
                groups=["developers"],
                managed_policies=["read-s3"],
                inline_policies={"p": READ_S3},
                console_access=True,
                password_reset_required=False,
            ),
            [arn("read-s3")],
            None,
            {"p": READ_S3},
            [],
            id="converged",
        ),
        pytest.param(
            dict(path="/staff/"),
            None,
            None,
            None,
            [{"action": "update_path", "path": "/staff/", "previous_path": "/people/"}],
            id="move",
        ),
        pytest.param(
            dict(tags={"team": "cards", "cost": 12}),
            None,
            None,
            None,
            [{"action": "tag_user", "tags": {"team": "cards", "cost": "12"}}],
            id="tags-added-and-changed-others-kept",
        ),
        pytest.param(
            dict(tags={"team": "payments"}, purge_tags=True),
            None,
            None,
            None,
            [{"action": "untag_user", "tag_keys": ["owner"]}],
            id="tags-purged",
        ),
        pytest.param(
            dict(groups=["admins", "developers"]),
            None,
            None,
            None,
            [{"action": "add_to_group", "group_name": "admins"}],
            id="groups-added-others-kept",
        ),
        pytest.param(
            dict(groups=[], purge_groups=True),
            None,
            None,
            None,
            [
                {"action": "remove_from_group", "group_name": "auditors"},
                {"action": "remove_from_group", "group_name": "developers"},
            ],
            id="groups-purged",
        ),
        pytest.param(
            dict(managed_policies=["list-s3"], purge_managed_policies=True),
            [arn("list-s3")],
            None,
            None,
            [
                {"action": "attach_policy", "policy_arn": arn("list-s3")},
                {"action": "detach_policy", "policy_arn": arn("read-s3")},
            ],
            id="managed-replaced",
        ),
        pytest.param(
            dict(managed_policies=["list-s3"]),
            [arn("list-s3")],
            None,
            None,
            [{"action": "attach_policy", "policy_arn": arn("list-s3")}],
            id="managed-added-others-kept",
        ),
        pytest.param(
            dict(inline_policies={"p": json.dumps(READ_S3, indent=4)}),
            None,
            None,
            {"p": json.loads(json.dumps(READ_S3))},
            [],
            id="inline-formatting-only",
        ),
        pytest.param(
            dict(inline_policies={"p": LIST_S3, "q": DENY_ALL}),
            None,
            None,
            {"p": LIST_S3, "q": DENY_ALL},
            [
                {"action": "put_inline_policy", "policy_name": "p", "replaces": True},
                {"action": "put_inline_policy", "policy_name": "q", "replaces": False},
            ],
            id="inline-changed-and-added",
        ),
        pytest.param(
            dict(inline_policies={}, purge_inline_policies=True),
            None,
            None,
            {},
            [{"action": "delete_inline_policy", "policy_name": "p"}],
            id="inline-purged",
        ),
        pytest.param(
            dict(permissions_boundary="boundary"),
            None,
            arn("boundary"),
            None,
            [{"action": "put_permissions_boundary", "policy_arn": arn("boundary")}],
            id="boundary-set",
        ),
        pytest.param(dict(permissions_boundary=""), None, "", None, [], id="boundary-removed-when-there-is-none"),
        pytest.param(dict(console_access=True), None, None, None, [], id="console-kept-password-not-touched"),
        pytest.param(
            dict(console_access=True, password=GIVEN_PASSWORD), None, None, None, [], id="console-on-create-only"
        ),
        pytest.param(
            dict(console_access=True, password=GIVEN_PASSWORD, update_password="always"),
            None,
            None,
            None,
            [{"action": "update_login_profile", "password_source": "given"}],
            id="console-update-password-always",
        ),
        pytest.param(
            dict(console_access=True, password_reset_required=True),
            None,
            None,
            None,
            [{"action": "update_login_profile", "password_reset_required": True}],
            id="console-reset-required",
        ),
        pytest.param(
            dict(console_access=False),
            None,
            None,
            None,
            [{"action": "delete_login_profile"}],
            id="console-removed",
        ),
    ],
)
def test_plan_present_existing_user(options, managed, boundary, inline, expected):
    steps, planned = plan(EXISTING, managed, boundary, inline, **options)
    assert steps == expected
    if not expected:
        assert planned == EXISTING


def test_plan_present_boundary_changed_and_removed():
    current = dict(EXISTING, permissions_boundary=arn("old"))
    steps, planned = plan(current, boundary=arn("new"), permissions_boundary="new")
    assert steps == [{"action": "put_permissions_boundary", "policy_arn": arn("new")}]
    assert planned["permissions_boundary"] == arn("new")
    steps, planned = plan(current, boundary="", permissions_boundary="")
    assert steps == [{"action": "delete_permissions_boundary", "policy_arn": arn("old")}]
    assert planned["permissions_boundary"] is None
    assert plan(current, boundary=arn("old"), permissions_boundary="old")[0] == []


def test_plan_present_new_user_with_everything():
    steps, planned = plan(
        None,
        [arn("read-s3")],
        arn("boundary"),
        {"p": READ_S3},
        path="/people/",
        tags={"team": "payments"},
        groups=["developers"],
        managed_policies=["read-s3"],
        permissions_boundary="boundary",
        inline_policies={"p": READ_S3},
        console_access=True,
        password_reset_required=True,
        store="secretsmanager",
    )
    assert steps == [
        {
            "action": "create_user",
            "path": "/people/",
            "tags": {"team": "payments"},
            "permissions_boundary": arn("boundary"),
        },
        {"action": "add_to_group", "group_name": "developers"},
        {"action": "attach_policy", "policy_arn": arn("read-s3")},
        {"action": "put_inline_policy", "policy_name": "p", "replaces": False},
        {
            "action": "create_login_profile",
            "password_source": "generated",
            "password_reset_required": True,
            "deliver_to": {"store": "secretsmanager", "secret_name": "hardening/console-passwords/alice"},
        },
    ]
    assert planned == {
        "user_name": "alice",
        "user_id": None,
        "arn": None,
        "path": "/people/",
        "create_date": None,
        "tags": {"team": "payments"},
        "permissions_boundary": arn("boundary"),
        "groups": ["developers"],
        "managed_policies": [arn("read-s3")],
        "inline_policies": {"p": READ_S3},
        "console_access": True,
        "password_reset_required": True,
    }


def test_plan_present_new_user_defaults():
    steps, planned = plan(None, console_access=False)
    assert steps == [{"action": "create_user", "path": "/"}]
    assert planned["console_access"] is False and "groups" not in planned


@pytest.mark.parametrize(
    "options, deliver_to",
    [
        (dict(), None),
        (dict(store="ssm"), {"store": "ssm", "secret_name": "/hardening/console-passwords/alice"}),
        (dict(store="secretsmanager", secret_name="x/y"), {"store": "secretsmanager", "secret_name": "x/y"}),
    ],
)
def test_plan_present_given_password_is_delivered_too(options, deliver_to):
    steps, _planned = plan(
        dict(EXISTING, console_access=False), console_access=True, password=GIVEN_PASSWORD, **options
    )
    expected = {"action": "create_login_profile", "password_source": "given", "password_reset_required": False}
    if deliver_to:
        expected["deliver_to"] = deliver_to
    assert steps == [expected]
    assert GIVEN_PASSWORD not in json.dumps(steps)


def test_plan_does_not_modify_current():
    current = json.loads(json.dumps(EXISTING))
    plan(current, [], "", {}, tags={}, purge_tags=True, groups=[], purge_groups=True, console_access=False)
    assert current == EXISTING


# --- run against moto --------------------------------------------------------------------

FULL = dict(
    path="/people/",
    tags={"team": "payments", "owner": "alice@example.com"},
    groups=["developers"],
    managed_policies=["read-s3", arn("list-s3")],
    inline_policies={"deny-all": DENY_ALL},
    console_access=True,
    password=GIVEN_PASSWORD,
)
FULL_USER = {
    "user_name": "alice",
    "path": "/people/",
    "tags": {"team": "payments", "owner": "alice@example.com"},
    "permissions_boundary": None,
    "groups": ["developers"],
    "managed_policies": sorted([arn("read-s3"), arn("list-s3")]),
    "inline_policies": ["deny-all"],
    "console_access": True,
    "password_reset_required": False,
}


def _stable(user):
    return {k: v for k, v in user.items() if k not in ("user_id", "arn", "create_date")}


def test_four_runs_create_a_user(account, context, api_calls):
    check = converge(context, True, **FULL)
    assert check["changed"] is True
    assert _stable(check["user"]) == FULL_USER
    assert [s["action"] for s in check["plan"]] == [
        "create_user",
        "add_to_group",
        "attach_policy",
        "attach_policy",
        "put_inline_policy",
        "create_login_profile",
    ]
    assert account.list_users()["Users"] == []

    apply = converge(context, False, **FULL)
    assert apply["changed"] is True and apply["plan"] == check["plan"]
    assert _stable(apply["user"]) == FULL_USER
    assert apply["user"]["arn"] == "arn:aws:iam::123456789012:user/people/alice"
    assert dt.datetime.fromisoformat(apply["user"]["create_date"])
    assert account.get_user(UserName="alice")["User"]["Path"] == "/people/"
    assert [g["GroupName"] for g in account.list_groups_for_user(UserName="alice")["Groups"]] == ["developers"]
    assert account.get_user_policy(UserName="alice", PolicyName="deny-all")["PolicyDocument"] == DENY_ALL
    assert account.get_login_profile(UserName="alice")["LoginProfile"]["UserName"] == "alice"

    api_calls.clear()
    again = converge(context, True, **FULL)
    assert again == dict(apply, changed=False, plan=[])
    assert converge(context, False, **FULL) == dict(apply, changed=False, plan=[])
    # A converged run reads one call per managed aspect: no policy is looked up, no
    # inline document is read that the options do not name.
    assert api_calls.actions == 2 * [
        "iam:GetUser",
        "iam:ListGroupsForUser",
        "iam:ListAttachedUserPolicies",
        "iam:ListUserPolicies",
        "iam:GetUserPolicy",
        "iam:GetLoginProfile",
    ]


def test_converged_run_reads_only_what_is_managed(account, context, api_calls):
    converge(context, False, **FULL)
    api_calls.clear()
    assert converge(context, False, tags={"team": "payments"})["changed"] is False
    assert api_calls.actions == ["iam:GetUser"]


def test_update_then_converge(account, context, api_calls):
    converge(context, False, **FULL)
    account.put_user_policy(UserName="alice", PolicyName="stray", PolicyDocument=json.dumps(READ_S3))
    options = dict(
        path="/staff/",
        tags={"team": "cards"},
        purge_tags=True,
        groups=["auditors"],
        purge_groups=True,
        managed_policies=["list-s3"],
        purge_managed_policies=True,
        inline_policies={"deny-all": json.dumps(DENY_ALL, indent=2)},
        purge_inline_policies=True,
        console_access=False,
    )
    check = converge(context, True, diff=True, **options)
    assert check["plan"] == [
        {"action": "update_path", "path": "/staff/", "previous_path": "/people/"},
        {"action": "tag_user", "tags": {"team": "cards"}},
        {"action": "untag_user", "tag_keys": ["owner"]},
        {"action": "add_to_group", "group_name": "auditors"},
        {"action": "remove_from_group", "group_name": "developers"},
        {"action": "detach_policy", "policy_arn": arn("read-s3")},
        {"action": "delete_inline_policy", "policy_name": "stray"},
        {"action": "delete_login_profile"},
    ]
    assert check["diff"]["after"] == {
        "state": "present",
        "user_name": "alice",
        "path": "/staff/",
        "tags": {"team": "cards"},
        "permissions_boundary": None,
        "groups": ["auditors"],
        "managed_policies": [arn("list-s3")],
        "inline_policies": ["deny-all"],
        "inline_policy_documents": {"deny-all": DENY_ALL},
        "console_access": False,
        "password_reset_required": None,
    }
    assert account.get_user(UserName="alice")["User"]["Path"] == "/people/"

    apply = converge(context, False, diff=True, **options)
    assert apply["plan"] == check["plan"]
    assert apply["diff"]["after"] == check["diff"]["after"]
    assert account.list_user_policies(UserName="alice")["PolicyNames"] == ["deny-all"]
    with pytest.raises(account.exceptions.NoSuchEntityException):
        account.get_login_profile(UserName="alice")
    assert converge(context, True, **options)["changed"] is False
    assert converge(context, False, **options)["changed"] is False


def test_missing_group_fails_before_any_change(account, context, api_calls):
    result = execute_task(context, False, groups=["developers", "ghosts", "phantoms"], tags={"a": "b"})
    assert result["failed"] is True
    assert result["msg"] == "groups: 'ghosts', 'phantoms' do not exist in this account; nothing was changed"
    assert result["missing"] == ["ghosts", "phantoms"]
    assert [a for a in api_calls.actions if not a.startswith(("iam:Get", "iam:List"))] == []
    assert account.list_users()["Users"] == []


def test_unknown_policy_fails_before_any_change(account, context, api_calls):
    result = execute_task(context, True, managed_policies=["read-s3", "NoSuchPolicy"])
    assert result["failed"] is True
    assert "managed policy 'NoSuchPolicy' exists neither in this account nor among AWS managed" in result["msg"]
    assert account.list_users()["Users"] == []


def add_aws_managed_policies(*names):
    """Put a few AWS managed policies into moto's account, as AWS has them (loading all
    ~1,600 of them costs seconds)."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.iam.models import AWSManagedPolicy, iam_backends

    backend = iam_backends[ACCOUNT]["aws"]
    data = json.loads(aws_managed_policies_data)
    for name in names:
        policy = AWSManagedPolicy.from_data(name, ACCOUNT, "us-east-1", data[name])
        backend.managed_policies[policy.arn] = policy


def test_aws_managed_policy_by_name(strict, context, api_calls):
    add_aws_managed_policies("ReadOnlyAccess", "ViewOnlyAccess")
    result = converge(context, False, managed_policies=["ReadOnlyAccess", "ViewOnlyAccess"])
    assert result["user"]["managed_policies"] == [
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
    ]
    # Never the ~1,500 AWS managed policies: the local list, then one GetPolicy per name.
    assert api_calls.params_of("iam:ListPolicies") == [{"Scope": "Local"}]
    assert len(api_calls.params_of("iam:GetPolicy")) == 2
    api_calls.clear()
    assert converge(context, False, managed_policies=["ReadOnlyAccess", "ViewOnlyAccess"])["changed"] is False
    assert "iam:GetPolicy" not in api_calls.actions and "iam:ListPolicies" not in api_calls.actions


def test_diff_only_when_asked_and_without_passwords(account, context):
    result = converge(context, True, **FULL)
    assert "diff" not in result
    result = execute_task(context, False, diff=True, **FULL)
    assert result["diff"]["before"] == {"state": "absent"}
    assert result["diff"]["after"]["console_access"] is True
    assert GIVEN_PASSWORD not in json.dumps(result)
    assert "diff" not in execute_task(context, False, **FULL)


# --- console access and passwords -----------------------------------------------------------


def secret_value(name):
    answer = boto3.client("secretsmanager", region_name="us-east-1").get_secret_value(SecretId=name)
    return json.loads(answer["SecretString"])


def test_generated_password_is_returned_once_when_not_stored(account, context, api_calls):
    check = converge(context, True, console_access=True)
    assert "generated_password" not in check

    first = converge(context, False, console_access=True)
    password = first["generated_password"]
    assert len(password) == iu.GENERATED_LENGTH
    assert first["plan"][-1] == {
        "action": "create_login_profile",
        "password_source": "generated",
        "password_reset_required": False,
    }
    sent = api_calls.params_of("iam:CreateLoginProfile")
    assert sent == [{"UserName": "alice", "Password": password, "PasswordResetRequired": False}]
    # The password appears nowhere else in the result.
    assert json.dumps(dict(first, generated_password=None)).count(password) == 0

    second = converge(context, False, console_access=True)
    assert second["changed"] is False and "generated_password" not in second


def test_generated_password_goes_to_secrets_manager_only(account, context, api_calls):
    result = execute_task(context, False, diff=True, console_access=True, store="secretsmanager")
    stored = secret_value("hardening/console-passwords/alice")
    assert stored["user_name"] == "alice" and stored["account_id"] == ACCOUNT
    password = stored["password"]
    assert len(password) >= 20
    assert password not in json.dumps(result)
    assert "generated_password" not in result
    assert result["password_delivery"]["store"] == "secretsmanager"
    assert result["password_delivery"]["name"] == "hardening/console-passwords/alice"
    assert api_calls.params_of("iam:CreateLoginProfile")[0]["Password"] == password
    # Delivered before it was set: a failed delivery leaves no password nobody knows.
    actions = api_calls.actions
    assert actions.index("secretsmanager:CreateSecret") < actions.index("iam:CreateLoginProfile")

    again = execute_task(context, False, console_access=True, store="secretsmanager")
    assert again["changed"] is False and "password_delivery" not in again
    assert secret_value("hardening/console-passwords/alice")["password"] == password


def test_generated_password_to_ssm_with_kms_key(account, context):
    key_arn = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["Arn"]
    result = converge(context, False, console_access=True, store="ssm", kms_key_id=key_arn)
    ssm = boto3.client("ssm", region_name="us-east-1")
    parameter = ssm.get_parameter(Name="/hardening/console-passwords/alice", WithDecryption=True)["Parameter"]
    assert parameter["Type"] == "SecureString"
    assert json.loads(parameter["Value"])["password"] not in json.dumps(result)
    assert result["password_delivery"] == {"store": "ssm", "name": "/hardening/console-passwords/alice", "version": 1}


def test_generated_password_meets_a_longer_policy_minimum(account, context, api_calls):
    account.update_account_password_policy(MinimumPasswordLength=64, RequireSymbols=True)
    result = converge(context, False, console_access=True)
    assert len(result["generated_password"]) == 64


def test_failed_delivery_sets_no_password(account, context, api_calls):
    aws = context()
    refused = {"Error": {"Code": "AccessDeniedException", "Message": "not allowed to write secrets"}}
    answer_calls(aws.client("secretsmanager").raw, {"PutSecretValue": refused})
    result = execute(
        iu.MODULE_SPEC, params(console_access=True, store="secretsmanager"), False, False, context_factory=lambda p: aws
    )
    assert result["failed"] is True
    assert result["msg"] == (
        "Secrets Manager PutSecretValue failed for secret hardening/console-passwords/alice: "
        "AccessDeniedException: not allowed to write secrets"
    )
    assert "iam:CreateLoginProfile" not in api_calls.actions
    assert account.get_user(UserName="alice")  # the user was created, its console password was not
    with pytest.raises(account.exceptions.NoSuchEntityException):
        account.get_login_profile(UserName="alice")


def test_given_password_is_set_once_and_never_returned(account, context, api_calls):
    result = execute_task(context, False, diff=True, console_access=True, password=GIVEN_PASSWORD)
    assert api_calls.params_of("iam:CreateLoginProfile")[0]["Password"] == GIVEN_PASSWORD
    assert GIVEN_PASSWORD not in json.dumps(result) and "generated_password" not in result
    assert result["plan"][-1]["password_source"] == "given"
    api_calls.clear()
    assert execute_task(context, False, console_access=True, password=GIVEN_PASSWORD)["changed"] is False
    assert "iam:UpdateLoginProfile" not in api_calls.actions


def test_update_password_always_sets_it_every_run(account, context, api_calls):
    options = dict(console_access=True, password=GIVEN_PASSWORD, update_password="always", store="secretsmanager")
    converge(context, False, **options)
    api_calls.clear()
    for _run in range(2):
        result = converge(context, False, **options)
        assert result["changed"] is True
        assert result["plan"] == [
            {
                "action": "update_login_profile",
                "password_source": "given",
                "deliver_to": {"store": "secretsmanager", "secret_name": "hardening/console-passwords/alice"},
            }
        ]
    assert api_calls.params_of("iam:UpdateLoginProfile") == 2 * [{"UserName": "alice", "Password": GIVEN_PASSWORD}]
    assert secret_value("hardening/console-passwords/alice")["password"] == GIVEN_PASSWORD


def test_password_reset_required_is_managed(account, context, api_calls):
    converge(context, False, console_access=True, password=GIVEN_PASSWORD, password_reset_required=True)
    # moto drops PasswordResetRequired on CreateLoginProfile (shared/LOCAL_AWS.md): check what was sent.
    assert api_calls.params_of("iam:CreateLoginProfile")[0]["PasswordResetRequired"] is True
    account.update_login_profile(UserName="alice", PasswordResetRequired=False)
    api_calls.clear()
    check = converge(context, True, console_access=True, password_reset_required=True)
    assert check["plan"] == [{"action": "update_login_profile", "password_reset_required": True}]
    apply = converge(context, False, console_access=True, password_reset_required=True)
    assert apply["user"]["password_reset_required"] is True
    # No password is sent: the user's password stays as it is.
    assert api_calls.params_of("iam:UpdateLoginProfile") == [{"UserName": "alice", "PasswordResetRequired": True}]
    assert account.get_login_profile(UserName="alice")["LoginProfile"]["PasswordResetRequired"] is True
    assert converge(context, False, console_access=True, password_reset_required=True)["changed"] is False


def test_console_access_false_four_runs(account, context):
    converge(context, False, console_access=True, password=GIVEN_PASSWORD)
    assert converge(context, True, console_access=False)["plan"] == [{"action": "delete_login_profile"}]
    assert account.get_login_profile(UserName="alice")
    assert converge(context, False, console_access=False)["user"]["console_access"] is False
    with pytest.raises(account.exceptions.NoSuchEntityException):
        account.get_login_profile(UserName="alice")
    assert converge(context, True, console_access=False)["changed"] is False
    assert converge(context, False, console_access=False)["changed"] is False


# --- state=absent against moto, strict deletes --------------------------------------------------


def answer_calls(raw, answers):
    """Let a boto3 client answer the operations in ``answers`` ({operation: response})
    itself, the way botocore's Stubber does, and send every other call on (to moto).
    A response with an ``Error`` is an error answer (HTTP 400)."""

    def handler(model, **_kwargs):
        if model.name not in answers:
            return None
        answer = answers[model.name]
        status = 400 if "Error" in answer else 200
        return AWSResponse("https://example.invalid/", status, {}, None), answer

    raw.meta.events.register_first("before-call.*.*", handler)


def seed_leaver(iam):
    """A user with one of everything that blocks DeleteUser, a boundary and tags."""
    from awslab.seed import signing_certificate_pem, ssh_public_key_body

    iam.create_user(UserName="dave", Tags=[{"Key": "team", "Value": "payments"}])
    iam.create_login_profile(UserName="dave", Password=GIVEN_PASSWORD)
    keys = [iam.create_access_key(UserName="dave")["AccessKey"]["AccessKeyId"] for _index in range(2)]
    cert = iam.upload_signing_certificate(UserName="dave", CertificateBody=signing_certificate_pem("dave"))
    ssh = iam.upload_ssh_public_key(UserName="dave", SSHPublicKeyBody=ssh_public_key_body("dave@example.com"))
    service = iam.create_service_specific_credential(UserName="dave", ServiceName="codecommit.amazonaws.com")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="dave")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(
        UserName="dave", SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
    )
    iam.put_user_policy(UserName="dave", PolicyName="dave-inline", PolicyDocument=json.dumps(READ_S3))
    iam.attach_user_policy(UserName="dave", PolicyArn=arn("read-s3"))
    iam.put_user_permissions_boundary(UserName="dave", PermissionsBoundary=arn("list-s3"))
    iam.add_user_to_group(UserName="dave", GroupName="developers")
    return {
        "keys": keys,
        "cert": cert["Certificate"]["CertificateId"],
        "ssh": ssh["SSHPublicKey"]["SSHPublicKeyId"],
        "service": service["ServiceSpecificCredential"]["ServiceSpecificCredentialId"],
        "serial": serial,
    }


def test_absent_deletes_everything_in_order(account, context, api_calls):
    lab_implements("list_service_specific_credentials", "put_user_permissions_boundary")
    ids = seed_leaver(account)
    with pytest.raises(account.exceptions.DeleteConflictException):
        account.delete_user(UserName="dave")  # the strict patches are really on

    check = converge(context, True, diff=True, name="dave", state="absent")
    expected = [
        {"action": "delete_login_profile"},
        {"action": "delete_access_key", "access_key_id": ids["keys"][0]},
        {"action": "delete_access_key", "access_key_id": ids["keys"][1]},
        {"action": "delete_signing_certificate", "certificate_id": ids["cert"]},
        {"action": "delete_ssh_public_key", "ssh_public_key_id": ids["ssh"]},
        {
            "action": "delete_service_specific_credential",
            "service_specific_credential_id": ids["service"],
            "service_name": "codecommit.amazonaws.com",
        },
        {"action": "deactivate_mfa_device", "serial_number": ids["serial"]},
        {"action": "delete_virtual_mfa_device", "serial_number": ids["serial"]},
        {"action": "delete_inline_policy", "policy_name": "dave-inline"},
        {"action": "detach_policy", "policy_arn": arn("read-s3")},
        {"action": "remove_from_group", "group_name": "developers"},
        {"action": "delete_user"},
    ]
    assert check["changed"] is True and check["user"] is None

    def by_key(steps):  # ListAccessKeys gives no order
        return sorted(steps, key=lambda s: s.get("access_key_id", ""))

    assert by_key(check["plan"][1:3]) == by_key(expected[1:3])
    assert check["plan"][:1] + check["plan"][3:] == expected[:1] + expected[3:]
    assert check["diff"]["after"] == {"state": "absent"}
    before = check["diff"]["before"]
    assert before["mfa_devices"] == [ids["serial"]] and before["groups"] == ["developers"]
    assert before["permissions_boundary"] == arn("list-s3") and before["tags"] == {"team": "payments"}
    assert sorted(k["access_key_id"] for k in before["access_keys"]) == sorted(ids["keys"])
    assert "iam:GetUserPolicy" not in api_calls.actions  # deleted by name, the document is not needed
    assert not [a for a in api_calls.actions if not a.startswith(("iam:Get", "iam:List"))]
    assert account.get_user(UserName="dave")
    assert len(account.list_virtual_mfa_devices()["VirtualMFADevices"]) == 1

    apply = converge(context, False, name="dave", state="absent")
    assert apply["changed"] is True and apply["plan"] == check["plan"]
    with pytest.raises(account.exceptions.NoSuchEntityException):
        account.get_user(UserName="dave")
    assert account.list_virtual_mfa_devices()["VirtualMFADevices"] == []
    assert account.get_group(GroupName="developers")["Users"] == []

    api_calls.clear()
    for check_mode in (True, False):
        result = converge(context, check_mode, diff=True, name="dave", state="absent")
        assert result == {
            "changed": False,
            "user": None,
            "plan": [],
            "diff": {"before": {"state": "absent"}, "after": {"state": "absent"}},
        }
    assert api_calls.actions == ["iam:GetUser", "iam:GetUser"]


def test_absent_user_without_anything(account, context, api_calls):
    lab_implements("list_service_specific_credentials")
    account.create_user(UserName="bare")
    result = converge(context, False, name="bare", state="absent")
    assert result["plan"] == [{"action": "delete_user"}]
    assert api_calls.actions == [
        "iam:GetUser",
        "iam:ListGroupsForUser",
        "iam:ListAttachedUserPolicies",
        "iam:ListUserPolicies",
        "iam:GetLoginProfile",
        "iam:ListAccessKeys",
        "iam:ListSigningCertificates",
        "iam:ListSSHPublicKeys",
        "iam:ListServiceSpecificCredentials",
        "iam:ListMFADevices",
        "iam:DeleteUser",
    ]


def test_permissions_boundary_four_runs(account, context):
    lab_implements("put_user_permissions_boundary", "delete_user_permissions_boundary")
    for boundary, expected in (("read-s3", arn("read-s3")), (arn("list-s3"), arn("list-s3")), ("", None)):
        check = converge(context, True, permissions_boundary=boundary)
        assert check["changed"] is True and check["user"]["permissions_boundary"] == expected
        apply = converge(context, False, permissions_boundary=boundary)
        assert apply["changed"] is True and apply["user"]["permissions_boundary"] == expected
        stored = account.get_user(UserName="alice")["User"].get("PermissionsBoundary", {})
        assert stored.get("PermissionsBoundaryArn") == expected
        assert converge(context, True, permissions_boundary=boundary)["changed"] is False
        assert converge(context, False, permissions_boundary=boundary)["changed"] is False


# --- botocore Stubber: what moto does not implement ----------------------------------------------


class StubbedAws:
    """An AwsContext stand-in whose IAM client answers only what the test queued."""

    region = "us-east-1"

    def __init__(self):
        self.raw = boto3.client(
            "iam", region_name="us-east-1", aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x"
        )
        self.stub = Stubber(self.raw)

    def client(self, service):
        assert service == "iam", service
        return AwsClient(self.raw, "iam", sleep=lambda s: None)

    def expect(self, operation, response=None, **expected):
        self.stub.add_response(operation, response or {}, expected or None)

    def run(self, check_mode, diff=False, **options):
        with self.stub:
            result = iu.run(self, params(**options), check_mode=check_mode, diff=diff)
        self.stub.assert_no_pending_responses()
        return result


CREATED = dt.datetime(2024, 5, 1, 10, 0, tzinfo=dt.timezone.utc)


def get_user_answer(name="dave", boundary=None):
    user = {
        "Path": "/",
        "UserName": name,
        "UserId": "AIDAIOSFODNN7EXAMPLE",
        "Arn": "arn:aws:iam::123456789012:user/%s" % name,
        "CreateDate": CREATED,
        "Tags": [{"Key": "team", "Value": "payments"}],
    }
    if boundary:
        user["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary}
    return {"User": user}


def expect_leaver_reads(stub, name="dave"):
    key = dict(UserName=name)
    stub.expect("get_user", get_user_answer(name), **key)
    stub.expect("list_groups_for_user", {"Groups": [_group("developers")]}, **key)
    stub.expect("list_attached_user_policies", {"AttachedPolicies": [_attached("dave-extra")]}, **key)
    stub.expect("list_user_policies", {"PolicyNames": ["dave-inline"]}, **key)
    stub.expect("get_login_profile", {"LoginProfile": {"UserName": name, "CreateDate": CREATED}}, **key)
    stub.expect("list_access_keys", {"AccessKeyMetadata": [_key("AKIAIOSFODNN7EXAMPLE", "Inactive")]}, **key)
    stub.expect("list_signing_certificates", {"Certificates": [_cert(name)]}, **key)
    stub.expect("list_ssh_public_keys", {"SSHPublicKeys": [_ssh(name)]}, **key)
    stub.expect(
        "list_service_specific_credentials",
        {"ServiceSpecificCredentials": [_ssc(name, "ACCAEXAMPLE111EXAMPLE")], "IsTruncated": True, "Marker": "m1"},
        **key,
    )
    stub.expect(
        "list_service_specific_credentials",
        {"ServiceSpecificCredentials": [_ssc(name, "ACCAEXAMPLE222EXAMPLE", "bedrock.amazonaws.com")]},
        UserName=name,
        Marker="m1",
    )
    stub.expect("list_mfa_devices", {"MFADevices": [_mfa(name, "arn:aws:iam::123456789012:mfa/dave")]}, **key)


def _group(name):
    return {
        "Path": "/",
        "GroupName": name,
        "GroupId": "AGPAIOSFODNN7EXAMPLE",
        "Arn": "arn:aws:iam::123456789012:group/%s" % name,
        "CreateDate": CREATED,
    }


def _attached(name):
    return {"PolicyName": name, "PolicyArn": arn(name)}


def _key(key_id, status):
    return {"UserName": "dave", "AccessKeyId": key_id, "Status": status, "CreateDate": CREATED}


def _cert(name):
    return {
        "UserName": name,
        "CertificateId": "TA7SMP42TDN5Z26OBPJE7EXAMPLE",
        "CertificateBody": "-----BEGIN CERTIFICATE-----",
        "Status": "Active",
    }


def _ssh(name):
    return {"UserName": name, "SSHPublicKeyId": "APKAEIBAERJR2EXAMPLE", "Status": "Active", "UploadDate": CREATED}


def _ssc(name, credential_id, service="codecommit.amazonaws.com"):
    return {
        "UserName": name,
        "Status": "Active",
        "ServiceUserName": "%s-at-123456789012" % name,
        "CreateDate": CREATED,
        "ServiceSpecificCredentialId": credential_id,
        "ServiceName": service,
    }


def _mfa(name, serial):
    return {"UserName": name, "SerialNumber": serial, "EnableDate": CREATED}


def test_stubbed_absent_check_mode_reads_only(clean_aws_env):
    stub = StubbedAws()
    expect_leaver_reads(stub)
    result = stub.run(True, diff=True, name="dave", state="absent")
    assert result["changed"] is True and result["user"] is None
    assert result["plan"] == [
        {"action": "delete_login_profile"},
        {"action": "delete_access_key", "access_key_id": "AKIAIOSFODNN7EXAMPLE"},
        {"action": "delete_signing_certificate", "certificate_id": "TA7SMP42TDN5Z26OBPJE7EXAMPLE"},
        {"action": "delete_ssh_public_key", "ssh_public_key_id": "APKAEIBAERJR2EXAMPLE"},
        {
            "action": "delete_service_specific_credential",
            "service_specific_credential_id": "ACCAEXAMPLE111EXAMPLE",
            "service_name": "codecommit.amazonaws.com",
        },
        {
            "action": "delete_service_specific_credential",
            "service_specific_credential_id": "ACCAEXAMPLE222EXAMPLE",
            "service_name": "bedrock.amazonaws.com",
        },
        {"action": "deactivate_mfa_device", "serial_number": "arn:aws:iam::123456789012:mfa/dave"},
        {"action": "delete_virtual_mfa_device", "serial_number": "arn:aws:iam::123456789012:mfa/dave"},
        {"action": "delete_inline_policy", "policy_name": "dave-inline"},
        {"action": "detach_policy", "policy_arn": arn("dave-extra")},
        {"action": "remove_from_group", "group_name": "developers"},
        {"action": "delete_user"},
    ]
    before = result["diff"]["before"]
    assert before["service_specific_credentials"] == [
        {"service_specific_credential_id": "ACCAEXAMPLE111EXAMPLE", "service_name": "codecommit.amazonaws.com"},
        {"service_specific_credential_id": "ACCAEXAMPLE222EXAMPLE", "service_name": "bedrock.amazonaws.com"},
    ]
    assert before["tags"] == {"team": "payments"} and "create_date" not in before


def test_stubbed_absent_deletes_in_aws_order(clean_aws_env):
    stub = StubbedAws()
    expect_leaver_reads(stub)
    key = dict(UserName="dave")
    stub.expect("delete_login_profile", **key)
    stub.expect("delete_access_key", AccessKeyId="AKIAIOSFODNN7EXAMPLE", **key)
    stub.expect("delete_signing_certificate", CertificateId="TA7SMP42TDN5Z26OBPJE7EXAMPLE", **key)
    stub.expect("delete_ssh_public_key", SSHPublicKeyId="APKAEIBAERJR2EXAMPLE", **key)
    stub.expect("delete_service_specific_credential", ServiceSpecificCredentialId="ACCAEXAMPLE111EXAMPLE", **key)
    stub.expect("delete_service_specific_credential", ServiceSpecificCredentialId="ACCAEXAMPLE222EXAMPLE", **key)
    stub.expect("deactivate_mfa_device", SerialNumber="arn:aws:iam::123456789012:mfa/dave", **key)
    stub.expect("delete_virtual_mfa_device", SerialNumber="arn:aws:iam::123456789012:mfa/dave")
    stub.expect("delete_user_policy", PolicyName="dave-inline", **key)
    stub.expect("detach_user_policy", PolicyArn=arn("dave-extra"), **key)
    stub.expect("remove_user_from_group", GroupName="developers", **key)
    stub.expect("delete_user", **key)
    result = stub.run(False, name="dave", state="absent")
    assert result["changed"] is True and len(result["plan"]) == 12


def test_stubbed_absent_conflict_is_reported(clean_aws_env):
    """If AWS still refuses (a credential created meanwhile), the task fails naming the call."""
    stub = StubbedAws()
    stub.expect("get_user", get_user_answer(), UserName="dave")
    for operation, answer in (
        ("list_groups_for_user", {"Groups": []}),
        ("list_attached_user_policies", {"AttachedPolicies": []}),
        ("list_user_policies", {"PolicyNames": []}),
    ):
        stub.expect(operation, answer, UserName="dave")
    stub.stub.add_client_error("get_login_profile", "NoSuchEntity", expected_params={"UserName": "dave"})
    for operation, answer in (
        ("list_access_keys", {"AccessKeyMetadata": []}),
        ("list_signing_certificates", {"Certificates": []}),
        ("list_ssh_public_keys", {"SSHPublicKeys": []}),
        ("list_service_specific_credentials", {"ServiceSpecificCredentials": []}),
        ("list_mfa_devices", {"MFADevices": []}),
    ):
        stub.expect(operation, answer, UserName="dave")
    stub.stub.add_client_error(
        "delete_user",
        "DeleteConflict",
        "Cannot delete entity, must delete access keys first.",
        409,
        {"UserName": "dave"},
    )
    with stub.stub:
        result = execute(
            iu.MODULE_SPEC, params(name="dave", state="absent"), False, False, context_factory=lambda p: stub
        )
    assert result["failed"] is True
    assert result["msg"] == (
        "IAM DeleteUser failed for user dave: DeleteConflict: Cannot delete entity, must delete access keys first."
    )


@pytest.mark.parametrize(
    "current, option, lookup, step, after",
    [
        pytest.param(arn("boundary"), "boundary", False, None, arn("boundary"), id="same-by-name-no-lookup"),
        pytest.param(None, "", False, None, None, id="remove-when-there-is-none"),
        pytest.param(arn("old"), "boundary", True, "put", arn("boundary"), id="replace"),
        pytest.param(None, "boundary", True, "put", arn("boundary"), id="set"),
        pytest.param(arn("boundary"), "", False, "delete", None, id="remove"),
    ],
)
def test_stubbed_permissions_boundary(clean_aws_env, current, option, lookup, step, after):
    """PutUserPermissionsBoundary / DeleteUserPermissionsBoundary, which moto lacks. A
    boundary that is already the user's resolves by name without any call."""
    stub = StubbedAws()
    stub.expect("get_user", get_user_answer("alice", current), UserName="alice")
    if lookup:
        stub.expect("list_policies", {"Policies": [{"PolicyName": "boundary", "Arn": arn("boundary")}]}, Scope="Local")
    if step == "put":
        stub.expect("put_user_permissions_boundary", UserName="alice", PermissionsBoundary=arn("boundary"))
    elif step == "delete":
        stub.expect("delete_user_permissions_boundary", UserName="alice")
    if step:
        stub.expect("get_user", get_user_answer("alice", after), UserName="alice")
    result = stub.run(False, diff=True, name="alice", permissions_boundary=option)
    assert result["changed"] is bool(step)
    assert [s["action"] for s in result["plan"]] == (["%s_permissions_boundary" % step] if step else [])
    assert result["user"]["permissions_boundary"] == after
    assert result["diff"]["before"]["permissions_boundary"] == current
    assert result["diff"]["after"]["permissions_boundary"] == after


def test_stubbed_new_user_gets_its_boundary_at_creation(clean_aws_env):
    stub = StubbedAws()
    stub.stub.add_client_error("get_user", "NoSuchEntity", expected_params={"UserName": "alice"})
    stub.expect("list_policies", {"Policies": []}, Scope="Local")
    stub.expect(
        "get_policy", {"Policy": {"PolicyName": "PowerUserAccess"}}, PolicyArn="arn:aws:iam::aws:policy/PowerUserAccess"
    )
    stub.expect(
        "create_user",
        get_user_answer("alice"),
        UserName="alice",
        Path="/",
        PermissionsBoundary="arn:aws:iam::aws:policy/PowerUserAccess",
    )
    stub.expect("get_user", get_user_answer("alice", "arn:aws:iam::aws:policy/PowerUserAccess"), UserName="alice")
    result = stub.run(False, name="alice", permissions_boundary="PowerUserAccess")
    assert result["plan"] == [
        {"action": "create_user", "path": "/", "permissions_boundary": "arn:aws:iam::aws:policy/PowerUserAccess"}
    ]
    assert result["user"]["permissions_boundary"] == "arn:aws:iam::aws:policy/PowerUserAccess"


def test_stubbed_unimplemented_endpoint_is_a_clear_failure(clean_aws_env):
    """What the lab's moto server answers for a call it lacks: the task fails naming the call."""
    from botocore.parsers import ResponseParserError

    stub = StubbedAws()
    stub.expect("get_user", get_user_answer(), UserName="dave")
    stub.expect("list_groups_for_user", {"Groups": []}, UserName="dave")  # never answered: refused below

    def refuse(model, **_kwargs):
        if model.name == "ListGroupsForUser":
            raise ResponseParserError("Unable to parse response (syntax error), invalid XML received")

    with stub.stub:
        stub.raw.meta.events.register_first("before-call.*.*", refuse)
        result = execute(iu.MODULE_SPEC, params(name="dave", groups=[]), False, False, context_factory=lambda p: stub)
    assert result["failed"] is True
    assert result["msg"].startswith(
        "IAM ListGroupsForUser failed for user dave: the endpoint gave no valid AWS answer (ResponseParserError"
    )
    assert result["error"]["code"] == "ResponseParserError"
