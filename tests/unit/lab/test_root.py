"""The root user's state in the lab: GetAccountSummary, the credential report's <root_account> row,
root's virtual MFA device, per account, through boto3; set at start, by set_root, undone by reset."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from botocore.exceptions import ClientError

from ansible_collections.hardening.aws.plugins.module_utils import _iam_credential_report_info as cr
from awslab import ROOT_USER, LabError, RootState
from awslab.lab import Lab
from awslab.report import credential_report
from awslab.root import parse_spec, parse_specs

UNSET, VIRTUAL, HARDWARE = "210000000001", "210000000002", "210000000003"
STARTING = {
    VIRTUAL: {"mfa_enabled": True},
    HARDWARE: RootState(mfa_enabled=True, hardware_mfa=True, access_keys=1, password_last_used=2),
}


@pytest.fixture(scope="module")
def root_lab():
    """Three seeded accounts: root state unset, virtual root MFA, hardware MFA with a key and recent use."""
    with Lab(accounts=3, seed=True, root=STARTING) as lab:
        yield lab


@pytest.fixture
def lab(root_lab):
    """The module's lab for a test that changes state, reset afterwards."""
    yield root_lab
    root_lab.reset()


def _summary(lab, account_id):
    return lab.client(account_id, "iam").get_account_summary()["SummaryMap"]


def _raw_report(lab, account_id):
    iam = lab.client(account_id, "iam")
    iam.generate_credential_report()
    return iam.get_credential_report()["Content"].decode()


def _records(lab, account_id):
    """The report parsed by the collection's own parser."""
    return cr.parse_report(_raw_report(lab, account_id))


def _root_devices(lab, account_id, status="Assigned"):
    devices = lab.client(account_id, "iam").list_virtual_mfa_devices(AssignmentStatus=status)["VirtualMFADevices"]
    return [d for d in devices if d["SerialNumber"].endswith(":mfa/root-account-mfa-device")]


def _days_ago(iso):
    return (dt.datetime.now(dt.timezone.utc) - cr.parse_date(iso)).total_seconds() / 86400


def _state_seen(lab, account_id):
    """Everything the API says about root in one account."""
    summary = _summary(lab, account_id)
    records = _records(lab, account_id)
    return (
        summary["AccountMFAEnabled"],
        summary["AccountAccessKeysPresent"],
        [r for r in records if cr.is_root(r)],
        [d["SerialNumber"] for d in _root_devices(lab, account_id, "Any")],
    )


def test_unset_account_answers_as_moto(root_lab):
    summary = _summary(root_lab, UNSET)
    assert (summary["AccountMFAEnabled"], summary["AccountAccessKeysPresent"]) == (0, 0)
    assert [r["user"] for r in _records(root_lab, UNSET)][0] != ROOT_USER
    assert not any(cr.is_root(r) for r in _records(root_lab, UNSET))
    assert _root_devices(root_lab, UNSET, "Any") == []
    assert root_lab.root(UNSET) is None


def test_virtual_root_mfa(root_lab):
    summary = _summary(root_lab, VIRTUAL)
    assert (summary["AccountMFAEnabled"], summary["AccountAccessKeysPresent"]) == (1, 0)
    records = _records(root_lab, VIRTUAL)
    root = records[0]
    assert root["user"] == ROOT_USER and cr.is_root(root)
    assert root["arn"] == f"arn:aws:iam::{VIRTUAL}:root"
    assert root["mfa_active"] is True and root["password_enabled"] is None
    assert root["password_last_used"] is None  # no_information: never signed in
    assert root["access_key_1_active"] is False and root["access_key_2_active"] is False
    assert round(_days_ago(root["user_creation_time"])) == 700
    assert {r["user"] for r in records[1:]} == {"alice", "bob", "carol", "ci-deploy", "dormant-erin", "leaver-dave"}
    summary_of_report = cr.summarise(records, cr.utcnow())
    assert summary_of_report["root_account_present"] is True
    assert summary_of_report["root_mfa_active"] is True and summary_of_report["root_active_access_keys"] == 0
    assert summary_of_report["users"] == 6

    (device,) = _root_devices(root_lab, VIRTUAL)
    assert device["SerialNumber"] == f"arn:aws:iam::{VIRTUAL}:mfa/root-account-mfa-device"
    assert device["User"]["Arn"] == f"arn:aws:iam::{VIRTUAL}:root"
    assert "UserName" not in device["User"]  # what code reading the listing must cope with
    assert _days_ago(device["EnableDate"].isoformat()) < 1
    assert _root_devices(root_lab, VIRTUAL, "Unassigned") == []
    # moto counts leaver-dave's device in use; root's is listed and in use too.
    assert (summary["MFADevices"], summary["MFADevicesInUse"]) == (2, 2)


