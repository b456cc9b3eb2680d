"""Benchmark: playbooks/audit.yml against Prowler's IAM checks, over the same seeded lab accounts.

For each fleet size (default 3 and 10 member accounts), one lab (tests/lab/awslab) is seeded with
the usual messy users (awslab.SEED) and, per account, one of the PROFILES below in turn: the root
user's state (MFA on, off, hardware; a root access key; recent root sign-in) and a few account
settings (password policy, alias, support role, SAML provider, CloudShell access), so that the
controls pass in some accounts and fail in others. Then, each on a freshly reset and re-seeded lab:

- hardening.aws: `ansible-playbook -i <inventory> playbooks/audit.yml -e audit_report_dir=<dir>`
  from a freshly built and installed copy of the collection (this venv's ansible-playbook, --forks,
  default 10), reading the per-account reports <dir>/<account id>.json;
- Prowler: `prowler aws --service iam -f us-east-1 -R <OrganizationAccountAccessRole arn> -M json-ocsf`
  once per account (Prowler scans one account per process), --prowler-jobs at a time (default: the
  number of cores), with AWS_ENDPOINT_URL pointing at the lab. Prowler lives in its own venv,
  .venv-prowler, created from benchmarks/requirements-prowler.txt when missing (~2.3 GB, 5-10 min).

Wall time is the whole process, start-up included (one ansible-playbook for the fleet; one prowler
per account, the fleet's time being the wall time of all of them). API calls are counted by the lab's
server per account: calls in the member account plus its share of the management account's calls
(sts:AssumeRole). Then, per account and control of shared/CONTROLS.md, our status against Prowler's
(benchmarks/prowler_map.py says which checks answer which control): agree, differ (with the reason)
or not compared (no Prowler check for the control).

    .venv/bin/python benchmarks/audit.py                        # 3 and 10 accounts, both tools
    .venv/bin/python benchmarks/audit.py --accounts 3 --tools prowler
    .venv/bin/python benchmarks/audit.py --accounts 3 --extra-users 20 --output benchmarks/results/audit-users.json
    .venv/bin/python benchmarks/audit.py --report-only benchmarks/results/audit.json

Prints markdown tables; writes everything (runs, findings of both tools, the comparison) to
benchmarks/results/audit.json.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import amazon_aws_calls as harness  # noqa: E402  (also puts tests/lab on sys.path)
import prowler_map  # noqa: E402

from awslab import MANAGEMENT_ACCOUNT_ID, Lab, RootState, member_account_id, org_role_arn  # noqa: E402

REPO = harness.REPO
PROWLER_VENV = os.path.join(REPO, ".venv-prowler")
PROWLER_REQUIREMENTS = os.path.join(HERE, "requirements-prowler.txt")
PROWLER = os.path.join(PROWLER_VENV, "bin", "prowler")
RESULTS = os.path.join(HERE, "results", "audit.json")
CONTROLS_MD = os.path.join(os.path.dirname(REPO), "shared", "CONTROLS.md")
TOOLS = ("ours", "prowler")
LABEL = {"ours": "hardening.aws audit.yml", "prowler": "Prowler --service iam"}
PRINCIPAL = re.compile(r":(user|role|group)/")

STRONG_POLICY = {
    "MinimumPasswordLength": 14, "RequireSymbols": True, "RequireNumbers": True, "RequireUppercaseCharacters": True,
    "RequireLowercaseCharacters": True, "AllowUsersToChangePassword": True, "PasswordReusePrevention": 24,
    "MaxPasswordAge": 90,
}
WEAK_POLICY = {"MinimumPasswordLength": 8, "RequireNumbers": True, "PasswordReusePrevention": 5}
SAML_METADATA = (
    '<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
    'entityID="https://idp.example.com/saml"><md:IDPSSODescriptor '
    'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing">'
    '<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>%s'
    '</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService '
    'Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso"/>'
    '</md:IDPSSODescriptor></md:EntityDescriptor>')


def saml_metadata():
    """IdP metadata with a (lab-generated) signing certificate: IAM wants at least 1,000 characters."""
    from awslab.seed import signing_certificate_pem  # pylint: disable=import-outside-toplevel

    body = "".join(line for line in signing_certificate_pem("idp.example.com").splitlines() if "-----" not in line)
    return SAML_METADATA % body


@dataclasses.dataclass(frozen=True)
class Profile:
    """What one member account has on top of awslab.SEED."""

    name: str
    root: RootState
    password_policy: dict | None = None
    alias: bool = False
    support_role: bool = False
    saml_provider: bool = False
    cloudshell_user: str | None = None


PROFILES = (
    Profile("root MFA on (virtual), last root sign-in 200 days ago; strong password policy, alias",
            RootState(mfa_enabled=True, password_last_used=200), password_policy=STRONG_POLICY, alias=True),
    Profile("root MFA off, root signed in 2 days ago; no password policy",
            RootState(password_last_used=2)),
    Profile("root access key used 3 days ago, no MFA; weak password policy, AWSCloudShellFullAccess on bob",
            RootState(access_keys=1, access_key_last_used=3), password_policy=WEAK_POLICY, cloudshell_user="bob"),
    Profile("root hardware MFA, never used; strong password policy, alias, support role, SAML provider",
            RootState(mfa_enabled=True, hardware_mfa=True), password_policy=STRONG_POLICY, alias=True,
            support_role=True, saml_provider=True),
)


def profiles_for(account_ids):
    return {account: PROFILES[i % len(PROFILES)] for i, account in enumerate(account_ids)}


def apply_profile(lab, account_id, profile):
    """The account settings of a profile, through the API (before the counters are reset)."""
    iam = lab.client(account_id, "iam")
    if profile.password_policy:
        iam.update_account_password_policy(**profile.password_policy)
    if profile.alias:
        iam.create_account_alias(AccountAlias="lab-%s" % account_id)
    if profile.support_role:
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % account_id}, "Action": "sts:AssumeRole"}]}
        iam.create_role(RoleName="aws-support", AssumeRolePolicyDocument=json.dumps(trust))
        iam.attach_role_policy(RoleName="aws-support", PolicyArn="arn:aws:iam::aws:policy/AWSSupportAccess")
    if profile.saml_provider:
        iam.create_saml_provider(Name="corporate-idp", SAMLMetadataDocument=saml_metadata())
    if profile.cloudshell_user:
        iam.attach_user_policy(UserName=profile.cloudshell_user,
                               PolicyArn="arn:aws:iam::aws:policy/AWSCloudShellFullAccess")


def whole_seconds(lab, account_id):
    """Drop the microseconds of the seeded dates, as AWS does: IAM answers whole seconds, the lab's
    seed keeps moto's clock's microseconds, and Prowler 5.46's iam_user_console_access_unused
    parses PasswordLastUsed with a format that has none (a ValueError, and no finding at all)."""
    def trim(value):
        return value.replace(microsecond=0) if hasattr(value, "microsecond") else value
    for user in lab.iam_backend(account_id).users.values():
        user.create_date = trim(user.create_date)
        user.password_last_used = trim(user.password_last_used)
        for key in user.access_keys:
            key.create_date = trim(key.create_date)
            if getattr(key, "last_used", None) is not None and hasattr(key.last_used, "_timestamp"):
                key.last_used._timestamp = trim(key.last_used._timestamp)  # pylint: disable=protected-access


def add_users(lab, account_id, count):
    """``count`` more users in the developers group (no console, no key): they change no control's
    status, only how many users a tool has to read."""
    iam = lab.client(account_id, "iam")
    for n in range(count):
        name = "extra-%03d" % n
        iam.create_user(UserName=name)
        iam.add_user_to_group(GroupName="developers", UserName=name)


def reseed(lab, profiles, extra_users=0):
    """Reset the lab to the seed, the root states (Lab(root=...)) and the profiles' settings."""
    lab.reset(seed=True)
    for account, profile in profiles.items():
        apply_profile(lab, account, profile)
        add_users(lab, account, extra_users)
        whole_seconds(lab, account)
    lab.reset_calls()


