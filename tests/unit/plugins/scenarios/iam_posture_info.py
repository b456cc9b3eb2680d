"""Scenarios of iam_posture_info for test_documented_actions: (label, options, check_mode), run in order.

The steps need a user with an AWS managed and a customer managed policy attached (so
user_policy_documents reads one AWS managed document) and a console password, a group and
a role. The findings step reads every section: server certificates, SAML and OIDC providers,
service-specific credentials (AllUsers; the lab's patches implement the call), EC2 instances
and Access Analyzer, which moto lacks (the call is made and fails: the section is an error,
not the task). moto's GetAccountAuthorizationDetails leaves out the names of customer managed
policies: the lab's fidelity patches (awslab.patches) add them. Iterating SCENARIOS
installs the patches and creates the account's content inside the test's fresh moto,
straight on moto's backend (API calls there would count as the module's), and removes the
patches when the steps are done (unless something else had installed them).
"""

import json

from awslab.patches import PatchedSteps

ACCOUNT = "123456789012"
ADMIN = "AdministratorAccess"
READ_S3 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def setup():
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.iam.models import AWSManagedPolicy, iam_backends

    backend = iam_backends[ACCOUNT]["aws"]
    admin = AWSManagedPolicy.from_data(ADMIN, ACCOUNT, "us-east-1", json.loads(aws_managed_policies_data)[ADMIN])
    backend.managed_policies[admin.arn] = admin
    extra = backend.create_policy("", "/", json.dumps(READ_S3), "team-extra", [])
    backend.create_group("developers", "/")
    backend.create_user("us-east-1", "carol", "/", [])
    backend.create_login_profile("carol", "Lab-Passw0rd-not-a-secret!")
    backend.add_user_to_group("developers", "carol")
    backend.attach_user_policy(admin.arn, "carol")
    backend.attach_user_policy(extra.arn, "carol")
    backend.create_role("app", json.dumps(TRUST), "/", None, "an app", [], 3600)
    backend.create_virtual_mfa_device("spare", "/")


SCENARIOS = PatchedSteps(
    setup,
    [
        (
            "everything, policy documents, login profiles",
            dict(user_policy_documents=True, login_profile_users=["carol", "nobody"]),
            False,
        ),
        (
            "each section, check mode",
            dict(
                gather=[
                    "authorization_details",
                    "credential_report",
                    "summary",
                    "password_policy",
                    "alias",
                    "virtual_mfa_devices",
                    "server_certificates",
                    "identity_providers",
                    "service_specific_credentials",
                    "access_analyzer",
                    "instances",
                ],
                credential_report_max_age_hours=24,
            ),
            True,
        ),
        ("one section", dict(gather=["summary"]), False),
        (
            "findings, thresholds, break-glass, policy documents read once",
            dict(
                gather=["summary"],
                findings=True,
                user_policy_documents=False,
                unused_days=30,
                key_max_age_days=60,
                break_glass_roles=["app"],
            ),
            False,
        ),
    ],
)
