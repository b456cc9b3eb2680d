"""Scenarios of iam_user_info for test_documented_actions: (label, options, check_mode), run in order.

A user with an access key (so access_key_ids has a key to look up) is made on moto's
backend when the steps are iterated, inside the test's fresh account, not through the API.
"""

from moto.core import DEFAULT_ACCOUNT_ID
from moto.iam.models import iam_backends

STEPS = [
    ("every user", dict(), False),
    ("with key ids", dict(access_key_ids=True), False),
    ("one user, check mode", dict(name="svc-deploy"), True),
    ("no user matches: nothing else read", dict(names=["nobody"]), False),
    ("path prefix", dict(path_prefix="/ops/"), False),
]


class _WithUser:
    """Iterating sets up the fresh account first, then yields the steps."""

    def __iter__(self):
        backend = iam_backends[DEFAULT_ACCOUNT_ID]["aws"]
        if "svc-deploy" not in backend.users:
            backend.create_user("us-east-1", "svc-deploy", "/ops/", [])
            backend.create_access_key("svc-deploy")
        return iter(STEPS)


SCENARIOS = _WithUser()
