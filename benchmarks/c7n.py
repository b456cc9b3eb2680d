"""Benchmark: hardening.aws against Cloud Custodian (c7n-org) on the same lab, for the two controls
c7n-org also remediates across accounts: the account password policy and access keys unused for 45 days.

For each fleet size (default 1, 10 and 50 member accounts), on one seeded lab (tests/lab/awslab):

- Cloud Custodian: `c7n-org run -c accounts.yml -s OUT -u benchmarks/c7n/policies.yml --region us-east-1
  --cache-period 0`, with the lab's management (controller) credentials as the starting identity,
  AWS_ENDPOINT_URL at the lab (boto3 honours it) and accounts.yml naming, per member account, the
  role c7n-org assumes into it (OrganizationAccountAccessRole). --workers processes (C7N_ORG_PARALLEL).
  c7n and c7n-org live in their own venv, .venv-c7n, created from benchmarks/requirements-c7n.txt
  when missing.
- hardening.aws: the same two controls, from a freshly built and installed copy of the collection,
  --workers forks: `ansible-playbook playbooks/harden.yml --tags password_policy` (the baseline
  role's password policy, CIS values) and then `ansible-playbook playbooks/offboard.yml -e
  offboard_inactive_days=45` (our CIS 1.12 control: users whose credentials have all gone unused 45
  days are disabled, their keys set Inactive). The baseline role has no key-age control of its own.

Each tool runs on a freshly reset lab: a dry run (`--check` / c7n-org `--dryrun`; it must write
nothing), then, reset again, the fresh run (it remediates) and the converged run (the same command
again). Measured per run: wall time of the whole process (start-up included), peak RSS of the tool's
process tree (sampled every 50 ms from /proc, summed over the tree), and the API calls the lab served
per member account (its own plus an equal share of the management account's sts:AssumeRole). After
each run every member account's password policy and access-key statuses are read with boto3, and
the two tools' end states are compared.

The seeded dates are cut to whole seconds, as IAM answers them: c7n's `remove-keys matched: true`
finds the key of a credential-report row by comparing the row's last_rotated with the key's
CreateDate, which the simulator otherwise answers with microseconds (no key would ever match).

    .venv/bin/python benchmarks/c7n.py                  # 1, 10 and 50 accounts
    .venv/bin/python benchmarks/c7n.py --quick          # 1 and 3 accounts: test the harness
    .venv/bin/python benchmarks/c7n.py --accounts 200 --no-dry-run --output benchmarks/results/c7n-200.json

Prints markdown tables; writes every run to benchmarks/results/c7n.json (c7n-quick.json with --quick).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import amazon_aws_calls as harness  # noqa: E402  (also puts tests/lab on sys.path)
from audit import cost, whole_seconds  # noqa: E402

from awslab import Lab, org_role_arn  # noqa: E402

REPO = harness.REPO
C7N_VENV = os.path.join(REPO, ".venv-c7n")
C7N_REQUIREMENTS = os.path.join(HERE, "requirements-c7n.txt")
C7N_ORG = os.path.join(C7N_VENV, "bin", "c7n-org")
POLICIES = os.path.join(HERE, "c7n", "policies.yml")
RESULTS = os.path.join(HERE, "results", "c7n.json")
QUICK_RESULTS = os.path.join(HERE, "results", "c7n-quick.json")
TOOLS = ("c7n", "ours")
LABEL = {"c7n": "Cloud Custodian (c7n-org)", "ours": "hardening.aws"}
INACTIVE_DAYS = 45
MEMORY_INTERVAL = 0.1
COUNTS = re.compile(r"Policy resource counts Counter\((\{.*?\})\)")


# ---------------------------------------------------------------- c7n's venv

def ensure_c7n_venv(rebuild=False):
    """Create .venv-c7n from requirements-c7n.txt unless it is there and current; return a note."""
    stamp = os.path.join(C7N_VENV, ".requirements-c7n.txt")
    with open(C7N_REQUIREMENTS, encoding="utf-8") as handle:
        wanted = handle.read()
    if not rebuild and os.path.exists(stamp) and os.path.exists(C7N_ORG):
        with open(stamp, encoding="utf-8") as handle:
            if handle.read() == wanted:
                return "reused .venv-c7n"
    shutil.rmtree(C7N_VENV, ignore_errors=True)
    start = time.perf_counter()
    print("creating .venv-c7n from %s ..." % os.path.relpath(C7N_REQUIREMENTS, REPO), file=sys.stderr, flush=True)
    pip = [os.path.join(C7N_VENV, "bin", "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    for command in ([sys.executable, "-m", "venv", C7N_VENV], pip + ["-r", C7N_REQUIREMENTS]):
        proc = subprocess.run(command, capture_output=True, text=True, check=False)
        if proc.returncode:
            raise SystemExit("%s failed:\n%s" % (" ".join(command), (proc.stdout + proc.stderr)[-3000:]))
    with open(stamp, "w", encoding="utf-8") as handle:
        handle.write(wanted)
    return "created .venv-c7n in %.0f s (%s)" % (time.perf_counter() - start, harness._size(C7N_VENV))


def c7n_versions():
    proc = subprocess.run([os.path.join(C7N_VENV, "bin", "python"), "-c",
                           "from importlib.metadata import version as v; "
                           "print(v('c7n'), v('c7n-org'), v('boto3'))"],
                          capture_output=True, text=True, check=False)
    parts = proc.stdout.split()
    return dict(zip(("c7n", "c7n-org", "boto3"), parts)) if len(parts) == 3 else {}


def write_accounts(lab, path):
    """c7n-org's accounts file: one entry per member account, the role to assume into it."""
    lines = ["# Written by benchmarks/c7n.py: one entry per lab member account.", "accounts:"]
    for account in lab.account_ids:
        lines += ["  - account_id: '%s'" % account, "    name: lab-%s" % account,
                  "    regions: [us-east-1]", "    role: %s" % org_role_arn(account)]
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


