"""Benchmark: playbooks/harden.yml over 1, 10 and 50 accounts, against the same baseline in amazon.aws.

For each fleet size, on one seeded lab (tests/lab/awslab) with that many member accounts:

- hardening.aws: `ansible-playbook -i <inventory> playbooks/harden.yml -e @examples/baseline-vars.yml`
  from a freshly built and installed copy of the collection (this venv's ansible-playbook): a
  --check run on the reset lab (it must change nothing: the accounts' fingerprints before and
  after are compared, and its write calls counted), then on a reset lab the fresh run and the
  converged run (the same command again);
- amazon.aws: benchmarks/amazon_aws/baseline.yml with the same variables file, from
  build/amazon-venv (the `ansible` package pinned in benchmarks/requirements-amazon.txt, created
  on first use by amazon_aws_calls.py's helper): the fresh run on a reset lab, then the converged run.

Both tools run with the same number of forks (--forks, default 10). Wall time is that of the
ansible-playbook process, start-up included. API calls are counted by the lab per account; the
cost per account is every call of the run (the management account's sts:AssumeRole included)
divided by the number of member accounts, split into reads and writes.

After each fresh run every member account is fingerprinted (password policy, alias, groups and
their policies and members, users, console access, roles, instance profiles, customer managed
policies, secret names): all accounts must look alike, and the two tools' accounts are compared.

    .venv/bin/python benchmarks/harden.py                      # 1, 10 and 50 accounts
    .venv/bin/python benchmarks/harden.py --quick              # 1 and 3 accounts: test the harness
    .venv/bin/python benchmarks/harden.py --accounts 10 --tools ours

Prints a markdown table and writes the runs and their per-action breakdowns to
benchmarks/results/harden.json (benchmarks/results/harden-quick.json with --quick).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import amazon_aws_calls as harness  # noqa: E402  (also puts tests/lab on sys.path)

from awslab import Lab  # noqa: E402

REPO = harness.REPO
AMAZON_PLAYBOOK = os.path.join(HERE, "amazon_aws", "baseline.yml")
AMAZON_FILES = ("baseline.yml", "baseline_mfa_policy.json")
RESULTS = os.path.join(HERE, "results", "harden.json")
QUICK_RESULTS = os.path.join(HERE, "results", "harden-quick.json")
TOOLS = harness.TOOLS
LABEL = harness.TOOL_LABEL
# Targets of the issue
MAX_CONVERGED_CALLS = 15
MIN_SPEEDUP = 3.0
# Differences between the two tools' accounts that the amazon.aws side cannot remove
KNOWN_DIFFERENCES = {
    "alias": "neither amazon.aws 10 nor community.aws has a module for the account alias",
}
ACCOUNT_MASK = "<account>"


# ---------------------------------------------------------------- fingerprint of an account

def _listify(value):
    return value if isinstance(value, list) else [value]


def normalise_policy(document):
    """A policy document in a comparable shape: one-item lists and strings alike, sorted lists."""
    if isinstance(document, str):
        document = json.loads(document)
    statements = []
    for statement in _listify(document.get("Statement", [])):
        clean = {}
        for key, value in statement.items():
            if key in ("Action", "NotAction", "Resource", "NotResource"):
                clean[key] = sorted(_listify(value))
            elif key in ("Principal", "NotPrincipal") and isinstance(value, dict):
                clean[key] = {k: sorted(_listify(v)) for k, v in value.items()}
            elif key == "Condition":
                clean[key] = {op: {k: sorted(_listify(v)) for k, v in body.items()} for op, body in value.items()}
            else:
                clean[key] = value
        statements.append(clean)
    statements.sort(key=lambda s: json.dumps(s, sort_keys=True))
    return {"Version": document.get("Version"), "Statement": statements}


def _inline(items):
    return {p["PolicyName"]: normalise_policy(p["PolicyDocument"]) for p in items or ()}


def _attached(items):
    return sorted(p["PolicyName"] for p in items or ())


def fingerprint(lab, account_id):
    """What the baseline manages in one account, read through the API, the account id masked."""
    iam = lab.client(account_id, "iam")
    details = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": []}
    for page in iam.get_paginator("get_account_authorization_details").paginate(
            Filter=["User", "Group", "Role", "LocalManagedPolicy"]):
        for key, items in details.items():
            items.extend(page.get(key, ()))
    try:
        policy = iam.get_account_password_policy()["PasswordPolicy"]
    except iam.exceptions.NoSuchEntityException:
        policy = None
    users = {}
    for user in details["UserDetailList"]:
        try:
            iam.get_login_profile(UserName=user["UserName"])
            console = True
        except iam.exceptions.NoSuchEntityException:
            console = False
        users[user["UserName"]] = {
            "path": user["Path"],
            "groups": sorted(user.get("GroupList", ())),
            "managed_policies": _attached(user.get("AttachedManagedPolicies")),
            "inline_policies": _inline(user.get("UserPolicyList")),
            "tags": {t["Key"]: t["Value"] for t in user.get("Tags", ())},
            "console_access": console,
        }
    groups = {g["GroupName"]: {
        "path": g["Path"],
        "managed_policies": _attached(g.get("AttachedManagedPolicies")),
        "inline_policies": _inline(g.get("GroupPolicyList")),
        "members": sorted(n for n, u in users.items() if g["GroupName"] in u["groups"]),
    } for g in details["GroupDetailList"]}
    roles = {r["RoleName"]: {
        "path": r["Path"],
        "trust_policy": normalise_policy(r["AssumeRolePolicyDocument"]),
        "managed_policies": _attached(r.get("AttachedManagedPolicies")),
        "inline_policies": _inline(r.get("RolePolicyList")),
        "instance_profiles": sorted(p["InstanceProfileName"] for p in r.get("InstanceProfileList", ())),
        "tags": {t["Key"]: t["Value"] for t in r.get("Tags", ())},
    } for r in details["RoleDetailList"]}
    policies = {}
    for managed in details["Policies"]:
        default = [v for v in managed.get("PolicyVersionList", ()) if v.get("IsDefaultVersion")]
        policies[managed["PolicyName"]] = {
            "path": managed["Path"],
            "document": normalise_policy(default[0]["Document"]) if default else None,
            "attachments": managed.get("AttachmentCount"),
        }
    profiles = {}
    for page in iam.get_paginator("list_instance_profiles").paginate():
        for profile in page["InstanceProfiles"]:
            profiles[profile["InstanceProfileName"]] = {
                "path": profile["Path"], "roles": sorted(r["RoleName"] for r in profile["Roles"])}
    secrets = []
    for page in lab.client(account_id, "secretsmanager").get_paginator("list_secrets").paginate():
        secrets.extend(s["Name"] for s in page["SecretList"])
    state = {
        "password_policy": policy,
        "alias": iam.list_account_aliases()["AccountAliases"],
        "users": users,
        "groups": groups,
        "roles": roles,
        "managed_policies": policies,
        "instance_profiles": profiles,
        "secrets": sorted(secrets),
    }
    return json.loads(json.dumps(state, sort_keys=True, default=str).replace(account_id, ACCOUNT_MASK))


def fleet_fingerprints(lab):
    return {account: fingerprint(lab, account) for account in lab.account_ids}


def _short(value, limit=160):
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def differences(left, right, left_name, right_name, path=""):
    """['path: <left_name> X, <right_name> Y', ...] between two fingerprints, at the shallowest
    level where they part (a whole missing group is one line, not one per field)."""
    if isinstance(left, dict) and isinstance(right, dict):
        out = []
        for key in sorted(set(left) | set(right)):
            where = "%s.%s" % (path, key) if path else str(key)
            if key not in left or key not in right:
                name, value = (right_name, right[key]) if key not in left else (left_name, left[key])
                out.append("%s: only %s has it (%s)" % (where, name, _short(value)))
            else:
                out.extend(differences(left[key], right[key], left_name, right_name, where))
        return out
    if left != right:
        return ["%s: %s %s, %s %s" % (path, left_name, _short(left), right_name, _short(right))]
    return []


def _top(difference):
    """The fingerprint section a difference line is about ('alias', 'groups', ...)."""
    return difference.split(":", 1)[0].split(".", 1)[0]


def uniform(fingerprints):
    """None when every account has the same fingerprint, else the first difference found."""
    accounts = list(fingerprints)
    for account in accounts[1:]:
        diff = differences(fingerprints[accounts[0]], fingerprints[account], accounts[0], account)
        if diff:
            return "%d difference(s), e.g. %s" % (len(diff), diff[0])
    return None


# ---------------------------------------------------------------- runs

def split_actions(run):
    """The run's per-action costs per account, split into reads and writes."""
    reads, writes = {}, {}
    for action, count in run["actions_per_account"].items():
        (writes if harness.is_write(action) else reads)[action] = count
    return {"reads": reads, "writes": writes}