def test_hardware_root_mfa_with_a_key_used_recently(root_lab):
    summary = _summary(root_lab, HARDWARE)
    assert (summary["AccountMFAEnabled"], summary["AccountAccessKeysPresent"]) == (1, 1)
    assert (summary["MFADevices"], summary["MFADevicesInUse"]) == (1, 2)
    root = _records(root_lab, HARDWARE)[0]
    assert root["user"] == ROOT_USER and root["mfa_active"] is True
    assert round(_days_ago(root["password_last_used"])) == 2
    assert root["access_key_1_active"] is True and round(_days_ago(root["access_key_1_last_rotated"])) == 700
    assert root["access_key_1_last_used_date"] is None  # never used: N/A
    assert root["access_key_2_active"] is False
    assert _root_devices(root_lab, HARDWARE, "Any") == []  # a hardware device is not a virtual one


def test_root_row_is_in_aws_format(root_lab):
    content = _raw_report(root_lab, HARDWARE)
    rows = list(csv.reader(io.StringIO(content)))
    header, root_row = rows[0], rows[1]
    assert len(root_row) == len(header) == 22 and all(len(r) == 22 for r in rows)
    row = dict(zip(header, root_row))
    assert [row[c] for c in ("password_enabled", "password_last_changed", "password_next_rotation")] == [
        "not_supported"
    ] * 3
    assert row["mfa_active"] == "true" and row["access_key_1_active"] == "true"
    assert row["access_key_1_last_used_date"] == row["access_key_1_last_used_region"] == "N/A"
    assert row["access_key_2_last_rotated"] == "N/A"
    assert [row[c] for c in ("cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated")] == [
        "false",
        "N/A",
        "false",
        "N/A",
    ]
    assert row["user_creation_time"].endswith("+00:00") and "T" in row["user_creation_time"]
    # The lab's own `show` still counts only IAM users.
    assert len([r for r in credential_report(root_lab.client(HARDWARE, "iam")) if r["user"] != ROOT_USER]) == 6


def test_set_root_changes_only_that_account(lab):
    others = {account_id: _state_seen(lab, account_id) for account_id in (VIRTUAL, HARDWARE)}
    used = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=5)
    state = lab.set_root(UNSET, mfa_enabled=True, access_keys=2, access_key_last_used=used, password_last_used=1)
    assert lab.root(UNSET) == state and state.access_keys == 2
    summary = _summary(lab, UNSET)
    assert (summary["AccountMFAEnabled"], summary["AccountAccessKeysPresent"]) == (1, 1)
    root = _records(lab, UNSET)[0]
    assert root["user"] == ROOT_USER and root["mfa_active"] is True
    assert root["access_key_1_active"] is True and root["access_key_2_active"] is True
    assert root["access_key_1_last_used_date"] == cr.iso_utc(used)
    assert root["access_key_1_last_used_region"] == "us-east-1" and root["access_key_1_last_used_service"] == "iam"
    assert root["access_key_2_last_used_date"] is None
    assert round(_days_ago(root["password_last_used"])) == 1
    (device,) = _root_devices(lab, UNSET)
    assert device["User"]["Arn"] == f"arn:aws:iam::{UNSET}:root"
    assert round(_days_ago(device["User"]["PasswordLastUsed"].isoformat())) == 1
    assert {account_id: _state_seen(lab, account_id) for account_id in (VIRTUAL, HARDWARE)} == others

    # Replaced, not merged: turning MFA off removes the device and the flag, keys stay as given.
    lab.set_root(UNSET, access_keys=1)
    summary = _summary(lab, UNSET)
    assert (summary["AccountMFAEnabled"], summary["AccountAccessKeysPresent"]) == (0, 1)
    assert _records(lab, UNSET)[0]["mfa_active"] is False
    assert _root_devices(lab, UNSET, "Any") == []


def test_set_root_takes_a_state_and_overrides(lab):
    state = lab.set_root(VIRTUAL, STARTING[HARDWARE], hardware_mfa=False, access_keys=0)
    assert (state.mfa_enabled, state.hardware_mfa, state.access_keys) == (True, False, 0)
    assert len(_root_devices(lab, VIRTUAL)) == 1
    assert round(_days_ago(state.password_last_used.isoformat())) == 2  # naive UTC, as moto keeps dates


