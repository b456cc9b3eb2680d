"""Scenarios of iam_access_key for test_documented_actions: (label, options, check_mode), run in order.

The users, and the keys acted on by id, are made by the setup, straight in moto's backend
(not through boto3, so they are not counted among the module's calls). SCENARIOS is
re-iterable: each iteration (one per test, each in a fresh mock) runs the setup again.
"""

from moto.iam.models import iam_backends

ACCOUNT = "123456789012"  # moto's account for the dummy credentials of the unit tests


def _user_with_keys(name, count):
    iam = iam_backends[ACCOUNT]["aws"]
    iam.create_user(region_name="us-east-1", user_name=name)
    return [iam.create_access_key(name).access_key_id for _i in range(count)]


def _steps():
    _user_with_keys("scenario-new", 0)
    first, second = _user_with_keys("scenario-old", 2)
    yield "one active key, check mode", dict(user_name="scenario-new", active_keys=1), True
    yield "one active key: created", dict(user_name="scenario-new", active_keys=1), False
    yield "one active key: no-op", dict(user_name="scenario-new", active_keys=1), False
    yield "deactivate by id, check mode", dict(user_name="scenario-old", id=first, active=False), True
    yield "deactivate by id", dict(user_name="scenario-old", id=first, active=False), False
    yield "activate by id", dict(user_name="scenario-old", id=first, active=True), False
    yield "delete by id", dict(user_name="scenario-old", id=first, state="absent"), False
    yield "delete by id: gone already", dict(user_name="scenario-old", id=first, state="absent"), False
    yield (
        "second key, to Secrets Manager",
        dict(user_name="scenario-old", active_keys=2, store="secretsmanager"),
        False,
    )
    yield "delete the other key", dict(user_name="scenario-old", id=second, state="absent"), False
    yield "second key again, to SSM", dict(user_name="scenario-old", active_keys=2, store="ssm"), False


class _Scenarios:
    def __iter__(self):
        return _steps()


SCENARIOS = _Scenarios()