def compact(run):
    """A run as stored in the JSON: no per-account dump, but its spread."""
    out = {k: v for k, v in run.items() if k != "calls_by_account"}
    out["actions_per_account"] = split_actions(run)
    out["reads_per_account"] = run["calls_per_account"] - run["writes_per_account"]
    by_account = run["calls_by_account"]
    totals = [sum(by_account.get(a, {}).values()) for a in run["member_accounts"]]
    out["member_account_calls"] = {"min": min(totals), "max": max(totals)} if totals else {}
    management = [a for a in by_account if a not in run["member_accounts"]]
    out["other_account_calls"] = {a: by_account[a] for a in management}
    out["changed_max"] = max((h["changed"] for h in run["recap"].values()), default=None)
    out["failed_hosts"] = sorted(h for h, r in run["recap"].items() if r["failed"] or r["unreachable"])
    del out["member_accounts"]
    return out


def run(lab, tool, playbook, inventory, env, workdir, extra_args, check=False):
    load = os.getloadavg()[0]
    print("  %s%s ..." % (LABEL[tool], " --check" if check else ""), file=sys.stderr, end="", flush=True)
    result = harness.run_playbook(lab, tool, playbook, inventory, env, workdir, check=check, extra_args=extra_args)
    result["member_accounts"] = list(lab.account_ids)
    result["load_before"] = round(load, 2)
    result["load_after"] = round(os.getloadavg()[0], 2)
    calls = harness._num(round(result["calls_per_account"], 1))
    print(" %.1f s, %s calls/account, rc=%d" % (result["seconds"], calls, result["rc"]), file=sys.stderr, flush=True)
    return compact(result)


