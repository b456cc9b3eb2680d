"""Fixed identifiers of the lab fleet."""

from __future__ import annotations

#: moto's default account: where unknown (dummy) credentials land, like a real controller
#: whose credentials belong to the Organizations management account.
MANAGEMENT_ACCOUNT_ID = "123456789012"

#: The role every member account trusts the management account to assume.
ORG_ROLE_NAME = "OrganizationAccountAccessRole"

REGION = "us-east-1"
PARTITION = "aws"

#: Dummy controller credentials. The key id is 20 upper-case characters so that moto's
#: access-key regex recognises it (and, being unknown, maps it to MANAGEMENT_ACCOUNT_ID).
CONTROLLER_ACCESS_KEY_ID = "AKIALABCONTROLLER001"
CONTROLLER_SECRET_ACCESS_KEY = "lab-controller-secret-not-a-real-key-000"  # noqa: S105 - dummy

ADMINISTRATOR_ACCESS_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY_ACCESS_ARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"
POWER_USER_ACCESS_ARN = "arn:aws:iam::aws:policy/PowerUserAccess"

#: Environment variables removed from a controller's environment: they would send boto3
#: to a profile, a real credential source or another endpoint, or pin moto to one account.
STRIPPED_ENV_VARS = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_IAM",
    "AWS_ENDPOINT_URL_STS",
    "AWS_REGION",
    "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY",
    "EC2_ACCESS_KEY",
    "EC2_SECRET_KEY",
    "MOTO_ACCOUNT_ID",
)


def member_account_id(index: int) -> str:
    """Return the deterministic id of member account number ``index`` (1-based)."""
    if not 1 <= index <= 99_999_999:
        raise ValueError(f"member account index out of range: {index}")
    return f"21{index:010d}"


def org_role_arn(account_id: str) -> str:
    """Return the ARN of the organisation access role in ``account_id``."""
    return f"arn:aws:iam::{account_id}:role/{ORG_ROLE_NAME}"
