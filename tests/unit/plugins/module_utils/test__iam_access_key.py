"""Access keys of an IAM user (plugins/module_utils/_iam_access_key.py)."""

from __future__ import annotations

import datetime
import json

import boto3
import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.hardening.aws.plugins.module_utils import _delivery
from ansible_collections.hardening.aws.plugins.module_utils import _iam_access_key as ak
from ansible_collections.hardening.aws.plugins.module_utils._aws import AwsError, HardeningError
from ansible_collections.hardening.aws.plugins.module_utils._module import execute

USER = "svc-deploy"
KEY_A = "AKIAIOSFODNN7EXAMPLE"
KEY_B = "AKIAI44QH8DHBEXAMPLE"
NOW = datetime.datetime(2024, 6, 1, 12, 0, tzinfo=datetime.timezone.utc)


def validated(**options):
    """(params, error messages) as Ansible's argument validation gives them."""
    options.setdefault("user_name", USER)
    result = ArgumentSpecValidator(ak.MODULE_SPEC.argument_spec, **ak.MODULE_SPEC.validator_kwargs()).validate(options)
    return result.validated_parameters, result.error_messages


def params(**options):
    out, errors = validated(**options)
    assert not errors, errors
    return out


def iam():
    """AWS read directly, not through the code under test."""
    return boto3.client("iam", region_name="us-east-1")


def aws_keys(user=USER):
    return sorted((k["AccessKeyId"], k["Status"]) for k in iam().list_access_keys(UserName=user)["AccessKeyMetadata"])


def make_user(user=USER, keys=0):
    iam().create_user(UserName=user)
    return [iam().create_access_key(UserName=user)["AccessKey"] for _i in range(keys)]


def converge(context, check_mode=False, diff=False, **options):
    return ak.run(context(), params(**options), check_mode=check_mode, diff=diff)


# --- argument spec and validate -------------------------------------------------------------


@pytest.mark.parametrize(
    "options, fragment",
    [
        (dict(), "one of the following is required: id, active_keys, never_used"),
        (dict(id=KEY_A, active_keys=1), "mutually exclusive: id|active_keys"),
        (dict(state="absent", active_keys=1), "state is absent but any of the following are missing: id, never_used"),
        (dict(active_keys=1, active=True), "missing parameter(s) required by 'active': id"),
        (dict(active_keys=3), "active_keys must be one of: 0, 1, 2"),
        (dict(active_keys=1, store="s3"), "store must be one of"),
    ],
)
def test_argument_spec_rejects(options, fragment):
    _params, errors = validated(**options)
    assert any(fragment in e for e in errors), errors


