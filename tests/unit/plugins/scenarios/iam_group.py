"""Scenarios of iam_group for test_documented_actions: (label, options, check_mode), run in order.

The steps need two users, a customer managed policy and two AWS managed policies (moto
loads none unless told to, which costs seconds). SCENARIOS creates them in the test's
fresh moto account when the test starts iterating the steps, that is inside the mock.
"""

import functools
import json

ACCOUNT = "123456789012"
DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]}
# The same document, written differently: must not count as a change.
DOC_REFORMATTED = json.dumps(
    {"Statement": {"Resource": "*", "Action": "S3:GetObject", "Effect": "Allow"}, "Version": "2012-10-17"}
)
DOC_2 = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]}


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

    backend = iam_backends[ACCOUNT]["aws"]
    for user in ("alice", "bob"):
        backend.create_user("us-east-1", user)
    backend.create_policy("", "/", json.dumps(DOC), "team-extra", [])
    add_aws_managed_policies("ReadOnlyAccess", "ViewOnlyAccess")


class Scenarios:
    """The steps, with ``setup`` run when iteration starts (inside the test's moto)."""

    def __init__(self, setup_fn, steps):
        self._setup = setup_fn
        self.steps = steps

    def __iter__(self):
        self._setup()
        return iter(self.steps)


FULL = dict(
    name="devs",
    members=["alice"],
    managed_policies=["ViewOnlyAccess", "team-extra"],
    inline_policies={"s3-read": DOC},
)

SCENARIOS = Scenarios(
    setup,
    [
        ("create, check mode", FULL, True),
        ("create", FULL, False),
        ("no-op, document reformatted", dict(FULL, inline_policies={"s3-read": DOC_REFORMATTED}), False),
        (
            "update everything, purging",
            dict(
                name="devs",
                path="/people/",
                members=["bob"],
                purge_members=True,
                managed_policies=["ReadOnlyAccess"],
                purge_managed_policies=True,
                inline_policies={"deny-iam": DOC_2},
                purge_inline_policies=True,
            ),
            False,
        ),
        ("delete, check mode", dict(name="devs", state="absent"), True),
        ("delete", dict(name="devs", state="absent"), False),
        ("delete, nothing there", dict(name="devs", state="absent"), False),
    ],
)