# ---------------------------------------------------------------- a process and its tree

def _tree_memory_kb(root):
    """(RSS, PSS) in kB of ``root`` and all its descendants, from /proc. RSS counts pages shared
    between the processes (forked workers) once per process; PSS shares them out."""
    children = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, encoding="utf-8") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(name))
    rss = pss = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, ()))
        try:
            with open("/proc/%d/smaps_rollup" % pid, encoding="utf-8") as handle:
                for line in handle:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            continue
    return rss, pss


def run_process(command, env, cwd):
    """Run ``command``; return (rc, output, seconds, {peak RSS and PSS of its process tree in MB})."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    peak = [0, 0]
    done = threading.Event()

    def sample():
        while not done.wait(MEMORY_INTERVAL):
            rss, pss = _tree_memory_kb(proc.pid)
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = proc.communicate()[0]
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    return proc.returncode, output, seconds, {"peak_rss_mb": round(peak[0] / 1024, 1),
                                              "peak_pss_mb": round(peak[1] / 1024, 1)}


# ---------------------------------------------------------------- end state of an account

def end_state(lab):
    """Per member account: password policy, and per user its keys' statuses (oldest first), whether
    it still has a console password, and its hardening:* tags."""
    states = {}
    for account in lab.account_ids:
        iam = lab.client(account, "iam")
        try:
            policy = iam.get_account_password_policy()["PasswordPolicy"]
        except iam.exceptions.NoSuchEntityException:
            policy = None
        users = {}
        for page in iam.get_paginator("list_users").paginate():
            for user in page["Users"]:
                name = user["UserName"]
                keys = sorted(iam.list_access_keys(UserName=name)["AccessKeyMetadata"], key=lambda k: k["CreateDate"])
                try:
                    iam.get_login_profile(UserName=name)
                    console = True
                except iam.exceptions.NoSuchEntityException:
                    console = False
                tags = iam.list_user_tags(UserName=name)["Tags"]
                users[name] = {"keys": [k["Status"] for k in keys], "console": console,
                               "hardening_tags": sorted(t["Key"] for t in tags if t["Key"].startswith("hardening:"))}
        states[account] = {"password_policy": policy, "users": users}
    return states


def controlled(state):
    """The part of an account's end state both tools manage: password policy and key statuses."""
    return {"password_policy": state["password_policy"],
            "keys": {name: user["keys"] for name, user in state["users"].items()}}


