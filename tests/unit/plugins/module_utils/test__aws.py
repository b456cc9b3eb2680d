"""The client factory and the retrying client (plugins/module_utils/_aws.py)."""

from __future__ import annotations

import configparser

import boto3
import botocore.handlers
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError, NoCredentialsError
from botocore.parsers import ResponseParserError
from botocore.stub import Stubber

from ansible_collections.hardening.aws.plugins.module_utils import _aws
from ansible_collections.hardening.aws.plugins.module_utils._aws import (
    AwsClient,
    AwsContext,
    AwsError,
    HardeningError,
)

FAKE_ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
FAKE_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

USER = {
    "Path": "/",
    "UserName": "bob",
    "UserId": "AIDAEXAMPLEUSERID0001",
    "Arn": "arn:aws:iam::123456789012:user/bob",
    "CreateDate": "2024-01-01T00:00:00Z",
}
GET_USER_OK = {"User": USER}
RETRYABLE = [
    "Throttling",
    "ThrottlingException",
    "EntityTemporarilyUnmodifiable",
    "ConcurrentModification",
    "ServiceFailure",
]
NOT_RETRYABLE = [
    "NoSuchEntity",
    "AccessDenied",
    "ValidationError",
    "EntityAlreadyExists",
    "LimitExceeded",
    "DeleteConflict",
]


def no_sleep(seconds):
    raise AssertionError("no retry expected here (asked to sleep %r s)" % seconds)


class Sleeps(list):
    """An injectable ``sleep`` that records instead of sleeping."""

    def __call__(self, seconds):
        self.append(seconds)