def test_root_device_cannot_be_deleted(root_lab):
    serial = f"arn:aws:iam::{VIRTUAL}:mfa/root-account-mfa-device"
    with pytest.raises(ClientError) as caught:
        root_lab.client(VIRTUAL, "iam").delete_virtual_mfa_device(SerialNumber=serial)
    assert caught.value.response["Error"]["Code"] == "DeleteConflict"


def test_reset_restores_the_starting_states(lab):
    lab.set_root(UNSET, mfa_enabled=True)
    lab.set_root(VIRTUAL)  # MFA off
    lab.clear_root(HARDWARE)
    assert _summary(lab, HARDWARE)["AccountMFAEnabled"] == 0
    assert not any(cr.is_root(r) for r in _records(lab, HARDWARE))
    lab.reset()
    assert lab.root(UNSET) is None and _summary(lab, UNSET)["AccountMFAEnabled"] == 0
    assert _root_devices(lab, UNSET, "Any") == []
    assert lab.root(VIRTUAL).mfa_enabled and len(_root_devices(lab, VIRTUAL)) == 1
    assert lab.root(HARDWARE).hardware_mfa and _summary(lab, HARDWARE)["AccountAccessKeysPresent"] == 1
    # seed=False keeps the starting root states too: they are not users.
    lab.reset(seed=False)
    assert _summary(lab, VIRTUAL)["AccountMFAEnabled"] == 1
    assert [r["user"] for r in _records(lab, VIRTUAL)] == [ROOT_USER]


def test_management_account_can_have_a_root_state(lab):
    management = lab.management_account_id
    lab.set_root(management, mfa_enabled=True)
    assert _summary(lab, management)["AccountMFAEnabled"] == 1
    assert _records(lab, management)[0]["arn"] == f"arn:aws:iam::{management}:root"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"access_keys": 3}, "0, 1 or 2"),
        ({"access_keys": True}, "integer"),
        ({"hardware_mfa": True}, "needs mfa_enabled"),
        ({"access_key_last_used": 3}, "needs access_keys"),
        ({"password_last_used": "yesterday"}, "datetime or a number"),
        ({"mfa_enabled_date": 3}, "virtual MFA"),
        ({"root_mfa": True}, "unknown root setting"),
    ],
)
def test_bad_states_are_refused(root_lab, settings, message):
    with pytest.raises(ValueError, match=message):
        root_lab.set_root(UNSET, **settings)
    assert root_lab.root(UNSET) is None


def test_unknown_accounts_are_refused(root_lab):
    with pytest.raises(LabError, match="not an account of this lab"):
        root_lab.set_root("999999999999", mfa_enabled=True)
    with pytest.raises(LabError, match="not an account of this lab"):
        Lab(accounts=1, root={"210000000002": {}})


ACCOUNTS = ["210000000001", "210000000002", "210000000003"]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("1:mfa", {"210000000001": RootState(mfa_enabled=True)}),
        ("210000000002:hardware-mfa", {"210000000002": RootState(mfa_enabled=True, hardware_mfa=True)}),
        ("3:none", {"210000000003": RootState()}),
        (
            "2:keys=1,key-used=3,password-used=0.5",
            {"210000000002": RootState(access_keys=1, access_key_last_used=3.0, password_last_used=0.5)},
        ),
        ("all:mfa", dict.fromkeys(ACCOUNTS, RootState(mfa_enabled=True))),
        ("123456789012:mfa", {"123456789012": RootState(mfa_enabled=True)}),
    ],
)
def test_parse_spec(spec, expected):
    assert parse_spec(spec, ACCOUNTS) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("1", "TARGET:SETTING"),
        ("1:", "TARGET:SETTING"),
        ("4:mfa", "not a member number"),
        ("0:mfa", "not a member number"),
        ("210000000009:mfa", "not a member number"),
        ("1:mfa,bogus", "unknown setting 'bogus'"),
        ("1:keys=two", "keys needs a number"),
        ("1:keys=3", "0, 1 or 2"),
        ("1:key-used=3", "needs access_keys"),
    ],
)
def test_parse_spec_refuses(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_spec(spec, ACCOUNTS)


def test_later_specs_win():
    states = parse_specs(["all:mfa", "2:keys=1"], ACCOUNTS)
    assert states == {
        "210000000001": RootState(mfa_enabled=True),
        "210000000002": RootState(access_keys=1),
        "210000000003": RootState(mfa_enabled=True),
    }
