"""Scenarios of iam_account_info for test_documented_actions: (label, options, check_mode), run in order."""

SCENARIOS = [
    ("everything, empty account", dict(), False),
    ("each section", dict(gather=["identity", "alias", "summary", "password_policy"]), True),
]
