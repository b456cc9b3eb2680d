"""Policy documents: parse, normalise and compare (plugins/module_utils/_policy.py)."""

from __future__ import annotations

import copy
import json
import re
from urllib.parse import quote

import pytest

from ansible_collections.hardening.aws.plugins.module_utils import _policy
from ansible_collections.hardening.aws.plugins.module_utils._policy import PolicyError

BUCKET = "arn:aws:s3:::example-bucket"
OBJECTS = "arn:aws:s3:::example-bucket/*"
ALICE = "arn:aws:iam::123456789012:user/alice"
BOB = "arn:aws:iam::123456789012:user/bob"


def doc(*statements, version="2012-10-17"):
    out = {"Statement": list(statements)}
    if version is not None:
        out["Version"] = version
    return out


def stmt(effect="Allow", action="s3:GetObject", resource=OBJECTS, **extra):
    out = {"Effect": effect, "Action": action, "Resource": resource}
    out.update(extra)
    return out


def not_action(actions, resource=OBJECTS):
    return {"Effect": "Allow", "NotAction": actions, "Resource": resource}


def lower_hex(text):
    """URL-encoded text with lowercase escapes (%7b instead of %7B): both are valid."""
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), text)


READ = stmt(action=["s3:GetObject", "s3:ListBucket"], resource=[BUCKET, OBJECTS])
DENY_DELETE = stmt(effect="Deny", action="s3:DeleteObject")
CONDITIONED = stmt(
    Condition={
        "IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]},
        "StringEquals": {"aws:PrincipalTag/team": "red"},
    }
)
WITH_PRINCIPAL = stmt(Principal={"AWS": [ALICE, BOB], "Service": "ec2.amazonaws.com"})


# Pairs that grant the same thing and must compare equal.
EQUAL = [
    pytest.param(doc(stmt(action="s3:GetObject")), doc(stmt(action=["s3:GetObject"])), id="action-string-vs-list"),
    pytest.param(doc(stmt(resource=OBJECTS)), doc(stmt(resource=[OBJECTS])), id="resource-string-vs-list"),
    pytest.param(
        doc(stmt(action=["s3:ListBucket", "s3:GetObject"])),
        doc(stmt(action=["s3:GetObject", "s3:ListBucket"])),
        id="action-list-order",
    ),
    pytest.param(
        doc(stmt(resource=[OBJECTS, BUCKET])), doc(stmt(resource=[BUCKET, OBJECTS])), id="resource-list-order"
    ),
    pytest.param(doc(READ, DENY_DELETE), doc(DENY_DELETE, READ), id="statement-order"),
    pytest.param(doc(READ), json.dumps(doc(READ)), id="dict-vs-json-string"),
    pytest.param(json.dumps(doc(READ), indent=4), json.dumps(doc(READ), separators=(",", ":")), id="json-whitespace"),
    pytest.param(doc(READ), quote(json.dumps(doc(READ)), safe=""), id="dict-vs-url-encoded-json"),
    pytest.param(doc(READ), lower_hex(quote(json.dumps(doc(READ)), safe="")), id="url-encoded-lowercase-hex"),
    pytest.param(doc(READ), "\n  " + json.dumps(doc(READ)) + "\n", id="json-with-surrounding-whitespace"),
    pytest.param(
        doc(stmt(action=["S3:GetObject", "s3:listbucket"])),
        doc(stmt(action=["s3:getobject", "s3:ListBucket"])),
        id="action-case",
    ),
    pytest.param(doc(not_action("IAM:*")), doc(not_action(["iam:*"])), id="notaction-case-and-list"),
    pytest.param(doc(stmt(NotResource=BUCKET)), doc(stmt(NotResource=[BUCKET])), id="notresource-string-vs-list"),
    pytest.param(
        doc(WITH_PRINCIPAL),
        doc(stmt(Principal={"Service": ["ec2.amazonaws.com"], "AWS": [BOB, ALICE]})),
        id="principal-value-order-and-list",
    ),
    pytest.param(
        doc(stmt(NotPrincipal={"AWS": [BOB, ALICE]})),
        doc(stmt(NotPrincipal={"AWS": [ALICE, BOB]})),
        id="notprincipal-order",
    ),
    pytest.param(
        doc(CONDITIONED),
        doc(
            stmt(
                Condition={
                    "StringEquals": {"aws:PrincipalTag/team": ["red"]},
                    "IpAddress": {"aws:SourceIp": ["192.168.0.0/16", "10.0.0.0/8"]},
                }
            )
        ),
        id="condition-value-order-and-list",
    ),
    pytest.param(
        doc(stmt(Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})),
        doc(stmt(Condition={"Bool": {"aws:MultiFactorAuthPresent": True}})),
        id="condition-bool-string-vs-json-bool",
    ),
    pytest.param(doc(READ, READ), doc(READ), id="duplicate-statements"),
    pytest.param(
        doc(stmt(action=["s3:GetObject", "s3:getobject"])), doc(stmt(action="s3:GetObject")), id="duplicate-actions"
    ),
    pytest.param(doc(READ, version=None), doc(READ, version="2008-10-17"), id="missing-version-is-2008-10-17"),
    pytest.param({"Version": "2012-10-17", "Statement": READ}, doc(READ), id="single-statement-object-vs-list"),
    pytest.param(None, None, id="both-none"),
]