# ---------------------------------------------------------------- Prowler's venv

def ensure_prowler_venv(rebuild=False):
    """Create .venv-prowler from requirements-prowler.txt unless it is there and current.

    Returns a note on what happened (time and size when it was created)."""
    stamp = os.path.join(PROWLER_VENV, ".requirements-prowler.txt")
    with open(PROWLER_REQUIREMENTS, encoding="utf-8") as handle:
        wanted = handle.read()
    if not rebuild and os.path.exists(stamp) and os.path.exists(PROWLER):
        with open(stamp, encoding="utf-8") as handle:
            if handle.read() == wanted:
                return "reused .venv-prowler"
    if not rebuild and os.path.exists(PROWLER) and _installed_matches(wanted):
        with open(stamp, "w", encoding="utf-8") as handle:
            handle.write(wanted)
        return "reused .venv-prowler (installed by hand from the same requirements)"
    shutil.rmtree(PROWLER_VENV, ignore_errors=True)
    start = time.perf_counter()
    print("creating .venv-prowler from %s (~5 min) ..." % os.path.relpath(PROWLER_REQUIREMENTS, REPO),
          file=sys.stderr, flush=True)
    python = os.path.join(PROWLER_VENV, "bin", "python")
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    for command in ([sys.executable, "-m", "venv", PROWLER_VENV], pip + ["-r", PROWLER_REQUIREMENTS]):
        proc = subprocess.run(command, capture_output=True, text=True, check=False)
        if proc.returncode:
            raise SystemExit("%s failed:\n%s" % (" ".join(command), (proc.stdout + proc.stderr)[-3000:]))
    with open(stamp, "w", encoding="utf-8") as handle:
        handle.write(wanted)
    return "created .venv-prowler in %.0f s (%s)" % (time.perf_counter() - start, harness._size(PROWLER_VENV))


