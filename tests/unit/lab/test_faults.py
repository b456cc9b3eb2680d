"""Lab fault injection: seeded draws, every kind as a client sees it, the endpoint."""

from __future__ import annotations

import json
import urllib.request

import botocore.config
import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError

from awslab.faults import FaultPlan
from awslab.lab import Lab

NO_RETRY = botocore.config.Config(retries={"mode": "standard", "max_attempts": 1})


def test_draws_are_seeded_and_counted():
    first = FaultPlan(rate=0.3, seed=7).draw("iam", "GetUser")
    plans = [FaultPlan(rate=0.3, seed=7), FaultPlan(rate=0.3, seed=7)]
    draws = [[plan.draw("iam", "GetUser") for _draw in range(200)] for plan in plans]
    assert draws[0] == draws[1] and first == draws[0][0]
    faulted = [kind for kind in draws[0] if kind]
    assert 30 <= len(faulted) <= 90
    assert plans[0].summary()["total"] == len(faulted)
    assert FaultPlan(rate=1.0, services=("sts",)).draw("iam", "GetUser") is None


@pytest.mark.parametrize("settings", [{"rate": 1.5}, {"rate": 0.1, "kinds": ("flood",)}, {"rate": 0.1, "kinds": ()}])
def test_bad_plans_are_refused(settings):
    with pytest.raises(ValueError):
        FaultPlan(**settings)


@pytest.fixture(scope="module")
def lab():
    with Lab(accounts=1) as running:
        yield running


@pytest.mark.parametrize(
    "kind, error",
    [("throttle", "Throttling"), ("server", "ServiceFailure"), ("drop_before", None), ("drop_after", None)],
)
def test_each_kind_reaches_the_client_as_aws_would(lab, kind, error):
    iam = lab.session(lab.account_ids[0]).client("iam", config=NO_RETRY)
    name = "fault-%s" % kind.replace("_", "-")
    with lab.faulty(1.0, kinds=[kind]):
        with pytest.raises((ClientError, ConnectionClosedError, EndpointConnectionError)) as caught:
            iam.create_user(UserName=name)
    if error:
        assert caught.value.response["Error"]["Code"] == error
    names = {user["UserName"] for user in iam.list_users()["Users"]}
    # Only a drop after the request was handled leaves the user created, unknown to the client.
    assert (name in names) == (kind == "drop_after")


def test_json_services_get_their_own_error_shape(lab):
    secrets = lab.session(lab.account_ids[0]).client("secretsmanager", config=NO_RETRY)
    with lab.faulty(1.0, kinds=["throttle"]):
        with pytest.raises(ClientError) as caught:
            secrets.list_secrets()
    assert caught.value.response["Error"]["Code"] == "ThrottlingException"


def test_the_endpoint_sets_and_reports_the_plan(lab):
    url = lab.endpoint_url + "/_lab/faults"
    body = json.dumps({"rate": 0.25, "kinds": ["throttle"], "seed": 3}).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        assert json.load(response)["rate"] == 0.25
    assert lab.faults()["kinds"] == ["throttle"]
    lab.set_faults(0.0)
    with urllib.request.urlopen(url) as response:
        assert json.load(response)["rate"] == 0.0