# Pairs that differ in what they grant and must compare unequal.
UNEQUAL = [
    pytest.param(doc(stmt(effect="Allow")), doc(stmt(effect="Deny")), id="effect"),
    pytest.param(doc(stmt(resource=OBJECTS)), doc(stmt(resource=BUCKET)), id="resource"),
    pytest.param(doc(stmt(resource=[OBJECTS, BUCKET])), doc(stmt(resource=[OBJECTS])), id="resource-list-shorter"),
    pytest.param(
        doc(stmt(resource="arn:aws:s3:::Example-Bucket/*")),
        doc(stmt(resource="arn:aws:s3:::example-bucket/*")),
        id="resource-case-matters",
    ),
    pytest.param(doc(stmt(action="s3:GetObject")), doc(stmt(action="s3:PutObject")), id="action"),
    pytest.param(doc(stmt(action="s3:GetObject")), doc(not_action("s3:GetObject")), id="action-vs-notaction"),
    pytest.param(doc(CONDITIONED), doc(stmt()), id="condition-removed"),
    pytest.param(
        doc(stmt(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})),
        doc(stmt(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/16"}})),
        id="condition-value",
    ),
    pytest.param(
        doc(stmt(Condition={"StringEquals": {"aws:PrincipalTag/team": "red"}})),
        doc(stmt(Condition={"StringLike": {"aws:PrincipalTag/team": "red"}})),
        id="condition-operator",
    ),
    pytest.param(doc(stmt(Principal={"AWS": ALICE})), doc(stmt(Principal={"AWS": BOB})), id="principal"),
    pytest.param(doc(READ), doc(READ, DENY_DELETE), id="extra-statement"),
    pytest.param(doc(READ, version="2012-10-17"), doc(READ, version="2008-10-17"), id="version"),
    pytest.param(doc(READ, version=None), doc(READ, version="2012-10-17"), id="missing-version-is-not-2012"),
    pytest.param(doc(stmt(Sid="A")), doc(stmt(Sid="B")), id="sid"),
    pytest.param(doc(READ), None, id="one-none"),
    pytest.param(None, doc(READ), id="other-none"),
]


@pytest.mark.parametrize("left, right", EQUAL)
def test_equal_when_only_formatting_differs(left, right):
    first, second = left, right
    assert _policy.equal(first, second) is True
    assert _policy.equal(second, first) is True


@pytest.mark.parametrize("left, right", UNEQUAL)
def test_unequal_when_the_grant_differs(left, right):
    first, second = left, right
    assert _policy.equal(first, second) is False
    assert _policy.equal(second, first) is False


def test_normalise_canonical_form():
    text = json.dumps(
        {
            "Statement": [
                {"Effect": "Deny", "Action": "S3:DeleteObject", "Resource": OBJECTS},
                {
                    "Effect": "Allow",
                    "Action": ["s3:ListBucket", "S3:GetObject", "s3:getobject"],
                    "Resource": OBJECTS,
                    "Principal": {"AWS": [BOB, ALICE]},
                    "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
                },
            ]
        }
    )
    assert _policy.normalise(text) == {
        "Version": "2008-10-17",
        # Statements come in the order of their canonical JSON text.
        "Statement": [
            {"Action": ["s3:deleteobject"], "Effect": "Deny", "Resource": [OBJECTS]},
            {
                "Action": ["s3:getobject", "s3:listbucket"],
                "Condition": {"IpAddress": {"aws:sourceip": ["10.0.0.0/8"]}},
                "Effect": "Allow",
                "Principal": {"AWS": [ALICE, BOB]},
                "Resource": [OBJECTS],
            },
        ],
    }


def test_normalise_keeps_version_and_other_top_level_keys():
    out = _policy.normalise({"Version": "2012-10-17", "Id": "policy-1", "Statement": []})
    assert out == {"Version": "2012-10-17", "Id": "policy-1", "Statement": []}


def test_normalise_does_not_modify_its_input():
    document = doc(READ, DENY_DELETE, version=None)
    before = copy.deepcopy(document)
    _policy.normalise(document)
    assert document == before


def test_principal_wildcard_string_is_kept():
    out = _policy.normalise(doc(stmt(Principal="*")))
    assert out["Statement"][0]["Principal"] == "*"


@pytest.mark.parametrize(
    "document, message",
    [
        pytest.param("{not json", "policy document is not valid JSON: ", id="invalid-json"),
        pytest.param("", "policy document is not valid JSON: ", id="empty-string"),
        pytest.param("%7Bnot json", "policy document is not valid JSON: ", id="invalid-url-encoded-json"),
        pytest.param("[1, 2]", "policy document must be a JSON object, got list", id="json-list"),
        pytest.param('"text"', "policy document must be a JSON object, got str", id="json-string"),
        pytest.param("null", "policy document must be a JSON object, got NoneType", id="json-null"),
        pytest.param(42, "policy document must be a JSON object or a JSON string, got int", id="int"),
        pytest.param(
            [{"Effect": "Allow"}], "policy document must be a JSON object or a JSON string, got list", id="list"
        ),
        pytest.param(b"{}", "policy document must be a JSON object or a JSON string, got bytes", id="bytes"),
        pytest.param(
            {"Statement": "Allow"},
            "policy document: Statement must be an object or a list of objects",
            id="statement-string",
        ),
        pytest.param(
            {"Statement": ["Allow"]}, "each Statement must be a JSON object, got str", id="statement-item-string"
        ),
    ],
)
def test_errors_name_the_problem(document, message):
    with pytest.raises(PolicyError) as info:
        _policy.normalise(document)
    assert str(info.value).startswith(message)
    assert isinstance(info.value, ValueError)


def test_errors_name_the_document():
    with pytest.raises(PolicyError, match=r"^trust policy of role admin is not valid JSON: "):
        _policy.normalise("{", what="trust policy of role admin")


def test_equal_raises_on_invalid_documents():
    with pytest.raises(PolicyError):
        _policy.equal(doc(READ), "{")


def test_parse_returns_a_dict_for_each_input_form():
    expected = doc(READ)
    for form in (expected, json.dumps(expected), quote(json.dumps(expected), safe="")):
        assert _policy.parse(form) == expected


@pytest.mark.parametrize(
    "document",
    [doc(READ), json.dumps(doc(READ), indent=2), quote(json.dumps(doc(READ)), safe="")],
    ids=["dict", "json", "url-encoded"],
)
def test_to_json_is_compact_and_stable(document):
    text = _policy.to_json(document)
    assert text == json.dumps(doc(READ), sort_keys=True, separators=(",", ":"))
    assert " " not in text


def test_condition_key_names_are_case_insensitive():
    left = doc(stmt(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
    right = doc(stmt(Condition={"IpAddress": {"AWS:SourceIP": "10.0.0.0/8"}}))
    assert _policy.equal(left, right)


def test_account_id_principal_equals_its_root_arn():
    def trust(principal):
        return doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": principal}})

    written, stored = trust("123456789012"), trust("arn:aws:iam::123456789012:root")
    assert _policy.equal(written, stored)