def _pins(text):
    return sorted(line.split("#")[0].strip() for line in text.splitlines() if line.split("#")[0].strip())


def _installed_matches(wanted):
    proc = subprocess.run([os.path.join(PROWLER_VENV, "bin", "python"), "-m", "pip", "freeze"],
                          capture_output=True, text=True, check=False)
    frozen = {line.strip().lower() for line in proc.stdout.splitlines()}
    return proc.returncode == 0 and all(pin.lower() in frozen for pin in _pins(wanted))


def prowler_version():
    """The installed Prowler's version, from its package metadata (`prowler --version` would ask
    the network for the latest release)."""
    proc = subprocess.run([os.path.join(PROWLER_VENV, "bin", "python"), "-c",
                           "from importlib.metadata import version; print(version('prowler'))"],
                          capture_output=True, text=True, check=False)
    return proc.stdout.strip() or "?"


def prowler_env(lab):
    """The controller's dummy credentials, every AWS endpoint at the lab."""
    env = lab.controller_env()
    env.update(AWS_ENDPOINT_URL=lab.endpoint_url, AWS_DEFAULT_REGION="us-east-1")
    env.pop("VIRTUAL_ENV", None)
    return env


def prowler_command(account_id, outdir):
    return [PROWLER, "aws", "--service", "iam", "-f", "us-east-1", "-R", org_role_arn(account_id),
            "-M", "json-ocsf", "-o", outdir, "-F", "prowler-%s" % account_id, "--no-banner", "-z"]


def _prowler_one(account_id, outdir, env):
    start = time.perf_counter()
    proc = subprocess.run(prowler_command(account_id, outdir), env=env, capture_output=True, text=True,
                          check=False, cwd=outdir)
    seconds = time.perf_counter() - start
    path = os.path.join(outdir, "prowler-%s.ocsf.json" % account_id)
    findings = []
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            findings = json.load(handle)
    out = {"rc": proc.returncode, "seconds": round(seconds, 2), "findings": [_ocsf(f) for f in findings]}
    if proc.returncode or not findings:
        out["errors"] = (proc.stdout + proc.stderr).splitlines()[-8:]
    logged = [line.strip() for line in (proc.stdout + proc.stderr).splitlines() if "ERROR" in line]
    if logged:
        out["logged_errors"] = logged[:20]
    return out


def _ocsf(finding):
    """The parts of one OCSF finding the comparison needs."""
    resources = finding.get("resources") or [{}]
    compliance = (finding.get("unmapped") or {}).get("compliance") or {}
    return {
        "check": (finding.get("metadata") or {}).get("event_code"),
        "status": finding.get("status_code"),
        "detail": finding.get("status_detail"),
        "resource": resources[0].get("uid"),
        "account": ((finding.get("cloud") or {}).get("account") or {}).get("uid"),
        "cis_3.0": compliance.get("CIS-3.0") or [],
    }


def run_prowler(lab, workdir, jobs):
    """Prowler over every member account, `jobs` processes at a time; calls counted by the lab."""
    env = prowler_env(lab)
    outdir = tempfile.mkdtemp(prefix="prowler-", dir=workdir)
    lab.reset_calls()
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {a: pool.submit(_prowler_one, a, outdir, env) for a in lab.account_ids}
        per_account = {a: f.result() for a, f in futures.items()}
    seconds = time.perf_counter() - start
    return {"seconds": round(seconds, 2), "jobs": jobs, "accounts": per_account,
            **cost(lab.calls(), lab.account_ids)}


