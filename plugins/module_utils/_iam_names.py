# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IAM's naming rules, checked before any AWS call.

Every message names the field, the value and the rule, so a bad inventory or role
variable is fixed from the error alone.
"""

from __future__ import annotations

import re

from ansible_collections.hardening.aws.plugins.module_utils._aws import HardeningError

_NAME_CHARS = r"[\w+=,.@-]"
_NAME_RULE = "letters, digits and + = , . @ _ -"

# kind -> (label, max length)
NAME_KINDS = {
    "user": ("IAM user name", 64),
    "group": ("IAM group name", 128),
    "role": ("IAM role name", 64),
    "policy": ("IAM policy name", 128),
    "inline_policy": ("inline policy name", 128),
    "instance_profile": ("instance profile name", 128),
    "mfa_device": ("MFA device name", 226),
}
_PATH = re.compile(r"/([\x21-\x7e]*/)?")
_ACCOUNT_ID = re.compile(r"[0-9]{12}")
_POLICY_ARN = re.compile(r"arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/([\x21-\x7e]*/)?[\w+=,.@-]{1,128}", re.ASCII)
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::[0-9]{12}:role/([\x21-\x7e]*/)?[\w+=,.@-]{1,64}", re.ASCII)


def _fail(field, value, kind_label, rule):
    raise HardeningError("%s %r is not a valid %s: %s" % (field, value, kind_label, rule), option=field)


def check_name(kind, value, field="name"):
    """Raise unless ``value`` is a valid IAM name of ``kind`` (see NAME_KINDS)."""
    label, longest = NAME_KINDS[kind]
    if not isinstance(value, str) or not value:
        _fail(field, value, label, "it must be a non-empty string")
    if len(value) > longest:
        _fail(field, value, label, "it must be 1 to %d characters long, not %d" % (longest, len(value)))
    if not re.fullmatch(_NAME_CHARS + "+", value, re.ASCII):
        _fail(field, value, label, "allowed characters are %s" % _NAME_RULE)


def check_names(kind, values, field):
    """check_name for each item of a list option."""
    for value in values or ():
        check_name(kind, value, field)


def check_path(value, field="path"):
    """Raise unless ``value`` is an IAM path: ``/`` or ``/something/``, printable ASCII, 512 at most."""
    if value is None:
        return
    if len(value) > 512 or not _PATH.fullmatch(value):
        _fail(field, value, "IAM path", "it must start and end with / and hold printable ASCII only, 512 at most")


def check_account_id(value, field="account_id"):
    """Raise unless ``value`` is a 12-digit AWS account id."""
    if not isinstance(value, str) or not _ACCOUNT_ID.fullmatch(value):
        _fail(field, value, "AWS account id", "it must be exactly 12 digits")


def check_policy_ref(value, field):
    """A managed policy is given by name or by ARN: check whichever it is."""
    if isinstance(value, str) and value.startswith("arn:"):
        if not _POLICY_ARN.fullmatch(value):
            _fail(field, value, "managed policy ARN", "expected arn:aws:iam::<account id or aws>:policy/[path/]name")
        return
    check_name("policy", value, field)


def check_role_arn(value, field):
    """Raise unless ``value`` is an IAM role ARN."""
    if not isinstance(value, str) or not _ROLE_ARN.fullmatch(value):
        _fail(field, value, "IAM role ARN", "expected arn:aws:iam::<account id>:role/[path/]name")


def check_tags(tags, field="tags"):
    """Tag keys 1-128 and values 0-256 characters, at most 50 tags, no aws: prefix."""
    if not tags:
        return
    if len(tags) > 50:
        raise HardeningError("%s: at most 50 tags are allowed, got %d" % (field, len(tags)), option=field)
    for key, value in tags.items():
        if not 1 <= len(key) <= 128:
            _fail(field, key, "tag key", "it must be 1 to 128 characters long")
        if key.lower().startswith("aws:"):
            _fail(field, key, "tag key", "the aws: prefix is reserved for AWS")
        if value is None or len(str(value)) > 256:
            _fail(field, value, "tag value for %s" % key, "it must be a string of at most 256 characters")
