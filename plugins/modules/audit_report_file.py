#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: audit_report_file
short_description: Write one file of an IAM audit's reports (an account's JSON, summary.html, summary.md, junit.xml)
version_added: 0.1.0
description:
  - Renders O(data) as O(format) and writes it to O(dest), for the C(audit) role of this collection and
    for playbooks that build their own reports from its filters.
  - V(json) writes a per-account report (the result of the C(hardening.aws.audit_account_report) or
    C(hardening.aws.audit_error_report) filter); V(html), V(markdown) and V(junit) render a whole run
    (the result of the C(hardening.aws.audit_fleet) filter) as summary.html, summary.md and junit.xml.
  - The file is written whole or not at all (a temporary file in the same folder, renamed over O(dest)),
    with O(mode) from the start. A file that already holds exactly this text with this mode is left alone.
  - The folder of O(dest) must exist; the module creates no folder.
  - On a local connection it runs in the controller's process, as the collection's other modules do
    (no module is shipped and no interpreter started per file).
  - "Required IAM actions: none (it calls no AWS API)."
author:
  - Hardening AWS Maintainers (@hardening-aws)
options:
  data:
    description:
      - The report to write. Its shape is checked against O(format) before anything is written.
    type: dict
    required: true
  dest:
    description:
      - Path of the file to write. Its folder must exist.
    type: path
    required: true
  format:
    description:
      - V(json) for a per-account report, V(html), V(markdown) or V(junit) for a run's fleet.
    type: str
    choices: [html, json, junit, markdown]
    default: json
  mode:
    description:
      - The file's permissions, as an octal string. Reports name users, roles and keys of the
        accounts, so the default lets only the owner read them.
    type: str
    default: "0600"
attributes:
  check_mode:
    support: full
    description: Reports whether the file would change, and writes nothing.
  diff_mode:
    support: none
    description: Reports can be large; the result says whether the file changed and its size.
notes:
  - The C(audit) role runs it with C(check_mode=false) and C(changed_when=false), since a report is the
    audit's output, not a change to an account.
"""

EXAMPLES = r"""
- name: Write the account's report
  hardening.aws.audit_report_file:
    data: "{{ posture | hardening.aws.audit_account_report(aws_account_id, now(utc=true).isoformat()) }}"
    dest: "/srv/audit/{{ aws_account_id }}.json"

- name: Write the run's page for a web server's group to read
  hardening.aws.audit_report_file:
    data: "{{ fleet }}"
    dest: /srv/audit/summary.html
    format: html
    mode: "0640"
  run_once: true
"""

RETURN = r"""
file:
  description: The file written (or, in check mode, that would be written), O(dest).
  returned: always
  type: str
  sample: /srv/audit/210000000001.json
format:
  description: The format it was written in.
  returned: always
  type: str
  sample: json
mode:
  description: The file's mode, four octal digits.
  returned: always
  type: str
  sample: "0600"
size:
  description: Size of the file's text in bytes.
  returned: always
  type: int
  sample: 18734
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hardening.aws.plugins.module_utils._audit_report_file import MODULE_SPEC
from ansible_collections.hardening.aws.plugins.module_utils._module import run_module


def main():
    module = AnsibleModule(**MODULE_SPEC.module_kwargs())
    run_module(module, MODULE_SPEC)


if __name__ == "__main__":
    main()