def measure_prowler_startup(workdir):
    """Seconds for Prowler to start and list its IAM checks: no AWS call."""
    start = time.perf_counter()
    proc = subprocess.run([PROWLER, "aws", "--list-checks", "--service", "iam", "--no-banner"],
                          capture_output=True, text=True, check=False, cwd=workdir)
    seconds = time.perf_counter() - start
    checks = sorted(set(re.findall(r"\b(iam_[a-z0-9_]+)\b", proc.stdout)))
    return round(seconds, 2), checks


# ---------------------------------------------------------------- our side

def prepare_ours(workdir):
    """Install the collection; return (collections path, audit.yml in it or None, a note)."""
    collections = harness.install_collection(workdir)
    playbook = harness.installed(collections, "playbooks", "audit.yml")
    if os.path.exists(playbook):
        return collections, playbook, "playbooks/audit.yml"
    return collections, None, "playbooks/audit.yml is not in the collection: our side not run"


def run_ours(lab, collections, playbook, inventory, workdir, forks):
    env = harness.tool_env(lab, "ours", collections, None)
    env["ANSIBLE_FORKS"] = str(forks)
    report_dir = tempfile.mkdtemp(prefix="audit-", dir=workdir)
    result = harness.run_playbook(lab, "ours", playbook, inventory, env, workdir,
                                  extra_args=["-e", "audit_report_dir=" + report_dir])
    reports = {}
    for account in lab.account_ids:
        path = os.path.join(report_dir, "%s.json" % account)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                reports[account] = json.load(handle)
    out = {k: result[k] for k in ("rc", "seconds", "recap") if k in result}
    out.update(cost(result["calls_by_account"], lab.account_ids))
    out["reports"] = reports
    if result.get("errors"):
        out["errors"] = result["errors"]
    missing = [a for a in lab.account_ids if a not in reports]
    if missing:
        out["missing_reports"] = missing
    return out


def measure_startup(lab, collections, inventory, workdir):
    path = os.path.join(workdir, "empty.yml")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(harness.EMPTY_PLAY)
    env = harness.tool_env(lab, "ours", collections, None)
    return harness.run_playbook(lab, "ours", path, inventory, env, workdir)["seconds"]


# ---------------------------------------------------------------- cost

def cost(calls_by_account, member_accounts):
    """Calls per member account: its own, plus an equal share of every other account's (the
    management account's sts:AssumeRole)."""
    members = set(member_accounts)
    shared = {}
    for account, actions in calls_by_account.items():
        if account not in members:
            for action, n in actions.items():
                shared[action] = shared.get(action, 0) + n
    per_account = {}
    for account in member_accounts:
        actions = dict(calls_by_account.get(account, {}))
        for action, n in shared.items():
            actions[action] = actions.get(action, 0) + n / len(member_accounts)
        per_account[account] = actions
    totals = [sum(a.values()) for a in per_account.values()]
    mean = {}
    for actions in per_account.values():
        for action, n in actions.items():
            mean[action] = mean.get(action, 0) + n / len(member_accounts)
    return {
        "calls_per_account": round(sum(totals) / len(totals), 2) if totals else 0,
        "calls_min_max": [round(min(totals), 2), round(max(totals), 2)] if totals else [],
        "actions_per_account": {a: round(n, 2) for a, n in sorted(mean.items(), key=lambda kv: (-kv[1], kv[0]))},
        "shared_calls": shared,
        "accounts_without_calls": [a for a in member_accounts if not calls_by_account.get(a)],
    }


# ---------------------------------------------------------------- comparison

def catalogue():
    """[(control id, CIS 3.0 number or None)] from shared/CONTROLS.md, in its order (None if absent)."""
    if not os.path.exists(CONTROLS_MD):
        return None
    rows = []
    with open(CONTROLS_MD, encoding="utf-8") as handle:
        for line in handle:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) > 3 and re.fullmatch(r"[a-z_]+", cells[0]) and cells[0] != "Our":
                rows.append((cells[0], None if cells[2] in ("–", "-", "") else cells[2]))
    return rows or None


