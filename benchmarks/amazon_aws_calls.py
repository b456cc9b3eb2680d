"""Benchmark: AWS API calls per account, hardening.aws against the official amazon.aws modules.

For each IAM resource, benchmarks/amazon_aws/ holds two playbooks with the same desired
state: ours_<resource>.yml (hardening.aws) and amazon_<resource>.yml (amazon.aws). On one
seeded lab, each tool runs, on a freshly reset lab every time: a --check run, then (after
another reset) a fresh run and the converged run (the same playbook again, nothing left to
change). The simulator counts the calls it serves per account; a run's cost per account is
every call of the run, the management account's sts:AssumeRole included, divided by the
number of member accounts.

hardening.aws runs from a freshly built and installed collection with this venv's
ansible-playbook; amazon.aws with build/amazon-venv's (the `ansible` package pinned in
benchmarks/requirements-amazon.txt, created on first use). A resource whose hardening.aws
module is not in plugins/modules yet, or whose playbook uses options the module does not
document, is skipped on our side with a note.

    .venv/bin/python benchmarks/amazon_aws_calls.py
    .venv/bin/python benchmarks/amazon_aws_calls.py --resources password_policy,access_key --no-check

Prints markdown tables; writes every run's per-action breakdown to
benchmarks/results/amazon_aws_calls.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PLAYBOOKS = os.path.join(HERE, "amazon_aws")
REQUIREMENTS = os.path.join(HERE, "requirements-amazon.txt")
AMAZON_VENV = os.path.join(REPO, "build", "amazon-venv")
RESULTS = os.path.join(HERE, "results", "amazon_aws_calls.json")
sys.path.insert(0, os.path.join(REPO, "tests", "lab"))

from awslab import Lab  # noqa: E402

BIN = os.path.dirname(sys.executable)
TOOLS = ("ours", "amazon")
TOOL_LABEL = {"ours": "hardening.aws", "amazon": "amazon.aws"}
# Runs made for each tool and resource, in this order. "check" runs on a reset lab, then the
# lab is reset again before "fresh"; "converged" repeats "fresh" unchanged.
RUNS = ("check", "fresh", "converged")
# access_key: a third apply shows what a key-creating module does at AWS's two-key limit.
EXTRA_RUNS = {"access_key": ("third",)}
WRITE_PREFIXES = ("Add", "Attach", "Change", "Create", "Deactivate", "Delete", "Detach", "Enable", "Put",
                  "Remove", "Reset", "Resync", "Set", "Tag", "Untag", "Update", "Upload")
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)", re.M)
EMPTY_PLAY = """- hosts: aws_accounts
  gather_facts: false
  tasks:
    - ansible.builtin.meta: noop
