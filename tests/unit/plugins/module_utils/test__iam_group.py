"""An IAM group, its members and policies (plugins/module_utils/_iam_group.py)."""

from __future__ import annotations

import functools
import json

import boto3
import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from moto.iam.models import AWSManagedPolicy, IAMBackend, iam_backends

from ansible_collections.hardening.aws.plugins.module_utils import _iam_group as grp
from ansible_collections.hardening.aws.plugins.module_utils._aws import HardeningError
from ansible_collections.hardening.aws.plugins.module_utils._module import execute
from awslab import patches

ACCOUNT = "123456789012"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
VIEW_ONLY = "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"
EXTRA = "arn:aws:iam::%s:policy/team-extra" % ACCOUNT
DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]}
DENY = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]}
TWO = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "A", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"},
        {"Sid": "B", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"},
    ],
}
# TWO again: JSON text, statements swapped, one-item list instead of a string, actions in another order and case.
TWO_REFORMATTED = json.dumps(
    {
        "Statement": [
            {"Resource": "*", "Action": ["sqs:sendmessage"], "Effect": "Allow", "Sid": "B"},
            {"Sid": "A", "Resource": ["*"], "Action": ["s3:ListBucket", "s3:GetObject"], "Effect": "Allow"},
        ],
        "Version": "2012-10-17",
    },
    indent=4,
)


def params(**options):
    """Module params as Ansible hands them over: every option, defaults applied."""
    spec = grp.MODULE_SPEC
    result = ArgumentSpecValidator(spec.argument_spec, **spec.validator_kwargs()).validate(options)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


def state(**values):
    """A group in read()'s form."""
    base = {"name": "devs", "arn": "arn:aws:iam::%s:group/devs" % ACCOUNT, "path": "/", "members": []}
    base.update(values)
    return base


# --- validate ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options, field, words",
    [
        (dict(name="dev team"), "name", "not a valid IAM group name"),
        (dict(name="x" * 129), "name", "1 to 128 characters"),
        (dict(name="devs", path="people"), "path", "must start and end with /"),
        (dict(name="devs", managed_policies=["Read Only"]), "managed_policies", "IAM policy name"),
        (dict(name="devs", managed_policies=["arn:aws:iam::12:policy/x"]), "managed_policies", "managed policy ARN"),
        (dict(name="devs", members=["alice", "bob smith"]), "members", "'bob smith' is not a valid IAM user name"),
        (dict(name="devs", inline_policies={"bad name": DOC}), "inline_policies", "inline policy name"),
        (
            dict(name="devs", inline_policies={"p": "{not json"}),
            "inline_policies",
            "inline_policies[p] is not valid JSON",
        ),
        (dict(name="devs", inline_policies={"p": "[1]"}), "inline_policies", "must be a JSON object"),
        (
            dict(name="devs", inline_policies={"p": {"Statement": ["x"]}}),
            "inline_policies",
            "each Statement must be a JSON object",
        ),
    ],
)
def test_validate_names_the_field_and_the_rule(options, field, words):
    with pytest.raises(HardeningError) as info:
        grp.validate(params(**options))
    assert info.value.details["option"] == field
    assert field in info.value.msg and words in info.value.msg


def test_validate_accepts_good_input():
    grp.validate(
        params(
            name="devs.team+1",
            path="/people/eng/",
            managed_policies=["ReadOnlyAccess", READ_ONLY, "arn:aws:iam::123456789012:policy/x/y"],
            members=["alice", "bob@example.com"],
            inline_policies={"p": DOC, "q": json.dumps(DOC)},
        )
    )


def test_validate_ignores_other_options_when_absent():
    grp.validate(params(name="devs", state="absent", path="bad", members=["bad name"], inline_policies={"p": "x"}))
    with pytest.raises(HardeningError):
        grp.validate(params(name="bad name", state="absent"))


