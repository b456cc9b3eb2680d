"""Scenarios of iam_access_key_rotation for test_documented_actions: (label, options, check_mode), run in order.

Users and key ages are set straight in moto's backend (not through boto3, so they are not counted).
"""

import datetime

from moto.iam.models import iam_backends

ACCOUNT = "123456789012"  # moto's account for the dummy credentials of the unit tests


def _backend():
    return iam_backends[ACCOUNT]["aws"]


def _user_with_old_key(name, days):
    iam = _backend()
    iam.create_user(region_name="us-east-1", user_name=name)
    key = iam.create_access_key(name)
    key.create_date = key.create_date - datetime.timedelta(days=days)


def _age_all(name, days):
    for key in _backend().get_user(name).access_keys:
        key.create_date = key.create_date - datetime.timedelta(days=days)


class _Scenarios:
    def __iter__(self):
        _user_with_old_key("scenario-sm", 120)
        _user_with_old_key("scenario-ssm", 120)
        yield "old key, check mode", dict(user_name="scenario-sm"), True
        yield "partner to Secrets Manager", dict(user_name="scenario-sm"), False
        yield "partner to SSM", dict(user_name="scenario-ssm", store="ssm"), False
        yield "nothing due yet", dict(user_name="scenario-sm"), False
        yield "nothing due yet, SSM", dict(user_name="scenario-ssm", store="ssm"), False
        _age_all("scenario-sm", 10)
        yield "old key deactivated", dict(user_name="scenario-sm"), False
        _age_all("scenario-sm", 10)
        yield "old key deleted", dict(user_name="scenario-sm"), False


SCENARIOS = _Scenarios()