"""


def is_write(action):
    service, operation = action.split(":", 1)
    return service != "sts" and operation.startswith(WRITE_PREFIXES)


def resources():
    """Resource names, in a stable order: those with an amazon.aws playbook first."""
    names = set()
    for filename in os.listdir(PLAYBOOKS):
        match = re.fullmatch(r"(ours|amazon)_([a-z_]+)\.yml", filename)
        if match:
            names.add(match.group(2))
    order = ["password_policy", "user", "group", "role", "managed_policy", "access_key", "inline_policy", "user_info"]
    return [n for n in order if n in names] + sorted(names - set(order))


def playbook(tool, resource):
    path = os.path.join(PLAYBOOKS, "%s_%s.yml" % (tool, resource))
    return path if os.path.exists(path) else None


# ---------------------------------------------------------------- the two tool chains

def ensure_amazon_venv(rebuild=False):
    """Create build/amazon-venv from requirements-amazon.txt unless it is there and current.

    Returns a note on what happened (time and size when it was created)."""
    stamp = os.path.join(AMAZON_VENV, ".requirements-amazon.txt")
    with open(REQUIREMENTS, encoding="utf-8") as handle:
        wanted = handle.read()
    if not rebuild and os.path.exists(stamp) and os.path.exists(os.path.join(AMAZON_VENV, "bin", "ansible-playbook")):
        with open(stamp, encoding="utf-8") as handle:
            if handle.read() == wanted:
                return "reused %s (%s)" % (os.path.relpath(AMAZON_VENV, REPO), _size(AMAZON_VENV))
    shutil.rmtree(AMAZON_VENV, ignore_errors=True)
    start = time.perf_counter()
    print("creating %s from %s ..." % (os.path.relpath(AMAZON_VENV, REPO), os.path.relpath(REQUIREMENTS, REPO)),
          file=sys.stderr, flush=True)
    pip = [os.path.join(AMAZON_VENV, "bin", "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    steps = ([sys.executable, "-m", "venv", AMAZON_VENV], pip + ["--upgrade", "pip"], pip + ["-r", REQUIREMENTS])
    for command in steps:
        proc = subprocess.run(command, capture_output=True, text=True, check=False)
        if proc.returncode:
            raise SystemExit("%s failed:\n%s" % (" ".join(command), (proc.stdout + proc.stderr)[-3000:]))
    with open(stamp, "w", encoding="utf-8") as handle:
        handle.write(wanted)
    seconds = time.perf_counter() - start
    return "created %s in %.0f s (%s)" % (os.path.relpath(AMAZON_VENV, REPO), seconds, _size(AMAZON_VENV))


def _size(path):
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            full = os.path.join(root, name)
            if not os.path.islink(full):
                total += os.path.getsize(full)
    return "%.0f MB" % (total / 1e6)


def install_collection(workdir):
    """Build and install the collection from this checkout; return the collections path."""
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--force",
                    "--output-path", workdir, REPO], check=True, capture_output=True)
    tarball = [f for f in os.listdir(workdir) if f.endswith(".tar.gz")][0]
    path = os.path.join(workdir, "collections")
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--force", "-p", path,
                    os.path.join(workdir, tarball)], check=True, capture_output=True)
    return path


def amazon_aws_version():
    for root in (os.path.join(AMAZON_VENV, "lib"),):
        for dirpath, _dirs, files in os.walk(root):
            if dirpath.endswith(os.path.join("ansible_collections", "amazon", "aws")) and "MANIFEST.json" in files:
                with open(os.path.join(dirpath, "MANIFEST.json"), encoding="utf-8") as handle:
                    return json.load(handle)["collection_info"]["version"]
    return "?"


def tool_env(lab, tool, collections, empty_collections):
    env = lab.controller_env()
    if tool == "ours":
        env.update(ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false")
    else:
        # amazon.aws from the `ansible` package in the venv's site-packages, nothing from ~/.ansible
        env.update(ANSIBLE_COLLECTIONS_PATH=empty_collections, ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="true")
    env.pop("ANSIBLE_CONFIG", None)
    return env


def tool_bin(tool, name):
    return os.path.join(BIN if tool == "ours" else os.path.join(AMAZON_VENV, "bin"), name)


# ---------------------------------------------------------------- our side: is the playbook runnable?

def _module_tasks(node):
    """(module name, args) of every hardening.aws task in a parsed playbook."""
    if isinstance(node, list):
        for item in node:
            yield from _module_tasks(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key.startswith("hardening.aws."):
                yield key[len("hardening.aws."):], value or {}
            elif key in ("tasks", "block", "rescue", "always", "pre_tasks", "post_tasks"):
                yield from _module_tasks(value)


def ours_problem(path, collections, env, doc_cache):
    """None when every hardening.aws task of the playbook can run, else why not."""
    with open(path, encoding="utf-8") as handle:
        tasks = list(_module_tasks(yaml.safe_load(handle)))
    modules_dir = installed(collections, "plugins", "modules")
    for module, args in tasks:
        if not os.path.exists(os.path.join(modules_dir, module + ".py")):
            return "hardening.aws.%s is not in plugins/modules yet" % module
        if module not in doc_cache:
            proc = subprocess.run([tool_bin("ours", "ansible-doc"), "-j", "-t", "module", "hardening.aws." + module],
                                  env=env, capture_output=True, text=True, check=False)
            try:
                options = json.loads(proc.stdout)["hardening.aws." + module]["doc"]["options"]
            except (ValueError, KeyError):
                return "ansible-doc hardening.aws.%s failed: %s" % (module, (proc.stderr or proc.stdout)[-300:])
            names = set(options)
            for spec in options.values():
                names.update(spec.get("aliases") or ())
            doc_cache[module] = names
        unknown = sorted(set(args) - doc_cache[module])
        if unknown:
            return "%s uses options hardening.aws.%s does not document: %s; update the playbook" % (
                os.path.relpath(path, REPO), module, ", ".join(unknown))
    return None


def installed(collections, *parts):
    """A path inside the installed copy of the collection: what the runs really use, even when
    the checkout changes while the benchmark runs."""
    return os.path.join(collections, "ansible_collections", "hardening", "aws", *parts)


def action_group(collections):
    with open(installed(collections, "meta", "runtime.yml"), encoding="utf-8") as handle:
        return set((yaml.safe_load(handle).get("action_groups") or {}).get("all") or ())


def with_defaults_per_module(path, workdir, collections):
    """The playbook, or a copy of it whose module_defaults also name each module outside the group.

    A module missing from the action group `hardening.aws.all` (meta/runtime.yml) would not get
    the play's `group/hardening.aws.all` defaults: no assumed role, no lab endpoint. The copy
    repeats those defaults under the module's own name, which costs no call. Returns (path,
    modules that needed it)."""
    with open(path, encoding="utf-8") as handle:
        plays = yaml.safe_load(handle)
    outside = sorted({m for m, _args in _module_tasks(plays)} - action_group(collections))
    if not outside:
        return path, []
    for play in plays:
        defaults = play.get("module_defaults") or {}
        if "group/hardening.aws.all" in defaults:
            for module in outside:
                defaults.setdefault("hardening.aws." + module, dict(defaults["group/hardening.aws.all"]))
    copy = os.path.join(workdir, os.path.basename(path))
    with open(copy, "w", encoding="utf-8") as handle:
        yaml.safe_dump(plays, handle, sort_keys=False, width=1000)
    return copy, outside


# ---------------------------------------------------------------- one run

def run_playbook(lab, tool, path, inventory, env, workdir, check=False, extra_args=()):
    lab.reset_calls()
    command = [tool_bin(tool, "ansible-playbook"), "-i", inventory, path] + (["--check"] if check else [])
    command += list(extra_args)
    start = time.perf_counter()
    proc = subprocess.run(command, env=env, cwd=workdir, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    calls = lab.calls()
    accounts = len(lab.account_ids)
    actions = {}
    for by_action in calls.values():
        for action, count in by_action.items():
            actions[action] = actions.get(action, 0) + count
    output = proc.stdout + proc.stderr
    result = {
        "rc": proc.returncode,
        "seconds": round(seconds, 2),
        "calls_per_account": sum(actions.values()) / accounts,
        "writes_per_account": sum(n for a, n in actions.items() if is_write(a)) / accounts,
        "actions_per_account": {a: n / accounts for a, n in sorted(actions.items(), key=lambda kv: (-kv[1], kv[0]))},
        "calls_by_account": calls,
        "recap": {m.group(1): {"ok": int(m.group(2)), "changed": int(m.group(3)), "failed": int(m.group(5)),
                               "unreachable": int(m.group(4))} for m in RECAP.finditer(proc.stdout)},
    }
    missing = [a for a in lab.account_ids if not calls.get(a)]
    if missing:
        result["warning"] = "no call landed in member account(s) %s" % ", ".join(missing)
    if proc.returncode:
        errors = [line for line in output.splitlines() if "ERROR" in line or "fatal:" in line or "msg" in line]
        result["errors"] = errors[-6:] or output.splitlines()[-6:]
    return result


def measure(lab, tool, resource, path, inventory, env, workdir, with_check):
    runs = {}
    if with_check:
        lab.reset(seed=True)
        runs["check"] = run_playbook(lab, tool, path, inventory, env, workdir, check=True)
    lab.reset(seed=True)
    runs["fresh"] = run_playbook(lab, tool, path, inventory, env, workdir)
    runs["converged"] = run_playbook(lab, tool, path, inventory, env, workdir)
    for name in EXTRA_RUNS.get(resource, ()):
        runs[name] = run_playbook(lab, tool, path, inventory, env, workdir)
    return runs


# ---------------------------------------------------------------- report

def _num(value):
    return ("%d" % value) if float(value).is_integer() else ("%.1f" % value)


def cell(run):
    if run is None:
        return "-"
    text = "%s calls, %.1f s" % (_num(run["calls_per_account"]), run["seconds"])
    if run["rc"]:
        text += " **FAILED rc=%d**" % run["rc"]
    changed = sorted({h["changed"] for h in run["recap"].values()})
    if changed:
        text += ", changed=%s" % "/".join(str(c) for c in changed)
    return text


def top_actions(run, n=4):
    if run is None:
        return "-"
    items = list(run["actions_per_account"].items())[:n]
    return ", ".join("%s %s" % (a, _num(c)) for a, c in items) or "no calls"


def report(results, notes, remarks, meta):
    out = []
    out.append("API calls per member account (the management account's sts:AssumeRole shared out), and wall "
               "time of the whole run over %d accounts; changed= is the recap's count per host." % meta["accounts"])
    out.append("")
    out.append("| resource | ours fresh | ours converged | amazon.aws fresh | amazon.aws converged |")
    out.append("|---|---|---|---|---|")
    for resource, by_tool in results.items():
        row = [resource]
        for tool in TOOLS:
            runs = by_tool.get(tool)
            if runs is None:
                note = notes.get((resource, tool), "")
                short = "no amazon.aws module" if note.startswith("no amazon.aws") else "skipped (see below)"
                row += [short if note else "-", short if note else "-"]
            else:
                row += [cell(runs.get("fresh")), cell(runs.get("converged"))]
        out.append("| " + " | ".join(row) + " |")
    out.append("")
    out.append("Start-up alone (a play with one no-op task, same inventory): ours %.1f s, amazon.aws %.1f s."
               % (meta["startup_seconds"].get("ours", 0), meta["startup_seconds"].get("amazon", 0)))
    out.append("")
    out.append("Converged runs, the calls that dominate (per account):")
    out.append("")
    for resource, by_tool in results.items():
        parts = []
        for tool in TOOLS:
            runs = by_tool.get(tool)
            if runs:
                parts.append("%s: %s" % (TOOL_LABEL[tool], top_actions(runs.get("converged"))))
        if parts:
            out.append("- %s: %s" % (resource, "; ".join(parts)))
    if any(runs and "check" in runs for by_tool in results.values() for runs in by_tool.values()):
        out.append("")
        out.append("--check on a fresh (reset) lab: write calls per account (must be 0) and changed= per host:")
        out.append("")
        out.append("| resource | ours --check | amazon.aws --check |")
        out.append("|---|---|---|")
        for resource, by_tool in results.items():
            row = [resource]
            for tool in TOOLS:
                run = (by_tool.get(tool) or {}).get("check")
                if run is None:
                    row.append("-")
                    continue
                writes = [a for a in run["actions_per_account"] if is_write(a)]
                text = "%s writes%s" % (_num(run["writes_per_account"]), " (%s)" % ", ".join(writes) if writes else "")
                text += ", changed=%s" % "/".join(str(c) for c in sorted({h["changed"] for h in run["recap"].values()}))
                if run["rc"]:
                    text += " **FAILED rc=%d**" % run["rc"]
                row.append(text)
            out.append("| " + " | ".join(row) + " |")
    findings = known_behaviours(results, meta)
    if findings:
        out.append("")
        out.append("Known amazon.aws behaviours (issue 3), checked against these numbers:")
        out.append("")
        out.extend("- " + f for f in findings)
    skipped = ["%s %s: %s" % (TOOL_LABEL[t], r, n) for (r, t), n in sorted(notes.items())]
    for resource, by_tool in results.items():
        for tool, runs in by_tool.items():
            for name, run in runs.items():
                if run.get("warning"):
                    remarks = [*remarks, "%s %s %s run: %s" % (TOOL_LABEL[tool], resource, name, run["warning"])]
    if skipped or remarks:
        out.append("")
        out.append("Skipped and remarks:")
        out.append("")
        out.extend("- " + s for s in skipped + remarks)
    return "\n".join(out)


def _action(run, action):
    return (run or {}).get("actions_per_account", {}).get(action, 0)


def known_behaviours(results, meta):
    findings = []
    amazon = {r: by_tool.get("amazon") or {} for r, by_tool in results.items()}
    runs = amazon.get("access_key")
    if runs and runs.get("converged"):
        created = _action(runs["converged"], "iam:CreateAccessKey")
        third = runs.get("third")
        text = ("iam_access_key without an id creates a new key every run: %s (converged run made %s "
                "iam:CreateAccessKey per account" % ("confirmed" if created else "refuted", _num(created)))
        if third:
            limit = "LimitExceeded" in " ".join(third.get("errors", []))
            text += "; third run %s" % ("failed with LimitExceeded (two keys per user)" if third["rc"] and limit
                                        else "rc=%d" % third["rc"])
        findings.append(text + ").")
    runs = amazon.get("password_policy")
    if runs and runs.get("check"):
        writes = _action(runs["check"], "iam:UpdateAccountPasswordPolicy")
        text = "iam_password_policy writes under --check: %s (%s iam:UpdateAccountPasswordPolicy per account in the " \
               "--check run" % ("confirmed" if writes else "refuted", _num(writes))
        if runs.get("converged"):
            text += "; the converged run also writes it: %s per account" % _num(
                _action(runs["converged"], "iam:UpdateAccountPasswordPolicy"))
        findings.append(text + ").")
    lookups = []
    by_name = ("user", "group", "role", "managed_policy")
    for resource in by_name:
        run = amazon.get(resource, {}).get("converged")
        if run:
            lookups.append("%s %s" % (resource, _num(_action(run, "iam:ListPolicies"))))
    if lookups:
        listed = any(_action(amazon[r].get("converged"), "iam:ListPolicies") for r in by_name if amazon.get(r))
        findings.append(
            "a managed policy given by name makes amazon.aws list every policy: %s (iam:ListPolicies requests per "
            "account in converged runs: %s; iam_managed_policy finds its own policy that way too; the lab holds "
            "%d managed policies per account, listed 100 per page)"
            % ("confirmed" if listed else "refuted", ", ".join(lookups), meta["managed_policies_per_account"]))
    noisy = [r for r, runs in amazon.items() if runs.get("converged")
             and any(h["changed"] > 1 for h in runs["converged"]["recap"].values())]
    findings.append("amazon.aws.sts_assume_role reports changed on every run, so an amazon.aws converged run "
                    "shows changed=1 per host at best%s." % (
                        "; resources with more than that: %s" % ", ".join(noisy) if noisy else ""))
    return findings


# ---------------------------------------------------------------- main


def commit():
    """The checkout's commit, and whether it has uncommitted changes, for a results file."""
    def git(*args):
        proc = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False)
        return proc.stdout.strip()
    head = git("rev-parse", "--short", "HEAD") or "?"
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return "commit %s%s" % (head, " + uncommitted changes" if dirty else "")


