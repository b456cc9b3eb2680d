"""Render each role's README.md from its meta/argument_specs.yml (the contract, typed once).

Usage: python scripts/role_readme.py [--check] [ROLE ...]

ROLE is a role name (``baseline``) or a role directory (``roles/baseline``); without one, every
role under roles/ that has a meta/argument_specs.yml. ``--check`` writes nothing and exits 1
listing the READMEs that differ from what the specs give (or are missing).

The README documents every entry point: one table of options per entry point, with the nested
options of dicts and of list elements as tables of their own, and a fenced YAML block for each
default too large for a table cell. Ansible markup in descriptions (C(), V(), O(), M(), I(),
B(), U(), L(), E(), RV()) becomes Markdown. ``roles/<role>/meta/example.yml``, when present, is
shown verbatim as the Example section.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any, Iterator, Sequence

import yaml

REPO = Path(__file__).resolve().parent.parent
GENERATED_NOTE = "generated from meta/argument_specs.yml by scripts/role_readme.py; do not edit"
HEADER = "<!-- %s -->" % GENERATED_NOTE

# A default whose flow-style YAML is longer than this goes to a fenced block below the table.
INLINE_DEFAULT_LIMIT = 40

# Ansible's documentation markup, as ansible-doc parses it (no nesting, no ")" inside).
_LINK = re.compile(r"\bL\(([^)]+),\s*([^)]+)\)")
_URL = re.compile(r"\bU\(([^)]+)\)")
_CODE = re.compile(r"\b(?:C|V|O|RV|E)\(([^)]+)\)")
_MODULE = re.compile(r"\bM\(([^)]+)\)")
_ITALIC = re.compile(r"\bI\(([^)]+)\)")
_BOLD = re.compile(r"\bB\(([^)]+)\)")
_RULE = re.compile(r"\bHORIZONTALLINE\b")


class SpecError(ValueError):
    """An argument_specs.yml that cannot be rendered."""


def _code(text: str) -> str:
    """``text`` as a Markdown code span (longer fences when it holds backticks)."""
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return "%s%s%s%s%s" % (fence, pad, text, pad, fence)


def markup(text: str) -> str:
    """Turn Ansible documentation markup into Markdown."""
    text = _LINK.sub(lambda m: "[%s](%s)" % (m.group(1).strip(), m.group(2).strip()), text)
    text = _URL.sub(lambda m: "<%s>" % m.group(1).strip(), text)
    text = _CODE.sub(lambda m: _code(m.group(1)), text)
    text = _MODULE.sub(lambda m: _code(m.group(1)), text)
    text = _ITALIC.sub(lambda m: "*%s*" % m.group(1), text)
    text = _BOLD.sub(lambda m: "**%s**" % m.group(1), text)
    return _RULE.sub("---", text)


def _paragraphs(description: Any) -> list[str]:
    if description is None:
        return []
    if isinstance(description, str):
        return [" ".join(description.split())]
    if isinstance(description, list):
        return [" ".join(str(item).split()) for item in description]
    raise SpecError("a description must be a string or a list of strings, not %r" % (description,))


def _cell(text: str) -> str:
    """Make ``text`` safe inside a Markdown table cell."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")


def _yaml(value: Any, flow: bool) -> str:
    text = yaml.safe_dump(value, default_flow_style=flow, sort_keys=False, width=1000, allow_unicode=True)
    if text.endswith("\n...\n"):  # a plain scalar document
        text = text[: -len("...\n")]
    return text.strip()


def type_label(spec: dict[str, Any]) -> str:
    """``str``, ``list of dict``, ..."""
    kind = str(spec.get("type", "str"))
    if kind == "list" and spec.get("elements"):
        return "list of %s" % spec["elements"]
    return kind


def _nested(spec: dict[str, Any]) -> dict[str, Any] | None:
    options = spec.get("options")
    if options and not isinstance(options, dict):
        raise SpecError("options must be a mapping")
    return options or None


def _child_path(path: str, spec: dict[str, Any]) -> str:
    return path + "[]" if spec.get("type") == "list" else path