@pytest.mark.parametrize(
    "options, option, fragment",
    [
        (dict(user_name="bob smith", active_keys=1), "user_name", "'bob smith' is not a valid IAM user name"),
        (dict(user_name="u" * 65, active_keys=1), "user_name", "1 to 64 characters long, not 65"),
        (dict(id="AKIA123"), "id", "'AKIA123' is not a valid access key id: it must be AKIA or ASIA followed by 16"),
        (dict(id="akiaiosfodnn7example"), "id", "is not a valid access key id"),
        (dict(id="AKIDIOSFODNN7EXAMPLE"), "id", "is not a valid access key id"),
        (dict(id=KEY_A + "X"), "id", "is not a valid access key id"),
        (dict(id=KEY_A, state="absent", active=False), "active", "active applies to state=present only"),
        (dict(active_keys=1, secret_name="x"), "secret_name", "secret_name is set but store=none"),
        (dict(active_keys=1, kms_key_id="alias/k"), "kms_key_id", "kms_key_id is set but store=none"),
        (dict(id=KEY_A, active=True, store="ssm"), "store", "store applies to keys created with active_keys"),
        (
            dict(active_keys=1, store="secretsmanager", secret_name="a b"),
            "secret_name",
            "secret_name 'a b' is not a valid name for store=secretsmanager: Secrets Manager names are",
        ),
        (
            dict(active_keys=1, store="secretsmanager", secret_name="x" * 513),
            "secret_name",
            "Secrets Manager names are 1 to 512",
        ),
        (
            dict(user_name="ci,deploy", active_keys=1, store="secretsmanager"),
            "secret_name",
            "secret_name 'hardening/access-keys/ci,deploy' is not a valid name for store=secretsmanager: "
            "Secrets Manager names are 1 to 512 ASCII letters, digits and / _ + = . @ - (it is the default; "
            "set secret_name)",
        ),
        (
            dict(user_name="ci@deploy", active_keys=1, store="ssm"),
            "secret_name",
            "'/hardening/access-keys/ci@deploy' is not a valid name for store=ssm",
        ),
        (dict(active_keys=1, store="ssm", secret_name="keys/deploy"), "secret_name", "must start with /"),
        (dict(active_keys=1, store="ssm", secret_name="/ssm/keys"), "secret_name", "SSM reserves names"),
        (dict(active_keys=1, store="ssm", secret_name="AWS-keys"), "secret_name", "SSM reserves names"),
        (dict(active_keys=1, store="ssm", secret_name="/a//b"), "secret_name", "SSM parameter names are"),
        (dict(active_keys=1, store="ssm", secret_name="/a" * 16), "secret_name", "15 hierarchy levels at most"),
        (dict(active_keys=1, store="ssm", secret_name="/" + "a" * 1011), "secret_name", "1011 characters at most"),
        (
            dict(active_keys=1, store="ssm", kms_key_id="my key"),
            "kms_key_id",
            "kms_key_id 'my key' is not a KMS key id, key ARN, alias name",
        ),
        (dict(active_keys=1, store="ssm", kms_key_id="arn:aws:s3:::bucket"), "kms_key_id", "is not a KMS key id"),
    ],
)
def test_validate_rejects(options, option, fragment):
    with pytest.raises(HardeningError) as info:
        ak.validate(params(**options))
    assert fragment in info.value.msg
    assert info.value.details["option"] == option


@pytest.mark.parametrize(
    "options",
    [
        dict(active_keys=0),
        dict(active_keys=2),
        dict(id=KEY_A),
        dict(id="ASIAIOSFODNN7EXAMPLE", active=False),
        dict(id=KEY_A, state="absent"),
        dict(user_name="a+b=c,d.e@f_g-h", active_keys=1),
        dict(active_keys=1, store="secretsmanager"),
        dict(active_keys=1, store="ssm"),
        dict(active_keys=1, store="ssm", secret_name="deploy-key"),
        dict(active_keys=1, store="ssm", secret_name="/ci/deploy/key.v1"),
        dict(active_keys=1, store="secretsmanager", secret_name="ci/deploy+key=1@x"),
        dict(active_keys=1, store="ssm", kms_key_id="1234abcd-12ab-34cd-56ef-1234567890ab"),
        dict(active_keys=1, store="ssm", kms_key_id="mrk-1234abcd12ab34cd56ef1234567890ab"),
        dict(active_keys=1, store="ssm", kms_key_id="alias/ci-secrets"),
        dict(active_keys=1, store="ssm", kms_key_id="arn:aws:kms:us-east-1:123456789012:alias/ci-secrets"),
        dict(
            active_keys=1,
            store="secretsmanager",
            kms_key_id="arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        ),
    ],
)
def test_validate_accepts(options):
    ak.validate(params(**options))


@pytest.mark.parametrize(
    "store, given, expected",
    [
        ("secretsmanager", None, "hardening/access-keys/%s" % USER),
        ("ssm", None, "/hardening/access-keys/%s" % USER),
        ("ssm", "/mine", "/mine"),
        ("none", None, None),  # nothing is stored
    ],
)
def test_secret_name(store, given, expected):
    assert ak.secret_name(params(active_keys=1, store=store, secret_name=given)) == expected


def test_bad_input_fails_before_any_aws_call(api_calls):
    def factory(_params):
        raise AssertionError("validation must come first")

    result = execute(ak.MODULE_SPEC, params(id="AKIA-nope"), False, False, context_factory=factory)
    assert result["failed"] and result["option"] == "id"
    assert api_calls.calls == []


# --- pure helpers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "created, days",
    [
        (NOW, 0),
        (NOW - datetime.timedelta(hours=23, minutes=59), 0),
        (NOW - datetime.timedelta(days=1), 1),
        (NOW - datetime.timedelta(days=90, hours=5), 90),
        (NOW + datetime.timedelta(minutes=5), 0),  # clock skew never gives a negative age
        (datetime.datetime(2024, 5, 2, 12, 0), 30),  # naive means UTC
        (None, None),
    ],
)
def test_age_days(created, days):
    assert ak.age_days(created, NOW) == days


