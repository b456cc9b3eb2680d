"""Virtual MFA devices (plugins/module_utils/_iam_virtual_mfa_device.py)."""

from __future__ import annotations

import datetime
import json

import boto3
import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from botocore.stub import ANY, Stubber
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP
from moto.core import DEFAULT_ACCOUNT_ID
from moto.iam.models import iam_backends

from ansible_collections.hardening.aws.plugins.module_utils import _delivery, _totp
from ansible_collections.hardening.aws.plugins.module_utils import _iam_virtual_mfa_device as mfa
from ansible_collections.hardening.aws.plugins.module_utils._aws import AwsClient, AwsError, HardeningError
from ansible_collections.hardening.aws.plugins.module_utils._module import execute

USER = "breakglass"
SERIAL = "arn:aws:iam::%s:mfa/%s" % (DEFAULT_ACCOUNT_ID, USER)
SECRET = "hardening/mfa-seeds/%s" % USER
MUTATING = {
    "iam:CreateVirtualMFADevice",
    "iam:EnableMFADevice",
    "iam:DeactivateMFADevice",
    "iam:DeleteVirtualMFADevice",
    "secretsmanager:CreateSecret",
    "secretsmanager:PutSecretValue",
    "ssm:PutParameter",
}


def params(**options):
    spec = mfa.MODULE_SPEC
    result = ArgumentSpecValidator(spec.argument_spec, **spec.validator_kwargs()).validate(options)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


# --- validate -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options, field, message",
    [
        (dict(user_name="bob smith"), "user_name", "user_name 'bob smith' is not a valid IAM user name"),
        (dict(user_name="u", name="my device"), "name", "name 'my device' is not a valid MFA device name"),
        (dict(user_name="u", name="d" * 227), "name", "it must be 1 to 226 characters long, not 227"),
        (dict(user_name="u", path="ops"), "path", "path 'ops' is not a valid IAM path"),
        (
            dict(user_name="ops,team"),
            "secret_name",
            "secret_name 'hardening/mfa-seeds/ops,team' is not a valid name for store=secretsmanager: "
            "Secrets Manager names are 1 to 512 ASCII letters, digits and / _ + = . @ - (it is the default; "
            "set secret_name)",
        ),
        (
            dict(user_name="u", store="ssm", secret_name="vault/mfa"),
            "secret_name",
            "secret_name 'vault/mfa' is not a valid name for store=ssm: an SSM parameter name with a hierarchy must "
            "start with /",
        ),
        (dict(user_name="u", store="ssm", secret_name="/aws/x"), "secret_name", "SSM reserves names"),
        (dict(user_name="u@x", store="ssm"), "secret_name", "SSM parameter names are letters, digits and _ . -"),
    ],
)
def test_validate_rejects(options, field, message):
    with pytest.raises(HardeningError) as info:
        mfa.validate(params(**options))
    assert message in info.value.msg
    assert info.value.details == {"option": field}


@pytest.mark.parametrize(
    "options",
    [
        dict(user_name="breakglass"),
        dict(user_name="a.b@example.com"),  # allowed in Secrets Manager names
        dict(user_name="u", store="ssm"),
        dict(user_name="u", store="ssm", secret_name="plainname"),
        dict(user_name="ops,team", store="none"),
        dict(user_name="ops,team", state="absent"),
        dict(user_name="u", name="dev", path="/breakglass/"),
    ],
)
def test_validate_accepts(options):
    mfa.validate(params(**options))


def test_default_secret_names():
    assert mfa.default_secret_name("secretsmanager", "bob") == "hardening/mfa-seeds/bob"
    assert mfa.default_secret_name("ssm", "bob") == "/hardening/mfa-seeds/bob"
    assert mfa.default_secret_name("none", "bob") is None


def test_seed_is_a_no_log_free_module_output_but_options_are_marked():
    spec = mfa.MODULE_SPEC.argument_spec
    assert spec["store"]["default"] == "secretsmanager"
    assert spec["secret_name"]["no_log"] is False and spec["kms_key_id"]["no_log"] is False
    # The shared delivery spec stays as it was for the other modules.
    assert _delivery.DELIVERY_ARGUMENT_SPEC["store"]["default"] == "none"


