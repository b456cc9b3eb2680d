# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write one audit report file (module audit_report_file): no AWS call.

The audit role writes ``<account id>.json`` per account and summary.html, summary.md and
junit.xml once per run. ``ansible.builtin.copy`` did that with two module runs (stat, then copy)
per file, a third of a fleet audit's time (docs/design/fleet-speed.md); this module renders the
report from its data (module_utils/_audit_report.py) and writes it in the controller's process.

The file is written whole or not at all: a temporary file in the same folder, created with the
final mode, then renamed over ``dest``. The folder must exist (the role creates it 0700), so a
mistyped path fails naming it instead of creating folders where nobody looks.
"""

from __future__ import annotations

import os
import re
import tempfile

from ansible_collections.hardening.aws.plugins.module_utils import _audit_report
from ansible_collections.hardening.aws.plugins.module_utils._aws import HardeningError
from ansible_collections.hardening.aws.plugins.module_utils._module import ModuleSpec

RENDERERS = {
    "json": _audit_report.to_json,
    "html": _audit_report.render_html,
    "markdown": _audit_report.render_markdown,
    "junit": _audit_report.render_junit,
}
MODE = re.compile(r"^0?[0-7]{3}$")

ARGUMENT_SPEC = dict(
    data=dict(type="dict", required=True),
    dest=dict(type="path", required=True),
    format=dict(type="str", default="json", choices=sorted(RENDERERS)),
    mode=dict(type="str", default="0600"),
)


def validate(params):
    """Input errors that need no file system: the mode, and the data's shape for its format."""
    if not MODE.match(params["mode"] or ""):
        raise HardeningError(
            "mode: %r is not an octal file mode such as 0600 or 0640" % (params["mode"],), option="mode"
        )
    data = params["data"]
    if params["format"] == "json":
        # An account the run could not read may have no id (a host without aws_account_id): "".
        if "account_id" not in data or not isinstance(data.get("findings"), list):
            raise HardeningError(
                "data: format json writes a per-account report (hardening.aws.audit_account_report or "
                "audit_error_report), which has account_id and findings; got the keys %s" % sorted(data),
                option="data",
            )
    elif not isinstance(data.get("accounts"), list) or not isinstance(data.get("controls"), list):
        raise HardeningError(
            "data: format %s renders a fleet (hardening.aws.audit_fleet), which has accounts and controls; "
            "got the keys %s" % (params["format"], sorted(data)),
            option="data",
        )


def render(data, fmt):
    """The file's text, or a HardeningError naming the format when the data does not fit it."""
    try:
        return RENDERERS[fmt](data)
    except (KeyError, TypeError, ValueError) as exc:
        raise HardeningError("data: cannot render it as %s (%s: %s)" % (fmt, type(exc).__name__, exc)) from None


def _current(path):
    """(bytes, mode) of the file at ``path``, or (None, None) when there is none."""
    try:
        with open(path, "rb") as handle:
            return handle.read(), os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        raise HardeningError("dest: cannot read %s: %s" % (path, exc.strerror or exc), dest=path) from None


def write_atomically(path, content, mode):
    """Replace ``path`` with ``content`` (bytes): a readers sees the old file or the new one, whole."""
    folder = os.path.dirname(path) or "."
    handle, temporary = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".")
    try:
        os.fchmod(handle, mode)
        with os.fdopen(handle, "wb") as out:
            handle = None
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        if handle is not None:
            os.close(handle)
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def run(aws, params, check_mode=False, diff=False):  # pylint: disable=unused-argument  # no AWS, no diff
    """Render ``data`` as ``format`` and write it to ``dest`` unless it already holds exactly that."""
    dest, fmt = params["dest"], params["format"]
    mode = int(params["mode"], 8)
    content = render(params["data"], fmt).encode("utf-8")
    folder = os.path.dirname(dest) or "."
    if not os.path.isdir(folder):
        raise HardeningError("dest: the folder %s of %s does not exist" % (folder, dest), dest=dest)
    if os.path.isdir(dest):
        raise HardeningError("dest: %s is a folder; give the file's path" % dest, dest=dest)
    before, before_mode = _current(dest)
    changed = before != content or before_mode != mode
    if changed and not check_mode:
        try:
            write_atomically(dest, content, mode)
        except OSError as exc:
            raise HardeningError("dest: cannot write %s: %s" % (dest, exc.strerror or exc), dest=dest) from None
    # "file", not "dest": AnsibleModule would add the file's owner and attributes to a "dest" key.
    return {"changed": changed, "file": dest, "format": fmt, "mode": "%04o" % mode, "size": len(content)}


# A fleet's data is megabytes at a few hundred accounts: the result says how big it was instead.
MODULE_SPEC = ModuleSpec("audit_report_file", ARGUMENT_SPEC, run, validate=validate, aws=False, summarised=("data",))