def compare_states(left, right, accounts):
    """Differences between two tools' end states, per account: (same controls?, what else differs)."""
    same, other = {}, {}
    for account in accounts:
        a, b = left[account], right[account]
        diff = [k for k in ("password_policy", "keys") if controlled(a)[k] != controlled(b)[k]]
        if diff:
            same[account] = diff
        extra = []
        for name in sorted(set(a["users"]) | set(b["users"])):
            ua, ub = a["users"].get(name, {}), b["users"].get(name, {})
            for aspect in ("console", "hardening_tags"):
                if ua.get(aspect) != ub.get(aspect):
                    extra.append("%s %s: %s / %s" % (name, aspect, ua.get(aspect), ub.get(aspect)))
        if extra:
            other[account] = extra
    return same, other


# ---------------------------------------------------------------- one run of a tool

def reseed(lab):
    lab.reset(seed=True)
    for account in lab.account_ids:
        whole_seconds(lab, account)
    lab.reset_calls()


def _account_calls(calls, accounts):
    """Calls in each member account (its own only), to show every account was reached."""
    return {a: sum(calls.get(a, {}).values()) for a in accounts}


def run_c7n(lab, setup, run_name):
    env = lab.controller_env()
    env.update(AWS_ENDPOINT_URL=lab.endpoint_url, C7N_ORG_PARALLEL=str(setup["workers"]))
    out = tempfile.mkdtemp(prefix="c7n-out-", dir=setup["workdir"])
    cache = tempfile.mkdtemp(prefix="c7n-cache-", dir=setup["workdir"])
    command = [C7N_ORG, "run", "-c", setup["accounts"], "-s", out, "-u", setup["policies"],
               "--region", "us-east-1", "--cache-period", "0", "--cache-path", cache]
    if run_name == "dry":
        command.append("--dryrun")
    lab.reset_calls()
    rc, output, seconds, memory = run_process(command, env, setup["workdir"])
    calls = lab.calls()
    result = {"rc": rc, "seconds": round(seconds, 2), **memory, "processes": 1,
              **cost(calls, lab.account_ids), "member_account_calls": _account_calls(calls, lab.account_ids),
              "management_calls": {a: c for a, c in calls.items() if a not in lab.account_ids}}
    match = COUNTS.search(output)
    result["matched"] = json.loads(match.group(1).replace("'", '"')) if match else None
    problems = [line for line in output.splitlines() if ":ERROR " in line or ":WARNING Error" in line
                or "Exception" in line]
    if rc or problems or match is None:
        result["errors"] = (problems or output.splitlines())[-8:]
    return result


def _merge_costs(parts):
    calls = {}
    for part in parts:
        for account, actions in part.items():
            mine = calls.setdefault(account, {})
            for action, n in actions.items():
                mine[action] = mine.get(action, 0) + n
    return calls


