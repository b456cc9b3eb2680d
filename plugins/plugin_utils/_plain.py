# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plain data for the collection's filters.

Since ansible-core 2.19 a filter receives Ansible's lazy, tagged containers: every access to an
item goes through the templating engine, and ``copy.deepcopy`` of one copies its tags item by
item. The planners walk the same account snapshot many times (and copy parts of it); measured on
a seeded lab account, ``baseline_plan`` took 230 ms per account on those containers and 2 ms on
plain data (docs/design/fleet-speed.md). So each filter converts its arguments once, on entry.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping


def plain(value):
    """A copy of ``value`` made only of dict, list, str, int, float, bool and None."""
    if isinstance(value, Mapping):
        return {plain(key): plain(item) for key, item in value.items()}
    if isinstance(value, str):
        return str(value)  # a tagged str subclass becomes a plain str
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def plain_args(function):
    """Decorate a filter so that it receives plain copies of its arguments."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        return function(*(plain(arg) for arg in args), **{key: plain(arg) for key, arg in kwargs.items()})

    return wrapper