# --- plan_members -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "current, wanted, purge, expected",
    [
        pytest.param(["alice"], None, True, ([], []), id="not-managed"),
        pytest.param([], ["alice", "bob"], False, (["alice", "bob"], []), id="add-all"),
        pytest.param(["alice"], ["alice", "bob"], False, (["bob"], []), id="add-missing"),
        pytest.param(["alice", "carol"], ["bob"], False, (["bob"], []), id="no-purge-keeps"),
        pytest.param(["alice", "carol"], ["bob"], True, (["bob"], ["alice", "carol"]), id="purge-removes"),
        pytest.param(["alice"], [], True, ([], ["alice"]), id="purge-empty-list-empties"),
        pytest.param(["alice"], ["Alice"], True, ([], []), id="case-insensitive"),
        pytest.param([], ["bob", "bob", "BOB"], False, (["bob"], []), id="duplicates-once"),
    ],
)
def test_plan_members(current, wanted, purge, expected):
    assert grp.plan_members(current, wanted, purge) == expected


# --- plan_present / plan_absent ---------------------------------------------------------


def _methods(steps):
    return [(s.method, s.kwargs) for s in steps]


def test_plan_creates_the_group_with_everything_in_order():
    p = params(
        name="devs", path="/people/", members=["alice"], managed_policies=[READ_ONLY], inline_policies={"p": DOC}
    )
    steps, planned = grp.plan_present(None, p, [READ_ONLY], {"p": DOC})
    assert _methods(steps) == [
        ("create_group", {"GroupName": "devs", "Path": "/people/"}),
        ("add_user_to_group", {"GroupName": "devs", "UserName": "alice"}),
        ("attach_group_policy", {"GroupName": "devs", "PolicyArn": READ_ONLY}),
        (
            "put_group_policy",
            {
                "GroupName": "devs",
                "PolicyName": "p",
                "PolicyDocument": json.dumps(DOC, sort_keys=True, separators=(",", ":")),
            },
        ),
    ]
    assert [s.text for s in steps] == [
        "create group devs",
        "add user alice",
        "attach managed policy %s" % READ_ONLY,
        "add inline policy p",
    ]
    assert planned == {
        "name": "devs",
        "arn": None,
        "path": "/people/",
        "members": ["alice"],
        "managed_policies": [READ_ONLY],
        "inline_policies": {"p": DOC},
    }


def test_plan_new_group_without_options_is_just_the_group():
    steps, planned = grp.plan_present(None, params(name="devs"), None, None)
    assert _methods(steps) == [("create_group", {"GroupName": "devs", "Path": "/"})]
    assert planned == {"name": "devs", "arn": None, "path": "/", "members": []}


def test_plan_nothing_to_do():
    current = state(members=["alice"], managed_policies=[READ_ONLY], inline_policies={"p": TWO})
    p = params(name="devs", path="/", members=["alice"], managed_policies=[READ_ONLY], inline_policies={"p": TWO})
    steps, planned = grp.plan_present(current, p, [READ_ONLY], {"p": json.loads(TWO_REFORMATTED)})
    assert steps == []
    assert planned == current


def test_plan_unmanaged_options_change_nothing():
    current = state(members=["alice", "bob"])
    steps, planned = grp.plan_present(current, params(name="devs", purge_members=True), None, None)
    assert steps == [] and planned == current