def run_ours(lab, setup, run_name):
    env = harness.tool_env(lab, "ours", setup["collections"], None)
    env["ANSIBLE_FORKS"] = str(setup["workers"])
    archive = tempfile.mkdtemp(prefix="offboard-archive-", dir=setup["workdir"])
    check = ["--check"] if run_name == "dry" else []
    commands = {
        "harden --tags password_policy": [harness.tool_bin("ours", "ansible-playbook"), "-i", setup["inventory"],
                                          setup["harden"], "--tags", "password_policy"] + check,
        "offboard inactive 45 days": [harness.tool_bin("ours", "ansible-playbook"), "-i", setup["inventory"],
                                      setup["offboard"], "-e", "offboard_inactive_days=%d" % INACTIVE_DAYS,
                                      "-e", "offboard_archive_dir=" + archive] + check,
    }
    parts, calls_parts = {}, []
    for name, command in commands.items():
        lab.reset_calls()
        rc, output, seconds, memory = run_process(command, env, setup["workdir"])
        calls = lab.calls()
        calls_parts.append(calls)
        recap = {m.group(1): {"changed": int(m.group(3)), "failed": int(m.group(5)), "unreachable": int(m.group(4))}
                 for m in harness.RECAP.finditer(output)}
        part = {"rc": rc, "seconds": round(seconds, 2), **memory,
                "calls_per_account": cost(calls, lab.account_ids)["calls_per_account"],
                "changed_hosts": sum(1 for h in recap.values() if h["changed"]),
                "changed_max": max((h["changed"] for h in recap.values()), default=None),
                "failed_hosts": sorted(h for h, r in recap.items() if r["failed"] or r["unreachable"])}
        if rc:
            part["errors"] = [line for line in output.splitlines() if "fatal:" in line or "ERROR" in line][-6:] \
                or output.splitlines()[-6:]
        parts[name] = part
    calls = _merge_costs(calls_parts)
    result = {"rc": max(p["rc"] for p in parts.values()),
              "seconds": round(sum(p["seconds"] for p in parts.values()), 2),
              "peak_rss_mb": max(p["peak_rss_mb"] for p in parts.values()),
              "peak_pss_mb": max(p["peak_pss_mb"] for p in parts.values()), "processes": len(parts),
              "parts": parts, **cost(calls, lab.account_ids),
              "member_account_calls": _account_calls(calls, lab.account_ids),
              "management_calls": {a: c for a, c in calls.items() if a not in lab.account_ids}}
    errors = [e for p in parts.values() for e in p.get("errors", ())]
    if errors:
        result["errors"] = errors
    return result


RUNNERS = {"c7n": run_c7n, "ours": run_ours}


def one_run(lab, tool, setup, run_name):
    load = os.getloadavg()[0]
    print("  %s %s ..." % (LABEL[tool], run_name), file=sys.stderr, end="", flush=True)
    result = RUNNERS[tool](lab, setup, run_name)
    result["load_before"] = round(load, 2)
    result["load_after"] = round(os.getloadavg()[0], 2)
    result["writes_per_account"] = round(sum(n for a, n in result["actions_per_account"].items()
                                             if harness.is_write(a)), 2)
    print(" %.1f s, %s calls/account, %s writes/account, peak RSS %.0f MB (PSS %.0f), rc=%d" % (
        result["seconds"], _fmt(result["calls_per_account"]), _fmt(result["writes_per_account"]),
        result["peak_rss_mb"], result["peak_pss_mb"], result["rc"]), file=sys.stderr, flush=True)
    return result


