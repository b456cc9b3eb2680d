"""Scenarios of iam_role for test_documented_actions: (label, options, check_mode), run in order.

The steps need a customer managed policy and a few AWS managed policies (moto loads
none unless told to, which costs seconds). SCENARIOS creates them in the test's fresh
moto account when the test starts iterating the steps, that is inside the mock.
"""

import functools
import json

ACCOUNT = "123456789012"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
# The same trust policy, written differently: must not count as a change.
TRUST_REFORMATTED = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Action": ["sts:AssumeRole"], "Principal": {"Service": ["ec2.amazonaws.com"]}, "Effect": "Allow"}
        ],
    }
)
TRUST_2 = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]}
DOC_2 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "*"}]}


@functools.lru_cache(maxsize=1)
def _aws_managed_data():
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return json.loads(aws_managed_policies_data)


def add_aws_managed_policies(*names):
    """Put a few AWS managed policies into moto's account, as AWS has them."""
    from moto.iam.models import AWSManagedPolicy, iam_backends

    backend = iam_backends[ACCOUNT]["aws"]
    for name in names:
        policy = AWSManagedPolicy.from_data(name, ACCOUNT, "us-east-1", _aws_managed_data()[name])
        backend.managed_policies[policy.arn] = policy


def setup():
    # Straight into moto's backend: API calls here would count as calls of the module.
    from moto.iam.models import iam_backends

    iam_backends[ACCOUNT]["aws"].create_policy("", "/", json.dumps(DOC), "role-extra", [])
    add_aws_managed_policies("AmazonSSMManagedInstanceCore", "PowerUserAccess")


class Scenarios:
    """The steps, with ``setup`` run when iteration starts (inside the test's moto)."""

    def __init__(self, setup_fn, steps):
        self._setup = setup_fn
        self.steps = steps

    def __iter__(self):
        self._setup()
        return iter(self.steps)


FULL = dict(
    name="web",
    description="web servers",
    assume_role_policy=TRUST,
    managed_policies=["AmazonSSMManagedInstanceCore", "role-extra"],
    inline_policies={"s3-read": DOC},
    max_session_duration=7200,
    permissions_boundary="PowerUserAccess",
    tags={"team": "web", "env": "prod"},
    create_instance_profile=True,
)

SCENARIOS = Scenarios(
    setup,
    [
        ("create, check mode", FULL, True),
        ("create", FULL, False),
        ("no-op, trust policy reformatted", dict(FULL, assume_role_policy=TRUST_REFORMATTED), False),
        (
            "update everything, purging, instance profile removed",
            dict(
                name="web",
                description="lambda",
                assume_role_policy=TRUST_2,
                managed_policies=["role-extra"],
                purge_managed_policies=True,
                inline_policies={"ssm-read": DOC_2},
                purge_inline_policies=True,
                max_session_duration=3600,
                permissions_boundary="",
                tags={"team": "lambda"},
                purge_tags=True,
                create_instance_profile=False,
            ),
            False,
        ),
        (
            "boundary by ARN, instance profile again",
            dict(
                name="web",
                permissions_boundary="arn:aws:iam::aws:policy/PowerUserAccess",
                create_instance_profile=True,
            ),
            False,
        ),
        ("delete, check mode", dict(name="web", state="absent"), True),
        ("delete", dict(name="web", state="absent"), False),
        ("delete, nothing there", dict(name="web", state="absent"), False),
    ],
)