def _principals(resources):
    """The users, roles and groups among resource ARNs (Prowler names a policy for some checks,
    ours the principals holding it: those are not compared)."""
    return sorted({r for r in resources if r and PRINCIPAL.search(r)})


def compare_account(account, report, prowler_findings):
    """One row per control: our status, Prowler's verdict, and the verdict of the comparison.

    ``report`` or ``prowler_findings`` is None when that tool did not run."""
    ours = {f["id"]: f for f in (report or {}).get("findings", [])}
    by_check = {}
    for finding in prowler_findings or ():
        by_check.setdefault(finding["check"], []).append(finding)
    rows = []
    for control, checks in prowler_map.CONTROL_CHECKS.items():
        mine = ours.get(control)
        our_status = mine["status"] if mine else ("error" if (report or {}).get("error") else "missing")
        found = [f for c in checks for f in by_check.get(c, ())]
        theirs = prowler_map.combine(f["status"] for f in found) if checks else "no check"
        if prowler_findings is None:
            theirs = "not run"
        row = {"account": account, "control": control, "ours": our_status, "prowler": theirs,
               "checks": list(checks)}
        if report is None or prowler_findings is None:
            row["verdict"] = "not compared"
            row["reason"] = "%s did not run" % ("our audit" if report is None else "Prowler")
        elif not checks:
            row["verdict"] = "not compared"
            row["reason"] = prowler_map.NO_PROWLER_CHECK.get(control, "no Prowler check")
        elif our_status == "missing":
            row["verdict"] = "ours missing"
            row["reason"] = "our run produced no finding for this control"
        elif our_status.upper() == theirs:
            row["verdict"] = "agree"
        else:
            row["verdict"] = "differ"
            known = prowler_map.KNOWN_DIFFERENCES.get(control)
            reasons = [known or "unexplained"]
            if our_status == "error" and mine:
                reasons.append("ours: " + mine.get("reason", ""))
            if theirs == "missing" and not known:
                reasons.append("Prowler gave no finding for %s" % ", ".join(checks))
            row["reason"] = "; ".join(r for r in reasons if r)
        if mine:
            row["ours_reason"] = mine.get("reason")
            row["ours_resources"] = _principals(r.get("arn") for r in mine.get("resources", ()))
        failing = [f for f in found if f["status"] == "FAIL"]
        row["prowler_details"] = sorted({f["detail"] for f in failing or found if f.get("detail")})[:6]
        row["prowler_resources"] = _principals(f["resource"] for f in failing)
        if row["verdict"] == "agree" and our_status == "fail" and row["prowler_resources"]:
            row["same_resources"] = row.get("ours_resources") == row["prowler_resources"]
            if not row["same_resources"]:
                row["resource_reason"] = prowler_map.RESOURCE_DIFFERENCES.get(control, "unexplained")
        rows.append(row)
    return rows


def compare(ours_run, prowler_run, account_ids):
    rows = []
    for account in account_ids:
        # An account whose report is missing from a run that did run compares as "missing".
        report = None if ours_run is None else ours_run.get("reports", {}).get(account, {})
        findings = None if prowler_run is None else prowler_run["accounts"].get(account, {}).get("findings", [])
        rows.extend(compare_account(account, report, findings))
    return rows


def cis_crosscheck(prowler_run):
    """Where our hand mapping and Prowler's own CIS 3.0 numbers disagree."""
    controls = catalogue()
    if not controls or not prowler_run:
        return ["shared/CONTROLS.md or Prowler's findings not available: not cross-checked"]
    check_cis = {}
    for account in prowler_run["accounts"].values():
        for finding in account["findings"]:
            check_cis.setdefault(finding["check"], set()).update(finding["cis_3.0"])
    notes = []
    for control, cis in controls:
        if control not in prowler_map.CONTROL_CHECKS:
            notes.append("%s: in the catalogue but not in prowler_map.CONTROL_CHECKS" % control)
            continue
        by_cis = sorted(c for c, numbers in check_cis.items() if cis and cis in numbers)
        mapped = sorted(prowler_map.CONTROL_CHECKS[control])
        if by_cis and set(by_cis) != set(mapped):
            notes.append("%s (CIS 3.0 %s): mapped to %s; Prowler tags %s with %s" % (
                control, cis, ", ".join(mapped) or "nothing", ", ".join(by_cis), cis))
    return notes


# ---------------------------------------------------------------- report

def _fmt(value):
    return harness._num(round(value, 1))


