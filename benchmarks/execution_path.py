"""Benchmark: the same module task run as an AnsiballZ module and in process.

Starts the lab, then runs a playbook of T tasks per account (each assumes the role
into its account and makes one IAM call) over A accounts, once per execution path,
and reports wall time, time per task and account, and API calls per account.

    .venv/bin/python benchmarks/execution_path.py --accounts 4 --tasks 10 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "lab"))

from awslab import Lab  # noqa: E402

PLAYBOOK = """
- hosts: aws_accounts
  gather_facts: false
  module_defaults:
    group/hardening.aws.all:
      assume_role_arn: "arn:aws:iam::{{ aws_account_id }}:role/OrganizationAccountAccessRole"
      endpoint_url: "{{ aws_endpoint_url }}"
  tasks:
%s
"""
TASK = """    - name: read the alias %d
      hardening.aws.iam_account_info:
        gather: [alias]
"""


def install_collection(workdir):
    """Build and install the collection from this checkout; return the collections path."""
    bindir = os.path.dirname(sys.executable)
    subprocess.run([os.path.join(bindir, "ansible-galaxy"), "collection", "build", "--force",
                    "--output-path", workdir, REPO], check=True, capture_output=True)
    tarball = [f for f in os.listdir(workdir) if f.endswith(".tar.gz")][0]
    path = os.path.join(workdir, "collections")
    subprocess.run([os.path.join(bindir, "ansible-galaxy"), "collection", "install", "--force", "-p", path,
                    os.path.join(workdir, tarball)], check=True, capture_output=True)
    return path


def run(lab, playbook, inventory, collections, mode, forks):
    env = dict(lab.controller_env(), ANSIBLE_COLLECTIONS_PATH=collections, HARDENING_AWS_EXECUTION=mode,
               ANSIBLE_FORKS=str(forks), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false")
    lab.reset_calls()
    start = time.perf_counter()
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory,
                           playbook], env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(proc.stdout + proc.stderr)
    calls = lab.calls()
    per_account = statistics.mean(sum(calls.get(a, {}).values()) for a in lab.account_ids)
    return elapsed, per_account


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=4)
    parser.add_argument("--tasks", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--forks", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir, Lab(accounts=args.accounts, seed=False) as lab:
        collections = install_collection(workdir)
        inventory = os.path.join(workdir, "inventory.yml")
        lab.write_inventory(inventory)
        playbook = os.path.join(workdir, "bench.yml")
        with open(playbook, "w", encoding="utf-8") as handle:
            handle.write(PLAYBOOK % "".join(TASK % i for i in range(args.tasks)))
        print("| path | accounts x tasks | wall time (median of %d) | per task and account | API calls per account |"
              % args.repeat)
        print("|---|---|---|---|---|")
        for mode in ("module", "inprocess"):
            times, calls = [], 0
            for _attempt in range(args.repeat):
                elapsed, calls = run(lab, playbook, inventory, collections, mode, args.forks)
                times.append(elapsed)
            wall = statistics.median(times)
            print("| %s | %d x %d | %.1f s | %.3f s | %.0f |" % (
                mode, args.accounts, args.tasks, wall, wall / (args.accounts * args.tasks), calls))


if __name__ == "__main__":
    main()
