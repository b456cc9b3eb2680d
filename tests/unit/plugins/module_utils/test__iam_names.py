"""IAM naming rules: every rule, both sides of each boundary, and the message shape."""

from __future__ import annotations

import pytest

from ansible_collections.hardening.aws.plugins.module_utils import _iam_names
from ansible_collections.hardening.aws.plugins.module_utils._aws import HardeningError

GOOD_NAMES = [
    ("user", "alice"),
    ("user", "a"),
    ("user", "x" * 64),
    ("user", "svc+ci=deploy,eu.1@example_com-2"),
    ("group", "g" * 128),
    ("role", "r" * 64),
    ("policy", "p" * 128),
    ("mfa_device", "m" * 226),
]
BAD_NAMES = [
    ("user", "bob smith", "allowed characters"),
    ("user", "", "non-empty"),
    ("user", None, "non-empty"),
    ("user", "x" * 65, "1 to 64 characters long, not 65"),
    ("user", "caf\u00e9", "allowed characters"),
    ("user", "alice\n", "allowed characters"),
    ("group", "g" * 129, "1 to 128"),
    ("role", "r/x", "allowed characters"),
    ("inline_policy", "a:b", "allowed characters"),
]


@pytest.mark.parametrize("kind, value", GOOD_NAMES)
def test_valid_names_pass(kind, value):
    _iam_names.check_name(kind, value, "name")


@pytest.mark.parametrize("kind, value, rule", BAD_NAMES)
def test_invalid_names_fail_naming_field_value_and_rule(kind, value, rule):
    with pytest.raises(HardeningError) as caught:
        _iam_names.check_name(kind, value, "the_field")
    assert caught.value.msg.startswith("the_field %r is not a valid " % (value,))
    assert rule in caught.value.msg
    assert caught.value.details == {"option": "the_field"}


@pytest.mark.parametrize("path", ["/", "/a/", "/division_abc/subdivision_xyz/", "/" + "p" * 510 + "/"])
def test_valid_paths(path):
    _iam_names.check_path(path)


@pytest.mark.parametrize("path", ["", "a/", "/a", "//x", "/a b/", "/" + "p" * 511 + "/", "/\u00e9/"])
def test_invalid_paths(path):
    with pytest.raises(HardeningError, match="not a valid IAM path"):
        _iam_names.check_path(path)


def test_double_slash_is_printable_ascii_and_allowed_inside():
    # AWS's pattern allows any printable ASCII between the slashes, '/' included.
    _iam_names.check_path("/a//b/")


@pytest.mark.parametrize("value", ["123456789012", "000000000001"])
def test_account_ids(value):
    _iam_names.check_account_id(value)


@pytest.mark.parametrize("value", ["12345678901", "1234567890123", "12345678901a", 123456789012, None])
def test_bad_account_ids(value):
    with pytest.raises(HardeningError, match="exactly 12 digits"):
        _iam_names.check_account_id(value, "aws_account_id")


@pytest.mark.parametrize(
    "ref",
    [
        "ReadOnlyAccess",
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
        "arn:aws:iam::123456789012:policy/team/deploy",
        "arn:aws-us-gov:iam::123456789012:policy/x",
    ],
)
def test_policy_refs(ref):
    _iam_names.check_policy_ref(ref, "managed_policies")


@pytest.mark.parametrize(
    "ref, rule",
    [
        ("arn:aws:iam::12345:policy/x", "managed policy ARN"),
        ("arn:aws:s3:::bucket", "managed policy ARN"),
        ("Read Only", "IAM policy name"),
    ],
)
def test_bad_policy_refs(ref, rule):
    with pytest.raises(HardeningError, match=rule):
        _iam_names.check_policy_ref(ref, "managed_policies")


def test_role_arns():
    _iam_names.check_role_arn("arn:aws:iam::123456789012:role/path/Admin", "assume_role_arn")
    for bad in ("arn:aws:iam::123456789012:user/bob", "Admin", "arn:aws:iam::1234:role/x"):
        with pytest.raises(HardeningError, match="IAM role ARN"):
            _iam_names.check_role_arn(bad, "assume_role_arn")


def test_tags():
    _iam_names.check_tags({"team": "payments", "k" * 128: "v" * 256, "empty": ""})
    _iam_names.check_tags(None)
    with pytest.raises(HardeningError, match="at most 50 tags"):
        _iam_names.check_tags({"k%d" % i: "v" for i in range(51)})
    with pytest.raises(HardeningError, match="reserved"):
        _iam_names.check_tags({"aws:createdBy": "x"})
    with pytest.raises(HardeningError, match="1 to 128"):
        _iam_names.check_tags({"k" * 129: "v"})
    with pytest.raises(HardeningError, match="at most 256"):
        _iam_names.check_tags({"k": "v" * 257})
