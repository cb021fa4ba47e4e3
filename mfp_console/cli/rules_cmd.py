"""``mfp-console rules [ID…]``: for each behaviour rule, the tests and scenarios that prove it.

Tests name the rules they prove with ``@pytest.mark.rules("DID-14")``; scenarios with ``covers:``. Both are
read from a checkout without running anything (the test files are parsed, the scenario files loaded as
YAML), so the answer comes in well under a second. ``--markdown`` prints the table kept in ``docs/rules.md``.
"""

from __future__ import annotations

import argparse
import ast
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from mfp_console.cli.common import EXIT_FAILED, EXIT_INVALID, EXIT_OK
from mfp_console.domain.rules import RULES, rule_sort_key

__all__ = ["RuleCoverage", "add_rules_command", "cmd_rules", "rule_coverage", "rules_markdown"]


@dataclass
class RuleCoverage:
    """What proves one rule."""

    rule: str
    title: str
    tests: list[str] = field(default_factory=list)
    scenarios: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        """JSON-ready data."""
        return {"rule": self.rule, "title": self.title, "tests": self.tests, "scenarios": self.scenarios}


def add_rules_command(sub: argparse._SubParsersAction,  # type: ignore[type-arg]
                      add_options: Callable[[argparse.ArgumentParser], None]) -> None:
    """Adds the ``rules`` command."""
    rules = sub.add_parser(
        "rules",
        help="list, for each behaviour rule, the tests and scenarios that prove it",
        description="Reads the tests (@pytest.mark.rules) and scenarios (covers:) of a checkout.",
    )
    rules.add_argument("ids", nargs="*", metavar="ID", help="rule IDs such as DID-14 (default: every rule)")
    rules.add_argument("--root", type=Path, default=None,
                       help="the checkout to read (default: the one holding the working directory)")
    rules.add_argument("--json", action="store_true", help="print JSON")
    rules.add_argument("--markdown", action="store_true", help="print the docs/rules.md table")
    rules.add_argument("--uncovered", action="store_true", help="list only rules nothing proves (exit 1 if any)")
    add_options(rules)  # accepted like everywhere, not used: the rules are read from the checkout
    rules.set_defaults(func=cmd_rules)


def find_checkout(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding ``tests/`` and ``scenarios/`` beside ``pyproject.toml``."""
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "tests").is_dir():
            return folder
    return None


def _marked_tests(path: Path, root: Path) -> Iterable[tuple[str, str]]:
    """``(rule, test id)`` for every ``@pytest.mark.rules(...)`` in one test file."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return
    where = path.relative_to(root).as_posix()

    def visit(body: list[ast.stmt], prefix: str) -> Iterable[tuple[str, str]]:
        for node in body:
            if isinstance(node, ast.ClassDef):
                yield from visit(node.body, f"{prefix}{node.name}::")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for decorator in node.decorator_list:
                    if (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
                            and decorator.func.attr == "rules"):
                        for arg in decorator.args:
                            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                                yield arg.value, f"{where}::{prefix}{node.name}"

    yield from visit(tree.body, "")


def _scenario_covers(path: Path) -> list[str]:
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return []
    covers = doc.get("covers", []) if isinstance(doc, dict) else []
    return [c for c in covers if isinstance(c, str)] if isinstance(covers, list) else []


def rule_coverage(root: Path) -> list[RuleCoverage]:
    """Every rule with what proves it, in the order the rules are written."""
    table = {rule: RuleCoverage(rule, title) for rule, title in RULES.items()}
    for path in sorted((root / "tests").rglob("test_*.py")):
        for rule, test in _marked_tests(path, root):
            if rule in table and test not in table[rule].tests:
                table[rule].tests.append(test)
    for path in sorted((root / "scenarios").glob("*.yaml")):
        for rule in _scenario_covers(path):
            if rule in table:
                table[rule].scenarios.append(path.relative_to(root).as_posix())
    return [table[rule] for rule in sorted(table, key=rule_sort_key)]


def rules_markdown(rows: list[RuleCoverage]) -> str:
    """The table of ``docs/rules.md``."""
    lines = [
        "# Rules and what proves them",
        "",
        "Generated by `mfp-console rules --markdown > docs/rules.md` (a test checks it is current). Tests name",
        "the rules they prove with `@pytest.mark.rules(\"DID-14\")`, scenarios with `covers:`.",
        "",
        "| Rule | What it is about | Tests | Scenarios |",
        "| --- | --- | ---: | --- |",
    ]
    for row in rows:
        scenarios = ", ".join(f"`{Path(s).stem}`" for s in row.scenarios) or "–"
        lines.append(f"| {row.rule} | {row.title} | {len(row.tests)} | {scenarios} |")
    return "\n".join(lines) + "\n"


def cmd_rules(args: argparse.Namespace) -> int:
    """Runs ``mfp-console rules``."""
    root = args.root or find_checkout(Path.cwd())
    if root is None or not (root / "tests").is_dir():
        print("mfp-console rules: run it inside a checkout of mfp-console (or give --root)")
        return EXIT_INVALID
    wanted = [i.upper() for i in args.ids]
    unknown = [i for i in wanted if i not in RULES]
    if unknown:
        print(f"mfp-console rules: unknown rule ID {', '.join(unknown)} (IDs look like DID-14)")
        return EXIT_INVALID
    rows = [r for r in rule_coverage(root) if not wanted or r.rule in wanted]
    if args.uncovered:
        rows = [r for r in rows if not r.tests and not r.scenarios]
    if args.markdown:
        print(rules_markdown(rows), end="")
    elif args.json:
        print(json.dumps([r.to_json() for r in rows], indent=1, allow_nan=False))
    else:
        for row in rows:
            print(f"{row.rule}  {row.title}")
            for test in row.tests:
                print(f"    test      {test}")
            for scenario in row.scenarios:
                print(f"    scenario  {scenario}")
            if not row.tests and not row.scenarios:
                print("    (nothing proves it yet)")
    return EXIT_FAILED if args.uncovered and rows else EXIT_OK
