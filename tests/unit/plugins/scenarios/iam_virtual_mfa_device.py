"""Scenarios of iam_virtual_mfa_device for test_documented_actions: (label, options, check_mode), run in order.

The steps need a user, and one of them an unassigned device left by an "interrupted run".
They are made on moto's backend when the steps are iterated (inside the test's fresh
account), not through the API, so they are not counted as calls of the module.
"""

from moto.core import DEFAULT_ACCOUNT_ID
from moto.iam.models import iam_backends

USER = "breakglass"

STEPS = [
    ("create, check mode", dict(user_name=USER), True),
    ("create, seed to Secrets Manager", dict(user_name=USER), False),
    ("no-op: the user has MFA", dict(user_name=USER), False),
    ("remove, check mode", dict(user_name=USER, state="absent"), True),
    ("remove", dict(user_name=USER, state="absent"), False),
    ("remove, nothing there", dict(user_name=USER, state="absent"), False),
    ("create over a leftover unassigned device, seed to the same secret", dict(user_name=USER, name="leftover"), False),
    ("remove that device by name", dict(user_name=USER, name="leftover", state="absent"), False),
    ("create, seed to SSM", dict(user_name=USER, store="ssm"), False),
    ("remove all", dict(user_name=USER, state="absent"), False),
    ("create, seed returned", dict(user_name=USER, store="none"), False),
]


class _WithUser:
    """Iterating sets up the fresh account first, then yields the steps."""

    def __iter__(self):
        backend = iam_backends[DEFAULT_ACCOUNT_ID]["aws"]
        if USER not in backend.users:
            backend.create_user("us-east-1", USER, "/", [])
            backend.create_virtual_mfa_device("leftover", "/")
        return iter(STEPS)


SCENARIOS = _WithUser()