def run_meta(**extra):
    """What every benchmark's results file says of its run (date, commit, machine, load), plus ``extra``."""
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": commit(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_at_start": round(os.getloadavg()[0], 2),
    }
    meta.update(extra)
    return meta


def fleet_options(parser, tools, results, quick_results):
    """The options of a side-by-side over growing fleets: --accounts, --quick, --tools, --output."""
    parser.add_argument("--accounts", default="1,10,50", help="fleet sizes, comma-separated (default %(default)s)")
    parser.add_argument("--quick", action="store_true", help="1 and 3 accounts, to test the harness")
    parser.add_argument("--tools", default=",".join(tools), help="%s or both (default)" % ", ".join(tools))
    parser.add_argument("--output", help="JSON file (default %s, or %s with --quick)" % (
        os.path.relpath(results, REPO), os.path.relpath(quick_results, REPO)))


def fleet_choice(parser, args, tools, results, quick_results):
    """(fleet sizes, tools in ``tools``' order, results file) from :func:`fleet_options`' options."""
    sizes = [1, 3] if args.quick else [int(n) for n in args.accounts.split(",")]
    chosen = [t for t in tools if t in args.tools.split(",")]
    if not chosen or any(n < 1 for n in sizes):
        parser.error("need at least one tool and fleet sizes >= 1")
    return sizes, chosen, args.output or (quick_results if args.quick else results)


