"""Scenarios of iam_user_disable for test_documented_actions: (label, options, check_mode), run in order.

The leaver holds every kind of credential; service-specific credentials come from the lab's
fidelity patches (installed and removed as in scenarios/iam_user.py).
"""

import json

from awslab.patches import PatchedSteps

ACCOUNT = "123456789012"
READ_S3 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]}


def setup():
    # Straight into moto's backend: API calls here would count as calls of the module.
    from moto.iam.models import iam_backends

    from awslab import iam_extras
    from awslab.seed import signing_certificate_pem, ssh_public_key_body

    backend = iam_backends[ACCOUNT]["aws"]
    backend.create_user("us-east-1", "leaver", "/", [{"Key": "team", "Value": "payments"}])
    backend.create_login_profile("leaver", "Lab-Passw0rd-not-a-secret!")
    backend.create_access_key("leaver")
    backend.upload_signing_certificate("leaver", signing_certificate_pem("leaver"))
    backend.upload_ssh_public_key("leaver", ssh_public_key_body("leaver@example.com"))
    iam_extras.create_service_specific_credential(backend, "leaver", "codecommit.amazonaws.com")
    device = backend.create_virtual_mfa_device("leaver", "/")
    backend.enable_mfa_device("leaver", device.serial_number, "123456", "654321")
    backend.put_user_policy("leaver", "leaver-inline", json.dumps(READ_S3))


SCENARIOS = PatchedSteps(
    setup,
    [
        ("disable, check mode", dict(name="leaver"), True),
        ("disable", dict(name="leaver", disabled_at="2026-01-02T03:04:05Z"), False),
        ("already disabled", dict(name="leaver"), False),
        ("no such user", dict(name="nobody"), False),
    ],
)
