"""Scenarios of iam_account_alias for test_documented_actions: (label, options, check_mode), run in order."""

SCENARIOS = [
    ("create", dict(alias="acme-prod"), False),
    ("no-op", dict(alias="acme-prod"), False),
    ("replace, check mode", dict(alias="acme-prod-2"), True),
    ("replace", dict(alias="acme-prod-2"), False),
    ("delete another alias: no-op", dict(state="absent", alias="acme-other"), False),
    ("delete", dict(state="absent"), False),
    ("delete, nothing there", dict(state="absent"), False),
]
