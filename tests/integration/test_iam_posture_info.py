"""iam_posture_info against the lab, every member account: the seeded users, groups, roles and
policies in their modules' form, from the calls it reports (and the lab counts) and no more.

The test only reads: the lab is reset to its seed before it (``fresh_lab``, as every test
here), so what it asserts does not depend on what earlier tests changed."""

from __future__ import annotations

import json

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
TRUST_EC2 = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
# How the lab counts an operation the module reports that is not IAM's: EC2 by action (query
# protocol), Access Analyzer (a REST API) by HTTP method.
SERVICES = {"ListAnalyzers": "access-analyzer:GET", "DescribeInstances": "ec2:DescribeInstances"}


def same_calls(reported, counted):
    """The module's count (calls) against the lab's (HTTP requests). The lab has no Access
    Analyzer: it answers HTTP 500, which botocore retries, so that one call is several requests."""
    mine = {SERVICES.get(op, "iam:%s" % op): n for op, n in reported.items()}
    served = dict(counted)
    if "access-analyzer:GET" in mine:
        assert served.get("access-analyzer:GET", 0) >= mine["access-analyzer:GET"], (reported, counted)
        served["access-analyzer:GET"] = mine["access-analyzer:GET"]
    assert mine == served, (reported, counted)


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
    # The sections added for the audit (gather: all), one call each whatever the number of users.
    "ListServerCertificates": 1,
    "ListSAMLProviders": 1,
    "ListOpenIDConnectProviders": 1,
    "ListServiceSpecificCredentials": 1,
    "ListAnalyzers": 1,
    "DescribeInstances": 1,
}


def _posture(run, account_id):
    result = run.result("Posture", "lab-%s" % account_id)
    assert result.get("failed") is not True, result
    assert result["changed"] is False
    return result


def _assert_calls(reported, counted):
    """The module's own count, the lab's count and the expected reads agree."""
    same_calls(reported, counted)
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


# --- findings ------------------------------------------------------------------------------------

FINDINGS_PLAYBOOK = "tests/integration/playbooks/iam_posture_findings.yml"
ROOT = "<root_account>"