# --- pure planning ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "serial, virtual, label",
    [
        ("arn:aws:iam::123456789012:mfa/bob", True, "mfa/bob"),
        ("arn:aws:iam::123456789012:mfa/ops/bob", True, "mfa/ops/bob"),
        ("arn:aws-us-gov:iam::123456789012:mfa/bob", True, "mfa/bob"),
        ("GAHT12345678", False, "GAHT12345678"),
        ("arn:aws:iam::123456789012:u2f/user/bob/key-ABC", False, "arn:aws:iam::123456789012:u2f/user/bob/key-ABC"),
    ],
)
def test_serial_kinds(serial, virtual, label):
    assert mfa.is_virtual(serial) is virtual
    assert mfa.label(serial) == label


def device(serial):
    return {"serial_number": serial, "enable_date": None, "virtual": mfa.is_virtual(serial)}


V1 = "arn:aws:iam::123456789012:mfa/u"
V2 = "arn:aws:iam::123456789012:mfa/ops/second"
HW = "GAHT12345678"

PLANS = [
    pytest.param(
        [],
        dict(user_name="u"),
        [
            {"action": "create", "device": "mfa/u"},
            {"action": "enable", "device": "mfa/u", "user_name": "u"},
            {"action": "deliver", "store": "secretsmanager", "secret_name": "hardening/mfa-seeds/u"},
        ],
        id="present-creates-and-delivers",
    ),
    pytest.param(
        [],
        dict(user_name="u", name="dev", path="/ops/", store="ssm", secret_name="/vault/u"),
        [
            {"action": "create", "device": "mfa/ops/dev"},
            {"action": "enable", "device": "mfa/ops/dev", "user_name": "u"},
            {"action": "deliver", "store": "ssm", "secret_name": "/vault/u"},
        ],
        id="present-named-ssm",
    ),
    pytest.param(
        [],
        dict(user_name="u", store="none"),
        [
            {"action": "create", "device": "mfa/u"},
            {"action": "enable", "device": "mfa/u", "user_name": "u"},
            {"action": "return_seed"},
        ],
        id="present-returns-seed",
    ),
    pytest.param([device(V1)], dict(user_name="u"), [], id="present-has-virtual"),
    pytest.param([device(HW)], dict(user_name="u"), [], id="present-has-hardware"),
    pytest.param([device(V2)], dict(user_name="u", name="other"), [], id="present-any-device-counts"),
    pytest.param([], dict(user_name="u", state="absent"), [], id="absent-nothing"),
    pytest.param([device(HW)], dict(user_name="u", state="absent"), [], id="absent-keeps-hardware"),
    pytest.param(
        [device(V1), device(HW), device(V2)],
        dict(user_name="u", state="absent"),
        [
            {"action": "deactivate", "serial_number": V1, "user_name": "u"},
            {"action": "delete", "serial_number": V1},
            {"action": "deactivate", "serial_number": V2, "user_name": "u"},
            {"action": "delete", "serial_number": V2},
        ],
        id="absent-every-virtual",
    ),
    pytest.param(
        [device(V1), device(V2)],
        dict(user_name="u", name="second", state="absent"),
        [
            {"action": "deactivate", "serial_number": V2, "user_name": "u"},
            {"action": "delete", "serial_number": V2},
        ],
        id="absent-by-name",
    ),
]


@pytest.mark.parametrize("devices, options, expected", PLANS)
def test_plan(devices, options, expected):
    assert mfa.plan(devices, params(**options)) == expected


@pytest.mark.parametrize("devices, options, expected", PLANS)
def test_every_step_describes_itself(devices, options, expected):
    for step in mfa.plan(devices, params(**options)):
        assert mfa.describe(step)


# --- run against moto: four runs ----------------------------------------------------------------


def backend():
    return iam_backends[DEFAULT_ACCOUNT_ID]["aws"]


@pytest.fixture
def user(aws):
    boto3.client("iam", region_name="us-east-1").create_user(UserName=USER)
    return USER


def converge(context, check_mode, diff=False, **options):
    return mfa.run(context(), params(**options), check_mode=check_mode, diff=diff)


def aws_devices(name=USER):
    return [
        d["SerialNumber"]
        for d in boto3.client("iam", region_name="us-east-1").list_mfa_devices(UserName=name)["MFADevices"]
    ]


def stored(name=SECRET):
    return json.loads(
        boto3.client("secretsmanager", region_name="us-east-1").get_secret_value(SecretId=name)["SecretString"]
    )


def no_secret(name=SECRET):
    client = boto3.client("secretsmanager", region_name="us-east-1")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_secret_value(SecretId=name)
    return True


