"""Helpers shared by the in-process lab and the CLI (no boto3 or moto imports here)."""

from __future__ import annotations

import json
import os
import time
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from .constants import (
    CONTROLLER_ACCESS_KEY_ID,
    CONTROLLER_SECRET_ACCESS_KEY,
    REGION,
    STRIPPED_ENV_VARS,
)

HostVars = Mapping[str, Any] | Callable[[str], Mapping[str, Any]] | None


class LabError(RuntimeError):
    """The lab cannot do what was asked."""


def controller_overrides() -> dict[str, str]:
    """The variables a controller process needs: dummy credentials landing in the management
    account, the lab region, and no config/credential files or instance metadata lookups."""
    return {
        "AWS_ACCESS_KEY_ID": CONTROLLER_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": CONTROLLER_SECRET_ACCESS_KEY,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def stripped_env_var(name: str) -> bool:
    """Whether ``name`` is removed from a controller's environment."""
    return name in STRIPPED_ENV_VARS or name.startswith("AWS_ENDPOINT_URL")


def controller_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return ``base`` (default: ``os.environ``) as a controller's environment.

    Profiles, session tokens, role/web-identity settings, endpoint overrides and MOTO_ACCOUNT_ID
    are removed; dummy credentials and ``AWS_DEFAULT_REGION=us-east-1`` are set. No
    ``AWS_ENDPOINT_URL``: the inventory carries ``aws_endpoint_url``.
    """
    env = {k: v for k, v in (os.environ if base is None else base).items() if not stripped_env_var(k)}
    env.update(controller_overrides())
    return env


def inventory_dict(endpoint_url: str, account_ids: Iterable[str], hostvars: HostVars = None) -> dict[str, Any]:
    """Return the YAML inventory structure of :meth:`Lab.write_inventory`."""
    hosts: dict[str, Any] = {}
    for account_id in account_ids:
        host = {
            "aws_account_id": account_id,
            "aws_region": REGION,
            "aws_endpoint_url": endpoint_url,
            "ansible_connection": "local",
            "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        }
        extra = hostvars(account_id) if callable(hostvars) else hostvars
        host.update(extra or {})
        hosts[f"lab-{account_id}"] = host
    return {"all": {"children": {"aws_accounts": {"hosts": hosts}}}}


def write_inventory_file(path: str | os.PathLike[str], inventory: Mapping[str, Any]) -> Path:
    """Write ``inventory`` as YAML (account ids stay strings) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "# Written by awslab: one host per lab member account.\n"
    text += yaml.safe_dump(dict(inventory), sort_keys=False, default_flow_style=False)
    path.write_text(text, encoding="utf-8")
    return path


def wait_until_healthy(
    endpoint_url: str, timeout: float = 30.0, alive: Callable[[], bool] | None = None
) -> dict[str, Any]:
    """Poll ``GET /_lab/health`` until it answers (bounded); return its JSON.

    ``alive`` is checked between attempts so a crashed server fails fast.
    """
    deadline = time.monotonic() + timeout
    delay = 0.02
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if alive is not None and not alive():
            raise LabError("the lab server exited before it answered")
        try:
            with urllib.request.urlopen(f"{endpoint_url}/_lab/health", timeout=2) as response:  # noqa: S310
                return json.loads(response.read())
        except OSError as exc:
            last_error = exc
        time.sleep(delay)
        delay = min(delay * 2, 0.25)
    raise LabError(f"no answer from {endpoint_url} within {timeout:.0f} s: {last_error}")
