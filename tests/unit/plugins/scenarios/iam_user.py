"""Scenarios of iam_user for test_documented_actions: (label, options, check_mode), run in order.

The steps need groups, a customer managed policy, an AWS managed policy and a leaver who
holds every kind of credential that blocks DeleteUser. moto lacks service-specific
credentials and user permissions boundaries: the lab's fidelity patches (awslab.patches,
the same ones the integration lab runs) add them, and make deletes as strict as AWS's.
SCENARIOS installs them and creates the account's content when the test starts iterating
the steps, that is inside the test's fresh moto, and removes the patches when the steps
are done (unless something else had installed them).
"""

import json

from awslab.patches import PatchedSteps

ACCOUNT = "123456789012"
READ_S3 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]}
# The same document written differently: must not count as a change.
READ_S3_REFORMATTED = json.dumps(
    {"Statement": {"Resource": "*", "Action": "S3:GetObject", "Effect": "Allow"}, "Version": "2012-10-17"}
)
DENY_IAM = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]}


def _add_aws_managed_policy(backend, name):
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.iam.models import AWSManagedPolicy

    policy = AWSManagedPolicy.from_data(name, ACCOUNT, "us-east-1", json.loads(aws_managed_policies_data)[name])
    backend.managed_policies[policy.arn] = policy


def _seed_leaver(backend):
    from awslab import iam_extras
    from awslab.seed import signing_certificate_pem, ssh_public_key_body

    backend.create_user("us-east-1", "leaver", "/", [{"Key": "team", "Value": "payments"}])
    backend.create_login_profile("leaver", "Lab-Passw0rd-not-a-secret!")
    backend.create_access_key("leaver")
    backend.upload_signing_certificate("leaver", signing_certificate_pem("leaver"))
    backend.upload_ssh_public_key("leaver", ssh_public_key_body("leaver@example.com"))
    iam_extras.create_service_specific_credential(backend, "leaver", "codecommit.amazonaws.com")
    device = backend.create_virtual_mfa_device("leaver", "/")
    backend.enable_mfa_device("leaver", device.serial_number, "123456", "654321")
    backend.put_user_policy("leaver", "leaver-inline", json.dumps(READ_S3))
    backend.attach_user_policy("arn:aws:iam::%s:policy/team-extra" % ACCOUNT, "leaver")
    backend.add_user_to_group("developers", "leaver")
    iam_extras.put_user_permissions_boundary(backend, "leaver", "arn:aws:iam::aws:policy/ReadOnlyAccess")


def setup():
    # Straight into moto's backend: API calls here would count as calls of the module.
    from moto.iam.models import iam_backends

    backend = iam_backends[ACCOUNT]["aws"]
    for group in ("developers", "auditors"):
        backend.create_group(group, "/")
    backend.create_policy("", "/", json.dumps(READ_S3), "team-extra", [])
    _add_aws_managed_policy(backend, "ReadOnlyAccess")
    _seed_leaver(backend)


FULL = dict(
    name="alice",
    path="/people/",
    tags={"team": "payments", "owner": "alice@example.com"},
    groups=["developers"],
    managed_policies=["ReadOnlyAccess", "team-extra"],
    inline_policies={"s3-read": READ_S3},
    console_access=True,
    store="secretsmanager",
)

SCENARIOS = PatchedSteps(
    setup,
    [
        ("create, check mode", FULL, True),
        ("create, password generated and stored", FULL, False),
        ("no-op, document reformatted", dict(FULL, inline_policies={"s3-read": READ_S3_REFORMATTED}), False),
        (
            "update everything, purging",
            dict(
                name="alice",
                path="/staff/",
                tags={"team": "cards"},
                purge_tags=True,
                groups=["auditors"],
                purge_groups=True,
                managed_policies=["team-extra"],
                purge_managed_policies=True,
                inline_policies={"deny-iam": DENY_IAM},
                purge_inline_policies=True,
                permissions_boundary="ReadOnlyAccess",
                console_access=True,
                password_reset_required=True,
            ),
            False,
        ),
        (
            "remove boundary and console access",
            dict(name="alice", permissions_boundary="", console_access=False),
            False,
        ),
        (
            "console access again, given password to SSM",
            dict(name="alice", console_access=True, password="Giv3n-Passw0rd!Scenario", store="ssm"),
            False,
        ),
        ("delete the leaver, check mode", dict(name="leaver", state="absent"), True),
        ("delete the leaver", dict(name="leaver", state="absent"), False),
        ("delete the leaver, nothing there", dict(name="leaver", state="absent"), False),
    ],
)
