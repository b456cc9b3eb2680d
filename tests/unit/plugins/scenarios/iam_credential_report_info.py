"""Scenarios of iam_credential_report_info for test_documented_actions: (label, options, check_mode), run in order."""

SCENARIOS = [
    ("no report yet: generate, then read", dict(), False),
    ("read again, check mode", dict(max_age_hours=24), True),
]
