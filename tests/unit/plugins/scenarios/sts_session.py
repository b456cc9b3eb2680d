"""Scenarios of sts_session for test_documented_actions: (label, options, check_mode), run in order."""

ROLE = "arn:aws:iam::123456789012:role/OrganizationAccountAccessRole"

SCENARIOS = [
    ("assume, check mode", dict(assume_role_arn=ROLE), True),
    ("assume, expected account", dict(assume_role_arn=ROLE, expected_account_id="123456789012"), False),
]