def measure_fleet(size, tools, setup, with_dry_run):
    runs, states, checks = {}, {}, {}
    with Lab(accounts=size, seed=True) as lab:
        setup["inventory"] = os.path.join(setup["workdir"], "inventory-%d.yml" % size)
        lab.write_inventory(setup["inventory"])
        setup["accounts"] = os.path.join(setup["workdir"], "accounts-%d.yml" % size)
        write_accounts(lab, setup["accounts"])
        reseed(lab)
        start_state = end_state(lab)
        for tool in tools:
            runs[tool] = {}
            if with_dry_run:
                reseed(lab)
                runs[tool]["dry"] = one_run(lab, tool, setup, "dry")
                checks["%s_dry_run_changed_nothing" % tool] = (
                    end_state(lab) == start_state and runs[tool]["dry"]["writes_per_account"] == 0)
            reseed(lab)
            runs[tool]["fresh"] = one_run(lab, tool, setup, "fresh")
            fresh_state = end_state(lab)
            runs[tool]["converged"] = one_run(lab, tool, setup, "converged")
            states[tool] = end_state(lab)
            checks["%s_converged_changed_nothing" % tool] = (
                states[tool] == fresh_state and runs[tool]["converged"]["writes_per_account"] == 0)
            checks["%s_every_account_reached" % tool] = all(
                run["member_account_calls"][a] > 0 for run in runs[tool].values() for a in lab.account_ids)
            checks["%s_accounts_alike" % tool] = all(
                controlled(states[tool][a]) == controlled(states[tool][lab.account_ids[0]]) for a in lab.account_ids)
        first = lab.account_ids[0]
        checks["start_state"] = {"keys": controlled(start_state[first])["keys"],
                                 "password_policy": start_state[first]["password_policy"]}
        for tool in tools:
            users = states[tool][first]["users"]
            checks["%s_end_state" % tool] = {
                "controlled": controlled(states[tool][first]),
                "console": {n: u["console"] for n, u in users.items()},
                "hardening_tags": {n: u["hardening_tags"] for n, u in users.items() if u["hardening_tags"]}}
        if len(tools) == 2:
            same, other = compare_states(states["c7n"], states["ours"], lab.account_ids)
            checks["same_controlled_state"] = not same
            checks["controlled_differences"] = same
            checks["other_differences_c7n_vs_ours_first_account"] = other.get(first, [])
    return runs, checks


# ---------------------------------------------------------------- report

def _fmt(value):
    return harness._num(round(value, 1))


RUN_LABEL = {"dry": "dry run (--check / --dryrun)", "fresh": "fresh", "converged": "converged"}


def table(results, tools):
    out = ["| accounts | tool | run | wall s | peak MB, RSS (PSS) | calls / account | writes / account "
           "| load before, after |",
           "|---|---|---|---|---|---|---|---|"]
    for size, data in results.items():
        for tool in tools:
            for name in ("dry", "fresh", "converged"):
                one = data["runs"].get(tool, {}).get(name)
                if one is None:
                    continue
                status = " **rc=%d**" % one["rc"] if one["rc"] else ""
                out.append("| %s | %s | %s%s | %.1f | %.0f (%.0f) | %s | %s | %s, %s |" % (
                    size, LABEL[tool], RUN_LABEL[name], status, one["seconds"], one["peak_rss_mb"], one["peak_pss_mb"],
                    _fmt(one["calls_per_account"]), _fmt(one["writes_per_account"]),
                    one["load_before"], one["load_after"]))
    return out


