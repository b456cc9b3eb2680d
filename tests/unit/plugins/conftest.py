"""Fixtures shared by the unit tests of plugins/.

Every test that talks to "AWS" gets moto's in-process mock, fresh per test, and an
environment with nothing from the developer's machine in it (no profile, no endpoint,
no shared config files), so a test can neither reach a real account nor a lab server.
"""

from __future__ import annotations

import functools

import botocore.handlers
import botocore.loaders
import botocore.session
import pytest
from moto import mock_aws

from ansible_collections.hardening.aws.plugins.module_utils._aws import AwsContext

FAKE_ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
FAKE_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

_AWS_ENV = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_IAM",
    "AWS_ENDPOINT_URL_STS",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "MOTO_ACCOUNT_ID",
    "HARDENING_AWS_EXECUTION",
)


@pytest.fixture(scope="session", autouse=True)
def shared_botocore_loader():
    """One botocore data loader for the whole run.

    The code under test builds a new boto3 session per task, as it should; each new
    session would parse the IAM and STS service models and the endpoint rules again
    (0.2 to 0.6 s here). The loader caches those per instance, so sharing one keeps
    the suite fast without changing what the sessions do.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            botocore.session, "create_loader", functools.lru_cache(maxsize=None)(botocore.loaders.create_loader)
        )
        yield


@pytest.fixture(autouse=True)
def clean_aws_env(monkeypatch, tmp_path):
    """No AWS setting of the machine leaks into a test."""
    for name in _AWS_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    # Instance metadata must never be tried: it would cost seconds of timeouts.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def aws(clean_aws_env, monkeypatch):
    """A fresh in-process moto for this test only, with dummy caller credentials."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET_KEY)
    with mock_aws():
        yield


def no_sleep(seconds):
    raise AssertionError("nothing in this test should back off (asked to sleep %r s)" % seconds)


@pytest.fixture
def context(aws):
    """Build an AwsContext for module params; retries would fail the test instead of sleeping."""

    def build(params=None):
        return AwsContext(dict(params or {}), sleep=no_sleep)

    return build


class ApiCalls:
    """Every AWS API call made by any boto3 session created while recording.

    Recorded as ``(iam action, API params)``, for example
    ``("iam:UpdateAccountPasswordPolicy", {"MinimumPasswordLength": 14, ...})``.
    """

    def __init__(self):
        self.calls = []
        self._pending = {}

    def _before_parameter_build(self, params, **_kwargs):
        # The caller's own arguments, before botocore serialises them.
        self._pending = dict(params)

    def _before_call(self, model, **_kwargs):
        # Fires once per call that passed parameter validation and is about to be sent.
        prefix = model.service_model.signing_name or model.service_model.endpoint_prefix
        self.calls.append(("%s:%s" % (prefix, model.name), self._pending))
        self._pending = {}

    @property
    def actions(self):
        return [action for action, _params in self.calls]

    def params_of(self, action):
        return [params for name, params in self.calls if name == action]

    def clear(self):
        del self.calls[:]


@pytest.fixture
def api_calls(monkeypatch):
    """Record API calls through a botocore hook that every new session registers.

    The hook goes into botocore's list of built-in handlers (the same way moto hooks
    in), so clients of sessions created inside the code under test, including the
    assumed-role session of AwsContext, are recorded too. ``before-call`` fires once
    per API call that passed parameter validation (HTTP retries are not counted);
    ``before-parameter-build`` just before it gives the call's own arguments.
    """
    recorder = ApiCalls()
    handlers = list(botocore.handlers.BUILTIN_HANDLERS)
    handlers.append(("before-parameter-build.*.*", recorder._before_parameter_build))
    handlers.append(("before-call.*.*", recorder._before_call))
    monkeypatch.setattr(botocore.handlers, "BUILTIN_HANDLERS", handlers)
    return recorder
