"""scripts/role_readme.py: role READMEs rendered from meta/argument_specs.yml."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
_SPEC = importlib.util.spec_from_file_location("role_readme", REPO / "scripts" / "role_readme.py")
role_readme = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(role_readme)


def make_role(root: Path, name: str, specs: dict, example: str | None = None, description: str | None = None) -> Path:
    """A collection at ``root`` with one role whose argument specs are ``specs``."""
    (root / "galaxy.yml").write_text("namespace: acme\nname: cloud\nversion: 1.0.0\n", encoding="utf-8")
    meta = root / "roles" / name / "meta"
    meta.mkdir(parents=True)
    (meta / "argument_specs.yml").write_text(yaml.safe_dump({"argument_specs": specs}, sort_keys=False))
    if description:
        (meta / "main.yml").write_text(yaml.safe_dump({"galaxy_info": {"description": description}}))
    if example is not None:
        (meta / "example.yml").write_text(example, encoding="utf-8")
    return root / "roles" / name


def table_rows(text: str, heading: str) -> dict:
    """{option name: [type, required, default, choices, description]} of the table under ``heading``."""
    lines = text.splitlines()
    start = lines.index(heading) + 1
    rows = {}
    for line in lines[start:]:
        if line.startswith("### ") or line.startswith("## "):
            break
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        rows[cells[0].strip("`")] = cells[1:]
    return rows


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Tag C(password_policy).", "Tag `password_policy`."),
        ("Set V(true) or O(name=x).", "Set `true` or `name=x`."),
        ("Keys of M(hardening.aws.iam_password_policy).", "Keys of `hardening.aws.iam_password_policy`."),
        ("I(Never) B(ever) E(HOME) RV(changed)", "*Never* **ever** `HOME` `changed`"),
        ("See U(https://example.com/x).", "See <https://example.com/x>."),
        ("See L(the guide, https://example.com/g).", "See [the guide](https://example.com/g)."),
        ("For example C(acme-{{ aws_account_id }}).", "For example `acme-{{ aws_account_id }}`."),
        ("A literal C(`tick`) stays code.", "A literal `` `tick` `` stays code."),
        ("ETC(x) and MC(y) are not markup.", "ETC(x) and MC(y) are not markup."),
        ("No markup at all.", "No markup at all."),
    ],
)
def test_markup(source, expected):
    assert role_readme.markup(source) == expected


SPECS = {
    "main": {
        "short_description": "Do the C(thing).",
        "description": ["First paragraph\n  over two lines.", "Second with I(emphasis)."],
        "options": {
            "demo_name": {"type": "str", "required": True, "description": "The name; a|b is a pipe."},
            "demo_mode": {
                "type": "str",
                "default": "fast",
                "choices": ["fast", "safe"],
                "aliases": ["mode"],
                "description": "How.",
            },
            "demo_count": {"type": "int", "default": 0, "description": "How many."},
            "demo_empty": {"type": "str", "default": "", "description": "Empty default."},
            "demo_small": {"type": "dict", "default": {"a": 1}, "description": "Small default."},
            "demo_policy": {
                "type": "dict",
                "default": {"min_password_length": 14, "password_reuse_prevention": 24, "require_symbols": True},
                "description": "Big default.",
                "options": {"min_password_length": {"type": "int", "description": "Length."}},
            },
            "demo_groups": {
                "type": "list",
                "elements": "dict",
                "default": [],
                "description": "Groups.",
                "options": {
                    "name": {"type": "str", "required": True, "description": "Group name."},
                    "policies": {
                        "type": "list",
                        "elements": "dict",
                        "description": "Policies.",
                        "options": {"arn": {"type": "str", "description": "C(arn:...)."}},
                    },
                    "tags": {
                        "type": "dict",
                        "description": "Tags.",
                        "options": {"team": {"type": "str", "description": "Team."}},
                    },
                },
            },
        },
    },
    "offboard": {"short_description": "Another entry point.", "options": {"demo_user": {"type": "str"}}},
    "noop": {"short_description": "Takes nothing."},
}


@pytest.fixture
def rendered(tmp_path):
    role = make_role(tmp_path, "demo", SPECS, example="- hosts: all\n  roles: [acme.cloud.demo]\n", description="Demo.")
    return role_readme.render(role, "acme.cloud")


def test_header_title_and_description(rendered):
    lines = rendered.splitlines()
    assert lines[0] == "<!-- generated from meta/argument_specs.yml by scripts/role_readme.py; do not edit -->"
    assert "# acme.cloud.demo" in lines
    assert "Demo." in lines
    assert "Do the `thing`." in lines
    assert "First paragraph over two lines." in lines
    assert "Second with *emphasis*." in lines


def test_top_level_table(rendered):
    rows = table_rows(rendered, "### Options")
    assert list(rows) == [
        "demo_name",
        "demo_mode",
        "demo_count",
        "demo_empty",
        "demo_small",
        "demo_policy",
        "demo_groups",
    ]
    assert rows["demo_name"][:4] == ["str", "yes", "", ""]
    assert rows["demo_name"][4] == "The name; a\\|b is a pipe."
    assert rows["demo_mode"][:4] == ["str", "no", "`fast`", "`fast`, `safe`"]
    assert "Aliases: `mode`." in rows["demo_mode"][4]
    assert rows["demo_count"][2] == "`0`"
    assert rows["demo_empty"][2] == "`''`"
    assert rows["demo_small"][2] == "`{a: 1}`"
    assert rows["demo_groups"][:3] == ["list of dict", "no", "`[]`"]


def test_nested_options_get_their_own_tables_and_links(rendered):
    assert "see [demo_groups[]](#options-of-each-element-of-demo_groups)" in table_rows(rendered, "### Options")[
        "demo_groups"
    ][4].replace("Options: ", "")
    groups = table_rows(rendered, "### Options of each element of demo_groups")
    assert list(groups) == ["name", "policies", "tags"]
    assert groups["name"][:2] == ["str", "yes"]
    assert "#options-of-each-element-of-demo_groupspolicies" in groups["policies"][4]
    assert table_rows(rendered, "### Options of each element of demo_groups[].policies")["arn"][4] == "`arn:...`."
    assert list(table_rows(rendered, "### Options of demo_groups[].tags")) == ["team"]
    assert list(table_rows(rendered, "### Options of demo_policy")) == ["min_password_length"]


def test_large_default_goes_to_a_yaml_block(rendered):
    rows = table_rows(rendered, "### Options")
    assert rows["demo_policy"][2] == "see [below](#default-of-demo_policy)"
    block = rendered.split("### Default of demo_policy\n\n```yaml\n", 1)[1].split("```", 1)[0]
    assert yaml.safe_load(block) == {"demo_policy": SPECS["main"]["options"]["demo_policy"]["default"]}


def test_every_entry_point_and_the_example(rendered):
    assert "## Entry point `offboard`" in rendered
    assert "### Options (entry point offboard)" in rendered
    assert list(table_rows(rendered, "### Options (entry point offboard)")) == ["demo_user"]
    noop = rendered.split("## Entry point `noop`", 1)[1]
    assert "This entry point takes no options." in noop
    example = rendered.split("## Example\n\n```yaml\n", 1)[1]
    assert example.startswith("- hosts: all\n  roles: [acme.cloud.demo]\n```")
    assert rendered.endswith("```\n")


def test_no_example_section_without_example_file(tmp_path):
    text = role_readme.render(make_role(tmp_path, "bare", {"main": {"short_description": "x"}}), "acme.cloud")
    assert "## Example" not in text


def test_bad_specs_fail_with_a_message(tmp_path):
    role = make_role(tmp_path, "bad", {"main": {"options": {"x": "not a mapping"}}})
    with pytest.raises(role_readme.SpecError, match="option x of entry point main"):
        role_readme.render(role, "acme.cloud")


def test_main_writes_then_check_passes_then_detects_drift(tmp_path, capsys):
    role = make_role(tmp_path, "demo", SPECS)
    assert role_readme.main(["--check"], repo=tmp_path) == 1
    assert "roles/demo/README.md" in capsys.readouterr().err
    assert not (role / "README.md").exists()
    assert role_readme.main([], repo=tmp_path) == 0
    assert role_readme.main(["--check", "demo"], repo=tmp_path) == 0
    specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())
    specs["argument_specs"]["main"]["options"]["demo_count"]["default"] = 3
    (role / "meta" / "argument_specs.yml").write_text(yaml.safe_dump(specs, sort_keys=False))
    assert role_readme.main(["--check"], repo=tmp_path) == 1
    assert role_readme.main(["--check", "nosuchrole"], repo=tmp_path) == 2


def test_every_role_readme_is_up_to_date(capsys):
    """Fails until someone runs `make role-docs` after changing a role's argument specs."""
    status = role_readme.main(["--check"], repo=REPO)
    assert status == 0, capsys.readouterr().err + "regenerate with: make role-docs"
