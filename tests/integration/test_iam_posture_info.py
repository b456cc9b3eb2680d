"""iam_posture_info against the lab, every member account: the seeded users, groups, roles and
policies in their modules' form, from the calls it reports (and the lab counts) and no more.

The test only reads: the lab is reset to its seed before it (``fresh_lab``, as every test
here), so what it asserts does not depend on what earlier tests changed."""

from __future__ import annotations

from awslab import SEED, SEEDED_USERS
from awslab.constants import ADMINISTRATOR_ACCESS_ARN, POWER_USER_ACCESS_ARN, READ_ONLY_ACCESS_ARN

PLAYBOOK = "tests/integration/playbooks/iam_posture_info.yml"
ORG_ROLE = "OrganizationAccountAccessRole"
# The credential report costs Get, Generate, Get when there is none or it is older than four
# hours (moto dates every report 2015-02-02, so in the lab that is every run), one Get when fresh.
REPORT_READS = (
    {"GetCredentialReport": 2, "GenerateCredentialReport": 1},
    {"GetCredentialReport": 1},
)
BULK_READS = {
    "GetAccountAuthorizationDetails": 1,
    "GetAccountSummary": 1,
    "GetAccountPasswordPolicy": 1,
    "ListAccountAliases": 1,
    "ListVirtualMFADevices": 1,
    # login_profile_users: carol and ci-deploy.
    "GetLoginProfile": 2,
    # user_policy_documents: carol's AdministratorAccess is the only AWS managed policy attached
    # to a user (dave-extra, customer managed, comes with the bulk read).
    "GetPolicy": 1,
    "GetPolicyVersion": 1,
}


def _posture(run, account_id):
    result = run.result("Posture", "lab-%s" % account_id)
    assert result.get("failed") is not True, result
    assert result["changed"] is False
    return result


def _assert_calls(reported, counted):
    """The module's own count, the lab's count and the expected reads agree."""
    assert {"iam:%s" % op: n for op, n in reported.items()} == counted, (reported, counted)
    report = {k: v for k, v in reported.items() if "CredentialReport" in k}
    rest = {k: v for k, v in reported.items() if "CredentialReport" not in k}
    assert rest == BULK_READS, reported
    assert report in REPORT_READS, reported


def test_seeded_account_in_modules_form_and_counted_calls(ansible, fresh_lab, inventory):
    lab = fresh_lab
    lab.reset_calls()
    run = ansible.run(PLAYBOOK, inventory)
    assert run.rc == 0, run.output
    calls = lab.calls()
    assert calls[lab.management_account_id] == {"sts:AssumeRole": len(lab.account_ids)}
    for account_id in lab.account_ids:
        result = _posture(run, account_id)
        _assert_calls(result["api_calls"], calls[account_id])
        users = result["users"]
        assert sorted(users) == sorted(SEEDED_USERS)

        carol = users["carol"]
        assert carol["managed_policies"] == [ADMINISTRATOR_ACCESS_ARN]
        assert carol["groups"] == [] and carol["inline_policies"] == {}
        assert carol["arn"] == "arn:aws:iam::%s:user/carol" % account_id
        dave = users["leaver-dave"]
        assert dave["groups"] == ["developers"]
        assert dave["managed_policies"] == ["arn:aws:iam::%s:policy/dave-extra" % account_id]
        assert dave["inline_policies"] == {"dave-inline": SEED.inline_policy_documents["dave-inline"]}
        assert dave["permissions_boundary"] == POWER_USER_ACCESS_ARN
        assert dave["tags"] == SEEDED_USERS["leaver-dave"].tag_dict

        developers = result["groups"]["developers"]
        assert developers["members"] == sorted(u.name for u in SEED.users if "developers" in u.groups)
        assert developers["managed_policies"] == [READ_ONLY_ACCESS_ARN]
        role = result["roles"][ORG_ROLE]
        assert role["managed_policies"] == [ADMINISTRATOR_ACCESS_ARN]
        assert role["description"] is None and role["max_session_duration"] is None  # not in the bulk read
        assert sorted(result["policies"]) == ["dave-extra"]
        extra = result["policies"]["dave-extra"]
        assert extra["document"] == SEED.policies[0].document and extra["attachment_count"] == 1

        documents = result["policy_documents"]
        assert sorted(documents) == sorted([ADMINISTRATOR_ACCESS_ARN, extra["arn"]])
        assert documents[extra["arn"]] == extra["document"]
        assert documents[ADMINISTRATOR_ACCESS_ARN]["Statement"][0]["Action"] == "*"
        assert result["login_profiles"] == {
            "carol": {"console_access": True, "password_reset_required": False},
            "ci-deploy": {"console_access": False, "password_reset_required": None},
        }

        rows = {r["user"]: r for r in result["credential_report"]}
        assert set(SEEDED_USERS) <= set(rows)
        assert rows["carol"]["password_enabled"] is True and rows["ci-deploy"]["password_enabled"] is False
        assert result["credential_report_generated_time"]
        assert result["summary"]["Users"] == len(SEEDED_USERS)
        devices = [d for d in result["virtual_mfa_devices"] if d["user_name"]]
        assert [d["user_name"] for d in devices] == ["leaver-dave"]

    # Independently of the module: the same user, read straight from the lab.
    account_id = lab.account_ids[0]
    iam = lab.client(account_id, "iam")
    dave = _posture(run, account_id)["users"]["leaver-dave"]
    got = iam.get_user(UserName="leaver-dave")["User"]
    assert (dave["user_id"], dave["path"]) == (got["UserId"], got["Path"])
    assert dave["groups"] == sorted(g["GroupName"] for g in iam.list_groups_for_user(UserName="leaver-dave")["Groups"])

    # The AnsiballZ module path gives the same answer (one account: it is slow).
    host = "lab-%s" % account_id
    module = ansible.run(PLAYBOOK, inventory, env={"HARDENING_AWS_EXECUTION": "module"}, args=("--limit", host))
    assert module.rc == 0, module.output
    same = ("users", "groups", "roles", "policies", "policy_documents", "login_profiles", "virtual_mfa_devices")
    by_module = module.result("Posture", host)
    in_process = _posture(run, account_id)
    assert {k: by_module[k] for k in same} == {k: in_process[k] for k in same}
    assert set(by_module) == set(in_process)