def key(key_id, status="Active", days=10):
    return {"id": key_id, "status": status, "create_date": "x", "last_used_date": None, "age_days": days}


@pytest.mark.parametrize(
    "keys, options, steps",
    [
        pytest.param([], dict(active_keys=1), [("create", None)], id="none-want-one"),
        pytest.param([], dict(active_keys=2), [("create", None), ("create", None)], id="none-want-two"),
        pytest.param([], dict(active_keys=0), [], id="want-zero"),
        pytest.param([key(KEY_A)], dict(active_keys=1), [], id="one-active-want-one"),
        pytest.param([key(KEY_A), key(KEY_B)], dict(active_keys=1), [], id="more-active-than-wanted-kept"),
        pytest.param([key(KEY_A, "Inactive")], dict(active_keys=1), [("create", None)], id="inactive-does-not-count"),
        pytest.param([key(KEY_A)], dict(active_keys=2), [("create", None)], id="one-more"),
        pytest.param([key(KEY_A)], dict(id=KEY_A, active=False), [("deactivate", KEY_A)], id="deactivate"),
        pytest.param([key(KEY_A, "Inactive")], dict(id=KEY_A, active=True), [("activate", KEY_A)], id="activate"),
        pytest.param([key(KEY_A)], dict(id=KEY_A, active=True), [], id="already-active"),
        pytest.param([key(KEY_A, "Inactive")], dict(id=KEY_A, active=False), [], id="already-inactive"),
        pytest.param([key(KEY_A)], dict(id=KEY_A), [], id="status-not-managed"),
        pytest.param([key(KEY_A), key(KEY_B)], dict(id=KEY_B, state="absent"), [("delete", KEY_B)], id="delete"),
        pytest.param([key(KEY_A)], dict(id=KEY_B, state="absent"), [], id="delete-gone"),
    ],
)
def test_plan(keys, options, steps):
    assert ak.plan(keys, params(**options)) == steps


@pytest.mark.parametrize(
    "keys, wanted",
    [
        ([key(KEY_A, "Inactive", 500), key(KEY_B, "Active", 300)], 2),
        ([key(KEY_A, "Inactive", 500), key(KEY_B, "Inactive", 300)], 1),
        ([key(KEY_A, "Inactive", 500)], 2),
    ],
)
def test_plan_refuses_to_exceed_two_keys_and_names_them(keys, wanted):
    with pytest.raises(HardeningError) as info:
        ak.plan(keys, params(active_keys=wanted))
    message = info.value.msg
    assert "IAM user %r" % USER in message and "AWS's limit of 2 keys per user" in message
    assert "%s (Inactive, 500 days old)" % KEY_A in message
    assert info.value.details["keys"] == keys and info.value.details["option"] == "active_keys"


def test_plan_refuses_two_new_keys_for_one_secret():
    with pytest.raises(HardeningError) as info:
        ak.plan([], params(active_keys=2, store="secretsmanager"))
    assert "would create 2 keys at once, but secret 'hardening/access-keys/svc-deploy' holds one key" in (
        info.value.msg
    )
    assert ak.plan([key(KEY_A)], params(active_keys=2, store="secretsmanager")) == [("create", None)]


def test_plan_fails_for_a_key_of_someone_else():
    with pytest.raises(HardeningError) as info:
        ak.plan([key(KEY_A)], params(id=KEY_B, active=False))
    assert info.value.msg == (
        "id: access key %s is not a key of IAM user 'svc-deploy'; its keys: %s (Active, 10 days old)" % (KEY_B, KEY_A)
    )


def test_planned_keys():
    keys = [key(KEY_A), key(KEY_B, "Inactive")]
    assert ak.planned_keys(keys, [("deactivate", KEY_A), ("delete", KEY_B)]) == [key(KEY_A, "Inactive")]
    assert ak.planned_keys(keys, [("activate", KEY_B)]) == [key(KEY_A), key(KEY_B)]
    assert ak.planned_keys(keys, [("create", None)]) == keys
    assert keys[0]["status"] == "Active"


# --- run against moto -----------------------------------------------------------------------