@pytest.fixture
def iam():
    """A real botocore IAM client that can never reach the network (Stubber answers)."""
    client = boto3.client(
        "iam", region_name="us-east-1", aws_access_key_id=FAKE_ACCESS_KEY, aws_secret_access_key=FAKE_SECRET_KEY
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def add_errors(stubber, method, code, count, status=400):
    for _attempt in range(count):
        stubber.add_client_error(
            method, service_error_code=code, service_message="%s happened" % code, http_status_code=status
        )


# --- retries ------------------------------------------------------------------


@pytest.mark.parametrize("code", RETRYABLE)
def test_transient_errors_are_retried_until_success(iam, code):
    raw, stubber = iam
    add_errors(stubber, "get_user", code, 3)
    stubber.add_response("get_user", GET_USER_OK, {"UserName": "bob"})
    sleeps = Sleeps()

    answer = AwsClient(raw, "iam", sleep=sleeps).call("get_user", resource="user bob", UserName="bob")

    assert answer["User"]["UserName"] == "bob"
    assert len(sleeps) == 3
    # Full jitter: each pause is between 0 and the capped exponential bound of its attempt.
    for attempt, seconds in enumerate(sleeps, start=1):
        assert 0 <= seconds <= min(_aws.BACKOFF_CAP, _aws.BACKOFF_BASE * 2**attempt)


def test_the_transient_codes_are_the_documented_ones():
    assert set(RETRYABLE) == set(_aws.RETRYABLE_CODES)


@pytest.mark.parametrize("code", RETRYABLE)
def test_gives_up_after_max_attempts_naming_code_operation_and_resource(iam, code):
    raw, stubber = iam
    add_errors(stubber, "get_user", code, _aws.MAX_ATTEMPTS)
    sleeps = Sleeps()

    with pytest.raises(AwsError) as info:
        AwsClient(raw, "iam", sleep=sleeps).call("get_user", resource="user bob", UserName="bob")

    error = info.value
    assert error.msg == "IAM GetUser failed for user bob: %s: %s happened" % (code, code)
    assert (error.code, error.operation, error.resource) == (code, "GetUser", "user bob")
    assert error.details == {
        "error": {"code": code, "operation": "GetUser", "resource": "user bob", "http_status": 400}
    }
    # MAX_ATTEMPTS calls (the Stubber queue is empty, checked by the fixture), a pause between each two.
    assert len(sleeps) == _aws.MAX_ATTEMPTS - 1
    assert error.__cause__ is None and error.__suppress_context__


def test_max_attempts_can_be_lowered(iam):
    raw, stubber = iam
    add_errors(stubber, "get_user", "Throttling", 2)
    sleeps = Sleeps()
    with pytest.raises(AwsError, match="Throttling"):
        AwsClient(raw, "iam", sleep=sleeps, max_attempts=2).call("get_user", UserName="bob")
    assert len(sleeps) == 1


def test_backoff_never_exceeds_the_cap(iam, monkeypatch):
    raw, stubber = iam
    add_errors(stubber, "get_user", "Throttling", 9)
    stubber.add_response("get_user", GET_USER_OK)
    # The upper bound of the jitter is what grows; take it to see the cap apply.
    monkeypatch.setattr(_aws.random, "uniform", lambda low, high: high)
    sleeps = Sleeps()
    AwsClient(raw, "iam", sleep=sleeps, max_attempts=10).call("get_user", UserName="bob")
    assert sleeps == [min(_aws.BACKOFF_CAP, _aws.BACKOFF_BASE * 2**attempt) for attempt in range(1, 10)]
    assert sleeps[-1] == _aws.BACKOFF_CAP and sleeps[0] < sleeps[1]


@pytest.mark.parametrize("code", NOT_RETRYABLE)
def test_other_errors_fail_at_once(iam, code):
    raw, stubber = iam
    add_errors(stubber, "get_user", code, 1)
    with pytest.raises(AwsError) as info:
        AwsClient(raw, "iam", sleep=no_sleep).call("get_user", resource="user bob", UserName="bob")
    assert info.value.code == code
    assert info.value.msg.startswith("IAM GetUser failed for user bob: %s: " % code)


def test_message_without_resource(iam):
    raw, stubber = iam
    stubber.add_client_error("list_users", "AccessDenied", "User is not authorized", http_status_code=403)
    with pytest.raises(AwsError) as info:
        AwsClient(raw, "iam", sleep=no_sleep).call("list_users")
    assert info.value.msg == "IAM ListUsers failed: AccessDenied: User is not authorized"
    assert info.value.details["error"]["http_status"] == 403


# --- ignore -------------------------------------------------------------------


def test_ignored_code_returns_none(iam):
    raw, stubber = iam
    add_errors(stubber, "get_user", "NoSuchEntity", 1, status=404)
    assert AwsClient(raw, "iam", sleep=no_sleep).call("get_user", ignore=("NoSuchEntity",), UserName="bob") is None


def test_ignore_does_not_hide_other_codes(iam):
    raw, stubber = iam
    add_errors(stubber, "get_user", "AccessDenied", 1, status=403)
    with pytest.raises(AwsError, match="AccessDenied"):
        AwsClient(raw, "iam", sleep=no_sleep).call("get_user", ignore=("NoSuchEntity",), UserName="bob")


def test_success_is_returned_as_is_when_ignore_is_given(iam):
    raw, stubber = iam
    stubber.add_response("get_user", GET_USER_OK)
    answer = AwsClient(raw, "iam", sleep=no_sleep).call("get_user", ignore=("NoSuchEntity",), UserName="bob")
    assert answer["User"] == USER


# --- errors that are not ClientError -------------------------------------------


def raise_on(raw, operation, exc):
    def handler(**_kwargs):
        raise exc

    raw.meta.events.register("before-call.iam.%s" % operation, handler)


@pytest.mark.parametrize(
    "exc",
    [
        EndpointConnectionError(endpoint_url="http://127.0.0.1:9/"),
        NoCredentialsError(),
    ],
    ids=["EndpointConnectionError", "NoCredentialsError"],
)
def test_botocore_errors_become_aws_errors(exc):
    raw = boto3.client("iam", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    raise_on(raw, "GetUser", exc)
    with pytest.raises(AwsError) as info:
        AwsClient(raw, "iam", sleep=no_sleep).call("get_user", resource="user bob", UserName="bob")
    error = info.value
    assert error.msg.startswith("IAM GetUser failed for user bob: ")
    assert type(exc).__name__ in error.msg and str(exc) in error.msg
    assert (error.code, error.operation, error.resource) == (type(exc).__name__, "GetUser", "user bob")


def test_botocore_errors_are_not_retried():
    raw = boto3.client("iam", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    calls = []

    def handler(**_kwargs):
        calls.append(1)
        raise EndpointConnectionError(endpoint_url="http://127.0.0.1:9/")

    raw.meta.events.register("before-call.iam.GetUser", handler)
    with pytest.raises(AwsError):
        AwsClient(raw, "iam", sleep=no_sleep).call("get_user", UserName="bob")
    assert len(calls) == 1


def test_parameter_validation_error_becomes_aws_error():
    raw = boto3.client("iam", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    with pytest.raises(AwsError) as info:
        AwsClient(raw, "iam", sleep=no_sleep).call("get_user", resource="user x", UserName="")
    assert info.value.code == "ParamValidationError"
    assert "UserName" in info.value.msg


def test_response_parser_error_becomes_aws_error():
    raw = boto3.client("iam", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    raise_on(raw, "GetMFADevice", ResponseParserError("Unable to parse response, invalid XML received"))
    with pytest.raises(AwsError) as info:
        AwsClient(raw, "iam", sleep=no_sleep).call("get_mfa_device", resource="MFA device x", SerialNumber="x" * 9)
    assert info.value.operation == "GetMFADevice"
    assert "MFA device x" in info.value.msg and "ResponseParserError" in info.value.msg


@pytest.mark.parametrize(
    "exc",
    [NoCredentialsError(), botocore.exceptions.ParamValidationError(report="Invalid length for parameter UserName")],
    ids=["NoCredentialsError", "ParamValidationError"],
)
def test_local_botocore_errors_do_not_blame_the_endpoint(exc):
    raw = boto3.client("iam", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    raise_on(raw, "GetUser", exc)
    with pytest.raises(AwsError) as info:
        AwsClient(raw, "iam", sleep=no_sleep).call("get_user", UserName="bob")
    assert "endpoint gave no valid AWS answer" not in info.value.msg
    assert "may not implement" not in info.value.msg


# --- pagination ---------------------------------------------------------------


def page_1():
    # A new dict each time: botocore's build_full_result extends the first page's list
    # in place, and the Stubber hands out the very object it was given.
    return {"AccountAliases": ["first"], "IsTruncated": True, "Marker": "page-2"}


def page_2():
    return {"AccountAliases": ["second"], "IsTruncated": False}


def test_paginate_merges_every_page(iam):
    raw, stubber = iam
    stubber.add_response("list_account_aliases", page_1(), {})
    stubber.add_response("list_account_aliases", page_2(), {"Marker": "page-2"})
    answer = AwsClient(raw, "iam", sleep=no_sleep).paginate("list_account_aliases")
    assert answer["AccountAliases"] == ["first", "second"]
    assert "Marker" not in answer


def test_paginate_retries_from_the_first_page_without_duplicates(iam):
    raw, stubber = iam
    stubber.add_response("list_account_aliases", page_1(), {})
    add_errors(stubber, "list_account_aliases", "Throttling", 1)
    stubber.add_response("list_account_aliases", page_1(), {})
    stubber.add_response("list_account_aliases", page_2(), {"Marker": "page-2"})
    sleeps = Sleeps()
    answer = AwsClient(raw, "iam", sleep=sleeps).paginate("list_account_aliases")
    assert answer["AccountAliases"] == ["first", "second"]
    assert len(sleeps) == 1


def test_paginate_passes_arguments_to_every_page(iam):
    raw, stubber = iam
    users_1 = {"Users": [USER], "IsTruncated": True, "Marker": "m"}
    users_2 = {"Users": [dict(USER, UserName="carol")], "IsTruncated": False}
    stubber.add_response("list_users", users_1, {"PathPrefix": "/staff/"})
    stubber.add_response("list_users", users_2, {"PathPrefix": "/staff/", "Marker": "m"})
    answer = AwsClient(raw, "iam", sleep=no_sleep).paginate("list_users", PathPrefix="/staff/")
    assert [u["UserName"] for u in answer["Users"]] == ["bob", "carol"]


def test_paginate_errors_name_the_operation_and_resource(iam):
    raw, stubber = iam
    stubber.add_response("list_account_aliases", page_1(), {})
    add_errors(stubber, "list_account_aliases", "AccessDenied", 1, status=403)
    with pytest.raises(AwsError) as info:
        AwsClient(raw, "iam", sleep=no_sleep).paginate("list_account_aliases", resource="account alias")
    assert info.value.msg == "IAM ListAccountAliases failed for account alias: AccessDenied: AccessDenied happened"


def test_paginate_ignore_returns_none(iam):
    raw, stubber = iam
    add_errors(stubber, "list_attached_user_policies", "NoSuchEntity", 1, status=404)
    client = AwsClient(raw, "iam", sleep=no_sleep)
    assert client.paginate("list_attached_user_policies", ignore=("NoSuchEntity",), UserName="gone") is None


def test_paginate_falls_back_to_call_for_unpaginated_operations(iam):
    raw, stubber = iam
    stubber.add_response("get_user", GET_USER_OK, {"UserName": "bob"})
    assert AwsClient(raw, "iam", sleep=no_sleep).paginate("get_user", UserName="bob")["User"] == USER


# --- AwsContext -----------------------------------------------------------------

ROLE = "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"


def test_assume_role_passes_role_external_id_and_session_name(context, api_calls):
    aws = context({"assume_role_arn": ROLE, "external_id": "fleet-external-id", "role_session_name": "audit-run"})

    identity = aws.client("sts").call("get_caller_identity")
    aws.client("iam").call("create_account_alias", AccountAlias="in-the-other-account")

    assert identity["Account"] == "222222222222"
    assert identity["Arn"] == "arn:aws:sts::222222222222:assumed-role/OrganizationAccountAccessRole/audit-run"
    assume = api_calls.params_of("sts:AssumeRole")
    assert assume == [{"RoleArn": ROLE, "ExternalId": "fleet-external-id", "RoleSessionName": "audit-run"}]
    assert api_calls.actions == ["sts:AssumeRole", "sts:GetCallerIdentity", "iam:CreateAccountAlias"]
    # The work landed in the assumed account, not in the caller's.
    caller = boto3.client("iam", region_name="us-east-1")
    assert caller.list_account_aliases()["AccountAliases"] == []
    assert aws.client("iam").call("list_account_aliases")["AccountAliases"] == ["in-the-other-account"]


def test_assume_role_defaults(context, api_calls):
    aws = context({"assume_role_arn": ROLE})
    aws.client("iam")
    assert api_calls.params_of("sts:AssumeRole") == [{"RoleArn": ROLE, "RoleSessionName": "hardening-aws"}]


def test_without_assume_role_the_caller_credentials_are_used(context, api_calls):
    aws = context({"access_key": FAKE_ACCESS_KEY, "secret_key": FAKE_SECRET_KEY})
    identity = aws.client("sts").call("get_caller_identity")
    assert identity["Account"] == "123456789012"
    assert api_calls.actions == ["sts:GetCallerIdentity"]
    assert aws.session().get_credentials().access_key == FAKE_ACCESS_KEY


def test_explicit_credentials_reach_the_session(clean_aws_env):
    aws = AwsContext({"access_key": "AKIDEXAMPLE", "secret_key": "secret", "session_token": "token"})
    creds = aws.session().get_credentials()
    assert (creds.access_key, creds.secret_key, creds.token) == ("AKIDEXAMPLE", "secret", "token")


def test_assume_role_failure_names_the_role(context, monkeypatch):
    def refuse(**_kwargs):
        body = {"Error": {"Code": "AccessDenied", "Message": "not authorized to perform sts:AssumeRole"}}
        return AWSResponse("https://sts.amazonaws.com/", 403, {}, None), body

    handlers = list(botocore.handlers.BUILTIN_HANDLERS) + [("before-call.sts.AssumeRole", refuse)]
    monkeypatch.setattr(botocore.handlers, "BUILTIN_HANDLERS", handlers)
    with pytest.raises(AwsError) as info:
        context({"assume_role_arn": ROLE}).client("iam")
    assert (
        info.value.msg
        == "STS AssumeRole failed for role %s: AccessDenied: not authorized to perform sts:AssumeRole" % ROLE
    )


def test_assume_role_happens_once_per_context(context, api_calls):
    aws = context({"assume_role_arn": ROLE})
    aws.client("iam")
    aws.client("sts")
    aws.client("iam")
    assert api_calls.actions == ["sts:AssumeRole"]


def test_clients_are_cached_and_share_the_sleep(clean_aws_env):
    sleeps = Sleeps()
    aws = AwsContext({}, sleep=sleeps)
    iam = aws.client("iam")
    assert aws.client("iam") is iam
    assert aws.client("sts") is not iam
    assert iam._sleep is sleeps and iam.service == "iam"


@pytest.mark.parametrize(
    "param, aws_region, aws_default_region, expected",
    [
        ("eu-west-1", "eu-central-1", "ap-south-1", "eu-west-1"),
        (None, "eu-central-1", "ap-south-1", "eu-central-1"),
        ("", "eu-central-1", "ap-south-1", "eu-central-1"),
        (None, None, "ap-south-1", "ap-south-1"),
        (None, None, None, "us-east-1"),
    ],
)
def test_region_resolution(clean_aws_env, monkeypatch, param, aws_region, aws_default_region, expected):
    if aws_region:
        monkeypatch.setenv("AWS_REGION", aws_region)
    if aws_default_region:
        monkeypatch.setenv("AWS_DEFAULT_REGION", aws_default_region)
    aws = AwsContext({"region": param})
    assert aws.region == expected
    assert aws.client("sts").raw.meta.region_name == expected
    assert aws.session().region_name == expected


def write_profile(tmp_path, monkeypatch, name, **settings):
    config = configparser.ConfigParser()
    config["profile %s" % name] = settings
    path = tmp_path / "aws-config"
    with open(path, "w") as handle:
        config.write(handle)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(path))


def test_profile_is_used(clean_aws_env, tmp_path, monkeypatch):
    write_profile(tmp_path, monkeypatch, "fleet", aws_access_key_id="AKIDPROFILE", aws_secret_access_key="s")
    aws = AwsContext({"profile": "fleet"})
    assert aws.session().get_credentials().access_key == "AKIDPROFILE"


def test_profile_region_is_used_before_the_default(clean_aws_env, tmp_path, monkeypatch):
    write_profile(
        tmp_path, monkeypatch, "fleet", region="eu-west-1", aws_access_key_id="AKIDPROFILE", aws_secret_access_key="s"
    )
    aws = AwsContext({"profile": "fleet"})
    assert aws.client("sts").raw.meta.region_name == "eu-west-1"


@pytest.mark.parametrize(
    "process, from_env",
    [
        ("fresh", False),
        ("warm", False),
        ("fresh", True),
        ("warm", True),
    ],
    ids=["option-fresh-process", "option-warm-process", "AWS_PROFILE-fresh-process", "AWS_PROFILE-warm-process"],
)
def test_missing_profile_names_the_profile(clean_aws_env, monkeypatch, process, from_env):
    # A fresh process has no shared botocore loader yet (the AnsiballZ module); a warm one
    # has built a session before (the controller, after warm-up). Both must say the same.
    if process == "fresh":
        monkeypatch.setattr(_aws, "_SHARED_LOADER", None, raising=False)
    else:
        AwsContext({}).client("sts")
    if from_env:
        monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    aws = AwsContext({} if from_env else {"profile": "no-such-profile"})
    with pytest.raises(HardeningError) as info:
        aws.client("iam")
    assert not isinstance(info.value, AwsError)
    assert "no-such-profile" in info.value.msg
    assert "profile None" not in info.value.msg


def test_endpoint_url_reaches_every_client(clean_aws_env):
    aws = AwsContext({"endpoint_url": "http://127.0.0.1:5000"})
    assert aws.client("iam").raw.meta.endpoint_url == "http://127.0.0.1:5000"
    assert aws.client("sts").raw.meta.endpoint_url == "http://127.0.0.1:5000"


def test_client_configuration(clean_aws_env):
    config = AwsContext({}).client("iam").raw.meta.config
    assert "hardening.aws/%s" % _aws.COLLECTION_VERSION in config.user_agent_extra
    assert config.retries["mode"] == "standard"


@pytest.mark.parametrize(
    "params, service, message",
    [
        ({"endpoint_url": "not a url"}, "iam", "cannot create the iam client: Invalid endpoint: not a url"),
        ({}, "no-such-service", "cannot create the no-such-service client: Unknown service: 'no-such-service'"),
    ],
)
def test_client_creation_errors(clean_aws_env, params, service, message):
    with pytest.raises(HardeningError) as info:
        AwsContext(params).client(service)
    assert info.value.msg.startswith(message)


def test_no_aws_call_before_the_first_client(api_calls, clean_aws_env):
    AwsContext({"assume_role_arn": ROLE, "endpoint_url": "http://127.0.0.1:9"})
    assert api_calls.calls == []


# --- translate_error ------------------------------------------------------------


def test_translate_error_uses_service_labels():
    error = botocore.exceptions.ClientError(
        {
            "Error": {"Code": "ResourceNotFoundException", "Message": "no such secret"},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        },
        "GetSecretValue",
    )
    out = _aws.translate_error(error, "secretsmanager", "GetSecretValue", "secret db")
    assert out.msg == "Secrets Manager GetSecretValue failed for secret db: ResourceNotFoundException: no such secret"
    out = _aws.translate_error(error, "ec2", "DescribeThings")
    assert out.msg.startswith("ec2 DescribeThings failed: ")


def test_translate_error_without_error_body():
    error = botocore.exceptions.ClientError({}, "GetUser")
    out = _aws.translate_error(error, "iam", "GetUser")
    assert out.code == "Unknown"
    assert out.msg.startswith("IAM GetUser failed: Unknown: ")


@pytest.fixture
def moto_server(clean_aws_env, monkeypatch):
    """moto as an HTTP server, the way the lab runs it: unimplemented calls answer an HTML 500 page."""
    from moto.server import ThreadedMotoServer

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET_KEY)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield "http://%s:%s" % (host, port)
    server.stop()


def test_unimplemented_call_on_the_simulator_is_a_clear_failure(moto_server):
    iam = AwsContext({"endpoint_url": moto_server}, sleep=Sleeps()).client("iam")
    with pytest.raises(AwsError) as info:
        iam.call("get_mfa_device", resource="MFA device x", SerialNumber="arn:aws:iam::123456789012:mfa/x")
    assert info.value.msg.startswith("IAM GetMFADevice failed for MFA device x: ")


# --- requests AWS handled whose answer was lost ---------------------------------


def _retried_error(stubber, method, code, retries=1):
    stubber.add_client_error(
        method, service_error_code=code, service_message="%s happened" % code, response_meta={"RetryAttempts": retries}
    )


@pytest.mark.parametrize(
    "method, kwargs, code",
    [
        ("create_user", {"UserName": "bob"}, "EntityAlreadyExists"),
        ("delete_user", {"UserName": "bob"}, "NoSuchEntity"),
        (
            "detach_user_policy",
            {"UserName": "bob", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
            "NoSuchEntity",
        ),
        ("remove_user_from_group", {"UserName": "bob", "GroupName": "g"}, "NoSuchEntity"),
    ],
)
def test_a_retried_request_failing_because_it_was_done_returns_an_empty_answer(iam, method, kwargs, code):
    client, stubber = iam
    _retried_error(stubber, method, code)
    assert AwsClient(client, "iam", sleep=no_sleep).call(method, **kwargs) == {}


def test_a_caller_that_needs_the_answer_is_told_it_was_done(iam):
    client, stubber = iam
    _retried_error(stubber, "create_user", "EntityAlreadyExists")
    with pytest.raises(_aws.AlreadyDone) as caught:
        AwsClient(client, "iam", sleep=no_sleep).call("create_user", answer=True, UserName="bob")
    assert caught.value.code == "EntityAlreadyExists"
    assert isinstance(caught.value, AwsError)


def test_our_own_retry_counts_as_a_retry(iam):
    client, stubber = iam
    add_errors(stubber, "create_user", "ServiceFailure", 1, status=500)
    add_errors(stubber, "create_user", "EntityAlreadyExists", 1)
    sleeps = Sleeps()
    assert AwsClient(client, "iam", sleep=sleeps).call("create_user", UserName="bob") == {}
    assert len(sleeps) == 1


@pytest.mark.parametrize(
    "method, kwargs, code",
    [
        ("create_user", {"UserName": "bob"}, "EntityAlreadyExists"),  # not retried: someone else's
        ("get_user", {"UserName": "bob"}, "NoSuchEntity"),  # a read is never "done"
    ],
)
def test_the_same_errors_without_a_retry_or_on_reads_still_fail(iam, method, kwargs, code):
    client, stubber = iam
    if method == "get_user":
        _retried_error(stubber, method, code)
    else:
        add_errors(stubber, method, code, 1)
    with pytest.raises(AwsError) as caught:
        AwsClient(client, "iam", sleep=no_sleep).call(method, **kwargs)
    assert not isinstance(caught.value, _aws.AlreadyDone)
    assert caught.value.code == code


def test_a_connection_lost_mid_request_is_retried():
    raw = boto3.client("iam", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    calls = []

    def handler(**_kwargs):
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionClosedError(endpoint_url="http://127.0.0.1:9/")
        return AWSResponse("http://127.0.0.1:9/", 200, {}, None), {"User": USER, "ResponseMetadata": {}}

    raw.meta.events.register("before-call.iam.GetUser", handler)
    sleeps = Sleeps()
    assert AwsClient(raw, "iam", sleep=sleeps).call("get_user", UserName="bob")["User"]["UserName"] == "bob"
    assert len(calls) == 3 and len(sleeps) == 2


def test_errors_say_whether_the_request_was_sent_more_than_once(iam):
    client, stubber = iam
    add_errors(stubber, "create_access_key", "LimitExceeded", 1)
    with pytest.raises(AwsError) as once:
        AwsClient(client, "iam", sleep=no_sleep).call("create_access_key", UserName="bob")
    assert once.value.retried is False
    _retried_error(stubber, "create_access_key", "LimitExceeded")
    with pytest.raises(AwsError) as again:
        AwsClient(client, "iam", sleep=no_sleep).call("create_access_key", UserName="bob")
    assert again.value.retried is True
