"""Lab rendezvous: requests of one call held until all parties arrive, then handled one by one."""

from __future__ import annotations

import threading

import pytest

from awslab.lab import Lab


@pytest.fixture(scope="module")
def lab():
    with Lab(accounts=1) as running:
        yield running


def test_two_creates_race_and_aws_applies_them_one_at_a_time(lab):
    account_id = lab.account_ids[0]
    lab.client(account_id, "iam").create_user(UserName="racer")
    lab.client(account_id, "iam").create_access_key(UserName="racer")
    lab.rendezvous("iam:CreateAccessKey", parties=2, timeout=30)
    outcomes = []

    def create():
        client = lab.session(account_id).client("iam")
        try:
            client.create_access_key(UserName="racer")
            outcomes.append("created")
        except client.exceptions.LimitExceededException:
            outcomes.append("limit")

    threads = [threading.Thread(target=create) for _thread in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["created", "limit"]
    assert len(lab.client(account_id, "iam").list_access_keys(UserName="racer")["AccessKeyMetadata"]) == 2
    # One-shot: the next create is not held.
    lab.client(account_id, "iam").delete_access_key(
        UserName="racer",
        AccessKeyId=lab.client(account_id, "iam").list_access_keys(UserName="racer")["AccessKeyMetadata"][0][
            "AccessKeyId"
        ],
    )
    lab.client(account_id, "iam").create_access_key(UserName="racer")