@pytest.mark.parametrize("purge", [False, True])
def test_plan_update_with_and_without_purge(purge):
    current = state(members=["alice", "carol"], managed_policies=[READ_ONLY], inline_policies={"old": DENY, "p": DOC})
    p = params(
        name="devs",
        path="/people/",
        members=["bob"],
        purge_members=purge,
        managed_policies=[VIEW_ONLY],
        purge_managed_policies=purge,
        inline_policies={"p": TWO},
        purge_inline_policies=purge,
    )
    steps, planned = grp.plan_present(current, p, [VIEW_ONLY], {"p": TWO})
    assert planned["arn"] == "arn:aws:iam::%s:group/people/devs" % ACCOUNT
    expected = [
        "move group devs from path / to /people/",
        "add user bob",
    ]
    expected += ["remove user alice", "remove user carol"] if purge else []
    expected += ["attach managed policy %s" % VIEW_ONLY]
    expected += ["detach managed policy %s" % READ_ONLY] if purge else []
    expected += ["update inline policy p"]
    expected += ["delete inline policy old"] if purge else []
    assert [s.text for s in steps] == expected
    assert planned["path"] == "/people/"
    assert planned["members"] == (["bob"] if purge else ["alice", "bob", "carol"])
    assert planned["managed_policies"] == ([VIEW_ONLY] if purge else sorted([READ_ONLY, VIEW_ONLY]))
    assert planned["inline_policies"] == ({"p": TWO} if purge else {"old": DENY, "p": TWO})


def test_plan_does_not_modify_current():
    current = state(members=["alice"], managed_policies=[READ_ONLY], inline_policies={"p": DOC})
    snapshot = json.dumps(current, sort_keys=True)
    p = params(name="devs", members=["bob"], purge_members=True, managed_policies=[], purge_managed_policies=True)
    grp.plan_present(current, p, [], {})
    assert json.dumps(current, sort_keys=True) == snapshot


def test_plan_absent_in_the_order_iam_accepts():
    current = state(members=["alice", "bob"], managed_policies=[READ_ONLY], inline_policies={"q": None, "p": None})
    assert [s.text for s in grp.plan_absent(current)] == [
        "remove user alice",
        "remove user bob",
        "detach managed policy %s" % READ_ONLY,
        "delete inline policy p",
        "delete inline policy q",
        "delete group devs",
    ]
    assert grp.plan_absent(None) == []


def test_public_and_diff_state():
    current = state(managed_policies=[READ_ONLY], inline_policies={"p": DOC, "q": None})
    assert grp.public(current)["inline_policies"] == ["p", "q"]
    assert grp.diff_state(current)["inline_policy_documents"] == {"p": DOC}
    assert grp.diff_state(current)["state"] == "present"
    assert grp.diff_state(None) == {"state": "absent"} and grp.public(None) is None


# --- run against moto, with the lab's strict deletes -------------------------------------


@functools.lru_cache(maxsize=1)
def _aws_managed_data():
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return json.loads(aws_managed_policies_data)


def add_aws_managed_policies(*names):
    """A few AWS managed policies, as AWS has them (loading moto's 1,600 costs seconds per test)."""
    backend = iam_backends[ACCOUNT]["aws"]
    for name in names:
        policy = AWSManagedPolicy.from_data(name, ACCOUNT, "us-east-1", _aws_managed_data()[name])
        backend.managed_policies[policy.arn] = policy


def _faithful_update_group(original):
    # moto 5.2.5 applies NewPath only together with NewGroupName; AWS moves the group either way.
    def update_group(self, group_name, new_group_name, new_path):
        if new_path and not new_group_name:
            self.get_group(group_name).path = new_path
            return None
        return original(self, group_name, new_group_name, new_path)

    return update_group


@pytest.fixture
def strict(aws, monkeypatch):
    """moto as strict as AWS about deleting a group with members or policies, as faithful about
    moving a group to another path, with a few AWS managed policies."""
    monkeypatch.setattr(IAMBackend, "update_group", _faithful_update_group(IAMBackend.update_group))
    was_installed = patches.installed()
    if not was_installed:
        patches.install()
    iam = boto3.client("iam", region_name="us-east-1")
    for user in ("alice", "bob", "carol"):
        iam.create_user(UserName=user)
    iam.create_policy(PolicyName="team-extra", PolicyDocument=json.dumps(DOC))
    add_aws_managed_policies("ReadOnlyAccess", "ViewOnlyAccess")
    yield iam
    if not was_installed:
        patches.uninstall()