def _expired_certificate():
    """A self-signed certificate that expired 30 days ago, and its key (PEM texts, never on disk)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "www.example.com")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=400))
        .not_valid_after(now - datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    body = cert.public_bytes(serialization.Encoding.PEM).decode()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    return body, private


def _image(ec2):
    return ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]


def _arrange(lab):
    """Root MFA on (virtual, last sign-in 200 days ago), off (nothing), and hardware MFA with a
    key used two days ago; an instance with an instance role in the first account, one without
    in the second; an expired server certificate in the third. Returns the three account ids."""
    on, off, hardware = lab.account_ids
    lab.set_root(on, mfa_enabled=True, password_last_used=200)
    lab.set_root(off)
    lab.set_root(
        hardware, mfa_enabled=True, hardware_mfa=True, access_keys=1, access_key_last_used=2, password_last_used=1
    )
    iam = lab.client(on, "iam")
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
    iam.create_instance_profile(InstanceProfileName="app")
    iam.add_role_to_instance_profile(InstanceProfileName="app", RoleName="app")
    ec2 = lab.client(on, "ec2")
    ec2.run_instances(ImageId=_image(ec2), MinCount=1, MaxCount=1, IamInstanceProfile={"Name": "app"})
    ec2 = lab.client(off, "ec2")
    legacy = ec2.run_instances(ImageId=_image(ec2), MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    body, private = _expired_certificate()
    lab.client(hardware, "iam").upload_server_certificate(
        ServerCertificateName="www-2024", CertificateBody=body, PrivateKey=private
    )
    return on, off, hardware, legacy


def _findings(run, account_id):
    result = run.result("Findings", "lab-%s" % account_id)
    assert result.get("failed") is not True and result["changed"] is False, result
    assert result["account_id"] == account_id
    return result, {f["id"]: f for f in result["findings"]}


def _names(finding):
    return sorted(r["name"] for r in finding["resources"])


# Every seeded account, whatever its root user: control -> (status, failing resources).
SEEDED = {
    "password_policy_length": "fail",
    "password_policy_reuse": "fail",
    "password_policy_complexity": "fail",
    "console_users_mfa": ("fail", sorted(SEED.console_users_without_mfa)),
    # Console users' active keys have all been used (bob 1 d, dormant-erin 200 d, leaver-dave 95 d).
    "no_initial_access_key": "pass",
    # ci-deploy's first key was never used in 400 days; erin's password and key 200 d; dave's
    # password 100 d, key 95 d and his CodeCommit credential.
    "unused_credentials_disabled": ("fail", ["ci-deploy", "dormant-erin", "leaver-dave"]),
    "one_active_key": ("fail", ["ci-deploy"]),
    "access_keys_rotated": ("fail", sorted(SEED.users_with_active_keys_older_than(90))),
    "permissions_via_groups": ("fail", sorted(SEED.users_with_direct_policies)),
    # carol's AdministratorAccess; the organisation role is allowed (break_glass_roles).
    "no_full_admin_policy": ("fail", ["carol"]),
    "support_role": "fail",
    # The simulator has no Access Analyzer.
    "access_analyzer": "error",
    # Console users and no SAML provider: a judgement.
    "central_identity": ("manual", sorted(SEED.console_users)),
    "cloudshell_full_access": "pass",
    "account_alias": "fail",
    "no_root_daily_user": "pass",
}


def test_findings_against_the_seeded_state_root_mfa_on_and_off(ansible, fresh_lab, inventory):
    lab = fresh_lab
    on, off, hardware, legacy = _arrange(lab)
    lab.reset_calls()
    run = ansible.run(FINDINGS_PLAYBOOK, inventory)
    assert run.rc == 0, run.output
    calls = lab.calls()
    per_account, served = {}, {}
    for account_id in lab.account_ids:
        result, found = _findings(run, account_id)
        assert [f["id"] for f in result["findings"]] == list(found) and len(found) == 22
        for control, expected in SEEDED.items():
            status, names = expected if isinstance(expected, tuple) else (expected, None)
            assert found[control]["status"] == status, (account_id, found[control])
            if names is not None:
                assert _names(found[control]) == names, (account_id, found[control])
        dave = next(r for r in found["unused_credentials_disabled"]["resources"] if r["name"] == "leaver-dave")
        assert "codecommit.amazonaws.com credential" in dave["reason"], dave
        assert found["access_analyzer"]["reason"] == (
            "access analyzer could not be read: us-east-1: ListAnalyzers failed: the endpoint answered HTTP 500 "
            "with an HTML page, not an AWS answer; it may not implement this call"
        ), found["access_analyzer"]
        assert set(result["section_errors"]) == {"access_analyzer"}, result["section_errors"]
        # What the module counts is what the lab served.
        same_calls(result["api_calls"], calls[account_id])
        served[account_id] = sum(calls[account_id].values())
        per_account[account_id] = sum(result["api_calls"].values())

    status = {a: {c: f["status"] for c, f in _findings(run, a)[1].items()} for a in (on, off, hardware)}
    root = ("root_access_key_absent", "root_mfa_enabled", "root_hardware_mfa", "root_not_used")
    assert [status[on][c] for c in root] == ["pass", "pass", "fail", "pass"]  # virtual MFA
    assert [status[off][c] for c in root] == ["pass", "fail", "fail", "pass"]  # no MFA, never used
    assert [status[hardware][c] for c in root] == ["fail", "pass", "pass", "fail"]  # a key, used 2 d ago
    root_used = _findings(run, hardware)[1]["root_not_used"]["resources"][0]
    assert root_used["name"] == ROOT and "password used 1 day ago" in root_used["reason"], root_used
    assert "access key 1 used 2 days ago" in root_used["reason"], root_used

    assert status[on]["instance_roles"] == "pass" and status[hardware]["instance_roles"] == "pass"
    instances = _findings(run, off)[1]["instance_roles"]
    assert instances["status"] == "fail" and _names(instances) == [legacy]
    assert status[hardware]["expired_server_certs"] == "fail"
    assert _names(_findings(run, hardware)[1]["expired_server_certs"]) == ["www-2024"]
    assert status[on]["expired_server_certs"] == status[off]["expired_server_certs"] == "pass"
    print("\ncalls per account with findings: %s; HTTP requests the lab served: %s" % (per_account, served))
    # GAAD 1, report 3, summary, password policy, aliases, MFA devices, server certificates, SAML,
    # OIDC, service-specific credentials, ListAnalyzers, DescribeInstances 1 each, and 2 for each
    # of the two AWS managed policies attached (AdministratorAccess, ReadOnlyAccess).
    assert set(per_account.values()) == {18}, per_account


def test_findings_calls_do_not_grow_with_users_and_root_needs_its_row(ansible, fresh_lab, inventory):
    lab = fresh_lab
    account_id = lab.account_ids[0]
    host = "lab-%s" % account_id
    before = ansible.run(FINDINGS_PLAYBOOK, inventory, args=("--limit", host))
    assert before.rc == 0, before.output
    first, found = _findings(before, account_id)
    # No root state: moto's answers, no <root_account> row. Never a pass.
    for control in ("root_access_key_absent", "root_mfa_enabled", "root_hardware_mfa", "root_not_used"):
        assert found[control]["status"] == "error" and "no root row" in found[control]["reason"], found[control]

    iam = lab.client(account_id, "iam")
    for n in range(20):
        name = "extra-%02d" % n
        iam.create_user(UserName=name)
        iam.create_login_profile(UserName=name, Password="Lab-Passw0rd-not-a-secret!")
        iam.create_access_key(UserName=name)
        iam.add_user_to_group(GroupName="developers", UserName=name)
        iam.attach_user_policy(UserName=name, PolicyArn=READ_ONLY_ACCESS_ARN)
    lab.reset_calls()
    after = ansible.run(FINDINGS_PLAYBOOK, inventory, args=("--limit", host))
    assert after.rc == 0, after.output
    second, found_after = _findings(after, account_id)
    assert len(second["users"]) == len(first["users"]) + 20
    assert len(found_after["console_users_mfa"]["resources"]) == len(found["console_users_mfa"]["resources"]) + 20
    assert len(found_after["permissions_via_groups"]["resources"]) == len(SEED.users_with_direct_policies) + 20
    # The same calls, operation by operation, for 26 users as for 6.
    assert second["api_calls"] == first["api_calls"], (first["api_calls"], second["api_calls"])
    same_calls(second["api_calls"], lab.calls(account_id))
