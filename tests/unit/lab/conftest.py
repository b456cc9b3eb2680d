"""Fixtures for the lab's own tests: one in-process Lab per test module.

``seeded_lab`` is for tests that only read; ``lab`` is for tests that change state: the lab is
wiped and re-seeded after each of them, so every test starts from the seed.
"""

from __future__ import annotations

import os
import sys

import pytest

LAB_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lab")
if os.path.normpath(LAB_PATH) not in [os.path.normpath(p) for p in sys.path]:
    sys.path.insert(0, os.path.normpath(LAB_PATH))

from awslab import Lab  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope="module")
def seeded_lab():
    """A seeded two-account lab shared by the tests of one module (do not change its state)."""
    with Lab(accounts=2, seed=True) as lab:
        yield lab


@pytest.fixture
def lab(seeded_lab):
    """The module's lab for a test that changes state: wiped and re-seeded afterwards."""
    yield seeded_lab
    seeded_lab.reset()