def aws_group(iam, name="devs"):
    """The group read straight from AWS: (path, members, attached ARNs, {inline name: document})."""
    try:
        answer = iam.get_group(GroupName=name)
    except iam.exceptions.NoSuchEntityException:
        return None
    attached = iam.list_attached_group_policies(GroupName=name)["AttachedPolicies"]
    inline = iam.list_group_policies(GroupName=name)["PolicyNames"]
    return (
        answer["Group"]["Path"],
        sorted(u["UserName"] for u in answer["Users"]),
        sorted(p["PolicyArn"] for p in attached),
        {p: iam.get_group_policy(GroupName=name, PolicyName=p)["PolicyDocument"] for p in inline},
    )


def converge(context, check_mode, diff=False, **options):
    return grp.run(context(), params(**options), check_mode=check_mode, diff=diff)


FULL = dict(
    name="devs",
    members=["alice", "bob"],
    managed_policies=["ViewOnlyAccess", "team-extra"],
    inline_policies={"two": TWO},
)
FULL_STATE = ("/", ["alice", "bob"], sorted([VIEW_ONLY, EXTRA]), {"two": TWO})


def test_four_runs_create_the_group(strict, context):
    check = converge(context, True, **FULL)
    assert check["changed"] is True
    assert check["group"] == {
        "name": "devs",
        "arn": None,
        "path": "/",
        "members": ["alice", "bob"],
        "managed_policies": sorted([VIEW_ONLY, EXTRA]),
        "inline_policies": ["two"],
    }
    assert check["actions"] == [
        "create group devs",
        "add user alice",
        "add user bob",
        "attach managed policy %s" % VIEW_ONLY,
        "attach managed policy %s" % EXTRA,
        "add inline policy two",
    ]
    assert aws_group(strict) is None

    apply = converge(context, False, **FULL)
    assert apply["changed"] is True and apply["actions"] == check["actions"]
    assert apply["group"] == dict(check["group"], arn="arn:aws:iam::%s:group/devs" % ACCOUNT)
    assert aws_group(strict) == FULL_STATE

    for check_mode in (True, False):
        again = converge(context, check_mode, **FULL)
        assert again == {"changed": False, "group": apply["group"], "actions": []}
    assert aws_group(strict) == FULL_STATE


def test_formatting_only_changes_are_no_change(strict, context):
    converge(context, False, **FULL)
    reformatted = dict(FULL)
    reformatted.update(inline_policies={"two": TWO_REFORMATTED})
    for check_mode in (True, False):
        result = converge(context, check_mode, **reformatted)
        assert result["changed"] is False, result["actions"]
    assert aws_group(strict) == FULL_STATE


def test_a_changed_document_is_replaced(strict, context):
    converge(context, False, **FULL)
    changed = dict(TWO, Statement=[dict(TWO["Statement"][0], Effect="Deny"), TWO["Statement"][1]])
    options = dict(FULL)
    options.update(inline_policies={"two": changed})
    result = converge(context, False, **options)
    assert result["actions"] == ["update inline policy two"]
    assert aws_group(strict)[3] == {"two": changed}


def test_update_with_purge_four_runs(strict, context):
    converge(context, False, **FULL)
    update = dict(
        name="devs",
        path="/people/",
        members=["carol"],
        purge_members=True,
        managed_policies=[READ_ONLY],
        purge_managed_policies=True,
        inline_policies={"deny": DENY},
        purge_inline_policies=True,
    )
    check = converge(context, True, **update)
    assert check["changed"] is True
    assert aws_group(strict) == FULL_STATE
    apply = converge(context, False, **update)
    assert apply["changed"] is True and apply["group"] == check["group"]
    assert aws_group(strict) == ("/people/", ["carol"], [READ_ONLY], {"deny": DENY})
    assert strict.get_group(GroupName="devs")["Group"]["Arn"] == "arn:aws:iam::%s:group/people/devs" % ACCOUNT
    assert converge(context, True, **update)["changed"] is False
    assert converge(context, False, **update)["changed"] is False