def assert_enabled_with_codes_an_authenticator_gives(serial, seed, user_name=USER):
    """moto accepts any codes, so check the ones it was sent against the seed ourselves."""
    sent = backend().users[user_name].mfa_devices[serial]
    enabled = sent.enable_date.replace(tzinfo=datetime.timezone.utc).timestamp()
    app = TOTP(_totp.decode_base32(seed), 6, SHA1(), 30, enforce_key_length=False)  # noqa: S303 - RFC 6238 is SHA1
    # The codes were computed just before the call moto timed: the same 30 s step, or the one before.
    candidates = [(app.generate(t - 30).decode(), app.generate(t).decode()) for t in (enabled, enabled - 30)]
    assert (sent.authentication_code_1, sent.authentication_code_2) in candidates


def test_four_runs_create(context, user, api_calls):
    check = converge(context, True, diff=True, user_name=USER)
    assert check["changed"] is True and check["mfa_devices"] == []
    assert check["plan"] == [
        "create virtual MFA device mfa/breakglass",
        "enable mfa/breakglass for user breakglass with two consecutive TOTP codes from its seed",
        "deliver the seed to Secrets Manager secret hardening/mfa-seeds/breakglass",
    ]
    assert check["diff"] == {
        "before": {"user_name": USER, "mfa_devices": []},
        "after": {"user_name": USER, "mfa_devices": ["mfa/breakglass"]},
    }
    assert aws_devices() == [] and no_secret()
    assert api_calls.actions == ["iam:ListMFADevices"]

    api_calls.clear()
    apply = converge(context, False, diff=True, user_name=USER)
    assert apply["changed"] is True
    assert apply["plan"] == check["plan"]
    assert [d["serial_number"] for d in apply["mfa_devices"]] == [SERIAL] and apply["mfa_devices"][0]["virtual"]
    assert apply["diff"] == check["diff"]
    assert aws_devices() == [SERIAL]
    secret = stored()
    seed = backend().virtual_mfa_devices[SERIAL].base32_string_seed
    assert secret == {
        "user_name": USER,
        "serial_number": SERIAL,
        "seed": seed,
        "type": "totp",
        "algorithm": "SHA1",
        "digits": 6,
        "period": 30,
    }
    assert apply["delivery"]["store"] == "secretsmanager" and apply["delivery"]["name"] == SECRET
    assert seed not in json.dumps(apply) and "seed" not in apply
    assert_enabled_with_codes_an_authenticator_gives(SERIAL, secret["seed"])
    assert api_calls.actions == [
        "iam:ListMFADevices",
        "iam:CreateVirtualMFADevice",
        "iam:EnableMFADevice",
        "secretsmanager:PutSecretValue",
        "secretsmanager:CreateSecret",
        "iam:ListMFADevices",
    ]

    for check_mode in (True, False):
        api_calls.clear()
        again = converge(context, check_mode, diff=True, user_name=USER)
        assert again["changed"] is False and again["plan"] == []
        assert (
            again["diff"]["before"] == again["diff"]["after"] == {"user_name": USER, "mfa_devices": ["mfa/breakglass"]}
        )
        assert api_calls.actions == ["iam:ListMFADevices"]  # a converged run costs one call
    assert stored() == secret  # the seed is not sent again


def test_four_runs_remove(context, user, api_calls):
    converge(context, False, user_name=USER)
    api_calls.clear()

    check = converge(context, True, diff=True, user_name=USER, state="absent")
    assert check["changed"] is True
    assert check["plan"] == [
        "deactivate MFA device %s of user %s" % (SERIAL, USER),
        "delete virtual MFA device %s" % SERIAL,
    ]
    assert check["diff"]["after"] == {"user_name": USER, "mfa_devices": []}
    assert aws_devices() == [SERIAL]
    assert not MUTATING & set(api_calls.actions)

    api_calls.clear()
    apply = converge(context, False, user_name=USER, state="absent")
    assert apply["changed"] is True and apply["mfa_devices"] == [] and apply["plan"] == check["plan"]
    assert api_calls.actions == [
        "iam:ListMFADevices",
        "iam:DeactivateMFADevice",
        "iam:DeleteVirtualMFADevice",
        "iam:ListMFADevices",
    ]
    assert aws_devices() == [] and SERIAL not in backend().virtual_mfa_devices

    for check_mode in (True, False):
        again = converge(context, check_mode, user_name=USER, state="absent")
        assert again == {"changed": False, "user_name": USER, "mfa_devices": [], "plan": []}