def write_results(path, data):
    """Write a benchmark's results (JSON) to ``path``, its folder made if needed; return the path
    relative to the repository, for the message that names it."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1, sort_keys=True, default=str)
    return os.path.relpath(os.path.abspath(path), REPO)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=2)
    parser.add_argument("--resources", help="comma-separated, default: every playbook pair (%s)"
                        % ", ".join(resources()))
    parser.add_argument("--tools", default="ours,amazon", help="ours, amazon or both (default)")
    parser.add_argument("--no-check", action="store_true", help="skip the --check runs")
    parser.add_argument("--rebuild-amazon-venv", action="store_true")
    parser.add_argument("--output", default=RESULTS, help="JSON file (default %(default)s)")
    args = parser.parse_args()
    wanted = args.resources.split(",") if args.resources else resources()
    unknown = sorted(set(wanted) - set(resources()))
    if unknown:
        parser.error("no playbooks for %s" % ", ".join(unknown))
    tools = [t for t in TOOLS if t in args.tools.split(",")]

    venv_note = ensure_amazon_venv(args.rebuild_amazon_venv) if "amazon" in tools else "not used"
    print("amazon venv: %s" % venv_note, file=sys.stderr, flush=True)
    results, notes, remarks = {}, {}, []
    with tempfile.TemporaryDirectory() as workdir, Lab(accounts=args.accounts, seed=True) as lab:
        collections = install_collection(workdir) if "ours" in tools else None
        empty_collections = os.path.join(workdir, "no-collections")
        os.makedirs(empty_collections)
        inventory = os.path.join(workdir, "inventory.yml")
        lab.write_inventory(inventory)
        envs = {t: tool_env(lab, t, collections, empty_collections) for t in tools}
        empty_play = os.path.join(workdir, "empty.yml")
        with open(empty_play, "w", encoding="utf-8") as handle:
            handle.write(EMPTY_PLAY)
        meta = {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "accounts": args.accounts,
            "amazon_aws": amazon_aws_version() if "amazon" in tools else None,
            "amazon_venv": venv_note,
            "startup_seconds": {t: run_playbook(lab, t, empty_play, inventory, envs[t], workdir)["seconds"]
                                for t in tools},
            "managed_policies_per_account": len(lab.iam_backend(lab.account_ids[0]).managed_policies),
            "cost": "API calls per member account: all calls of the run (sts:AssumeRole in the management "
                    "account included) divided by the number of member accounts",
        }
        doc_cache = {}
        for resource in wanted:
            results[resource] = {}
            for tool in tools:
                path = playbook(tool, resource)
                if path is None:
                    notes[(resource, tool)] = "no %s module for this" % TOOL_LABEL[tool] if tool == "amazon" \
                        else "no playbook"
                    continue
                if tool == "ours":
                    problem = ours_problem(path, collections, envs[tool], doc_cache)
                    if problem:
                        notes[(resource, tool)] = "skipped: " + problem
                        continue
                    path, outside = with_defaults_per_module(path, workdir, collections)
                    if outside:
                        remarks.append(
                            "%s: hardening.aws.%s is not in the action group all (meta/runtime.yml): the run "
                            "gave it the play's module_defaults under its own name"
                            % (resource, ", hardening.aws.".join(outside)))
                print("%s %s ..." % (resource, TOOL_LABEL[tool]), file=sys.stderr, flush=True)
                results[resource][tool] = measure(lab, tool, resource, path, inventory, envs[tool], workdir,
                                                  not args.no_check)
    print(report(results, notes, remarks, meta))
    written = write_results(args.output, {
        "meta": meta, "skipped": {"%s/%s" % k: v for k, v in notes.items()}, "remarks": remarks, "results": results
    })
    print("\nper-action breakdown of every run: %s" % written)


if __name__ == "__main__":
    main()