def test_without_purge_lists_only_add(strict, context):
    converge(context, False, **FULL)
    result = converge(context, False, name="devs", members=["carol"], managed_policies=[READ_ONLY])
    assert result["actions"] == ["add user carol", "attach managed policy %s" % READ_ONLY]
    state_now = aws_group(strict)
    assert state_now[1] == ["alice", "bob", "carol"]
    assert state_now[2] == sorted([VIEW_ONLY, EXTRA, READ_ONLY])


def test_four_runs_delete_the_group_with_its_dependencies(strict, context):
    converge(context, False, **FULL)
    check = converge(context, True, name="devs", state="absent")
    assert check["changed"] is True and check["group"] is None
    assert check["actions"] == [
        "remove user alice",
        "remove user bob",
        "detach managed policy %s" % EXTRA,
        "detach managed policy %s" % VIEW_ONLY,
        "delete inline policy two",
        "delete group devs",
    ]
    assert aws_group(strict) == FULL_STATE

    apply = converge(context, False, name="devs", state="absent")
    assert apply == {"changed": True, "group": None, "actions": check["actions"]}
    assert aws_group(strict) is None
    # The users and the customer managed policy are left alone.
    assert len(strict.list_users()["Users"]) == 3
    strict.get_policy(PolicyArn=EXTRA)

    for check_mode in (True, False):
        assert converge(context, check_mode, name="devs", state="absent") == {
            "changed": False,
            "group": None,
            "actions": [],
        }


def test_the_lab_refuses_a_group_delete_out_of_order(strict):
    # The strict delete the absent test relies on is really there.
    strict.create_group(GroupName="devs")
    strict.add_user_to_group(GroupName="devs", UserName="alice")
    with pytest.raises(strict.exceptions.DeleteConflictException):
        strict.delete_group(GroupName="devs")


def test_a_missing_member_fails_naming_it_before_any_change(strict, context, api_calls):
    result = execute(
        grp.MODULE_SPEC,
        params(name="devs", members=["alice", "zed", "yves"], managed_policies=["ViewOnlyAccess"]),
        False,
        False,
        context_factory=context,
    )
    assert result["failed"] is True
    assert result["msg"] == "members: 'zed', 'yves' do not exist in this account; nothing was changed"
    assert result["missing"] == ["zed", "yves"]
    assert aws_group(strict) is None
    assert not [a for a in api_calls.actions if not a.split(":")[1].startswith(("Get", "List"))]


def test_a_missing_member_fails_in_check_mode_too(strict, context):
    converge(context, False, name="devs")
    with pytest.raises(HardeningError) as info:
        converge(context, True, name="devs", members=["nobody"])
    assert info.value.msg == "members: 'nobody' does not exist in this account; nothing was changed"


def test_an_unknown_policy_name_fails_naming_it(strict, context):
    with pytest.raises(HardeningError) as info:
        converge(context, False, name="devs", managed_policies=["NoSuchPolicyAnywhere"])
    assert "'NoSuchPolicyAnywhere' exists neither in this account nor among AWS managed policies" in info.value.msg
    assert aws_group(strict) is None


def test_members_are_compared_without_case(strict, context):
    converge(context, False, name="devs", members=["alice"])
    assert converge(context, False, name="devs", members=["ALICE"], purge_members=True)["changed"] is False


def test_empty_members_with_purge_empties_the_group(strict, context):
    converge(context, False, **FULL)
    result = converge(context, False, name="devs", members=[], purge_members=True)
    assert result["actions"] == ["remove user alice", "remove user bob"]
    assert aws_group(strict)[1] == []


# --- diff ----------------------------------------------------------------------------------


@pytest.mark.parametrize("check_mode", [True, False])
def test_diff_when_creating(strict, context, check_mode):
    result = converge(context, check_mode, diff=True, name="devs", members=["alice"], inline_policies={"p": DOC})
    assert result["diff"]["before"] == {"state": "absent"}
    after = result["diff"]["after"]
    assert after["state"] == "present" and after["members"] == ["alice"]
    assert after["inline_policies"] == ["p"]
    assert after["inline_policy_documents"] == {"p": DOC}
    assert (after["arn"] is None) is check_mode