def test_four_runs_create_one_key_secret_returned_once(context):
    make_user()
    check = converge(context, check_mode=True, diff=True, active_keys=1)
    assert check == {
        "changed": True,
        "user_name": USER,
        "actions": ["create an access key for %s" % USER],
        "keys": [],
        "diff": {"before": {"keys": []}, "after": {"keys": [{"id": None, "status": "Active"}]}},
    }
    assert aws_keys() == []

    apply = converge(context, active_keys=1)
    assert apply["changed"] is True
    [(key_id, status)] = aws_keys()
    [created] = apply["created_keys"]
    assert created["id"] == key_id and status == "Active" and created["user_name"] == USER
    assert len(created["secret_access_key"]) == 40
    assert [k["id"] for k in apply["keys"]] == [key_id]
    assert apply["keys"][0]["last_used_date"] is None and apply["keys"][0]["age_days"] == 0

    for check_mode in (True, False):
        again = converge(context, check_mode=check_mode, diff=True, active_keys=1)
        assert again["changed"] is False and again["actions"] == [] and "created_keys" not in again
        assert created["secret_access_key"] not in json.dumps(again)
        assert again["diff"]["before"] == again["diff"]["after"] == {"keys": [{"id": key_id, "status": "Active"}]}
    assert converge(context, active_keys=1)["changed"] is False
    assert len(aws_keys()) == 1


def test_two_keys_at_once_with_store_none(context):
    make_user()
    result = converge(context, active_keys=2)
    assert len(result["created_keys"]) == 2 and len(aws_keys()) == 2
    assert {c["secret_access_key"] for c in result["created_keys"]} != {None}


def test_secrets_manager_delivery(context, api_calls):
    make_user()
    result = converge(context, diff=True, active_keys=1, store="secretsmanager")
    [created] = result["created_keys"]
    name = "hardening/access-keys/%s" % USER
    value = json.loads(
        boto3.client("secretsmanager", region_name="us-east-1").get_secret_value(SecretId=name)["SecretString"]
    )
    assert set(value) == {"AccessKeyId", "SecretAccessKey", "UserName", "CreateDate"}
    assert value["AccessKeyId"] == created["id"] and value["UserName"] == USER
    assert value["CreateDate"] == created["create_date"]
    assert "secret_access_key" not in created
    assert created["delivered_to"]["store"] == "secretsmanager" and created["delivered_to"]["name"] == name
    assert value["SecretAccessKey"] not in json.dumps(result)
    assert api_calls.actions.index("iam:CreateAccessKey") < api_calls.actions.index("secretsmanager:CreateSecret")

    # A later key for the same secret becomes its new version.
    second = iam().list_access_keys(UserName=USER)["AccessKeyMetadata"][0]["AccessKeyId"]
    converge(context, id=second, state="absent")
    api_calls.clear()
    converge(context, active_keys=1, store="secretsmanager")
    assert "secretsmanager:PutSecretValue" in api_calls.actions and "secretsmanager:CreateSecret" not in (
        api_calls.actions
    )


def test_ssm_delivery_with_kms_key(context, api_calls):
    make_user()
    result = converge(context, active_keys=1, store="ssm", kms_key_id="alias/ci-secrets")
    [created] = result["created_keys"]
    name = "/hardening/access-keys/%s" % USER
    sent = api_calls.params_of("ssm:PutParameter")[0]
    assert sent["Name"] == name and sent["Type"] == "SecureString" and sent["KeyId"] == "alias/ci-secrets"
    stored = boto3.client("ssm", region_name="us-east-1").get_parameter(Name=name, WithDecryption=True)
    value = json.loads(stored["Parameter"]["Value"])
    assert value["AccessKeyId"] == created["id"]
    assert value["SecretAccessKey"] not in json.dumps(result)


def _failing_delivery(monkeypatch, echo_secret=True):
    def deliver(aws, store, name, value, description, kms_key_id=None):
        # An error message that carries the secret must never reach the result.
        text = "InvalidKeyId: key for %s" % (value["SecretAccessKey"] if echo_secret else "?")
        raise AwsError("SSM PutParameter failed for parameter %s: %s" % (name, text), code="InvalidKeyId")

    monkeypatch.setattr(_delivery, "deliver", deliver)


