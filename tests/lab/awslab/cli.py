"""``python -m awslab {start,serve,stop,show,calls,reset}`` (with PYTHONPATH=tests/lab)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from .common import (
    LabError,
    controller_overrides,
    inventory_dict,
    wait_until_healthy,
    write_inventory_file,
)
from .constants import STRIPPED_ENV_VARS, member_account_id
from .root import SPEC_HELP as ROOT_SPEC_HELP
from .root import parse_specs

LAB_JSON = "lab.json"
INVENTORY = "inventory.yml"
ENV_SH = "env.sh"
LOG_FILE = "lab.log"
PACKAGE_PARENT = Path(__file__).resolve().parent.parent

LOG = logging.getLogger("awslab")


# ------------------------------------------------------------------ state files


def read_state(state_dir: Path) -> dict[str, Any] | None:
    """Return the content of DIR/lab.json, or None."""
    try:
        return json.loads((state_dir / LAB_JSON).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except ValueError as exc:
        raise LabError(f"{state_dir / LAB_JSON} is not valid JSON: {exc}") from exc


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def env_sh(endpoint_url: str) -> str:
    """Shell lines giving a controller's environment (``source DIR/env.sh``)."""
    lines = [
        f"# Controller environment for the awslab fleet at {endpoint_url} (source this file).",
        "# The endpoint is not exported as AWS_ENDPOINT_URL: the inventory carries aws_endpoint_url.",
        "unset " + " ".join(STRIPPED_ENV_VARS),
    ]
    lines += [f"export {k}={shlex.quote(v)}" for k, v in controller_overrides().items()]
    lines.append(f"export AWSLAB_ENDPOINT_URL={shlex.quote(endpoint_url)}")
    return "\n".join(lines) + "\n"