@pytest.mark.parametrize("check_mode", [True, False])
def test_diff_when_updating(strict, context, check_mode):
    converge(context, False, **FULL)
    result = converge(context, check_mode, diff=True, name="devs", members=["carol"], inline_policies={"two": DOC})
    before, after = result["diff"]["before"], result["diff"]["after"]
    assert before["members"] == ["alice", "bob"] and after["members"] == ["alice", "bob", "carol"]
    assert before["inline_policy_documents"] == {"two": TWO}
    assert after["inline_policy_documents"] == {"two": DOC}
    assert "managed_policies" not in before  # not managed by this task, not read


def test_diff_when_deleting(strict, context):
    converge(context, False, **FULL)
    result = converge(context, True, diff=True, name="devs", state="absent")
    assert result["diff"]["after"] == {"state": "absent"}
    assert result["diff"]["before"]["members"] == ["alice", "bob"]
    assert result["diff"]["before"]["inline_policies"] == ["two"]


def test_diff_when_unchanged(strict, context):
    converge(context, False, **FULL)
    result = converge(context, False, diff=True, **FULL)
    assert result["changed"] is False
    assert result["diff"]["before"] == result["diff"]["after"]


@pytest.mark.parametrize("diff", [True, False])
def test_execute_returns_diff_only_when_asked(strict, context, diff):
    result = execute(grp.MODULE_SPEC, params(name="devs"), True, diff, context_factory=context)
    assert result["changed"] is True
    assert ("diff" in result) is diff


# --- cost ----------------------------------------------------------------------------------


def test_bad_input_fails_before_any_aws_call(api_calls):
    def factory(_params):
        raise AssertionError("validation must come first")

    result = execute(grp.MODULE_SPEC, params(name="devs", members=["bob smith"]), False, False, context_factory=factory)
    assert result["failed"] is True and "'bob smith'" in result["msg"] and result["option"] == "members"
    assert api_calls.calls == []


@pytest.mark.parametrize(
    "options, expected",
    [
        pytest.param(dict(name="devs"), ["iam:GetGroup"], id="group-only"),
        pytest.param(dict(name="devs", members=["alice", "bob"]), ["iam:GetGroup"], id="members"),
        pytest.param(
            dict(name="devs", managed_policies=["ViewOnlyAccess", "team-extra"]),
            ["iam:GetGroup", "iam:ListAttachedGroupPolicies"],
            id="managed-by-name-resolves-from-what-is-attached",
        ),
        pytest.param(
            FULL,
            ["iam:GetGroup", "iam:ListAttachedGroupPolicies", "iam:ListGroupPolicies", "iam:GetGroupPolicy"],
            id="everything",
        ),
    ],
)
def test_converged_run_reads_only_what_is_managed(strict, context, api_calls, options, expected):
    converge(context, False, **FULL)
    api_calls.clear()
    result = converge(context, False, **options)
    assert result["changed"] is False
    assert api_calls.actions == expected


def test_resolving_a_new_policy_by_name_costs_one_lookup(strict, context, api_calls):
    converge(context, False, name="devs")
    api_calls.clear()
    converge(context, False, name="devs", managed_policies=["ReadOnlyAccess"])
    assert api_calls.actions == [
        "iam:GetGroup",
        "iam:ListAttachedGroupPolicies",
        "iam:ListPolicies",
        "iam:GetPolicy",
        "iam:AttachGroupPolicy",
        "iam:GetGroup",
        "iam:ListAttachedGroupPolicies",
    ]
    assert api_calls.params_of("iam:ListPolicies") == [{"Scope": "Local"}]


def test_deleting_a_missing_group_costs_one_call(strict, context, api_calls):
    assert converge(context, False, name="devs", state="absent")["changed"] is False
    assert api_calls.actions == ["iam:GetGroup"]