def test_a_person_s_own_device_counts_and_stays(context, user):
    iam = boto3.client("iam", region_name="us-east-1")
    iam.enable_mfa_device(UserName=USER, SerialNumber=HW, AuthenticationCode1="123456", AuthenticationCode2="654321")
    assert converge(context, False, user_name=USER)["changed"] is False
    assert converge(context, False, user_name=USER, state="absent")["changed"] is False
    assert aws_devices() == [HW]


def test_absent_by_name_leaves_the_other_device(context, user):
    iam = boto3.client("iam", region_name="us-east-1")
    converge(context, False, user_name=USER)
    other = iam.create_virtual_mfa_device(VirtualMFADeviceName="phone")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName=USER, SerialNumber=other, AuthenticationCode1="123456", AuthenticationCode2="654321")
    result = converge(context, False, user_name=USER, name="phone", state="absent")
    assert result["changed"] is True and aws_devices() == [SERIAL]


def test_path_and_name(context, user):
    result = converge(context, False, user_name=USER, name="vault-1", path="/breakglass/")
    serial = "arn:aws:iam::%s:mfa/breakglass/vault-1" % DEFAULT_ACCOUNT_ID
    assert [d["serial_number"] for d in result["mfa_devices"]] == [serial]
    assert stored()["serial_number"] == serial


def test_seed_to_ssm(context, user):
    result = converge(context, False, user_name=USER, store="ssm")
    ssm = boto3.client("ssm", region_name="us-east-1")
    parameter = ssm.get_parameter(Name="/hardening/mfa-seeds/breakglass", WithDecryption=True)["Parameter"]
    assert parameter["Type"] == "SecureString"
    value = json.loads(parameter["Value"])
    assert value["seed"] == backend().virtual_mfa_devices[SERIAL].base32_string_seed
    assert result["delivery"]["store"] == "ssm" and value["seed"] not in json.dumps(result)


def test_seed_returned_once_with_store_none(context, user):
    result = converge(context, False, user_name=USER, store="none")
    assert result["seed"] == backend().virtual_mfa_devices[SERIAL].base32_string_seed
    assert "delivery" not in result
    assert result["plan"][-1] == "return the seed in this task's result (store=none)"
    assert_enabled_with_codes_an_authenticator_gives(SERIAL, result["seed"])
    assert "seed" not in converge(context, False, user_name=USER, store="none")


def test_seed_never_in_the_diff(context, user):
    result = converge(context, False, diff=True, user_name=USER, store="none")
    assert result["seed"] not in json.dumps(result["diff"])


def test_a_missing_user(context, aws, api_calls):
    with pytest.raises(HardeningError) as info:
        converge(context, False, user_name="nobody")
    assert info.value.msg == "user_name 'nobody': there is no such IAM user in this account"
    assert converge(context, False, user_name="nobody", state="absent")["changed"] is False
    assert api_calls.actions == ["iam:ListMFADevices", "iam:ListMFADevices"]


def test_a_leftover_unassigned_device_is_replaced(context, user, api_calls):
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_virtual_mfa_device(VirtualMFADeviceName=USER)
    old_seed = backend().virtual_mfa_devices[SERIAL].base32_string_seed
    api_calls.clear()
    result = converge(context, False, user_name=USER)
    assert result["changed"] is True
    assert result["plan"][0] == "delete unassigned virtual MFA device %s left from an earlier attempt" % SERIAL
    new_seed = stored()["seed"]
    assert new_seed == backend().virtual_mfa_devices[SERIAL].base32_string_seed != old_seed
    assert api_calls.actions[:5] == [
        "iam:ListMFADevices",
        "iam:CreateVirtualMFADevice",
        "iam:ListVirtualMFADevices",
        "iam:DeleteVirtualMFADevice",
        "iam:CreateVirtualMFADevice",
    ]
    assert api_calls.params_of("iam:ListVirtualMFADevices") == [{"AssignmentStatus": "Unassigned"}]


def test_a_device_name_taken_by_another_user_fails_and_changes_nothing(context, user):
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_user(UserName="someone")
    taken = iam.create_virtual_mfa_device(VirtualMFADeviceName="shared")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(
        UserName="someone", SerialNumber=taken, AuthenticationCode1="123456", AuthenticationCode2="654321"
    )
    with pytest.raises(HardeningError) as info:
        converge(context, False, user_name=USER, name="shared")
    assert "a virtual MFA device named /shared already exists in this account and is assigned to another user" in (
        info.value.msg
    )
    assert aws_devices() == [] and aws_devices("someone") == [taken]


