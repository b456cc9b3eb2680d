"""Benchmark: the fleet operations over 1, 10, 50 and 200 simulated accounts (issue 8).

For each fleet size and number of extra users per account, one lab (tests/lab/awslab,
``Lab(accounts=N, extra_users=U)``: the usual seed plus U plain users per account, some with
console passwords, some with access keys of varied ages) and, in this order, from a freshly
built and installed copy of the collection with this venv's ansible-playbook:

- harden-fresh: ``playbooks/harden.yml -e @examples/baseline-vars.yml`` on the seeded lab;
- harden-converged: the same command again (nothing left to change: changed=0 expected);
- audit: ``playbooks/audit.yml -e audit_report_dir=<dir>`` (one report per account expected);
- rotate: ``playbooks/rotate_keys.yml`` with the role's defaults (the seed has keys due: an only
  active key older than 90 days; so do about a fifth of the extra users);
- offboard: ``playbooks/offboard.yml`` disabling two users by name (leaver-dave, dormant-erin),
  each archived to a temporary folder.

An operation that needs a state the lab is not in gets it first: harden-converged runs harden-fresh
before it when needed (recorded as such), rotate and offboard reset the lab when they already ran.

Per run: wall time of the ansible-playbook process (start-up included); the controller's peak
memory, twice: max RSS of the ansible-playbook main process (os.wait4's resource usage, which on
Linux also covers its reaped children, i.e. the largest forked worker; the process is started by a
small helper so that it does not inherit this process's high-water mark) and the
peak of the summed RSS (and PSS, which counts pages shared by the forked workers once) of its whole
process tree, sampled from /proc every 0.25 s; the API calls the lab served, per member account
(the management account's sts:AssumeRole shared out), split into reads and writes; seconds per
account; the CPU seconds of the controller (ansible-playbook and its workers, from os.wait4: less
sensitive to other jobs on the machine than the wall time); the recap; the load average before and
after.

The lab answers Access Analyzer's ListAnalyzers as AWS does (``Lab(access_analyzer=True)``, no
analyzer in any account). moto alone has no Access Analyzer: its 500 pages are retried with backoff,
about 7 s of sleeping per audited account, which the audit numbers before 2026-11-30 include;
``--no-access-analyzer`` measures that way again.

    .venv/bin/python benchmarks/fleet.py --quick                       # 1 and 3 accounts, 10 users
    .venv/bin/python benchmarks/fleet.py --accounts 1,10,50,200 --users 10 --ops harden-converged,audit
    .venv/bin/python benchmarks/fleet.py --accounts 10 --users 500 --append
    .venv/bin/python benchmarks/fleet.py --accounts 50 --ops harden-converged --forks 10,20,40 --append
    .venv/bin/python benchmarks/fleet.py --report-only benchmarks/results/fleet.json

Prints markdown tables; writes every run to benchmarks/results/fleet.json (fleet-quick.json with
--quick); --append keeps the runs already in the file that this invocation does not repeat.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import amazon_aws_calls as harness  # noqa: E402  (also puts tests/lab on sys.path)
from audit import cost  # noqa: E402

from awslab import Lab  # noqa: E402

REPO = harness.REPO
RESULTS = os.path.join(HERE, "results", "fleet.json")
QUICK_RESULTS = os.path.join(HERE, "results", "fleet-quick.json")
OPS = ("harden-fresh", "harden-converged", "audit", "rotate", "offboard")
PLAYBOOK = {"harden-fresh": "harden.yml", "harden-converged": "harden.yml", "audit": "audit.yml",
            "rotate": "rotate_keys.yml", "offboard": "offboard.yml"}
OFFBOARD_USERS = ["leaver-dave", "dormant-erin"]
# Measured at 50 accounts on this 2-core machine: converged harden 173 s with 10 forks against 208 s with 20, at
# half the memory, and audit 242 s against 235 s (see docs/benchmarks.md).
DEFAULT_FORKS = 10
TARGET_SECONDS = 120
TARGET_OPS = ("harden-converged", "audit")
SAMPLE_SECONDS = 0.25
PAGE = os.sysconf("SC_PAGE_SIZE")


# ---------------------------------------------------------------- controller memory

def _children_map():
    """{ppid: [pid, ...]} of every process, from /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # the command name may hold spaces and parentheses: fields start after the last ')'
        fields = stat[stat.rfind(b")") + 2:].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def _tree(root):
    children, out, todo = _children_map(), [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def _rss_pss(pid):
    """(RSS, PSS) in bytes of one process (0, 0 when it is gone)."""
    try:
        with open("/proc/%d/smaps_rollup" % pid, encoding="ascii") as handle:
            values = {}
            for line in handle:
                parts = line.split()
                if parts and parts[0] in ("Rss:", "Pss:"):
                    values[parts[0]] = int(parts[1]) * 1024
            return values.get("Rss:", 0), values.get("Pss:", 0)
    except OSError:
        pass
    try:
        with open("/proc/%d/statm" % pid, encoding="ascii") as handle:
            rss = int(handle.read().split()[1]) * PAGE
        return rss, rss
    except OSError:
        return 0, 0


def _hwm(pid):
    """VmHWM (peak RSS of its own memory) in bytes of one process, 0 when it is gone."""
    try:
        with open("/proc/%d/status" % pid, encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class TreeSampler(threading.Thread):
    """Peak summed RSS and PSS of a process and its descendants, sampled every SAMPLE_SECONDS."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_rss = self.peak_pss = self.peak_processes = self.samples = self.main_hwm = 0
        self._done = threading.Event()

    def run(self):
        while not self._done.is_set():
            self.main_hwm = max(self.main_hwm, _hwm(self.pid))
            pids = _tree(self.pid)
            rss = pss = 0
            for pid in pids:
                one_rss, one_pss = _rss_pss(pid)
                rss += one_rss
                pss += one_pss
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_pss = max(self.peak_pss, pss)
            self.peak_processes = max(self.peak_processes, len(pids))
            self.samples += 1
            self._done.wait(SAMPLE_SECONDS)

    def stop(self):
        self._done.set()
        self.join()


# ---------------------------------------------------------------- one run

# Runs each ansible-playbook and reaps it with os.wait4. A separate small process, because Linux
# gives a child the memory high-water mark of the process it was forked from (recorded at exec):
# spawned from this process, which holds the whole lab, every run's ru_maxrss would be the lab's.
SPAWNER = """
import json, os, subprocess, sys
for line in sys.stdin:
    job = json.loads(line)
    with open(job["log"], "w") as log:
        proc = subprocess.Popen(job["command"], env=job["env"], cwd=job["cwd"], stdout=log, stderr=subprocess.STDOUT)
        print(json.dumps({"pid": proc.pid}), flush=True)
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    print(json.dumps({"rc": proc.returncode, "maxrss_kb": usage.ru_maxrss,
                      "cpu_seconds": usage.ru_utime + usage.ru_stime}), flush=True)
"""


class Spawner:
    """The small process that starts and reaps the runs (see SPAWNER)."""

    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, "-S", "-c", SPAWNER], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def start(self, command, env, cwd, log):
        self.proc.stdin.write(json.dumps({"command": command, "env": env, "cwd": cwd, "log": log}) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())["pid"]

    def wait(self):
        return json.loads(self.proc.stdout.readline())

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def run_measured(lab, spawner, command, env, workdir):
    """Run one ansible-playbook; its wall time, memory, recap and the lab's calls."""
    lab.reset_calls()
    log = os.path.join(workdir, "run.log")
    load = os.getloadavg()
    start = time.perf_counter()
    pid = spawner.start(command, env, workdir, log)
    sampler = TreeSampler(pid)
    sampler.start()
    ended = spawner.wait()
    seconds = time.perf_counter() - start
    sampler.stop()
    with open(log, encoding="utf-8", errors="replace") as handle:
        output = handle.read()
    calls = lab.calls()
    members = list(lab.account_ids)
    spent = cost(calls, members)
    writes = sum(n for a, n in spent["actions_per_account"].items() if harness.is_write(a))
    recap = {m.group(1): {"ok": int(m.group(2)), "changed": int(m.group(3)), "unreachable": int(m.group(4)),
                          "failed": int(m.group(5))} for m in harness.RECAP.finditer(output)}
    result = {
        "rc": ended["rc"],
        "seconds": round(seconds, 2),
        "seconds_per_account": round(seconds / len(members), 3),
        "main_maxrss_mb": round(ended["maxrss_kb"] / 1024, 1),
        "main_vmhwm_mb": round(sampler.main_hwm / 2 ** 20, 1),
        "tree_peak_rss_mb": round(sampler.peak_rss / 2 ** 20, 1),
        "tree_peak_pss_mb": round(sampler.peak_pss / 2 ** 20, 1),
        "tree_peak_processes": sampler.peak_processes,
        "memory_samples": sampler.samples,
        "cpu_seconds": round(ended["cpu_seconds"], 1),
        "calls_per_account": spent["calls_per_account"],
        "writes_per_account": round(writes, 2),
        "reads_per_account": round(spent["calls_per_account"] - writes, 2),
        "calls_min_max": spent["calls_min_max"],
        "actions_per_account": spent["actions_per_account"],
        "accounts_without_calls": spent["accounts_without_calls"],
        "changed_max": max((h["changed"] for h in recap.values()), default=None),
        "changed_hosts": sum(1 for h in recap.values() if h["changed"]),
        "failed_hosts": sorted(h for h, r in recap.items() if r["failed"] or r["unreachable"]),
        "hosts_in_recap": len(recap),
        "load_before": [round(x, 2) for x in load],
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }
    if ended["rc"]:
        lines = [line for line in output.splitlines() if "ERROR" in line or "fatal:" in line]
        result["errors"] = (lines or output.splitlines())[-6:]
    return result


# ---------------------------------------------------------------- one lab

class Fleet:
    """One lab of `accounts` x `users` and the state its operations left it in."""

    def __init__(self, lab, setup, users):
        self.lab, self.setup, self.users = lab, setup, users
        self.applied = set()
        self.inventory = os.path.join(setup["workdir"], "inventory-%d.yml" % len(lab.account_ids))
        lab.write_inventory(self.inventory)

    def command(self, op):
        playbook = harness.installed(self.setup["collections"], "playbooks", PLAYBOOK[op])
        command = [harness.tool_bin("ours", "ansible-playbook"), "-i", self.inventory, playbook]
        if op.startswith("harden"):
            command += ["-e", "@" + self.setup["vars"]]
        elif op == "audit":
            command += ["-e", "audit_report_dir=" + self.report_dir()]
        elif op == "offboard":
            archive = tempfile.mkdtemp(prefix="archive-", dir=self.setup["workdir"])
            command += ["-e", json.dumps({"offboard_users": OFFBOARD_USERS, "offboard_mode": "disable",
                                          "offboard_archive_dir": archive})]
        return command

    def report_dir(self):
        self._reports = tempfile.mkdtemp(prefix="audit-", dir=self.setup["workdir"])
        return self._reports

    def reset(self):
        self.lab.reset(seed=True)
        self.applied = set()

    def run(self, op, forks):
        """The run of `op` (and of the harden-fresh it needed first, if any): [(op, result)]."""
        out = []
        if op == "harden-fresh" and self.applied:
            self.reset()
        if op == "harden-converged" and "harden" not in self.applied:
            if self.applied:
                self.reset()
            out += self.run("harden-fresh", forks)
        if op in ("rotate", "offboard") and op in self.applied:
            self.reset()
        env = harness.tool_env(self.lab, "ours", self.setup["collections"], None)
        env["ANSIBLE_FORKS"] = str(forks)
        size = len(self.lab.account_ids)
        print("  %d accounts x %d users, %s, forks %d ..." % (size, self.users, op, forks),
              file=sys.stderr, end="", flush=True)
        result = run_measured(self.lab, self.setup["spawner"], self.command(op), env, self.setup["workdir"])
        result.update(accounts=size, users=self.users, extra_users=self.users - SEED_USERS, op=op, forks=forks,
                      state_before=sorted(self.applied) or ["seed"])
        if op == "audit":
            result["reports"] = sum(1 for a in self.lab.account_ids
                                    if os.path.exists(os.path.join(self._reports, "%s.json" % a)))
        result["ok"] = verdict(result)
        print(" %.1f s, %s calls/account, %.0f MB tree RSS, rc=%d%s" % (
            result["seconds"], harness._num(round(result["calls_per_account"], 1)), result["tree_peak_rss_mb"],
            result["rc"], "" if result["ok"] is True else " (%s)" % result["ok"]), file=sys.stderr, flush=True)
        self.applied.add("harden" if op.startswith("harden") else op)
        return out + [(op, result)]


def verdict(result):
    """True, or what is wrong with the run."""
    problems = []
    if result["rc"]:
        problems.append("rc=%d" % result["rc"])
    if result["failed_hosts"]:
        problems.append("failed hosts %s" % ", ".join(result["failed_hosts"][:3]))
    if result["hosts_in_recap"] != result["accounts"]:
        problems.append("%d hosts in the recap" % result["hosts_in_recap"])
    if result["accounts_without_calls"]:
        problems.append("no call in %d account(s)" % len(result["accounts_without_calls"]))
    if result["op"] == "harden-converged" and result["changed_max"]:
        problems.append("converged run changed %d" % result["changed_max"])
    if result["op"] == "audit" and result.get("reports") != result["accounts"]:
        problems.append("%s reports" % result.get("reports"))
    return True if not problems else "; ".join(problems)


# ---------------------------------------------------------------- report

def _key(run):
    return (run["accounts"], run["users"], run["op"], run["forks"])


def _fmt(value):
    return harness._num(round(value, 1))


def table(runs):
    out = ["| accounts | users / account | operation | forks | wall s | s / account | controller CPU s (/ account) "
           "| calls / account (reads + writes) | main RSS MB | tree peak RSS / PSS MB | changed hosts "
           "| load before → after | ok |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for run in sorted(runs, key=lambda r: (r["users"], r["accounts"], OPS.index(r["op"]), r["forks"])):
        row = (
            run["accounts"], run["users"], run["op"], run["forks"], run["seconds"], run["seconds_per_account"],
            run["cpu_seconds"], run["cpu_seconds"] / run["accounts"],
            _fmt(run["calls_per_account"]), _fmt(run["reads_per_account"]), _fmt(run["writes_per_account"]),
            run["main_maxrss_mb"], run["tree_peak_rss_mb"], run["tree_peak_pss_mb"], run["changed_hosts"],
            run["load_before"][0], run["load_after"][0], "yes" if run["ok"] is True else run["ok"],
        )
        out.append("| %d | %d | %s | %d | %.1f | %.2f | %.0f (%.2f) | %s (%s + %s) | %.0f | %.0f / %.0f | %d "
                   "| %.1f → %.1f | %s |" % row)
    return out


def growth(runs, forks):
    """How seconds, calls and memory per account move with the fleet, per operation and users."""
    out = []
    chosen = [r for r in runs if r["forks"] == forks]
    for users in sorted({r["users"] for r in chosen}):
        for op in OPS:
            series = sorted((r for r in chosen if r["users"] == users and r["op"] == op), key=lambda r: r["accounts"])
            if len(series) < 2:
                continue
            out.append("- %s, %d users/account: s/account %s; CPU s/account %s; calls/account %s; tree peak RSS MB %s"
                       % (op, users,
                          ", ".join("%.2f@%d" % (r["seconds_per_account"], r["accounts"]) for r in series),
                          ", ".join("%.2f@%d" % (r["cpu_seconds"] / r["accounts"], r["accounts"]) for r in series),
                          ", ".join("%s@%d" % (_fmt(r["calls_per_account"]), r["accounts"]) for r in series),
                          ", ".join("%.0f@%d" % (r["tree_peak_rss_mb"], r["accounts"]) for r in series)))
    for accounts in sorted({r["accounts"] for r in chosen}):
        for op in OPS:
            series = sorted((r for r in chosen if r["accounts"] == accounts and r["op"] == op),
                            key=lambda r: r["users"])
            if len(series) < 2:
                continue
            out.append("- %s at %d accounts, by users/account: s/account %s; CPU s/account %s; calls/account %s; "
                       "tree peak RSS MB %s"
                       % (op, accounts,
                          ", ".join("%.2f@%du" % (r["seconds_per_account"], r["users"]) for r in series),
                          ", ".join("%.2f@%du" % (r["cpu_seconds"] / r["accounts"], r["users"]) for r in series),
                          ", ".join("%s@%du" % (_fmt(r["calls_per_account"]), r["users"]) for r in series),
                          ", ".join("%.0f@%du" % (r["tree_peak_rss_mb"], r["users"]) for r in series)))
    return out


def targets(runs):
    out = []
    for op in TARGET_OPS:
        largest = [r for r in runs if r["op"] == op and r["accounts"] == max(x["accounts"] for x in runs)]
        for run in sorted(largest, key=lambda r: (r["users"], r["forks"])):
            out.append("- %s at %d accounts x %d users, forks %d: %.1f s (target <= %d s: %s)" % (
                op, run["accounts"], run["users"], run["forks"], run["seconds"], TARGET_SECONDS,
                "met" if run["seconds"] <= TARGET_SECONDS and run["ok"] is True else "NOT met"))
    return out


def report(data):
    meta, runs = data["meta"], data["runs"]
    out = ["Fleet benchmark: %s; %s; %d cores; default forks %d" % (
        meta["date"], meta["commit"], meta["cpus"], meta["default_forks"]), ""]
    out += table(runs)
    out += ["", "Growth (forks %d):" % meta["default_forks"], ""] + growth(runs, meta["default_forks"])
    out += ["", "Target (converged harden and audit at the largest fleet within %d s):" % TARGET_SECONDS, ""]
    out += targets(runs)
    return "\n".join(out)


# ---------------------------------------------------------------- main

SEED_USERS = 6  # awslab.SEED's users (checked in prepare)


def prepare(workdir):
    from awslab import SEED  # pylint: disable=import-outside-toplevel

    if len(SEED.users) != SEED_USERS:
        raise SystemExit("awslab.SEED has %d users, fleet.py assumes %d" % (len(SEED.users), SEED_USERS))
    setup = {"workdir": workdir, "collections": harness.install_collection(workdir)}
    setup["vars"] = harness.installed(setup["collections"], "examples", "baseline-vars.yml")
    setup["spawner"] = Spawner()
    return setup


def _ints(text):
    return [int(n) for n in text.split(",") if n]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", default="1,10,50,200", help="fleet sizes (default %(default)s)")
    parser.add_argument("--users", default="10", help="users per account, at least %d (the seed's); "
                        "comma-separated (default %%(default)s)" % SEED_USERS)
    parser.add_argument("--ops", default=",".join(OPS), help="operations (default: all, %(default)s)")
    parser.add_argument("--forks", default=str(DEFAULT_FORKS), help="forks, comma-separated (default %(default)s)")
    parser.add_argument("--quick", action="store_true", help="1 and 3 accounts, 10 users: test the harness")
    parser.add_argument("--append", action="store_true", help="keep the file's other runs")
    parser.add_argument("--output", help="JSON file (default %s, or %s with --quick)" % (
        os.path.relpath(RESULTS, REPO), os.path.relpath(QUICK_RESULTS, REPO)))
    parser.add_argument("--report-only", metavar="JSON", help="print the tables of a results file, run nothing")
    parser.add_argument("--no-access-analyzer", action="store_true",
                        help="leave Access Analyzer to moto, which has none (500s, retried with backoff: "
                        "the numbers before 2026-11-30); by default the lab answers ListAnalyzers as AWS does")
    args = parser.parse_args()
    if args.report_only:
        with open(args.report_only, encoding="utf-8") as handle:
            print(report(json.load(handle)))
        return
    sizes = [1, 3] if args.quick else _ints(args.accounts)
    user_counts = [10] if args.quick else _ints(args.users)
    ops = [o for o in OPS if o in args.ops.split(",")]
    forks_list = _ints(args.forks)
    if not ops or not forks_list or min(sizes) < 1 or min(user_counts) < SEED_USERS:
        parser.error("need operations, forks, fleet sizes >= 1 and users >= %d" % SEED_USERS)
    output = args.output or (QUICK_RESULTS if args.quick else RESULTS)
    runs = []
    if args.append and os.path.exists(output):
        with open(output, encoding="utf-8") as handle:
            runs = json.load(handle)["runs"]
    meta = harness.run_meta(**{
        "default_forks": DEFAULT_FORKS,
        "access_analyzer": "moto (none: 500s, retried)" if args.no_access_analyzer
                           else "the lab's ListAnalyzers (awslab.access_analyzer)",
        "load_at_start": [round(x, 2) for x in os.getloadavg()],
        "users": "per account: awslab.SEED's %d users plus (users - %d) from awslab.seed.extra_user_seeds"
                 % (SEED_USERS, SEED_USERS),
        "cost": "API calls per member account: its own plus an equal share of the management account's "
                "(sts:AssumeRole)",
        "memory": "main_maxrss_mb: ru_maxrss of the ansible-playbook process from os.wait4; tree_peak_*: peak of "
                  "the sum over its process tree, sampled from /proc every %.2f s" % SAMPLE_SECONDS,
        "commands": {op: "ansible-playbook -i <inventory> playbooks/%s%s" % (PLAYBOOK[op], {
            "harden-fresh": " -e @examples/baseline-vars.yml", "harden-converged": " -e @examples/baseline-vars.yml",
            "audit": " -e audit_report_dir=<dir>",
            "offboard": " -e '%s'" % json.dumps(
                {"offboard_users": OFFBOARD_USERS, "offboard_mode": "disable", "offboard_archive_dir": "<dir>"}
            )}.get(op, "")) for op in OPS},
    })

    def save():
        meta["load_at_end"] = [round(x, 2) for x in os.getloadavg()]
        harness.write_results(output, {"meta": meta, "runs": runs})

    with tempfile.TemporaryDirectory() as workdir:
        setup = prepare(workdir)
        for users in user_counts:
            for size in sizes:
                start = time.perf_counter()
                with Lab(accounts=size, seed=True, extra_users=users - SEED_USERS,
                         access_analyzer=not args.no_access_analyzer) as lab:
                    print("%d account(s) x %d users: lab up in %.1f s" % (size, users, time.perf_counter() - start),
                          file=sys.stderr, flush=True)
                    fleet = Fleet(lab, setup, users)
                    for forks in forks_list:
                        for op in ops:
                            for name, result in fleet.run(op, forks):
                                if name not in ops:
                                    result["preparation"] = True
                                result["commit"] = meta["commit"]
                                result["lab_process_maxrss_mb"] = round(
                                    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
                                runs = [r for r in runs if _key(r) != _key(result)] + [result]
                                save()
        setup["spawner"].close()
    save()
    print(report({"meta": meta, "runs": runs}))
    print("\nevery run, with its per-action calls: %s" % os.path.relpath(os.path.abspath(output), REPO))


if __name__ == "__main__":
    main()