def top(actions, n=6):
    ranked = sorted(actions.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    return ", ".join("%s %s" % (a, _fmt(c)) for a, c in ranked) or "none"


def cost_table(results):
    out = ["| accounts | tool | wall s (fleet) | s per account | API calls per account | most frequent, per account |",
           "|---|---|---|---|---|---|"]
    for size, data in sorted(results.items(), key=lambda kv: int(kv[0])):
        for tool in TOOLS:
            one = data["runs"].get(tool)
            if not one:
                continue
            label = LABEL[tool]
            per_account = "%.1f" % (one["seconds"] / int(size))
            if tool == "prowler":
                label += " (%d at a time)" % one["jobs"]
                each = sorted(a["seconds"] for a in one["accounts"].values())
                per_account += " (each process %.0f-%.0f)" % (each[0], each[-1])
            spread = one["calls_min_max"]
            calls = _fmt(one["calls_per_account"])
            if spread and spread[0] != spread[1]:
                calls += " (%s-%s)" % (_fmt(spread[0]), _fmt(spread[1]))
            out.append("| %s | %s | %.1f | %s | %s | %s |" % (
                size, label, one["seconds"], per_account, calls, top(one["actions_per_account"])))
    return out


def _cells(rows, key):
    return ", ".join(r[key] for r in rows)


def by_profile(data):
    """The comparison rows of the first account of each profile, in PROFILES order, and the accounts
    whose rows are not the same as their profile's first account (they should all be alike)."""
    first, odd = {}, []
    accounts = list(data["profiles"])
    for account in accounts:
        first.setdefault(data["profiles"][account], account)

    def pairs(account):
        return [(r["control"], r["ours"], r["prowler"]) for r in data["comparison"] if r["account"] == account]
    for account in accounts:
        if pairs(account) != pairs(first[data["profiles"][account]]):
            odd.append(account)
    chosen = list(first.values())
    return [r for r in data["comparison"] if r["account"] in chosen], list(first), odd


def comparison_table(rows, labels):
    """One line per control: each profile's status on both sides, the verdict and the reason."""
    out = ["| control | Prowler checks | ours (%s) | Prowler | verdict | why |" % ", ".join(labels),
           "|---|---|---|---|---|---|"]
    for control in prowler_map.CONTROL_CHECKS:
        mine = [r for r in rows if r["control"] == control]
        verdicts = sorted({r["verdict"] for r in mine})
        if len(verdicts) > 1:
            verdicts = ["%s %s" % (v, ", ".join(labels[i] for i, r in enumerate(mine) if r["verdict"] == v))
                        for v in verdicts]
        reasons = sorted({r["reason"] for r in mine if r.get("reason")})
        out.append("| %s | %s | %s | %s | %s | %s |" % (
            control, ", ".join(mine[0]["checks"]) if mine and mine[0]["checks"] else "-",
            _cells(mine, "ours"), _cells(mine, "prowler") if mine and mine[0]["checks"] else "-",
            "; ".join(verdicts), "; ".join(reasons)))
    return out


def _names(arns):
    return ", ".join(sorted(a.rsplit("/", 1)[-1] for a in arns)) or "-"


def tally(rows):
    counts = {}
    for row in rows:
        counts[row["verdict"]] = counts.get(row["verdict"], 0) + 1
    return counts


def report(results, meta):
    out = ["Machine: %d cores, Python %s, load average %s at start, %s at the end; %s; %s; Prowler %s; forks %d." % (
        meta["cpus"], meta["python"], meta["load_at_start"], meta.get("load_at_end", "?"), meta["date"],
        meta["commit"], meta["prowler"], meta["forks"]), "Our side: %s." % meta["ours_mode"]]
    if meta.get("versions"):
        out.append("Versions: %s." % ", ".join("%s %s" % kv for kv in meta["versions"].items()))
    out.append("")
    out += cost_table(results)
    startup = []
    if meta.get("ours_startup") is not None:
        startup.append("ansible-playbook with one no-op task per account %s s (largest fleet)" % meta["ours_startup"])
    if meta.get("prowler_startup") is not None:
        startup.append("prowler listing its IAM checks (no AWS call) %s s" % meta["prowler_startup"])
    if startup:
        out += ["", "Start-up alone: %s." % "; ".join(startup)]
    out.append("")
    for size, data in sorted(results.items(), key=lambda kv: int(kv[0])):
        rows = data["comparison"]
        counts = tally(rows)
        out.append("%s accounts: %s." % (size, ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
    largest = max(results, key=int)
    rows, profiles, odd = by_profile(results[largest])
    labels = ["P%d" % (i + 1) for i in range(len(profiles))]
    out += ["", "Per control at %s accounts, one column per account profile (every account of a profile "
            "gives the same answers: %s). Profiles: %s." % (
                largest, "yes" if not odd else "no, not %s" % ", ".join(odd),
                "; ".join("%s %s" % (label, p) for label, p in zip(labels, profiles))), ""]
    out += comparison_table(rows, labels)
    unexplained = [r for d in results.values() for r in d["comparison"] if r.get("reason") == "unexplained"]
    if unexplained:
        out += ["", "Unexplained differences:", ""]
        out += ["- %s %s: ours %s, Prowler %s (%s | %s)" % (r["account"], r["control"], r["ours"], r["prowler"],
                                                            r.get("ours_reason"), "; ".join(r["prowler_details"]))
                for r in unexplained]
    resources = [r for d in results.values() for r in d["comparison"] if r.get("same_resources") is False]
    if resources:
        out += ["", "Both fail, different resources:", ""]
        grouped = {}
        for r in resources:
            key = (r["control"], _names(set(r["ours_resources"]) - set(r["prowler_resources"])),
                   _names(set(r["prowler_resources"]) - set(r["ours_resources"])), r["resource_reason"])
            grouped[key] = grouped.get(key, 0) + 1
        total = sum(int(n) for n in results)
        out += ["- %s: only ours %s; only Prowler %s (%s): in %d of the %d accounts measured" % (
            *key, count, total) for key, count in grouped.items()]
    first = list(results)[0]
    extra = results[first].get("prowler_only_checks")
    if extra:
        out += ["", "Prowler IAM checks with no control of ours (%d): %s" % (len(extra), ", ".join(extra))]
    notes = results[first].get("cis_crosscheck")
    if notes:
        out += ["", "Mapping vs Prowler's CIS 3.0 tags:", ""] + ["- " + n for n in notes]
    elif notes is not None:
        out += ["", "The mapping agrees with the CIS 3.0 numbers Prowler tags its findings with, for every control "
                "of the catalogue that has one."]
    return "\n".join(out)


# ---------------------------------------------------------------- main

def measure_fleet(size, tools, workdir, forks, jobs, ours_setup, meta, extra_users=0):
    data = {"runs": {}, "extra_users": extra_users}
    profiles = profiles_for([member_account_id(i) for i in range(1, size + 1)])
    with Lab(accounts=size, seed=True, root={a: p.root for a, p in profiles.items()}) as lab:
        data["profiles"] = {a: p.name for a, p in profiles.items()}
        inventory = os.path.join(workdir, "inventory-%d.yml" % size)
        lab.write_inventory(inventory)
        collections, playbook = ours_setup
        if "ours" in tools and playbook:
            meta["ours_startup"] = measure_startup(lab, collections, inventory, workdir)
            reseed(lab, profiles, extra_users)
            print("  ours ...", file=sys.stderr, end="", flush=True)
            data["runs"]["ours"] = run_ours(lab, collections, playbook, inventory, workdir, forks)
            ours = data["runs"]["ours"]
            calls = _fmt(ours["calls_per_account"])
            summary = " %.1f s, %s calls/account, rc=%d" % (ours["seconds"], calls, ours["rc"])
            print(summary, file=sys.stderr, flush=True)
        if "prowler" in tools:
            reseed(lab, profiles, extra_users)
            print("  prowler ...", file=sys.stderr, end="", flush=True)
            data["runs"]["prowler"] = run_prowler(lab, workdir, jobs)
            rcs = sorted({a["rc"] for a in data["runs"]["prowler"]["accounts"].values()})
            theirs = data["runs"]["prowler"]
            summary = " %.1f s, %s calls/account, rc=%s" % (theirs["seconds"], _fmt(theirs["calls_per_account"]), rcs)
            print(summary, file=sys.stderr, flush=True)
    analyse(data)
    return data


def analyse(data):
    """The comparison of one fleet's runs (again, from a results file, with --report-only)."""
    data["comparison"] = compare(data["runs"].get("ours"), data["runs"].get("prowler"), list(data["profiles"]))
    if data["runs"].get("prowler"):
        data["cis_crosscheck"] = cis_crosscheck(data["runs"]["prowler"])
        seen = {f["check"] for a in data["runs"]["prowler"]["accounts"].values() for f in a["findings"]}
        data["prowler_only_checks"] = sorted(seen - set(prowler_map.checks_to_controls()))
        data["prowler_mapped_without_finding"] = sorted(set(prowler_map.checks_to_controls()) - seen)


def versions(with_prowler):
    """ansible-core and moto here; Prowler's boto3 in its venv."""
    from importlib.metadata import version  # pylint: disable=import-outside-toplevel

    out = {"ansible-core": version("ansible-core"), "moto": version("moto"), "boto3": version("boto3")}
    if with_prowler:
        proc = subprocess.run([os.path.join(PROWLER_VENV, "bin", "python"), "-c",
                               "from importlib.metadata import version; print(version('boto3'))"],
                              capture_output=True, text=True, check=False)
        out["prowler boto3"] = proc.stdout.strip() or "?"
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", default="3,10", help="fleet sizes, comma-separated (default %(default)s)")
    parser.add_argument("--tools", default="ours,prowler", help="ours, prowler or both (default)")
    parser.add_argument("--forks", type=int, default=10, help="ansible forks for audit.yml (default %(default)s)")
    parser.add_argument("--prowler-jobs", type=int, default=os.cpu_count() or 1,
                        help="prowler processes at a time, one account each (default: cores, %(default)s)")
    parser.add_argument("--extra-users", type=int, default=0,
                        help="users added to every account on top of the seed's 6, to see what grows with users")
    parser.add_argument("--prowler-startup", action="store_true",
                        help="also time `prowler aws --list-checks --service iam` (start-up, no AWS call)")
    parser.add_argument("--rebuild-prowler-venv", action="store_true")
    parser.add_argument("--output", default=RESULTS, help="JSON file (default %(default)s)")
    parser.add_argument("--report-only", metavar="JSON",
                        help="print the report of an earlier run's results file (no run)")
    args = parser.parse_args()
    if args.report_only:
        with open(args.report_only, encoding="utf-8") as handle:
            saved = json.load(handle)
        for data in saved["results"].values():
            analyse(data)
        print(report(saved["results"], saved["meta"]))
        return
    # The lab logs moto's tracebacks for endpoints it does not serve (Access Analyzer); they are
    # expected here, and each request is still counted.
    for name in ("awslab", "werkzeug"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    sizes = [int(n) for n in args.accounts.split(",")]
    tools = [t for t in TOOLS if t in args.tools.split(",")]
    if not tools or any(n < 1 for n in sizes):
        parser.error("need at least one tool and fleet sizes >= 1")

    meta = harness.run_meta(**{
        "forks": args.forks,
        "cost": "API calls per member account: its own calls plus an equal share of the management "
                "account's (sts:AssumeRole), as the lab's server counted them",
        "commands": {
            "ours": "ansible-playbook -i <inventory> playbooks/audit.yml -e audit_report_dir=<dir> (--forks)",
            "prowler": " ".join(prowler_command("<account id>", "<dir>")[1:]).replace(PROWLER, "prowler"),
        },
        "prowler_venv": ensure_prowler_venv(args.rebuild_prowler_venv) if "prowler" in tools else "not used",
        "prowler": prowler_version() if "prowler" in tools else "not used",
        "management_account": MANAGEMENT_ACCOUNT_ID,
        "versions": versions("prowler" in tools),
    })
    results = {}
    with tempfile.TemporaryDirectory() as workdir:
        ours_setup = (None, None)
        meta["ours_mode"] = "not run"
        if "ours" in tools:
            collections, playbook, meta["ours_mode"] = prepare_ours(workdir)
            ours_setup = (collections, playbook)
        if "prowler" in tools and args.prowler_startup:
            meta["prowler_startup"], meta["prowler_iam_checks"] = measure_prowler_startup(workdir)
        for size in sizes:
            print("%d account(s):" % size, file=sys.stderr, flush=True)
            results[str(size)] = measure_fleet(size, tools, workdir, args.forks, args.prowler_jobs, ours_setup, meta,
                                               args.extra_users)
    meta["load_at_end"] = round(os.getloadavg()[0], 2)
    print(report(results, meta))
    written = harness.write_results(args.output, {"meta": meta, "results": results})
    print("\nruns, findings of both tools and the comparison: %s" % written)


if __name__ == "__main__":
    main()