def measure_fleet(size, tools, setup, forks, with_check):
    """Every run for one fleet size; returns (runs, checks)."""
    runs, checks, prints = {}, {}, {}
    with Lab(accounts=size, seed=True) as lab:
        inventory = os.path.join(setup["workdir"], "inventory-%d.yml" % size)
        lab.write_inventory(inventory)
        envs = {}
        for tool in tools:
            env = harness.tool_env(lab, tool, setup["collections"], setup["empty_collections"])
            env["ANSIBLE_FORKS"] = str(forks)
            envs[tool] = env
        extra = ["-e", "@" + setup["vars"]]
        runs["startup"] = {t: harness.run_playbook(lab, t, setup["empty_play"], inventory, envs[t],
                                                   setup["workdir"])["seconds"] for t in tools}
        for tool in tools:
            playbook = setup["playbooks"][tool]
            runs[tool] = {}
            if tool == "ours" and with_check:
                lab.reset(seed=True)
                before = fleet_fingerprints(lab)
                runs[tool]["check"] = run(lab, tool, playbook, inventory, envs[tool], setup["workdir"], extra,
                                          check=True)
                after = fleet_fingerprints(lab)
                changed = {a: differences(before[a], after[a], "before", "after") for a in lab.account_ids}
                changed = {a: d for a, d in changed.items() if d}
                checks["check_changes_nothing"] = {
                    "ok": not changed and runs[tool]["check"]["writes_per_account"] == 0,
                    "writes_per_account": runs[tool]["check"]["writes_per_account"],
                    "accounts_changed": {a: d[:5] for a, d in changed.items()},
                }
            lab.reset(seed=True)
            runs[tool]["fresh"] = run(lab, tool, playbook, inventory, envs[tool], setup["workdir"], extra)
            prints[tool] = fleet_fingerprints(lab)
            runs[tool]["converged"] = run(lab, tool, playbook, inventory, envs[tool], setup["workdir"], extra)
            checks["%s_accounts_alike" % tool] = uniform(prints[tool]) or "yes"
            converged = runs[tool]["converged"]
            checks["%s_converged_changed_0" % tool] = (converged["rc"] == 0 and converged["changed_max"] == 0
                                                       and not converged["failed_hosts"])
        if len(prints) == 2:
            first = lab.account_ids[0]
            diff = differences(prints["ours"][first], prints["amazon"][first], "ours", "amazon.aws")
            known = [d for d in diff if _top(d) in KNOWN_DIFFERENCES]
            checks["same_work"] = {
                "account": first,
                "unexplained_differences": [d for d in diff if d not in known],
                "known_differences": ["%s (%s)" % (d, KNOWN_DIFFERENCES[_top(d)]) for d in known],
            }
            checks["fingerprint_after_fresh_run"] = {t: prints[t][first] for t in prints}
    return runs, checks


