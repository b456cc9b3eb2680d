from __future__ import annotations

import copy

from ansible.template import Templar, trust_as_template

from ansible_collections.hardening.aws.plugins.plugin_utils._plain import plain, plain_args


class TaggedStr(str):
    """A str subclass, as ansible-core's tagged strings are."""


def _exact(value):
    """Every container and scalar of ``value`` is of the exact plain type."""
    if isinstance(value, dict):
        return value.__class__ is dict and all(_exact(k) and _exact(v) for k, v in value.items())
    if isinstance(value, list):
        return value.__class__ is list and all(_exact(v) for v in value)
    return value is None or value.__class__ in (str, int, float, bool)


def test_plain_copies_into_exact_plain_types():
    data = {TaggedStr("users"): (TaggedStr("alice"), {"keys": [1, 2.5, True, None]})}
    copied = plain(data)
    assert copied == {"users": ["alice", {"keys": [1, 2.5, True, None]}]}
    assert _exact(copied)
    assert copied["users"][1] is not data["users"][1]


def test_plain_unwraps_ansible_lazy_containers():
    # What a filter receives from a task: a template's view of a registered result.
    seen = []
    variables = {"posture": {"users": [{"name": "alice", "tags": {"team": "x"}}]}, "grab": seen.append}
    Templar(variables=variables).template(trust_as_template("{{ grab(posture) }}"))
    assert not _exact(seen[0])  # a lazy container
    copied = plain(seen[0])
    assert copied == {"users": [{"name": "alice", "tags": {"team": "x"}}]}
    assert _exact(copied)
    assert copy.deepcopy(copied) == copied


def test_plain_args_hands_plain_copies_to_the_filter():
    seen = []

    @plain_args
    def a_filter(first, second=None):
        seen.append((first, second))
        return "ok"

    assert a_filter((TaggedStr("a"),), second={"k": TaggedStr("v")}) == "ok"
    assert seen == [(["a"], {"k": "v"})] and _exact(list(seen[0]))
    assert a_filter.__name__ == "a_filter"
