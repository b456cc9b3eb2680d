"""``Lab(access_analyzer=True)``: ListAnalyzers answered from the lab's state, per account and region."""

from __future__ import annotations

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from awslab import Lab, LabError

ONE_TRY = Config(retries={"max_attempts": 1, "mode": "standard"})


def analyzers(lab, account_id, region="us-east-1", **kwargs):
    client = lab.session(account_id).client("accessanalyzer", region_name=region, config=ONE_TRY)
    return client.list_analyzers(**kwargs)["analyzers"]


def test_moto_alone_has_no_access_analyzer():
    with Lab(accounts=1) as lab:
        account = lab.account_ids[0]
        with pytest.raises(ClientError) as failure:
            analyzers(lab, account)
        assert failure.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
        with pytest.raises(LabError, match=r"Lab\(access_analyzer=True\) or serve_access_analyzer\(True\)"):
            lab.add_access_analyzer(account)
        lab.serve_access_analyzer(True)
        assert analyzers(lab, account) == []
        lab.add_access_analyzer(account)
        lab.serve_access_analyzer(False)
        with pytest.raises(ClientError):
            analyzers(lab, account)


def test_analyzers_per_account_and_region_until_reset():
    with Lab(accounts=2, access_analyzer=True) as lab:
        first, second = lab.account_ids
        assert analyzers(lab, first) == []  # a new account has none
        made = lab.add_access_analyzer(first, "org-wide", analyzer_type="ORGANIZATION")
        lab.add_access_analyzer(first, "unused", analyzer_type="ACCOUNT_UNUSED_ACCESS", status="CREATING")
        found = analyzers(lab, first)
        assert [(a["name"], a["type"], a["status"]) for a in found] == [
            ("org-wide", "ORGANIZATION", "ACTIVE"),
            ("unused", "ACCOUNT_UNUSED_ACCESS", "CREATING"),
        ]
        assert found[0]["arn"] == made["arn"] == "arn:aws:access-analyzer:us-east-1:%s:analyzer/org-wide" % first
        assert [a["name"] for a in analyzers(lab, first, type="ORGANIZATION")] == ["org-wide"]
        assert analyzers(lab, first, region="eu-west-1") == [] and analyzers(lab, second) == []
        with pytest.raises(ValueError, match="already has an analyzer 'org-wide'"):
            lab.add_access_analyzer(first, "org-wide")
        with pytest.raises(ValueError, match="analyzer type must be one of"):
            lab.add_access_analyzer(first, "x", analyzer_type="EXTERNAL")
        assert lab.calls()[first]["access-analyzer:GET"] == 4

        client = lab.session(first).client("accessanalyzer", config=ONE_TRY)
        with pytest.raises(ClientError) as refused:
            client.get_analyzer(analyzerName="org-wide")
        assert refused.value.response["Error"]["Code"] == "ValidationException"
        assert "ListAnalyzers (GET /analyzer) only" in refused.value.response["Error"]["Message"]

        lab.reset()
        assert analyzers(lab, first) == []