# ---------------------------------------------------------------- report

def _fmt(value):
    return harness._num(round(value, 1))


def table(results, tools):
    out = ["| accounts | tool | run | wall s | calls / account | writes / account | changed (max per host) |",
           "|---|---|---|---|---|---|---|"]
    for size, data in results.items():
        for tool in tools:
            for name in ("check", "fresh", "converged"):
                one = data["runs"].get(tool, {}).get(name)
                if one is None:
                    continue
                label = "fresh --check" if name == "check" else name
                status = str(one["changed_max"])
                if one["rc"]:
                    status += " **FAILED rc=%d** %s" % (one["rc"], ", ".join(one["failed_hosts"][:3]))
                out.append("| %s | %s | %s | %.1f | %s | %s | %s |" % (
                    size, LABEL[tool], label, one["seconds"], _fmt(one["calls_per_account"]),
                    _fmt(one["writes_per_account"]), status))
    return out


def verdicts(results, tools):
    out = []
    for size, data in results.items():
        runs, checks = data["runs"], data["checks"]
        parts = []
        ours = runs.get("ours", {}).get("converged")
        amazon = runs.get("amazon", {}).get("converged")
        if ours:
            calls = ours["calls_per_account"]
            parts.append("converged account %s calls (target <= %d: %s)" % (
                _fmt(calls), MAX_CONVERGED_CALLS, "met" if calls <= MAX_CONVERGED_CALLS else "NOT met"))
        if ours and amazon:
            ratio = amazon["seconds"] / ours["seconds"] if ours["seconds"] else 0
            parts.append("converged run %.1fx faster than amazon.aws (target >= %.0fx: %s)" % (
                ratio, MIN_SPEEDUP, "met" if ratio >= MIN_SPEEDUP else "NOT met"))
        if "check_changes_nothing" in checks:
            verdict = checks["check_changes_nothing"]
            parts.append("--check changed nothing: %s" % ("yes" if verdict["ok"] else "NO %s" % json.dumps(verdict)))
        for tool in tools:
            if "%s_converged_changed_0" % tool in checks:
                parts.append("%s converged changed=0: %s" % (
                    LABEL[tool], "yes" if checks["%s_converged_changed_0" % tool] else "NO"))
                parts.append("%s accounts alike after fresh run: %s" % (
                    LABEL[tool], checks["%s_accounts_alike" % tool]))
        same = checks.get("same_work")
        if same:
            parts.append("same end state as amazon.aws (account %s): %s" % (
                same["account"], "yes" if not same["unexplained_differences"] else
                "NO: " + "; ".join(same["unexplained_differences"][:12])
                + (" (and %d more)" % (len(same["unexplained_differences"]) - 12)
                   if len(same["unexplained_differences"]) > 12 else "")))
            if same["known_differences"]:
                parts.append("known differences: " + "; ".join(same["known_differences"]))
        out.append("- %s account(s): %s." % (size, "; ".join(parts)))
    return out