@pytest.mark.parametrize("store", ["ssm", "secretsmanager"])
def test_failed_delivery_deletes_the_new_key(context, monkeypatch, api_calls, store):
    make_user()
    _failing_delivery(monkeypatch)
    api_calls.clear()
    result = execute(
        ak.MODULE_SPEC, params(active_keys=1, store=store, kms_key_id="alias/missing"), False, True, context
    )
    assert result["failed"] is True and result["changed"] is False
    assert aws_keys() == []
    [deleted] = api_calls.params_of("iam:DeleteAccessKey")
    assert (
        "delivering new access key %s of IAM user 'svc-deploy' to %s" % (deleted["AccessKeyId"], store)
        in (result["msg"])
    )
    assert "the new key was deleted again, so nothing changed" in result["msg"]
    assert "********" in result["msg"]
    assert result["error"]["code"] == "InvalidKeyId"
    writes = [a for a in api_calls.actions if a.split(":")[1].startswith(("Create", "Delete", "Update"))]
    assert writes == ["iam:CreateAccessKey", "iam:DeleteAccessKey"]


def test_failed_delivery_never_shows_the_secret(context, monkeypatch):
    make_user()
    secrets = []
    real_create = ak._create

    def spy(aws, client, options, known_ids=None):
        original = client.call

        def call(method, **kwargs):
            answer = original(method, **kwargs)
            if method == "create_access_key":
                secrets.append(answer["AccessKey"]["SecretAccessKey"])
            return answer

        client.call = call
        try:
            return real_create(aws, client, options, known_ids)
        finally:
            client.call = original

    monkeypatch.setattr(ak, "_create", spy)
    _failing_delivery(monkeypatch)
    result = execute(ak.MODULE_SPEC, params(active_keys=1, store="ssm"), False, True, context)
    assert result["failed"] and len(secrets) == 1
    assert secrets[0] not in json.dumps(result)


def test_failed_rollback_says_the_key_is_left(context, monkeypatch):
    make_user()
    _failing_delivery(monkeypatch)
    real_roll_back = ak._roll_back

    def roll_back(client, user_name, key_id):
        original = client.call

        def refuse(method, **kwargs):
            if method == "delete_access_key":
                raise AwsError("IAM DeleteAccessKey failed: AccessDenied: no", code="AccessDenied")
            return original(method, **kwargs)

        client.call = refuse
        try:
            return real_roll_back(client, user_name, key_id)
        finally:
            client.call = original

    monkeypatch.setattr(ak, "_roll_back", roll_back)
    result = execute(ak.MODULE_SPEC, params(active_keys=1, store="ssm"), False, False, context)
    [(key_id, _status)] = aws_keys()
    assert result["failed"]
    assert "deleting the new key again failed too" in result["msg"]
    assert "access key %s still exists and nobody has its secret, delete it by hand" % key_id in result["msg"]


def test_second_create_failing_deletes_the_first_undelivered_key(context, monkeypatch):
    make_user()
    real_create = ak._create
    made = []

    def create_once(aws, client, options, known_ids=None):
        if made:
            raise AwsError("IAM CreateAccessKey failed: LimitExceeded: quota", code="LimitExceeded")
        made.append(real_create(aws, client, options, known_ids))
        return made[0]

    monkeypatch.setattr(ak, "_create", create_once)
    result = execute(ak.MODULE_SPEC, params(active_keys=2), False, False, context)
    assert result["failed"] and aws_keys() == []
    assert "new access key %s: the new key was deleted again" % made[0]["id"] in result["msg"]
    assert made[0]["secret_access_key"] not in json.dumps(result)


def test_limit_failure_changes_nothing_even_in_check_mode(context, api_calls):
    keys = make_user(keys=2)
    iam().update_access_key(UserName=USER, AccessKeyId=keys[0]["AccessKeyId"], Status="Inactive")
    api_calls.clear()
    for check_mode in (True, False):
        result = execute(ak.MODULE_SPEC, params(active_keys=2), check_mode, False, context)
        assert result["failed"] and "AWS's limit of 2 keys per user" in result["msg"]
        assert keys[0]["AccessKeyId"] in result["msg"] and "(Inactive, 0 days old)" in result["msg"]
        assert {k["id"] for k in result["keys"]} == {k["AccessKeyId"] for k in keys}
    assert "iam:CreateAccessKey" not in api_calls.actions and "iam:ListAccessKeys" in api_calls.actions


