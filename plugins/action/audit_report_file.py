# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs hardening.aws.audit_report_file in the controller process on a local connection."""

from __future__ import annotations

from ansible_collections.hardening.aws.plugins.module_utils._audit_report_file import MODULE_SPEC
from ansible_collections.hardening.aws.plugins.plugin_utils._inprocess import InProcessModuleAction


class ActionModule(InProcessModuleAction):
    MODULE_SPEC = MODULE_SPEC
