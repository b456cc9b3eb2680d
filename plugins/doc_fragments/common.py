# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Connection options and attributes shared by every hardening.aws module."""

    DOCUMENTATION = r"""
options:
  access_key:
    description:
      - AWS access key id of the identity that runs the task (the controller's identity).
      - When not set, boto3's usual sources apply, in order, the E(AWS_ACCESS_KEY_ID)
        environment variable, the shared credentials file, and instance or container credentials.
    type: str
    aliases: [aws_access_key_id, aws_access_key]
  secret_key:
    description:
      - AWS secret access key that goes with O(access_key). Never logged.
      - When not set, E(AWS_SECRET_ACCESS_KEY) or the other sources boto3 knows apply.
    type: str
    aliases: [aws_secret_access_key, aws_secret_key]
  session_token:
    description:
      - Session token for temporary credentials. Never logged.
      - When not set, E(AWS_SESSION_TOKEN) applies.
    type: str
    aliases: [aws_session_token, security_token]
  profile:
    description:
      - Named profile from the shared AWS configuration files.
      - When not set, E(AWS_PROFILE) applies. Cannot be combined with O(access_key).
    type: str
    aliases: [aws_profile]
  region:
    description:
      - AWS region for the clients. IAM is global, but STS, Secrets Manager and SSM are not.
      - When not set, E(AWS_REGION), then E(AWS_DEFAULT_REGION), then the profile's region, then C(us-east-1).
    type: str
    aliases: [aws_region]
  endpoint_url:
    description:
      - URL to send every AWS request to instead of AWS's own endpoints, for example a local simulator.
      - When not set, E(AWS_ENDPOINT_URL) applies.
    type: str
    aliases: [aws_endpoint_url]
  assume_role_arn:
    description:
      - ARN of an IAM role to assume with the credentials above before doing anything,
        so the task acts inside the account that owns the role.
      - The playbooks of this collection set it for every account of the inventory.
    type: str
  external_id:
    description:
      - External id to pass when assuming O(assume_role_arn), when the role's trust policy requires one.
    type: str
  role_session_name:
    description:
      - Session name for O(assume_role_arn); it appears in CloudTrail in the target account.
    type: str
    default: hardening-aws
  assumed_role_session:
    description:
      - A session of O(assume_role_arn) obtained earlier by M(hardening.aws.sts_session) (its C(session) result).
        The task uses it instead of assuming the role itself, saving a C(sts:AssumeRole) call per task.
      - Ignored, and the role assumed again, when it was issued for another role or has less than five minutes left.
      - Holds credentials. Never logged.
    type: dict
notes:
  - Every call is retried with botocore's standard retry mode and, on top of it, with jittered
    backoff for IAM's transient errors (Throttling, EntityTemporarilyUnmodifiable,
    ConcurrentModification, ServiceFailure).
  - With C(ansible_connection=local) the module runs inside the controller process through an action
    plugin of the same name (same options, check mode, diff and results, several times faster).
    Set E(HARDENING_AWS_EXECUTION=module) to force the ordinary module path.
requirements:
  - python >= 3.8
  - boto3 >= 1.34.0
  - botocore >= 1.34.0
"""

    ATTRIBUTES = r"""
attributes:
  check_mode:
    support: full
    description: Can run in check mode and return changed status prediction without modifying AWS.
  diff_mode:
    support: full
    description: Returns details on what has changed (or would change in check mode), without secrets.
  action_group:
    support: full
    membership:
      - hardening.aws.all
    description: Use C(group/hardening.aws.all) in C(module_defaults) to set the connection options once.
"""

    INFO_ATTRIBUTES = r"""
attributes:
  check_mode:
    support: full
    description: Reads only, so it runs the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to diff.
  action_group:
    support: full
    membership:
      - hardening.aws.all
    description: Use C(group/hardening.aws.all) in C(module_defaults) to set the connection options once.
"""