# --- failures after the device exists: the user is left as before ----------------------------


def test_failed_delivery_removes_the_device(context, user, monkeypatch, api_calls):
    def refuse(*_args, **_kwargs):
        raise AwsError(
            "Secrets Manager CreateSecret failed for secret x: AccessDeniedException: no", code="AccessDeniedException"
        )

    deliver = _delivery.deliver
    monkeypatch.setattr(_delivery, "deliver", refuse)
    with pytest.raises(HardeningError) as info:
        converge(context, False, user_name=USER)
    assert info.value.msg.startswith(
        "delivering the seed to Secrets Manager secret hardening/mfa-seeds/breakglass failed: "
        "Secrets Manager CreateSecret failed"
    )
    assert info.value.msg.endswith("The new device %s was removed again; the user is as before." % SERIAL)
    assert info.value.details["error"]["code"] == "AccessDeniedException"
    assert aws_devices() == [] and backend().virtual_mfa_devices == {}
    assert api_calls.actions[-2:] == ["iam:DeactivateMFADevice", "iam:DeleteVirtualMFADevice"]
    # And the next run starts from scratch.
    monkeypatch.setattr(_delivery, "deliver", deliver)
    assert converge(context, False, user_name=USER)["changed"] is True


def test_failed_delivery_and_failed_cleanup_says_so(context, user, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AwsError("delivery refused")

    monkeypatch.setattr(_delivery, "deliver", refuse)
    original = AwsClient.call

    def call(self, method, **kwargs):
        if method == "delete_virtual_mfa_device":
            raise AwsError("IAM DeleteVirtualMFADevice failed: AccessDenied: no", code="AccessDenied")
        return original(self, method, **kwargs)

    monkeypatch.setattr(AwsClient, "call", call)
    with pytest.raises(HardeningError) as info:
        converge(context, False, user_name=USER)
    assert "Removing the new device %s failed as well (IAM DeleteVirtualMFADevice failed" % SERIAL in info.value.msg
    assert info.value.msg.endswith("deactivate and delete it by hand.")
    assert info.value.details["serial_number"] == SERIAL


class StubbedAws:
    def __init__(self, client):
        self.iam = AwsClient(client, "iam", sleep=lambda s: pytest.fail("no waiting expected"))

    def client(self, service):
        assert service == "iam", "nothing is delivered when enabling fails"
        return self.iam


def test_failed_enable_deletes_the_new_device():
    client = boto3.client(
        "iam", region_name="us-east-1", aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x"
    )
    seed = b"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    with Stubber(client) as stub:
        stub.add_response("list_mfa_devices", {"MFADevices": [], "IsTruncated": False}, {"UserName": USER})
        stub.add_response(
            "create_virtual_mfa_device",
            {"VirtualMFADevice": {"SerialNumber": SERIAL, "Base32StringSeed": seed, "QRCodePNG": b"png"}},
            {"VirtualMFADeviceName": USER, "Path": "/"},
        )
        stub.add_client_error(
            "enable_mfa_device",
            service_error_code="InvalidAuthenticationCode",
            service_message="Authentication code for device is not valid.",
            http_status_code=403,
            expected_params={
                "UserName": USER,
                "SerialNumber": SERIAL,
                "AuthenticationCode1": ANY,
                "AuthenticationCode2": ANY,
            },
        )
        stub.add_response("delete_virtual_mfa_device", {}, {"SerialNumber": SERIAL})
        with pytest.raises(HardeningError) as info:
            mfa.run(StubbedAws(client), params(user_name=USER), check_mode=False, diff=False)
        stub.assert_no_pending_responses()
    assert info.value.msg.startswith("enabling the new MFA device failed: IAM EnableMFADevice failed")
    assert "InvalidAuthenticationCode" in info.value.msg and "the user is as before" in info.value.msg
    assert "JBSWY3DP" not in info.value.msg


def test_execute_rejects_bad_input_before_any_aws_call(api_calls):
    def factory(_params):
        raise AssertionError("validation must come first")

    result = execute(mfa.MODULE_SPEC, params(user_name="u", path="no-slash"), False, False, context_factory=factory)
    assert result["failed"] is True and "path 'no-slash' is not a valid IAM path" in result["msg"]
    assert api_calls.calls == []


@pytest.mark.parametrize("diff", [True, False])
def test_diff_only_when_asked(context, user, diff):
    result = execute(mfa.MODULE_SPEC, params(user_name=USER), True, diff, context_factory=context)
    assert ("diff" in result) is diff