def test_four_runs_deactivate_then_delete_by_id(context):
    [first, second] = make_user(keys=2)
    key_id = first["AccessKeyId"]

    check = converge(context, check_mode=True, diff=True, id=key_id, active=False)
    assert check["changed"] is True and check["actions"] == ["deactivate access key %s" % key_id]
    assert {k["id"]: k["status"] for k in check["keys"]}[key_id] == "Inactive"
    assert check["diff"]["before"] != check["diff"]["after"]
    assert dict(aws_keys())[key_id] == "Active"

    apply = converge(context, id=key_id, active=False)
    assert apply["changed"] is True and dict(aws_keys())[key_id] == "Inactive"
    assert "created_keys" not in apply
    for check_mode in (True, False):
        assert converge(context, check_mode=check_mode, id=key_id, active=False)["changed"] is False

    check = converge(context, check_mode=True, id=key_id, state="absent")
    assert check["changed"] is True and [k["id"] for k in check["keys"]] == [second["AccessKeyId"]]
    assert len(aws_keys()) == 2
    assert converge(context, id=key_id, state="absent")["changed"] is True
    assert aws_keys() == [(second["AccessKeyId"], "Active")]
    for check_mode in (True, False):
        assert converge(context, check_mode=check_mode, id=key_id, state="absent")["changed"] is False


def test_activate_by_id(context):
    [first] = make_user(keys=1)
    iam().update_access_key(UserName=USER, AccessKeyId=first["AccessKeyId"], Status="Inactive")
    assert converge(context, id=first["AccessKeyId"], active=True)["changed"] is True
    assert aws_keys() == [(first["AccessKeyId"], "Active")]


def test_key_of_another_user_is_refused(context):
    make_user()
    [other] = make_user("someone-else", keys=1)
    result = execute(ak.MODULE_SPEC, params(id=other["AccessKeyId"], active=False), False, False, context)
    assert result["failed"] and "is not a key of IAM user 'svc-deploy'; its keys: none" in result["msg"]
    assert aws_keys("someone-else") == [(other["AccessKeyId"], "Active")]
    assert converge(context, id=other["AccessKeyId"], state="absent")["changed"] is False
    assert aws_keys("someone-else") == [(other["AccessKeyId"], "Active")]


def test_missing_user_fails_clearly(context):
    result = execute(ak.MODULE_SPEC, params(active_keys=1), False, False, context)
    assert result["failed"] and result["msg"] == "user_name: IAM user 'svc-deploy' does not exist"


def test_more_active_keys_than_wanted_are_kept(context, api_calls):
    make_user(keys=2)
    api_calls.clear()
    result = converge(context, active_keys=1)
    assert result["changed"] is False and len(result["keys"]) == 2
    assert [a for a in api_calls.actions if not a.startswith(("iam:List", "iam:Get"))] == []


def test_converged_run_costs_one_list_and_one_read_per_key(context, api_calls):
    make_user(keys=2)
    api_calls.clear()
    converge(context, active_keys=2)
    assert api_calls.actions == ["iam:ListAccessKeys", "iam:GetAccessKeyLastUsed", "iam:GetAccessKeyLastUsed"]


def test_reread_after_a_change_is_one_call(context, api_calls):
    [first] = make_user(keys=1)
    api_calls.clear()
    converge(context, active_keys=2)
    assert api_calls.actions == [
        "iam:ListAccessKeys",
        "iam:GetAccessKeyLastUsed",
        "iam:CreateAccessKey",
        "iam:ListAccessKeys",
    ]
    api_calls.clear()
    converge(context, id=first["AccessKeyId"], active=False)
    assert api_calls.actions.count("iam:GetAccessKeyLastUsed") == 2
    assert api_calls.actions[-2:] == ["iam:UpdateAccessKey", "iam:ListAccessKeys"]


def test_keys_report_age_and_last_use(context):
    [first] = make_user(keys=1)
    created = first["CreateDate"]
    now = created + datetime.timedelta(days=91, hours=1)
    result = ak.run(context(), params(active_keys=1), check_mode=False, diff=False, now=now)
    assert result["keys"] == [
        {
            "id": first["AccessKeyId"],
            "status": "Active",
            "create_date": created.isoformat(),
            "last_used_date": None,
            "age_days": 91,
        }
    ]


