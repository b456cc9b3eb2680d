"""The root user of each lab account: MFA, access keys and last use, as IAM reports them.

moto knows nothing of the root user: GetAccountSummary always answers ``AccountMFAEnabled`` and
``AccountAccessKeysPresent`` 0, the credential report has no ``<root_account>`` row, and no virtual
MFA device belongs to root. The lab can keep a :class:`RootState` per account, and the patches in
:mod:`awslab.patches` report it where AWS does:

* GetAccountSummary: ``AccountMFAEnabled`` (1 with any root MFA, virtual or hardware),
  ``AccountAccessKeysPresent`` (1 with any root access key), and root's device counted in
  ``MFADevicesInUse``;
* the credential report: a ``<root_account>`` first row in AWS's format (see :func:`report_row`);
* ListVirtualMFADevices: with virtual root MFA, the device
  ``arn:aws:iam::<id>:mfa/root-account-mfa-device`` assigned to ``arn:aws:iam::<id>:root``
  (it also counts in ``MFADevices``, and DeleteVirtualMFADevice refuses it as assigned).

An account whose root state was never set answers as moto does (no root row, flags 0), so tests
written before root states existed keep passing; a test opts in per account. The state lives on
moto's IAM backend of the account (like everything else the lab adds), so a moto reset drops it
and accounts are isolated. This module imports moto only inside functions:
the CLI parses ``--root`` specs without loading moto.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

from .constants import MANAGEMENT_ACCOUNT_ID, PARTITION, REGION, member_account_id

ROOT_USER = "<root_account>"
#: Name AWS gives the root user's virtual MFA device (``arn:aws:iam::<id>:mfa/<name>``).
ROOT_MFA_DEVICE_NAME = "root-account-mfa-device"
#: Age of every lab account (the root user's ``user_creation_time``), unless a state says otherwise.
ACCOUNT_AGE_DAYS = 700
#: Service named in ``access_key_1_last_used_service`` when a root key was used.
KEY_LAST_USED_SERVICE = "iam"

_STORE = "awslab_root_state"
_DEVICE_MARK = "awslab_root_device"
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S+00:00"

#: A moment: a datetime (naive = UTC), or a number of days before now (moto's clock).
When = dt.datetime | float | int | None


@dataclasses.dataclass(frozen=True)
class RootState:
    """What the root user of one account has. The default ``RootState()`` is a root user with no
    MFA, no access keys, never used (the same flags moto gives, but with AWS's root row).

    * ``mfa_enabled``: root has an MFA device; ``hardware_mfa`` says it is a hardware one (no
      virtual device is listed then), else it is the virtual ``root-account-mfa-device``.
    * ``access_keys``: how many (active) root access keys exist, 0 to 2.
    * ``password_last_used`` / ``access_key_last_used`` (the first key): a datetime, or a number
      of days before now; None: never.
    * ``created``: when the account (so the root user) was created; None: ``ACCOUNT_AGE_DAYS``
      days before now. Root access keys were created then too.
    * ``mfa_enabled_date``: when the virtual device was enabled; None: when the state is applied.
    """

    mfa_enabled: bool = False
    hardware_mfa: bool = False
    access_keys: int = 0
    password_last_used: When = None
    access_key_last_used: When = None
    created: When = None
    mfa_enabled_date: When = None

    def __post_init__(self) -> None:
        if isinstance(self.access_keys, bool) or not isinstance(self.access_keys, int):
            raise ValueError(f"root access_keys must be an integer from 0 to 2, not {self.access_keys!r}")
        if not 0 <= self.access_keys <= 2:
            raise ValueError(f"root access_keys must be 0, 1 or 2 (AWS allows two keys), not {self.access_keys}")
        if self.hardware_mfa and not self.mfa_enabled:
            raise ValueError("root hardware_mfa=True needs mfa_enabled=True")
        if self.access_key_last_used is not None and not self.access_keys:
            raise ValueError("root access_key_last_used needs access_keys >= 1")
        if self.mfa_enabled_date is not None and not (self.mfa_enabled and not self.hardware_mfa):
            raise ValueError("root mfa_enabled_date applies to a virtual MFA device (mfa_enabled, not hardware_mfa)")
        for name in ("password_last_used", "access_key_last_used", "created", "mfa_enabled_date"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (dt.datetime, int, float))):
                raise ValueError(f"root {name} must be a datetime or a number of days ago, not {value!r}")

    @property
    def virtual_mfa(self) -> bool:
        """Whether root's MFA is the virtual ``root-account-mfa-device``."""
        return self.mfa_enabled and not self.hardware_mfa

    def resolved(self, now: dt.datetime) -> RootState:
        """This state with every moment as a naive UTC datetime (days counted back from ``now``)."""
        created = _moment(self.created, now) or now - dt.timedelta(days=ACCOUNT_AGE_DAYS)
        return dataclasses.replace(
            self,
            created=created,
            password_last_used=_moment(self.password_last_used, now),
            access_key_last_used=_moment(self.access_key_last_used, now),
            mfa_enabled_date=(_moment(self.mfa_enabled_date, now) or now) if self.virtual_mfa else None,
        )


DEFAULT = RootState()


def _moment(value: When, now: dt.datetime) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value
    return now - dt.timedelta(days=float(value))


def as_state(value: RootState | Mapping[str, Any] | None) -> RootState:
    """A :class:`RootState` from a state, a mapping of its fields, or None (the default)."""
    if value is None:
        return DEFAULT
    if isinstance(value, RootState):
        return value
    if isinstance(value, Mapping):
        unknown = set(value) - {f.name for f in dataclasses.fields(RootState)}
        if unknown:
            raise ValueError(f"unknown root setting(s): {', '.join(sorted(unknown))}")
        return RootState(**value)
    raise TypeError(f"a root state is a RootState or a mapping, not {type(value).__name__}")


# --------------------------------------------------------------------------------------------
# CLI specs: ``TARGET:SETTING[,SETTING...]``


_FLAGS = {"mfa": {"mfa_enabled": True}, "hardware-mfa": {"mfa_enabled": True, "hardware_mfa": True}, "none": {}}
_VALUES = {"keys": "access_keys", "password-used": "password_last_used", "key-used": "access_key_last_used"}

SPEC_HELP = (
    "root user state of member accounts: TARGET:SETTING[,SETTING...] (repeatable), TARGET a member "
    "number (1 = first), an account id or 'all'; SETTING one of mfa (virtual), hardware-mfa, keys=N, "
    "password-used=DAYS, key-used=DAYS, none. Example: --root 1:hardware-mfa --root 2:keys=1,key-used=3"
)


def parse_spec(spec: str, account_ids: list[str]) -> dict[str, RootState]:
    """``{account_id: RootState}`` of one ``--root`` spec, e.g. ``2:mfa,keys=1,password-used=3``.

    Raises ``ValueError`` with the reason for a spec that does not parse.
    """
    target, sep, settings = spec.partition(":")
    if not sep or not target or not settings:
        raise ValueError(f"root spec {spec!r} is not TARGET:SETTING[,SETTING...]")
    targets = _targets(target.strip(), account_ids, spec)
    fields: dict[str, Any] = {}
    for item in settings.split(","):
        name, eq, value = item.strip().partition("=")
        if not eq and name in _FLAGS:
            fields.update(_FLAGS[name])
        elif eq and name in _VALUES:
            try:
                number = int(value) if name == "keys" else float(value)
            except ValueError:
                raise ValueError(f"root spec {spec!r}: {name} needs a number, not {value!r}") from None
            fields[_VALUES[name]] = number
        else:
            raise ValueError(f"root spec {spec!r}: unknown setting {item.strip()!r}")
    state = RootState(**fields)
    return dict.fromkeys(targets, state)


def parse_specs(specs: list[str] | None, account_ids: list[str]) -> dict[str, RootState]:
    """Every ``--root`` spec in order (a later one wins for the same account)."""
    states: dict[str, RootState] = {}
    for spec in specs or ():
        states.update(parse_spec(spec, account_ids))
    return states


def _targets(target: str, account_ids: list[str], spec: str) -> list[str]:
    if target == "all":
        return list(account_ids)
    if target in account_ids or target == MANAGEMENT_ACCOUNT_ID:
        return [target]
    if target.isdigit() and len(target) < 12:
        account_id = member_account_id(int(target)) if int(target) >= 1 else ""
        if account_id in account_ids:
            return [account_id]
    raise ValueError(f"root spec {spec!r}: {target!r} is not a member number, an account id of the lab or 'all'")


# --------------------------------------------------------------------------------------------
# State on moto's IAM backend


def _now() -> dt.datetime:
    from moto.core.utils import utcnow  # pylint: disable=import-outside-toplevel

    return utcnow()


def root_arn(account_id: str) -> str:
    """``arn:aws:iam::<id>:root``."""
    return f"arn:{PARTITION}:iam::{account_id}:root"


def mfa_serial(account_id: str) -> str:
    """Serial number of root's virtual MFA device."""
    return f"arn:{PARTITION}:iam::{account_id}:mfa/{ROOT_MFA_DEVICE_NAME}"


def state_of(backend: Any) -> RootState | None:
    """The (resolved) root state of a moto IAM backend; None when never set (moto's answers)."""
    state: RootState | None = backend.__dict__.get(_STORE)
    return state


def set_state(backend: Any, state: RootState | Mapping[str, Any] | None) -> RootState:
    """Give the backend's account this root state (replacing the previous one; None: the default
    ``RootState()``); return it resolved."""
    resolved = as_state(state).resolved(_now())
    _sync_virtual_device(backend, resolved)
    backend.__dict__[_STORE] = resolved
    return resolved


def clear_state(backend: Any) -> None:
    """Forget the account's root state: moto's answers again (no root row, summary flags 0)."""
    _sync_virtual_device(backend, DEFAULT)
    backend.__dict__.pop(_STORE, None)


def _sync_virtual_device(backend: Any, state: RootState) -> None:
    """Add, update or remove root's virtual MFA device in the backend's device list."""
    # pylint: disable=import-outside-toplevel
    from moto.iam.models import VirtualMfaDevice

    serial = mfa_serial(backend.account_id)
    device = backend.virtual_mfa_devices.get(serial)
    ours = device is not None and bool(device.__dict__.get(_DEVICE_MARK))
    if not state.virtual_mfa:
        if ours:
            del backend.virtual_mfa_devices[serial]
        return
    if device is not None and not ours:
        raise ValueError(f"{serial} is a device created through the API, not the lab's root device")
    if device is None:
        # object.__new__: no seed or QR code is generated for root's device (nobody can read them
        # through the API), and moto's instance tracking is not needed.
        device = object.__new__(VirtualMfaDevice)
        device.serial_number = serial
        device.base32_string_seed = None
        device.qr_code_png = None
        device.user_attribute = None
        device.__dict__[_DEVICE_MARK] = True
        backend.virtual_mfa_devices[serial] = device
    device.enable_date = state.mfa_enabled_date
    # Serialised by moto as ListVirtualMFADevices' User: AWS gives root's id and ARN, no UserName.
    user: dict[str, Any] = {
        "UserId": backend.account_id,
        "Arn": root_arn(backend.account_id),
        "CreateDate": state.created,
    }
    if state.password_last_used is not None:
        user["PasswordLastUsed"] = state.password_last_used
    device.user = user


# --------------------------------------------------------------------------------------------
# What the patches report


def summary_values(backend: Any, summary: Mapping[str, Any]) -> dict[str, int]:
    """GetAccountSummary values that depend on the root user, given moto's ``summary``.

    moto lists root's virtual device with the others (``MFADevices``) but counts only users'
    devices as in use; root's device, virtual or hardware, is in use too.
    """
    state = state_of(backend)
    if state is None:
        return {}
    return {
        "AccountMFAEnabled": int(state.mfa_enabled),
        "AccountAccessKeysPresent": int(state.access_keys > 0),
        "MFADevicesInUse": int(summary.get("MFADevicesInUse", 0)) + int(state.mfa_enabled),
    }


def _date(value: Any, missing: str) -> str:
    return value.strftime(_DATE_FORMAT) if value is not None else missing


def report_row(state: RootState, account_id: str) -> dict[str, str]:
    """The credential report's ``<root_account>`` row ({column: text}), as AWS writes it.

    ``password_enabled``, ``password_last_changed`` and ``password_next_rotation`` are always
    ``not_supported`` for root; ``password_last_used`` is ``no_information`` when root never
    signed in; the columns of a missing key, and the last-used columns of a key never used, are
    ``N/A``; root has no signing certificates in the lab.
    """
    row = {
        "user": ROOT_USER,
        "arn": root_arn(account_id),
        "user_creation_time": _date(state.created, "N/A"),
        "password_enabled": "not_supported",
        "password_last_used": _date(state.password_last_used, "no_information"),
        "password_last_changed": "not_supported",
        "password_next_rotation": "not_supported",
        "mfa_active": "true" if state.mfa_enabled else "false",
    }
    for slot in (1, 2):
        present = state.access_keys >= slot
        used = state.access_key_last_used if slot == 1 else None
        row[f"access_key_{slot}_active"] = "true" if present else "false"
        row[f"access_key_{slot}_last_rotated"] = _date(state.created if present else None, "N/A")
        row[f"access_key_{slot}_last_used_date"] = _date(used, "N/A")
        row[f"access_key_{slot}_last_used_region"] = REGION if used is not None else "N/A"
        row[f"access_key_{slot}_last_used_service"] = KEY_LAST_USED_SERVICE if used is not None else "N/A"
    for slot in (1, 2):
        row[f"cert_{slot}_active"] = "false"
        row[f"cert_{slot}_last_rotated"] = "N/A"
    return row


def with_root_row(report: str, backend: Any) -> str:
    """A credential report (CSV, header line first) with root's row first, in the header's column
    order (a column the lab does not know reads ``N/A``); unchanged while the account has no root
    state."""
    state = state_of(backend)
    if state is None:
        return report
    header, newline, rows = report.partition("\n")
    row = report_row(state, backend.account_id)
    line = ",".join(row.get(column, "N/A") for column in header.split(","))
    return header + newline + line + "\n" + rows