def pid_alive(pid: int) -> bool:
    """Whether ``pid`` is a live (not zombie) process."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _is_lab_server(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return True  # no /proc: trust lab.json
    return b"awslab" in cmdline and b"serve" in cmdline


def running_lab(state_dir: Path) -> dict[str, Any] | None:
    """Return lab.json if its server process is alive, else None."""
    state = read_state(state_dir)
    if state and pid_alive(int(state["pid"])) and _is_lab_server(int(state["pid"])):
        return state
    return None


def _require_running(state_dir: Path) -> dict[str, Any]:
    state = running_lab(state_dir)
    if state is None:
        raise LabError(
            f"no lab is running for {state_dir} (start one with: python -m awslab start --state-dir {state_dir})"
        )
    return state


# ------------------------------------------------------------------ commands


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the lab in the foreground until SIGTERM/SIGINT."""
    from .lab import Lab  # pylint: disable=import-outside-toplevel

    state_dir: Path = args.state_dir
    state_dir.mkdir(parents=True, exist_ok=True)
    existing = running_lab(state_dir)
    if existing and int(existing["pid"]) != os.getpid():
        raise LabError(f"a lab is already running for {state_dir}: pid {existing['pid']} at {existing['endpoint_url']}")
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    stop = threading.Event()

    def _on_signal(signum: int, _frame: Any) -> None:
        LOG.info("signal %s: stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    started = time.monotonic()
    account_ids = [member_account_id(i) for i in range(1, args.accounts + 1)]
    root_states = _root_states(args.root, account_ids)
    lab = Lab(
        accounts=args.accounts, seed=args.seed, host=args.host, root=root_states, organization=args.organization
    ).start()
    try:
        endpoint = lab.endpoint_url
        write_inventory_file(state_dir / INVENTORY, inventory_dict(endpoint, lab.account_ids))
        _write_atomic(state_dir / ENV_SH, env_sh(endpoint))
        state = {
            "endpoint_url": endpoint,
            "pid": os.getpid(),
            "account_ids": lab.account_ids,
            "management_account_id": lab.management_account_id,
            "seeded": args.seed,
            "organization": args.organization,
            "root": list(args.root or []),
            "state_dir": str(state_dir.resolve()),
            "inventory": str((state_dir / INVENTORY).resolve()),
            "env_sh": str((state_dir / ENV_SH).resolve()),
            "started_at": time.time(),
        }
        _write_atomic(state_dir / LAB_JSON, json.dumps(state, indent=2) + "\n")
        LOG.info(
            "serving %d member accounts at %s (ready in %.2f s)",
            len(lab.account_ids),
            endpoint,
            time.monotonic() - started,
        )
        while not stop.wait(0.5):
            pass
    finally:
        lab.stop()
        state = read_state(state_dir)
        if state and int(state.get("pid", -1)) == os.getpid():
            (state_dir / LAB_JSON).unlink(missing_ok=True)
        LOG.info("stopped")
    return 0


def cmd_start(args: argparse.Namespace) -> int:
    """Start ``serve`` detached and wait until it answers."""
    state_dir: Path = args.state_dir
    state_dir.mkdir(parents=True, exist_ok=True)
    existing = running_lab(state_dir)
    if existing:
        raise LabError(
            f"a lab is already running for {state_dir}: pid {existing['pid']} at {existing['endpoint_url']} "
            f"(stop it with: python -m awslab stop --state-dir {state_dir})"
        )
    _root_states(args.root, [member_account_id(i) for i in range(1, args.accounts + 1)])  # fail before starting
    (state_dir / LAB_JSON).unlink(missing_ok=True)  # stale
    env = {k: v for k, v in os.environ.items() if k != "MOTO_ACCOUNT_ID"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PACKAGE_PARENT), env.get("PYTHONPATH", "")) if p)
    command = [
        sys.executable,
        "-m",
        "awslab",
        "serve",
        "--accounts",
        str(args.accounts),
        "--seed" if args.seed else "--no-seed",
        "--host",
        args.host,
        "--state-dir",
        str(state_dir.resolve()),
    ]
    for spec in args.root or ():
        command.append(f"--root={spec}")
    if args.organization:
        command.append("--organization")
    if args.verbose:
        command.append("--verbose")
    log_path = state_dir / LOG_FILE
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(  # pylint: disable=consider-using-with
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    try:
        state = _wait_for_state(state_dir, proc, args.timeout)
        wait_until_healthy(state["endpoint_url"], timeout=args.timeout, alive=lambda: proc.poll() is None)
    except (LabError, KeyboardInterrupt):
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        tail = log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-20:]
        sys.stderr.write("awslab: the lab did not start; last lines of %s:\n%s\n" % (log_path, "\n".join(tail)))
        raise
    print(state["endpoint_url"])
    return 0


def _root_states(specs: list[str] | None, account_ids: list[str]) -> dict[str, Any]:
    """``{account_id: RootState}`` of the ``--root`` specs (LabError for a bad one)."""
    try:
        return parse_specs(specs, account_ids)
    except ValueError as exc:
        raise LabError(str(exc)) from None