def _walk(options: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (dotted path of the option table, options) depth first, the top table first."""
    yield prefix, options
    for name, spec in options.items():
        children = _nested(spec or {})
        if children:
            path = _child_path(prefix + "." + name if prefix else name, spec)
            yield from _walk(children, path)


def _anchor(title: str) -> str:
    """GitHub's heading anchor for ``title``."""
    slug = re.sub(r"[^\w\- ]", "", title.strip().lower())
    return slug.replace(" ", "-")


def _option_table(entry: str, path: str, options: dict[str, Any], big_defaults: list[tuple[str, Any]]) -> list[str]:
    lines = [
        "| Option | Type | Required | Default | Choices | Description |",
        "|---|---|---|---|---|---|",
    ]
    for name, raw in options.items():
        spec = raw or {}
        if not isinstance(spec, dict):
            raise SpecError("option %s of entry point %s is not a mapping" % (name, entry))
        full = "%s.%s" % (path, name) if path else name
        default = ""
        if "default" in spec:
            inline = _yaml(spec["default"], flow=True)
            if isinstance(spec["default"], (dict, list)) and len(inline) > INLINE_DEFAULT_LIMIT:
                big_defaults.append((full, spec["default"]))
                default = "see [below](#%s)" % _anchor(_default_title(full, entry))
            else:
                default = _code(inline)
        choices = ", ".join(_code(_yaml(choice, flow=True)) for choice in spec.get("choices") or [])
        description = "<br>".join(markup(p) for p in _paragraphs(spec.get("description")))
        if spec.get("aliases"):
            description += "<br>Aliases: %s." % ", ".join(_code(a) for a in spec["aliases"])
        children = _nested(spec)
        if children:
            child = _child_path(full, spec)
            description += "<br>Options: see [%s](#%s)." % (child, _anchor(_table_title(child, entry)))
        lines.append(
            "| %s | %s | %s | %s | %s | %s |"
            % (
                _code(name),
                _cell(type_label(spec)),
                "yes" if spec.get("required") else "no",
                _cell(default),
                _cell(choices),
                _cell(description),
            )
        )
    return lines


def _suffixed(title: str, entry: str) -> str:
    """Headings name the entry point unless it is main, so anchors stay unique in the file."""
    return title if entry == "main" else "%s (entry point %s)" % (title, entry)


def _table_title(path: str, entry: str) -> str:
    if path.endswith("[]"):
        return _suffixed("Options of each element of %s" % path[:-2], entry)
    return _suffixed("Options of %s" % path, entry)


def _default_title(path: str, entry: str) -> str:
    return _suffixed("Default of %s" % path, entry)


def _entry_point(role: str, entry: str, spec: dict[str, Any]) -> list[str]:
    if not isinstance(spec, dict):
        raise SpecError("entry point %s of role %s is not a mapping" % (entry, role))
    lines = ["## Entry point `%s`" % entry, ""]
    if spec.get("short_description"):
        lines += [markup(" ".join(str(spec["short_description"]).split())), ""]
    for paragraph in _paragraphs(spec.get("description")):
        lines += [markup(paragraph), ""]
    options = spec.get("options") or {}
    if not options:
        return lines + ["This entry point takes no options.", ""]
    big_defaults: list[tuple[str, Any]] = []
    for path, table in _walk(options):
        title = _table_title(path, entry) if path else _suffixed("Options", entry)
        lines += ["### %s" % title, ""]
        lines += _option_table(entry, path, table, big_defaults) + [""]
    for full, value in big_defaults:
        block = _yaml({full.rsplit(".", 1)[-1]: value}, flow=False)
        lines += ["### %s" % _default_title(full, entry), "", "```yaml", block, "```", ""]
    return lines


def render(role_dir: Path, namespace: str = "hardening.aws") -> str:
    """The README.md text of the role in ``role_dir``."""
    role = role_dir.name
    specs_path = role_dir / "meta" / "argument_specs.yml"
    data = yaml.safe_load(specs_path.read_text(encoding="utf-8")) or {}
    entry_points = data.get("argument_specs")
    if not isinstance(entry_points, dict) or not entry_points:
        raise SpecError("%s has no argument_specs mapping" % specs_path)
    lines = [HEADER, "", "# %s.%s" % (namespace, role), ""]
    meta_path = role_dir / "meta" / "main.yml"
    if meta_path.exists():
        meta = yaml.safe_load(meta_path.read_text(encoding="utf-8")) or {}
        description = (meta.get("galaxy_info") or {}).get("description")
        if description:
            lines += [" ".join(str(description).split()), ""]
    lines += [
        "*This file is %s.*" % GENERATED_NOTE.replace("; do not edit", ": edit the specs, not this file"),
        "",
    ]
    for entry, spec in entry_points.items():
        lines += _entry_point(role, entry, spec)
    example = role_dir / "meta" / "example.yml"
    if example.exists():
        lines += ["## Example", "", "```yaml", example.read_text(encoding="utf-8").rstrip("\n"), "```", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _namespace(repo: Path) -> str:
    galaxy = yaml.safe_load((repo / "galaxy.yml").read_text(encoding="utf-8"))
    return "%s.%s" % (galaxy["namespace"], galaxy["name"])


def role_dirs(repo: Path, names: Sequence[str]) -> list[Path]:
    """The role directories named (or every role with argument specs)."""
    if not names:
        return sorted(p.parent.parent for p in (repo / "roles").glob("*/meta/argument_specs.yml"))
    found = []
    for name in names:
        candidate = Path(name)
        role_dir = candidate if candidate.is_dir() else repo / "roles" / name
        if not (role_dir / "meta" / "argument_specs.yml").is_file():
            raise SpecError("%s: no meta/argument_specs.yml in %s" % (name, role_dir))
        found.append(role_dir)
    return found


def _relative(path: Path, repo: Path) -> str:
    try:
        return str(path.resolve().relative_to(repo.resolve()))
    except ValueError:
        return str(path)


def main(argv: Sequence[str] | None = None, repo: Path = REPO) -> int:
    """Write (or with --check, compare) the README.md of each role."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a README is stale")
    parser.add_argument("roles", nargs="*", help="role names or directories (default: every role)")
    args = parser.parse_args(argv)
    try:
        namespace = _namespace(repo)
        stale = []
        for role_dir in role_dirs(repo, args.roles):
            text = render(role_dir, namespace)
            readme = role_dir / "README.md"
            current = readme.read_text(encoding="utf-8") if readme.exists() else None
            if current == text:
                continue
            stale.append(readme)
            if not args.check:
                readme.write_text(text, encoding="utf-8")
                print("wrote %s" % _relative(readme, repo))
    except (OSError, SpecError, yaml.YAMLError, KeyError) as exc:
        sys.stderr.write("role_readme: %s\n" % exc)
        return 2
    if args.check and stale:
        sys.stderr.write(
            "role_readme: stale README (run python scripts/role_readme.py):\n%s\n"
            % "\n".join("  %s" % _relative(p, repo) for p in stale)
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
