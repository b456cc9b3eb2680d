"""``Lab(extra_users=N)``: N more plain users per seeded member account, for benchmarks."""

from __future__ import annotations

from awslab import SEED, Lab
from awslab.seed import EXTRA_USER_NAME, extra_user_seeds


def test_extra_user_seeds_are_varied_and_deterministic():
    users = extra_user_seeds(40)
    assert users == extra_user_seeds(40)
    assert len({u.name for u in users}) == 40
    assert not {u.name for u in users} & {u.name for u in SEED.users}
    assert 0 < len([u for u in users if u.console]) < 40
    keyed = [u for u in users if u.access_keys]
    assert any(k.created_days_ago > 90 for u in keyed for k in u.active_keys)
    assert any(k.created_days_ago <= 90 for u in keyed for k in u.active_keys)
    assert any(not k.active for u in keyed for k in u.access_keys)
    assert {k.last_used_days_ago for u in keyed for k in u.active_keys} >= {None, 1, 200}


def test_lab_extra_users_seeded_with_ages_and_kept_by_reset():
    wanted = {u.name: u for u in extra_user_seeds(12)}
    with Lab(accounts=2, extra_users=12) as lab:
        for _round in ("start", "reset"):
            for account_id in lab.account_ids:
                backend = lab.iam_backend(account_id)
                assert set(backend.users) == {u.name for u in SEED.users} | set(wanted)
            iam = lab.client(lab.account_ids[1], "iam")
            name = EXTRA_USER_NAME.format(8)
            keys = iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
            assert [k["Status"] for k in keys] == [("Active" if k.active else "Inactive")
                                                   for k in wanted[name].access_keys]
            assert iam.get_login_profile(UserName=EXTRA_USER_NAME.format(3))["LoginProfile"]
            members = {u["UserName"] for u in iam.get_group(GroupName="developers")["Users"]}
            assert EXTRA_USER_NAME.format(2) in members and EXTRA_USER_NAME.format(1) not in members
            lab.reset()
    with Lab(accounts=1) as lab:
        assert set(lab.iam_backend(lab.account_ids[0]).users) == {u.name for u in SEED.users}
