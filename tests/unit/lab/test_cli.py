"""``python -m awslab``: start / show / calls / reset / stop as separate processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from awslab.lab import open_session

LAB_PATH = str(Path(__file__).resolve().parents[2] / "lab")


def awslab(*args, check=True):
    """Run ``python -m awslab ARGS``; return the completed process."""
    env = {k: v for k, v in os.environ.items() if k != "MOTO_ACCOUNT_ID"}
    env["PYTHONPATH"] = LAB_PATH
    proc = subprocess.run(
        [sys.executable, "-m", "awslab", *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_cli_lifecycle(tmp_path):
    state = tmp_path / "state"
    started = awslab("start", "--accounts", "2", "--state-dir", str(state))
    try:
        info = json.loads((state / "lab.json").read_text())
        assert started.stdout.strip() == info["endpoint_url"]
        assert info["account_ids"] == ["210000000001", "210000000002"]
        assert info["management_account_id"] == "123456789012"
        hosts = yaml.safe_load((state / "inventory.yml").read_text())["all"]["children"]["aws_accounts"]["hosts"]
        assert hosts["lab-210000000002"]["aws_endpoint_url"] == info["endpoint_url"]
        env_sh = (state / "env.sh").read_text()
        assert "export AWS_DEFAULT_REGION=us-east-1" in env_sh and "export AWS_ENDPOINT_URL=" not in env_sh

        again = awslab("start", "--accounts", "2", "--state-dir", str(state), check=False)
        assert again.returncode == 1 and "already running" in again.stderr

        shown = awslab("show", "--state-dir", str(state), "--title", "Before").stdout.splitlines()
        assert shown[:2] == ["Before", "======"]
        assert shown[2].split()[:3] == ["account", "password", "policy"]
        rows = [line.split() for line in shown[4:]]
        assert [r[0] for r in rows] == info["account_ids"]
        assert all(r[1:] == ["none", "-", "6", "4", "4", "2"] for r in rows), shown

        calls = json.loads(awslab("calls", "--state-dir", str(state), "--reset").stdout)
        assert calls["123456789012"] == {"sts:AssumeRole": 2}
        assert calls["210000000001"]["sts:GetCallerIdentity"] == 1
        assert json.loads(awslab("calls", "--state-dir", str(state)).stdout) == {}

        assert "seeded" in awslab("reset", "--state-dir", str(state)).stdout
    finally:
        stopped = awslab("stop", "--state-dir", str(state))
    assert "stopped lab pid" in stopped.stdout
    assert not (state / "lab.json").exists()
    assert "stopped" in (state / "lab.log").read_text()
    assert "no lab running" in awslab("stop", "--state-dir", str(state)).stdout
    assert awslab("show", "--state-dir", str(state), check=False).returncode == 1


def test_cli_root_states(tmp_path):
    state = tmp_path / "state"
    bad = awslab("start", "--accounts", "2", "--root", "3:mfa", "--state-dir", str(state), check=False)
    assert bad.returncode == 1 and "not a member number" in bad.stderr and not (state / "lab.json").exists()
    awslab(
        "start",
        "--accounts",
        "2",
        "--no-seed",
        "--root",
        "1:hardware-mfa",
        "--root",
        "2:keys=1",
        "--state-dir",
        str(state),
    )
    try:
        info = json.loads((state / "lab.json").read_text())
        assert info["root"] == ["1:hardware-mfa", "2:keys=1"]
        flags = {}
        for account_id in info["account_ids"]:
            summary = open_session(info["endpoint_url"], account_id).client("iam").get_account_summary()["SummaryMap"]
            flags[account_id] = (summary["AccountMFAEnabled"], summary["AccountAccessKeysPresent"])
        assert flags == {"210000000001": (1, 0), "210000000002": (0, 1)}
        # A reset through the CLI keeps the starting root states.
        awslab("reset", "--state-dir", str(state), "--no-seed")
        summary = open_session(info["endpoint_url"], "210000000001").client("iam").get_account_summary()["SummaryMap"]
        assert summary["AccountMFAEnabled"] == 1
    finally:
        awslab("stop", "--state-dir", str(state))


def test_serve_stops_on_sigint(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "MOTO_ACCOUNT_ID"}
    env["PYTHONPATH"] = LAB_PATH
    with subprocess.Popen(
        [sys.executable, "-m", "awslab", "serve", "--accounts", "1", "--no-seed", "--state-dir", str(tmp_path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        deadline = time.monotonic() + 60
        while not (tmp_path / "lab.json").exists():
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
    assert not (tmp_path / "lab.json").exists()
