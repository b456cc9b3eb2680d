"""Scenarios of iam_managed_policy for test_documented_actions: (label, options, check_mode), run in order.

Detaching needs a user, a group and a role holding the policy, which this module does not
create. The setup between steps goes straight to moto's backend, not through boto3, so
it is not counted among the module's calls. SCENARIOS is re-iterable: each iteration
(one per test, each in a fresh mock) runs the setup again.
"""

from moto.iam.models import iam_backends

ACCOUNT = "123456789012"  # moto's account for the dummy credentials of the unit tests
NAME = "scenario-policy"


def _document(*actions):
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]}


def _attach_everywhere():
    iam = iam_backends[ACCOUNT]["aws"]
    arn = "arn:aws:iam::%s:policy/scenario/%s" % (ACCOUNT, NAME)
    iam.create_user(region_name="us-east-1", user_name="scenario-user")
    iam.create_group(group_name="scenario-group")
    iam.create_role(
        role_name="scenario-role",
        assume_role_policy_document="{}",
        path="/",
        permissions_boundary=None,
        description="",
        tags=[],
        max_session_duration=None,
    )
    iam.attach_user_policy(arn, "scenario-user")
    iam.attach_group_policy(arn, "scenario-group")
    iam.attach_role_policy(arn, "scenario-role")


def _steps():
    base = dict(name=NAME, path="/scenario/")
    yield "create, check mode", dict(base, policy=_document("s3:GetObject"), tags={"team": "a"}), True
    yield "create", dict(base, policy=_document("s3:GetObject"), tags={"team": "a"}, description="d"), False
    yield "no-op", dict(base, policy=_document("s3:GetObject")), False
    yield (
        "formatting only: no-op",
        dict(
            base,
            policy='{"Statement": {"Effect": "Allow", "Action": "S3:getobject", '
            '"Resource": ["*"]}, "Version": "2012-10-17"}',
        ),
        False,
    )
    yield (
        "new version and tags",
        dict(base, policy=_document("s3:PutObject"), tags={"owner": "b"}, purge_tags=True),
        False,
    )
    for number, action in enumerate(("s3:ListBucket", "s3:DeleteObject", "s3:GetBucketPolicy", "s3:GetObjectAcl")):
        yield "version %d (oldest deleted at five)" % (number + 3), dict(base, policy=_document(action)), False
    _attach_everywhere()
    yield "delete, check mode", dict(base, state="absent"), True
    yield "delete: detach, versions, policy", dict(base, state="absent"), False
    yield "delete, nothing there", dict(base, state="absent"), False


class _Scenarios:
    def __iter__(self):
        return _steps()


SCENARIOS = _Scenarios()
