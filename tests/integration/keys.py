"""Access keys the rotation tests start from."""

from __future__ import annotations


def due_keys(lab, user="svc-app", days=120, last_used_days=1):
    """In every member account, ``user`` with one access key ``days`` old and last used
    ``last_used_days`` ago (due for rotation with the defaults). Returns ``{account: key id}``."""
    made = {}
    for account_id in lab.account_ids:
        iam = lab.client(account_id, "iam")
        iam.create_user(UserName=user)
        made[account_id] = iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
        lab.age(account_id, user, days=days, key_id=made[account_id], last_used_days=last_used_days)
    return made