def top(run_, kind, n=6):
    items = sorted(run_["actions_per_account"][kind].items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    return ", ".join("%s %s" % (a, _fmt(c)) for a, c in items) or "none"


def report(results, tools, meta):
    out = ["harden.yml vs the same baseline in amazon.aws: %s; forks %d; load average %s at start; %s" % (
        meta["date"], meta["forks"], meta["load_at_start"], meta["commit"]), ""]
    out += table(results, tools)
    out += ["", "Start-up alone (one no-op task per account): " + "; ".join(
        "%s accounts: %s" % (size, ", ".join("%s %.1f s" % (LABEL[t], s) for t, s in data["runs"]["startup"].items()))
        for size, data in results.items()), ""]
    out += verdicts(results, tools)
    largest = list(results)[-1]
    out += ["", "Calls per account at %s account(s) (reads / writes):" % largest, ""]
    for tool in tools:
        for name in ("fresh", "converged"):
            one = results[largest]["runs"].get(tool, {}).get(name)
            if one:
                out.append("- %s %s: reads %s; writes %s" % (LABEL[tool], name, top(one, "reads"), top(one, "writes")))
    return "\n".join(out)


# ---------------------------------------------------------------- main

def prepare(workdir, tools):
    """Snapshot what the runs use, so edits to the checkout during the benchmark do not leak in."""
    setup = {"workdir": workdir, "collections": None, "playbooks": {}}
    setup["empty_collections"] = os.path.join(workdir, "no-collections")
    os.makedirs(setup["empty_collections"])
    if "ours" in tools:
        setup["collections"] = harness.install_collection(workdir)
        setup["playbooks"]["ours"] = harness.installed(setup["collections"], "playbooks", "harden.yml")
        variables = harness.installed(setup["collections"], "examples", "baseline-vars.yml")
    else:
        variables = os.path.join(REPO, "examples", "baseline-vars.yml")
    setup["vars"] = os.path.join(workdir, "baseline-vars.yml")
    shutil.copy(variables, setup["vars"])
    if "amazon" in tools:
        folder = os.path.join(workdir, "amazon")
        os.makedirs(folder)
        for name in AMAZON_FILES:
            shutil.copy(os.path.join(HERE, "amazon_aws", name), folder)
        setup["playbooks"]["amazon"] = os.path.join(folder, "baseline.yml")
    setup["empty_play"] = os.path.join(workdir, "empty.yml")
    with open(setup["empty_play"], "w", encoding="utf-8") as handle:
        handle.write(harness.EMPTY_PLAY)
    return setup


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    harness.fleet_options(parser, TOOLS, RESULTS, QUICK_RESULTS)
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--no-check", action="store_true", help="skip our --check run")
    parser.add_argument("--rebuild-amazon-venv", action="store_true")
    args = parser.parse_args()
    sizes, tools, output = harness.fleet_choice(parser, args, TOOLS, RESULTS, QUICK_RESULTS)

    venv_note = harness.ensure_amazon_venv(args.rebuild_amazon_venv) if "amazon" in tools else "not used"
    meta = harness.run_meta(**{
        "forks": args.forks,
        "amazon_aws": harness.amazon_aws_version() if "amazon" in tools else None,
        "amazon_venv": venv_note,
        "cost": "API calls per member account: all calls of the run (sts:AssumeRole in the management "
                "account included) divided by the number of member accounts",
        "commands": {
            "ours": "ansible-playbook -i <inventory> playbooks/harden.yml -e @examples/baseline-vars.yml",
            "amazon": "build/amazon-venv/bin/ansible-playbook -i <inventory> benchmarks/amazon_aws/baseline.yml "
                      "-e @examples/baseline-vars.yml",
        },
    })
    results = {}
    with tempfile.TemporaryDirectory() as workdir:
        setup = prepare(workdir, tools)
        for size in sizes:
            print("%d account(s):" % size, file=sys.stderr, flush=True)
            runs, checks = measure_fleet(size, tools, setup, args.forks, not args.no_check)
            results[str(size)] = {"runs": runs, "checks": checks}
    meta["load_at_end"] = round(os.getloadavg()[0], 2)
    print(report(results, tools, meta))
    written = harness.write_results(output, {"meta": meta, "results": results})
    print("\nruns, checks and per-action breakdowns: %s" % written)


if __name__ == "__main__":
    main()
