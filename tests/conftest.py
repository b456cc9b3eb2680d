"""Make the checkout importable as ``ansible_collections.hardening.aws`` and the lab as ``awslab``.

Unit tests import the collection's code straight from the work tree: a symlink
``build/pytest-root/ansible_collections/hardening/aws`` points at the repository root
and that root goes on ``sys.path`` (ansible-core resolves collection imports the same way).
"""

from __future__ import annotations

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.join(REPO, "build", "pytest-root")
LINK = os.path.join(ROOT, "ansible_collections", "hardening", "aws")


def _link_collection():
    if os.path.islink(LINK) and os.path.realpath(LINK) == REPO:
        return
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    if os.path.lexists(LINK):
        os.unlink(LINK)
    os.symlink(REPO, LINK)


_link_collection()
for path in (ROOT, os.path.join(REPO, "tests", "lab")):
    if path not in sys.path:
        sys.path.insert(0, path)
