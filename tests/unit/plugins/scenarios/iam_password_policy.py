"""Scenarios of iam_password_policy for test_documented_actions: (label, options, check_mode), run in order."""

SCENARIOS = [
    ("create", dict(min_password_length=14, password_reuse_prevention=24), False),
    ("update, check mode", dict(min_password_length=16), True),
    ("update", dict(min_password_length=16, max_password_age=90), False),
    ("no-op", dict(min_password_length=16), False),
    ("delete, check mode", dict(state="absent"), True),
    ("delete", dict(state="absent"), False),
    ("delete, nothing there", dict(state="absent"), False),
]