def top(actions, n=8):
    items = sorted(actions.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    return ", ".join("%s %s" % (a.split(":", 1)[1], _fmt(c)) for a, c in items) or "none"


def verdicts(results, tools):
    out = []
    for size, data in results.items():
        checks = data["checks"]
        parts = []
        for tool in tools:
            for key, text in (("dry_run_changed_nothing", "dry run changed nothing"),
                              ("converged_changed_nothing", "converged run changed nothing"),
                              ("every_account_reached", "calls in every member account"),
                              ("accounts_alike", "every account ends alike")):
                name = "%s_%s" % (tool, key)
                if name in checks:
                    parts.append("%s %s: %s" % (LABEL[tool], text, "yes" if checks[name] else "NO"))
        if "same_controlled_state" in checks:
            differ = json.dumps(checks["controlled_differences"])[:300]
            parts.append("same password policy and key statuses in every account: %s" % (
                "yes" if checks["same_controlled_state"] else "NO %s" % differ))
        out.append("- %s account(s): %s." % (size, "; ".join(parts)))
    largest = list(results)[-1]
    checks = results[largest]["checks"]
    if checks.get("other_differences_c7n_vs_ours_first_account"):
        out.append("- Beyond those controls (first account, c7n / ours): %s." % "; ".join(
            checks["other_differences_c7n_vs_ours_first_account"]))
    out.append("")
    out.append("Calls per account at %s account(s), by action:" % largest)
    out.append("")
    for tool in tools:
        for name in ("dry", "fresh", "converged"):
            one = results[largest]["runs"].get(tool, {}).get(name)
            if one:
                out.append("- %s %s: %s" % (LABEL[tool], name, top(one["actions_per_account"])))
    return out


def report(results, tools, meta):
    out = ["hardening.aws vs c7n-org: %s; %d cores; %d workers each (Ansible forks, C7N_ORG_PARALLEL); load average "
           "%s at start, %s at the end; %s; c7n %s, c7n-org %s" % (
               meta["date"], meta["cpus"], meta["workers"], meta["load_at_start"], meta.get("load_at_end", "?"),
               meta["commit"], meta["c7n"].get("c7n", "-"), meta["c7n"].get("c7n-org", "-")), ""]
    out += table(results, tools)
    out += [""] + verdicts(results, tools)
    return "\n".join(out)


# ---------------------------------------------------------------- main

def prepare(workdir, tools, workers):
    """Snapshot what the runs use, so edits to the checkout during the benchmark do not leak in."""
    setup = {"workdir": workdir, "workers": workers, "policies": os.path.join(workdir, "policies.yml")}
    shutil.copy(POLICIES, setup["policies"])
    if "ours" in tools:
        setup["collections"] = harness.install_collection(workdir)
        setup["harden"] = harness.installed(setup["collections"], "playbooks", "harden.yml")
        setup["offboard"] = harness.installed(setup["collections"], "playbooks", "offboard.yml")
    return setup


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    harness.fleet_options(parser, TOOLS, RESULTS, QUICK_RESULTS)
    parser.add_argument("--workers", type=int, default=10, help="Ansible forks and c7n-org processes (default 10)")
    parser.add_argument("--no-dry-run", action="store_true", help="skip the --check / --dryrun runs")
    parser.add_argument("--rebuild-c7n-venv", action="store_true")
    args = parser.parse_args()
    sizes, tools, output = harness.fleet_choice(parser, args, TOOLS, RESULTS, QUICK_RESULTS)

    venv_note = ensure_c7n_venv(args.rebuild_c7n_venv) if "c7n" in tools else "not used"
    meta = harness.run_meta(**{
        "workers": args.workers,
        "c7n": c7n_versions() if "c7n" in tools else {},
        "c7n_venv": venv_note,
        "inactive_days": INACTIVE_DAYS,
        "cost": "API calls per member account: its own calls plus an equal share of the management account's "
                "(sts:AssumeRole)",
        "commands": {
            "c7n": "c7n-org run -c accounts.yml -s OUT -u benchmarks/c7n/policies.yml --region us-east-1 "
                   "--cache-period 0 (AWS_ENDPOINT_URL at the lab; --dryrun for the dry run)",
            "ours": "ansible-playbook -i <inventory> playbooks/harden.yml --tags password_policy; "
                    "ansible-playbook -i <inventory> playbooks/offboard.yml -e offboard_inactive_days=45 "
                    "(--check for the dry run)",
        },
    })
    results = {}
    with tempfile.TemporaryDirectory() as workdir:
        setup = prepare(workdir, tools, args.workers)
        for size in sizes:
            print("%d account(s):" % size, file=sys.stderr, flush=True)
            runs, checks = measure_fleet(size, tools, setup, not args.no_dry_run)
            results[str(size)] = {"runs": runs, "checks": checks}
    meta["load_at_end"] = round(os.getloadavg()[0], 2)
    print(report(results, tools, meta))
    written = harness.write_results(output, {"meta": meta, "results": results})
    print("\nruns, checks and per-action breakdowns: %s" % written)


if __name__ == "__main__":
    main()
