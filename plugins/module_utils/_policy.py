# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Policy documents: parse, normalise, compare.

AWS stores a policy document the way it was written, so the same policy can come
back as a JSON string or a dict, with ``Action: "s3:GetObject"`` or
``Action: ["s3:GetObject"]``, statements in any order. Comparing the normalised
forms means a re-run never reports a change that is only formatting.
"""

from __future__ import annotations

import json

try:
    from urllib.parse import unquote
except ImportError:  # pragma: no cover - Python 2 is not supported
    unquote = None

DEFAULT_VERSION = "2008-10-17"
# Elements whose value is a string or a list of strings, order meaningless.
_LIST_ELEMENTS = ("Action", "NotAction", "Resource", "NotResource")
# Action names are case-insensitive in IAM; resources and principals are not.
_CASE_INSENSITIVE = ("Action", "NotAction")


class PolicyError(ValueError):
    """A policy document that cannot be parsed or is not a policy."""


def parse(document, what="policy document"):
    """Return ``document`` (JSON text, URL-encoded JSON text or a dict) as a dict."""
    if isinstance(document, dict):
        return document
    if not isinstance(document, str):
        raise PolicyError("%s must be a JSON object or a JSON string, got %s" % (what, type(document).__name__))
    text = document.strip()
    if text.startswith("%7B") or text.startswith("%7b"):
        text = unquote(text)
    try:
        value = json.loads(text)
    except ValueError as exc:
        # Quote the text around the error, so the message shows the value that is wrong.
        pos = getattr(exc, "pos", None)
        near = "" if pos is None else " near %r" % text[max(pos - 20, 0):pos + 20]
        raise PolicyError("%s is not valid JSON: %s%s" % (what, exc, near)) from None
    if not isinstance(value, dict):
        raise PolicyError("%s must be a JSON object, got %s" % (what, type(value).__name__))
    return value


def _as_sorted_list(value, lower=False):
    items = value if isinstance(value, list) else [value]
    out = set()
    for item in items:
        if isinstance(item, str):
            out.add(item.lower() if lower else item)
        else:
            out.add(json.dumps(item, sort_keys=True))
    return sorted(out)


def _aws_principal(value):
    # IAM stores an account id given as principal as that account's root ARN.
    if isinstance(value, str) and len(value) == 12 and value.isdigit():
        return "arn:aws:iam::%s:root" % value
    return value


def _normalise_principal(principal):
    if isinstance(principal, dict):
        out = {}
        for key, value in sorted(principal.items()):
            values = value if isinstance(value, list) else [value]
            if key == "AWS":
                values = [_aws_principal(v) for v in values]
            out[key] = _as_sorted_list(values)
        return out
    return principal


def _normalise_condition(condition):
    if not isinstance(condition, dict):
        return condition
    out = {}
    for operator, block in condition.items():
        if isinstance(block, dict):
            # Condition key names are case-insensitive in IAM (aws:SourceIp == AWS:SourceIP).
            out[operator] = {key.lower(): _as_sorted_list(value) for key, value in block.items()}
        else:
            out[operator] = block
    return out


def _normalise_statement(statement):
    if not isinstance(statement, dict):
        raise PolicyError("each Statement must be a JSON object, got %s" % type(statement).__name__)
    out = {}
    for key, value in statement.items():
        if key in _LIST_ELEMENTS:
            out[key] = _as_sorted_list(value, lower=key in _CASE_INSENSITIVE)
        elif key in ("Principal", "NotPrincipal"):
            out[key] = _normalise_principal(value)
        elif key == "Condition":
            out[key] = _normalise_condition(value)
        else:
            out[key] = value
    return out


def normalise(document, what="policy document"):
    """Return the canonical form of a policy document (a dict)."""
    policy = parse(document, what)
    statements = policy.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list):
        raise PolicyError("%s: Statement must be an object or a list of objects" % what)
    normalised = [_normalise_statement(s) for s in statements]
    unique = {json.dumps(s, sort_keys=True): s for s in normalised}
    out = dict(policy)
    out["Version"] = policy.get("Version", DEFAULT_VERSION)
    out["Statement"] = [unique[key] for key in sorted(unique)]
    return out


def equal(left, right):
    """True when two policy documents grant the same thing, formatting aside."""
    if left is None or right is None:
        return left is right
    return json.dumps(normalise(left), sort_keys=True) == json.dumps(normalise(right), sort_keys=True)


def to_json(document):
    """Compact, stable JSON text of a document, as sent to AWS."""
    return json.dumps(parse(document), sort_keys=True, separators=(",", ":"))
