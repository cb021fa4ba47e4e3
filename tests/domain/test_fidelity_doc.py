"""``docs/fidelity.md`` quotes every sentence of the two Canon seed pages, in order, so it cannot silently
fall behind them (issue 13).

The seed pages live outside the repository (``/work/shared/seeds`` in the project's workplace, or the folder
named by ``MFP_SEEDS_DIR``); where they are absent the comparison is skipped, the splitter's own tests run.
The splitting rule is the one the doc states under "How to read the tables".
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "fidelity.md"
SEEDS = Path(os.environ.get("MFP_SEEDS_DIR", "/work/shared/seeds"))
SEED_FILES = ("device-information-distribution.txt", "personalized-data-sync.txt")

_DROPPED_LINE = re.compile(r"(?:Step\s+)?\d+|[0-9A-Z]{4}-[0-9A-Z]{3}")
"""Step numbers (``1``, ``Step 1``) and the page code (``6A43-0H3``): not sentences."""

_CLOSERS = ")\"'"
_STARTERS = "<[(*"


def _collapse(text: str) -> str:
    """One blank for every run of blanks (the seeds keep a blank, or a no-break space, where the manual
    prints an arrow or a key's icon)."""
    return " ".join(text.split())


def seed_sentences(text: str) -> list[str]:
    """Splits a seed page into sentences: per line, at a ``.``/``?``/``!`` (and any closing bracket or
    quote) followed by blanks and a capital, ``<``, ``[``, ``(`` or ``*``, never inside ``<…>`` or ``[…]``
    (``<Settings/Regist. Value>`` is one label)."""
    found: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or _DROPPED_LINE.fullmatch(line):
            continue
        depth = start = i = 0
        while i < len(line):
            char = line[i]
            if char in "<[":
                depth += 1
            elif char in ">]" and depth:
                depth -= 1
            elif char in ".?!" and not depth:
                end = i + 1
                while end < len(line) and line[end] in _CLOSERS:
                    end += 1
                nxt = end
                while nxt < len(line) and line[nxt].isspace():
                    nxt += 1
                if nxt > end and nxt < len(line) and (line[nxt].isupper() or line[nxt] in _STARTERS):
                    found.append(_collapse(line[start:end]))
                    start = i = nxt
                    continue
            i += 1
        found.append(_collapse(line[start:]))
    return found


def doc_section(doc: str, seed_file: str) -> str:
    """The part of the doc under the ``## `` heading that names ``seed_file``, up to the next ``## ``."""
    match = re.search(rf"^## [^\n]*{re.escape(seed_file)}[^\n]*$", doc, re.MULTILINE)
    assert match, f"docs/fidelity.md has no '## ' heading naming {seed_file}"
    rest = doc[match.end():]
    following = re.search(r"^## ", rest, re.MULTILINE)
    return rest[: following.start()] if following else rest


def test_splitter_keeps_labels_whole_and_drops_step_numbers() -> None:
    page = (
        "Press <On>, and press <Next>. If the data for <Settings/Regist. Value> are not restored.\n"
        "1\nStep 2\n6A43-0H3\n"
        "Press \u00a0(Settings/Registration).\n"
        "before starting. (The data is deleted.)\n"
        "cannot be distributed.\u00a0Changing the System Manager ID and PIN\n"
        "set to [Delete Oldest User Settings] and can no longer be changed. [Action When Exceeded]\n"
        "use 1,000 users, e.g. x.y here.\n"
    )
    assert seed_sentences(page) == [
        "Press <On>, and press <Next>.",
        "If the data for <Settings/Regist. Value> are not restored.",
        "Press (Settings/Registration).",
        "before starting.",
        "(The data is deleted.)",
        "cannot be distributed.",
        "Changing the System Manager ID and PIN",
        "set to [Delete Oldest User Settings] and can no longer be changed.",
        "[Action When Exceeded]",
        "use 1,000 users, e.g. x.y here.",
    ]


def test_doc_section_stops_at_the_next_heading() -> None:
    doc = "# T\n## Seed page 1: `a.txt`\none\n## Seed page 2: `b.txt`\ntwo\n## Other\nthree\n"
    assert doc_section(doc, "a.txt").strip() == "one"
    assert doc_section(doc, "b.txt").strip() == "two"


@pytest.mark.parametrize("seed_file", SEED_FILES)
def test_every_seed_sentence_is_in_the_doc_in_order(seed_file: str) -> None:
    path = SEEDS / seed_file
    if not path.is_file():
        pytest.skip(f"seed page not found: {path} (set MFP_SEEDS_DIR)")
    sentences = seed_sentences(path.read_text(encoding="utf-8"))
    assert len(sentences) > 20, "the splitter found almost nothing: has the seed's format changed?"
    section = _collapse(doc_section(DOC.read_text(encoding="utf-8"), seed_file))
    position = 0
    for number, sentence in enumerate(sentences, 1):
        found = section.find(sentence, position)
        assert found >= 0, (
            f"docs/fidelity.md does not quote sentence {number} of {seed_file} after sentence {number - 1}: "
            f"{sentence!r}"
        )
        position = found + len(sentence)


# --- what the "Where the emulator shows it" cells name must exist ------------------------------------------

ROOT = DOC.parents[1]
_KEBAB = re.compile(r"`([a-z0-9]+(?:-[a-z0-9]+)+)`")
_TEST_REF = re.compile(r"`(tests/[\w/]+\.py(?:::\w+)*)`")
_PATH = re.compile(r"(\[DID\]|\[SYNC\]|`Settings/Registration`)((?: › `[^`]+`)+)")
_PATH_STARTS = {"[DID]": "did", "[SYNC]": "sync", "`Settings/Registration`": "settings"}


def _tables(doc: str) -> str:
    """The two seed tables and the decisions: where the doc says what the emulator shows (the open
    differences may name a real machine's screens the emulator does not have)."""
    end = doc.index("## Open differences")
    return doc[doc.index("## Seed page 1"):end]


@pytest.mark.rules("UI-01")
def test_scenario_names_in_the_doc_are_scenarios_of_the_library() -> None:
    """Every scenario the doc names (a backticked kebab-case name) is a file under ``scenarios/``."""
    library = {path.stem for path in (ROOT / "scenarios").glob("*.yaml")}
    named = set(_KEBAB.findall(DOC.read_text(encoding="utf-8")))
    assert named - library == set(), "docs/fidelity.md names scenarios that do not exist"


def test_tests_named_in_the_doc_exist() -> None:
    """Every ``tests/…py::test_…`` the doc names is a file with that class and test in it."""
    missing = []
    for ref in set(_TEST_REF.findall(DOC.read_text(encoding="utf-8"))):
        file, *names = ref.split("::")
        path = ROOT / file
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        if not text or any(not re.search(rf"(?:def|class) {name}\b", text) for name in names):
            missing.append(ref)
    assert sorted(missing) == [], "docs/fidelity.md names tests that do not exist"


_CHAIN = re.compile(r"`<[^`]+>`(?: › `[^`]+`)+")
_BREADCRUMB = re.compile(r"`(Settings/Registration(?: › <[^`<>]+>)+)`")


def _paths(text: str) -> list[tuple[str, list[str]]]:
    """(where the path starts, its labels) for every path written out: from [DID]/[SYNC] or
    ``Settings/Registration`` (also as one breadcrumb), or from one of ``Settings/Registration``'s own
    buttons (``<Management Settings>`` › …)."""
    from mfp_console.domain.menu import MENU_TREE

    found = [(_PATH_STARTS[start], re.findall(r"`([^`]+)`", rest)) for start, rest in _PATH.findall(text)]
    found += [("settings", crumb.split(" › ")[1:]) for crumb in _BREADCRUMB.findall(text)]
    for chain in _CHAIN.findall(text):
        labels = re.findall(r"`([^`]+)`", chain)
        if MENU_TREE.child(labels[0]) is not None:
            found.append(("settings", labels))
    return found


@pytest.mark.rules("UI-01")
def test_screen_paths_in_the_doc_are_paths_of_the_menu_tree() -> None:
    """Every path written ``Settings/Registration`` › ``<…>`` › … (or from [DID]/[SYNC], or from one of the
    top menu's buttons) in the tables follows the panel's menu tree down to a screen; the labels after a
    screen are that screen's own keys."""
    from mfp_console.domain.menu import node_by_key

    paths = _paths(_tables(DOC.read_text(encoding="utf-8")))
    assert len(paths) > 20, "the doc's paths were not found: has their notation changed?"
    wrong = []
    for start, labels in paths:
        node = node_by_key(start)
        for label in labels:
            if node.is_screen:
                break  # the screen's own keys and fields follow
            child = node.child(label)
            if child is None:
                wrong.append(f"{' › '.join(labels)}: no {label} under {node.panel_label}")
                break
            node = child
    assert wrong == []
