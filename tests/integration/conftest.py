"""Fixtures for the integration tests: the lab, the installed collection, a playbook runner."""

from __future__ import annotations

import glob
import os
import subprocess
import sys

import pytest

from awslab import Lab

from .playbook import REPO, Ansible

BIN = os.path.dirname(sys.executable)


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory):
    """Build the collection tarball from the work tree and install it, as a user would."""
    out = tmp_path_factory.mktemp("collection")
    subprocess.run(
        [os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--force", "--output-path", str(out), REPO],
        check=True,
        capture_output=True,
    )
    tarball = glob.glob(str(out / "hardening-aws-*.tar.gz"))[0]
    installed = out / "collections"
    subprocess.run(
        [os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--force", "-p", str(installed), tarball],
        check=True,
        capture_output=True,
    )
    return str(installed)


@pytest.fixture(scope="session")
def lab():
    """One lab for the session: 3 member accounts in an Organization, seeded; tests reset what they need."""
    with Lab(accounts=3, seed=True, organization=True) as running:
        yield running


@pytest.fixture
def fresh_lab(lab):
    """The lab wiped and seeded again before the test."""
    lab.reset(seed=True)
    return lab


@pytest.fixture(scope="session")
def ansible(collections_path, lab):
    """Runs playbooks as the controller identity of the lab."""
    return Ansible(collections_path, lab.controller_env())


@pytest.fixture
def inventory(fresh_lab, tmp_path):
    """An inventory of the lab's member accounts, in the contract's shape."""
    path = tmp_path / "inventory.yml"
    fresh_lab.write_inventory(path)
    return path