def _wait_for_state(state_dir: Path, proc: subprocess.Popen[bytes], timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    delay = 0.02
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise LabError(f"the lab server exited with status {proc.returncode}")
        state = read_state(state_dir)
        if state and int(state.get("pid", -1)) == proc.pid:
            return state
        time.sleep(delay)
        delay = min(delay * 2, 0.2)
    raise LabError(f"the lab server did not get ready within {timeout:.0f} s")


def cmd_stop(args: argparse.Namespace) -> int:
    """SIGTERM the server, wait (bounded), forget its pid. Idempotent."""
    state_dir: Path = args.state_dir
    state = read_state(state_dir)
    if state is None:
        print(f"no lab running for {state_dir}")
        return 0
    pid = int(state["pid"])
    if pid_alive(pid) and _is_lab_server(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + args.timeout
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if pid_alive(pid):
            sys.stderr.write(f"awslab: pid {pid} ignored SIGTERM for {args.timeout:.0f} s; sending SIGKILL\n")
            os.kill(pid, signal.SIGKILL)
        print(f"stopped lab pid {pid} ({state['endpoint_url']})")
    else:
        print(f"lab pid {pid} was not running; cleaned up {state_dir / LAB_JSON}")
    (state_dir / LAB_JSON).unlink(missing_ok=True)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """Print a per-account table read through the API."""
    # pylint: disable=import-outside-toplevel
    from .lab import open_session
    from .report import account_view, format_table

    state = _require_running(args.state_dir)
    endpoint = state["endpoint_url"]
    accounts = args.account or state["account_ids"]
    views = [account_view(open_session(endpoint, account_id)) for account_id in accounts]
    print(format_table(views, args.title))
    return 0


def _http(url: str, method: str = "GET") -> Any:
    request = urllib.request.Request(url, data=b"" if method == "POST" else None, method=method)  # noqa: S310
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - the lab's loopback endpoint
        return json.loads(response.read())


def cmd_calls(args: argparse.Namespace) -> int:
    """Print the call counts (then reset them with --reset)."""
    endpoint = _require_running(args.state_dir)["endpoint_url"]
    print(json.dumps(_http(f"{endpoint}/_lab/calls"), indent=2, sort_keys=True))
    if args.reset:
        _http(f"{endpoint}/_lab/calls/reset", "POST")
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    """Wipe every account and re-seed, in the running server."""
    endpoint = _require_running(args.state_dir)["endpoint_url"]
    _http(f"{endpoint}/_lab/reset?seed={'1' if args.seed else '0'}", "POST")
    print(f"reset {endpoint} ({'seeded' if args.seed else 'empty accounts'})")
    return 0


# ------------------------------------------------------------------ parser


def _account_count(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 10_000:
        raise argparse.ArgumentTypeError(f"expected 0 to 10000 accounts, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m awslab`` argument parser."""
    parser = argparse.ArgumentParser(prog="python -m awslab", description="Local moto-based AWS fleet lab.")
    sub = parser.add_subparsers(dest="command", required=True)

    def state_dir(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--state-dir", type=Path, required=True, help="directory for lab.json, inventory.yml, env.sh, lab.log"
        )

    for name, func, help_text in (
        ("start", cmd_start, "start a background lab server and wait until it answers"),
        ("serve", cmd_serve, "run the lab server in the foreground (what start runs)"),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--accounts", type=_account_count, default=3, help="number of member accounts (default 3)")
        p.add_argument(
            "--seed", action=argparse.BooleanOptionalAction, default=True, help="seed the messy starting point"
        )
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--root", action="append", metavar="TARGET:SETTINGS", help=ROOT_SPEC_HELP)
        p.add_argument(
            "--organization",
            action="store_true",
            help="the management account runs an Organization over the members (awslab.organization)",
        )
        p.add_argument("--verbose", action="store_true", help="log every request to lab.log")
        state_dir(p)
        p.set_defaults(func=func)
        if name == "start":
            p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the server")

    p = sub.add_parser("stop", help="stop the lab server (idempotent)")
    state_dir(p)
    p.add_argument("--timeout", type=float, default=15.0, help="seconds to wait after SIGTERM")
    p.set_defaults(func=cmd_stop)

    p = sub.add_parser("show", help="print a per-account summary read through the API")
    state_dir(p)
    p.add_argument("--title", help="heading printed above the table")
    p.add_argument("--account", action="append", help="only this account (repeatable)")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("calls", help="print API call counts per account as JSON")
    state_dir(p)
    p.add_argument("--reset", action="store_true", help="reset the counts after printing them")
    p.set_defaults(func=cmd_calls)

    p = sub.add_parser("reset", help="wipe every account and re-seed")
    state_dir(p)
    p.add_argument("--seed", action=argparse.BooleanOptionalAction, default=True)
    p.set_defaults(func=cmd_reset)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m awslab``."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except LabError as exc:
        sys.stderr.write(f"awslab: {exc}\n")
        return 1
    except (urllib.error.URLError, OSError) as exc:
        sys.stderr.write(f"awslab: {exc}\n")
        return 1
