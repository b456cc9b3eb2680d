# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The IAM credential report: fetch, parse into typed records, summarise
(module iam_credential_report_info; iam_user_info reads it too).

One report covers every user of the account, which makes it the cheap way to
learn passwords, MFA and access key use for a whole account. IAM builds it
asynchronously and at most once every four hours: GenerateCredentialReport
answers COMPLETE (a report younger than four hours exists, nothing new is made),
STARTED or INPROGRESS; GetCredentialReport fails with ReportNotPresent,
ReportExpired or ReportInProgress until there is a report to read.
"""

from __future__ import annotations

import csv
import datetime
import io

from ansible_collections.hardening.aws.plugins.module_utils._aws import AwsError, HardeningError
from ansible_collections.hardening.aws.plugins.module_utils._module import ModuleSpec

RESOURCE = "credential report"
ROOT_USER = "<root_account>"

# What AWS writes where a value does not apply or is not known.
NULL_VALUES = frozenset(("N/A", "not_supported", "no_information", ""))
# Columns ending so are dates or booleans; any other column (a new one AWS adds,
# say) is kept as text.
DATE_SUFFIXES = ("_time", "_last_used", "_last_changed", "_next_rotation", "_last_rotated", "_last_used_date")
BOOL_COLUMNS_SUFFIX = "_active"
BOOL_COLUMNS = frozenset(("password_enabled",))

# CIS AWS Foundations: keys rotated within 90 days (1.14), credentials unused for 45 days disabled (1.12).
ROTATION_DAYS = 90
UNUSED_DAYS = 45

# GetCredentialReport errors meaning "no report to read yet".
NOT_READY = ("ReportNotPresent", "ReportExpired", "ReportInProgress")
POLL_FIRST = 2.0
POLL_CAP = 15.0

ARGUMENT_SPEC = dict(
    max_age_hours=dict(type="int", default=4),
    wait_timeout=dict(type="int", default=120),
)


def validate(params):
    """max_age_hours and wait_timeout are counts, not negative."""
    for option in ("max_age_hours", "wait_timeout"):
        value = params.get(option)
        if value is not None and value < 0:
            raise HardeningError("%s=%d is out of range: it must be 0 or more" % (option, value), option=option)


# --- time ---------------------------------------------------------------------------


def utcnow():
    """The current time, timezone-aware UTC (one place, so tests can move it)."""
    return datetime.datetime.now(datetime.timezone.utc)


def as_utc(value):
    """A datetime in UTC; naive datetimes are taken as UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=datetime.timezone.utc)
    return value.astimezone(datetime.timezone.utc)


def iso_utc(value):
    """``2024-05-01T12:00:00+00:00`` for a datetime (None stays None)."""
    if value is None:
        return None
    return as_utc(value).replace(microsecond=0).isoformat()


def parse_date(text):
    """A report or API date string as an aware UTC datetime, or None if it is not one."""
    if not isinstance(text, str):
        return None
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    try:
        return as_utc(datetime.datetime.fromisoformat(value))
    except ValueError:
        return None


def days_between(earlier, now):
    """Whole days from ``earlier`` (datetime or ISO string) to ``now``; None if unknown."""
    if isinstance(earlier, str):
        earlier = parse_date(earlier)
    if earlier is None:
        return None
    return (now - as_utc(earlier)).days


# --- parsing ------------------------------------------------------------------------


def _typed(column, raw):
    if raw is None or raw in NULL_VALUES:
        return None
    if column in BOOL_COLUMNS or column.endswith(BOOL_COLUMNS_SUFFIX):
        lowered = raw.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        return raw
    if column.endswith(DATE_SUFFIXES):
        parsed = parse_date(raw)
        return iso_utc(parsed) if parsed is not None else raw
    return raw


def parse_report(content):
    """Typed records of a credential report (CSV text or bytes), one per row, in order.

    Booleans become true/false, dates ISO 8601 strings in UTC, and ``N/A``,
    ``not_supported`` and ``no_information`` become null. The ``<root_account>``
    row, when AWS includes it, is kept like any other.
    """
    if isinstance(content, bytes):
        content = content.decode("utf-8")
    reader = csv.DictReader(io.StringIO(content))
    records = []
    for row in reader:
        if not row.get("user"):
            continue
        records.append({column: _typed(column, value) for column, value in row.items() if column is not None})
    return records


def is_root(record):
    """Whether a record is the account root user's row."""
    return record.get("user") == ROOT_USER


def _older_than(value, days, now):
    age = days_between(value, now)
    return age is not None and age > days


def _unused_for(last_used, created, days, now):
    """A credential counts as unused when its last use, or its creation if never used, is older than ``days``."""
    return _older_than(last_used if last_used else created, days, now)