def test_secret_is_not_in_the_diff_or_invocation_of_the_action_path(context):
    make_user()
    result = converge(context, diff=True, active_keys=1)
    secret = result["created_keys"][0]["secret_access_key"]
    assert secret not in json.dumps(result["diff"]) and secret not in json.dumps(result["keys"])


@pytest.mark.parametrize("diff", [True, False])
def test_execute_returns_diff_only_when_asked(context, diff):
    make_user()
    result = execute(ak.MODULE_SPEC, params(active_keys=1), True, diff, context)
    assert ("diff" in result) is diff


def test_unexpected_delivery_error_still_deletes_the_new_key(context, monkeypatch):
    make_user()

    def deliver(aws, store, name, value, description, kms_key_id=None):
        raise ValueError("cannot serialise %s" % value["SecretAccessKey"])

    monkeypatch.setattr(_delivery, "deliver", deliver)
    result = execute(ak.MODULE_SPEC, params(active_keys=1, store="secretsmanager"), False, False, context)
    assert result["failed"] and aws_keys() == []
    assert "ValueError: cannot serialise ********" in result["msg"]
    assert "the new key was deleted again" in result["msg"]


# --- a CreateAccessKey whose answer was lost ------------------------------------------------


class LosesFirstCreate:
    """An AwsClient whose first CreateAccessKey is handled by AWS but its answer lost, as a
    dropped connection does; the retry then answers (``then="answer"``) or fails."""

    def __init__(self, client, then="answer"):
        self.client = client
        self.then = then
        self.lost = []

    def __getattr__(self, name):
        return getattr(self.client, name)

    def call(self, method, resource=None, **kwargs):
        if method == "create_access_key" and not self.lost:
            self.lost.append(self.client.call(method, resource=resource, **kwargs)["AccessKey"]["AccessKeyId"])
            try:
                answer = self.client.call(method, resource=resource, **kwargs)
            except AwsError as exc:
                exc.retried = True  # as AwsClient marks an error met by a retry
                raise
            answer["ResponseMetadata"]["RetryAttempts"] = 1
            return answer
        return self.client.call(method, resource=resource, **kwargs)


@pytest.mark.parametrize("keys_before", [0, 1])
def test_a_key_made_by_an_attempt_whose_answer_was_lost_is_deleted(context, monkeypatch, keys_before):
    existing = [k["AccessKeyId"] for k in make_user(keys=keys_before)]
    aws = context()
    real = aws.client("iam")
    losing = LosesFirstCreate(real)
    monkeypatch.setattr(aws, "client", lambda service: losing if service == "iam" else real)
    if keys_before == 1:
        # The retry meets AWS's two-key limit, since the lost attempt made the second key.
        result = ak.run(aws, params(active_keys=2), check_mode=False, diff=False)
    else:
        result = ak.run(aws, params(active_keys=1), check_mode=False, diff=False)
    [created] = result["created_keys"]
    assert losing.lost and losing.lost[0] != created["id"]
    # Only the keys known before and the one whose secret was handed over remain.
    assert sorted(k for k, _status in aws_keys()) == sorted(existing + [created["id"]])


def test_a_key_another_run_made_meanwhile_is_left_alone(context, monkeypatch):
    [existing] = [k["AccessKeyId"] for k in make_user(keys=1)]
    aws = context()
    real = aws.client("iam")
    other_run = []

    class AnotherRunFirst:
        def __getattr__(self, name):
            return getattr(real, name)

        def call(self, method, resource=None, **kwargs):
            if method == "create_access_key" and not other_run:
                # A concurrent run creates the second key between our read and our create.
                other_run.append(iam().create_access_key(UserName=USER)["AccessKey"]["AccessKeyId"])
            return real.call(method, resource=resource, **kwargs)

    monkeypatch.setattr(aws, "client", lambda service: AnotherRunFirst() if service == "iam" else real)
    with pytest.raises(AwsError) as caught:
        ak.run(aws, params(active_keys=2), check_mode=False, diff=False)
    assert caught.value.code == "LimitExceeded"
    assert sorted(k for k, _status in aws_keys()) == sorted([existing] + other_run)