def active_keys(record):
    """(slot, last_rotated, last_used_date) of each active access key in a record."""
    out = []
    for slot in (1, 2):
        if record.get("access_key_%d_active" % slot) is True:
            rotated = record.get("access_key_%d_last_rotated" % slot)
            out.append((slot, rotated, record.get("access_key_%d_last_used_date" % slot)))
    return out


def summarise(records, now):
    """Counts an auditor asks for first (CIS 1.10 to 1.14), for the IAM users (root apart)."""
    users = [r for r in records if not is_root(r)]
    root = next((r for r in records if is_root(r)), None)
    console = [r for r in users if r.get("password_enabled") is True]
    keys = [(r, k) for r in users for k in active_keys(r)]
    summary = {
        "users": len(users),
        "console_users": len(console),
        "console_users_without_mfa": sum(1 for r in console if r.get("mfa_active") is not True),
        "users_with_mfa": sum(1 for r in users if r.get("mfa_active") is True),
        "console_passwords_unused_45_days": sum(
            1
            for r in console
            if _unused_for(
                r.get("password_last_used"), r.get("password_last_changed") or r.get("user_creation_time"),
                UNUSED_DAYS, now,
            )
        ),
        "active_access_keys": len(keys),
        "users_with_two_active_keys": sum(1 for r in users if len(active_keys(r)) == 2),
        "active_access_keys_never_used": sum(1 for _r, (_s, _rot, used) in keys if used is None),
        "active_access_keys_older_than_90_days": sum(
            1 for _r, (_s, rotated, _u) in keys if _older_than(rotated, ROTATION_DAYS, now)
        ),
        "active_access_keys_unused_45_days": sum(
            1 for _r, (_s, rotated, used) in keys if _unused_for(used, rotated, UNUSED_DAYS, now)
        ),
        "root_account_present": root is not None,
        "root_mfa_active": root.get("mfa_active") if root else None,
        "root_active_access_keys": len(active_keys(root)) if root else None,
    }
    return summary


# --- reading ------------------------------------------------------------------------


def _get(iam):
    """(GetCredentialReport answer, None) or (None, the error code saying there is none yet)."""
    try:
        return iam.call("get_credential_report", resource=RESOURCE), None
    except AwsError as exc:
        if exc.code in NOT_READY:
            return None, exc.code
        raise


def _generate(iam):
    return iam.call("generate_credential_report", resource=RESOURCE).get("State")


def read_report(iam, max_age_hours, wait_timeout, now):
    """The GetCredentialReport answer to use: the existing report if it is younger than
    ``max_age_hours``, else a newly generated one, waiting at most ``wait_timeout``
    seconds (polling with doubling pauses) for IAM to build it.

    A report younger than four hours is never rebuilt by IAM: then GenerateCredentialReport
    answers COMPLETE and the existing report is used, whatever ``max_age_hours`` says.
    """
    answer, _code = _get(iam)
    if answer is not None and (now - as_utc(answer["GeneratedTime"])) < datetime.timedelta(hours=max_age_hours):
        return answer
    previous = as_utc(answer["GeneratedTime"]) if answer is not None else None
    state = _generate(iam)
    waited = 0.0
    pause = POLL_FIRST
    while True:
        answer, code = _get(iam)
        if answer is not None and (
            state == "COMPLETE" or previous is None or as_utc(answer["GeneratedTime"]) > previous
        ):
            return answer
        if code in ("ReportNotPresent", "ReportExpired"):
            # Gone between our calls (expired, say): ask again rather than wait for nothing.
            state = _generate(iam)
        if waited >= wait_timeout:
            raise HardeningError(
                "IAM was still generating the credential report after %d seconds (wait_timeout); "
                "run the task again in a minute" % wait_timeout,
                state=state,
            )
        step = min(pause, POLL_CAP, wait_timeout - waited)
        iam.sleep(step)  # the context's injectable sleep: bounded and testable like retries
        waited += step
        pause *= 2


def read(iam, max_age_hours=4, wait_timeout=120, now=None):
    """(typed records, generated time as ISO string) of the account's credential report."""
    answer = read_report(iam, max_age_hours, wait_timeout, now or utcnow())
    return parse_report(answer["Content"]), iso_utc(answer["GeneratedTime"])


def run(aws, params, check_mode, diff):
    """Read (generating when needed) and parse the credential report."""
    now = utcnow()
    records, generated = read(aws.client("iam"), params["max_age_hours"], params["wait_timeout"], now)
    return {"changed": False, "report": records, "generated_time": generated, "summary": summarise(records, now)}


MODULE_SPEC = ModuleSpec("iam_credential_report_info", ARGUMENT_SPEC, run, validate=validate)
