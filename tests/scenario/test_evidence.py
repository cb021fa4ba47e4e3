"""``mfp-console play --evidence DIR --junit FILE``: the evidence pack a trainer opens and the XML a QA pipeline reads.

End to end through the CLI: a library scenario that holds and a scenario that fails (written here), played
with both options; then the folder (one SVG and one PNG per step that ran, the transcript, the expectations,
a storyboard whose links all resolve and that fetches nothing) and the JUnit XML (the element and attribute
names Jenkins, GitLab and the GitHub report actions read).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from mfp_console.cli.main import main
from mfp_console.scenario.junit import JUnitCase, junit_xml
from mfp_console.scenario.png import PNG_SIGNATURE, PngRenderer, offline_svg, png_size
from tests.scenario.test_cli import FAILING, PASSING

LIBRARY = Path(__file__).resolve().parents[2] / "scenarios"
HOLDS = LIBRARY / "distribution-other-pin.yaml"  # 7 steps, engine-only: an evidence run plays it on the panel

# A name with markup: the storyboard and the XML must show it as text.
FAILS = """\
name: Fails <on purpose> & says why
steps:
  - at: client-a
  - distribute: {categories: [Address Book], to: [client-a]}
  - expect: {data: {machine: client-a, address_book: unchanged}}
  - note: never reached
"""


class _Links(HTMLParser):
    """Every ``href``/``src`` of a page, and whether it has a script."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.links += [value for name, value in attrs if name in ("href", "src") and value]


def _links(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _assert_links_resolve(page: Path) -> list[str]:
    parsed = _links(page)
    assert "script" not in parsed.tags and "link" not in parsed.tags  # no script, no stylesheet or font fetched
    files = [link for link in parsed.links if not link.startswith("#")]
    for link in files:
        assert "://" not in link and not link.startswith("/"), f"{page}: {link} is not a relative link"
        assert (page.parent / link).is_file(), f"{page}: {link} does not exist"
    return files


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One run for the tests that read its evidence and its XML (playing is the slow part)."""
    tmp_path = tmp_path_factory.mktemp("evidence-run")
    failing = tmp_path / "fails.yaml"
    failing.write_text(FAILS, encoding="utf-8")
    evidence = tmp_path / "evidence"
    # An earlier pack in the failing scenario's folder is replaced whole: no stale picture survives.
    stale = evidence / "fails" / "steps" / "step-09-line-99.png"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    (evidence / "fails" / "evidence.json").write_text("{}", encoding="utf-8")
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(out):
        patch.chdir(tmp_path)  # paths relative to the run, as a pipeline writes them
        code = main(["play", "--headless", "--evidence", "evidence", "--junit", "junit.xml", str(HOLDS), "fails.yaml"])
    return {"code": code, "out": out.getvalue(), "evidence": evidence, "stale": stale,
            "junit": tmp_path / "junit.xml"}


def test_evidence_pack_has_a_picture_per_step_a_transcript_and_a_storyboard(played: dict[str, object]) -> None:
    assert played["code"] == 1  # the failing scenario fails the run
    evidence = played["evidence"]
    assert isinstance(evidence, Path)
    assert not Path(str(played["stale"])).exists()
    out = str(played["out"])
    assert "evidence: evidence/distribution-other-pin/index.html" in out
    assert "evidence: evidence/index.html" in out

    for name, ran in (("distribution-other-pin", 7), ("fails", 3)):
        folder = evidence / name
        svgs, pngs = sorted(folder.glob("steps/*.svg")), sorted(folder.glob("steps/*.png"))
        assert len(svgs) == len(pngs) == ran  # the skipped note has no picture
        assert [p.stem for p in pngs] == [s.stem for s in svgs]
        for svg, png in zip(svgs, pngs):
            text = svg.read_text(encoding="utf-8")
            assert text.startswith("<svg") and "url(\"http" not in text  # fonts: local only, nothing fetched
            data = png.read_bytes()
            assert data[:8] == PNG_SIGNATURE
            width, height = png_size(data)
            assert 600 <= width <= 1600 and 300 <= height <= 1200
        transcript = (folder / "transcript.txt").read_text(encoding="utf-8")
        assert "09:00:00 step 1 passed" in transcript
        assert "host: distribution #1 finished" in transcript  # engine events, as the panel's event log has them
        files = _assert_links_resolve(folder / "index.html")
        assert {f"steps/{p.name}" for p in pngs} <= set(files)
        assert {"transcript.txt", "expectations.txt", "evidence.json"} <= set(files)

    holds = (evidence / "distribution-other-pin" / "index.html").read_text(encoding="utf-8")
    assert "A client with another PIN is skipped (NG E-AUTH)" in holds
    assert "expect: {status: {client-a: OK, client-b: NG E-AUTH}}" in holds  # the step's line of YAML
    assert "distribute Address Book from host to client-a, client-b" in holds  # its description
    assert "2026-11-20 09:00:00" in holds  # machine time

    page = (evidence / "fails" / "index.html").read_text(encoding="utf-8")
    assert "Fails &lt;on purpose&gt; &amp; says why" in page and "<on purpose>" not in page
    assert 'class="verdict failed"' in page and 'class="verdict skipped"' in page
    assert "expected</th><td>client-a&#x27;s address_book: unchanged" in page
    assert "actual</th><td>now: 60 entries, at the start: 16 entries" in page
    assert "fails.yaml:5" in page

    expectations = (evidence / "fails" / "expectations.txt").read_text(encoding="utf-8")
    assert "line 5    FAILED" in expectations
    assert "expected: client-a's address_book: unchanged" in expectations
    data = json.loads((evidence / "fails" / "evidence.json").read_text(encoding="utf-8"))
    assert [s["status"] for s in data["steps"]] == ["passed", "passed", "failed", "skipped"]
    assert data["steps"][2]["png"] == "steps/step-03-line-5.png" and data["steps"][3]["svg"] is None
    assert data["svg"] == "steps/step-03-line-5.svg"  # the panel at the failure

    run_index = evidence / "index.html"
    assert set(_assert_links_resolve(run_index)) == {"distribution-other-pin/index.html", "fails/index.html"}


def test_junit_has_one_suite_and_a_case_per_scenario_with_the_failure(played: dict[str, object]) -> None:
    root = ET.parse(str(played["junit"])).getroot()
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    suite = suites[0]
    assert {k: suite.get(k) for k in ("tests", "failures", "errors", "skipped")} == {
        "tests": "2", "failures": "1", "errors": "0", "skipped": "0"}
    assert float(suite.get("time", "x")) > 0 and suite.get("timestamp")
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("scenarios.distribution-other-pin", "A client with another PIN is skipped (NG E-AUTH)"),
        ("fails", "Fails <on purpose> & says why"),
    ]
    for case in cases:
        float(case.get("time", "x"))
        assert "step 1 passed" in (case.findtext("system-out") or "")
    assert cases[0].find("failure") is None
    failure = cases[1].find("failure")
    assert failure is not None and failure.get("type") == "ExpectationFailed"
    assert failure.get("message", "").startswith("fails.yaml:5: step 3 (expect data) failed")
    assert cases[1].get("file") == "fails.yaml" and cases[1].get("line") == "5"
    text = failure.text or ""
    assert "  5 |   - expect: {data: {machine: client-a, address_book: unchanged}}" in text
    assert "expected: client-a's address_book: unchanged" in text and "actual:   now: 60 entries" in text
    assert "evidence: evidence/fails/index.html" in (cases[1].findtext("system-out") or "")


def test_junit_works_without_evidence_and_with_jobs(tmp_path: Path) -> None:
    for name, text in (("a-pass", PASSING), ("b-fail", FAILING)):
        (tmp_path / f"{name}.yaml").write_text(text.replace("name: Passing", "name: A passes"), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mfp_console", "play", "--headless", "--jobs", "2", "--junit", "out/junit.xml",
         "a-pass.yaml", "b-fail.yaml"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, env={**os.environ})
    assert result.returncode == 1, result.stderr
    assert "JUnit XML: out/junit.xml" in result.stdout and "Traceback" not in result.stderr
    suite = ET.parse(tmp_path / "out" / "junit.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "2" and suite.get("failures") == "1"
    cases = suite.findall("testcase")
    assert [c.get("classname") for c in cases] == ["a-pass", "b-fail"]  # file order
    assert cases[0].find("failure") is None and cases[1].find("failure") is not None
    assert "host: distribution #1 finished, 1/2 OK" in (cases[0].findtext("system-out") or "")
    assert not any(tmp_path.glob("**/index.html"))


def test_evidence_refuses_a_folder_holding_other_files_before_playing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.yaml").write_text(PASSING, encoding="utf-8")
    mine = tmp_path / "evidence" / "a" / "notes.txt"
    mine.parent.mkdir(parents=True)
    mine.write_text("mine", encoding="utf-8")
    assert main(["play", "--headless", "--evidence", str(tmp_path / "evidence"), str(tmp_path / "a.yaml")]) == 2
    assert "already holds other files" in capsys.readouterr().err
    assert mine.read_text(encoding="utf-8") == "mine" and sorted(mine.parent.iterdir()) == [mine]


def test_junit_xml_stays_well_formed_with_control_characters() -> None:
    case = JUnitCase("bell\x07 <&>", "x.bell", "x.yaml", 3, 0.5, "failed", "x.yaml:3: \x1b[31m", "details\x00",
                     ("09:00:00 \x0c line",))
    text = ET.tostring(junit_xml([case]).getroot(), encoding="unicode")
    parsed = ET.fromstring(text).find("testsuite/testcase")
    assert parsed is not None and parsed.get("name") == "bell\ufffd <&>"
    assert parsed.find("failure") is not None and parsed.get("line") == "3"


def test_offline_svg_keeps_local_fonts_and_drops_remote_ones() -> None:
    svg = ('<svg viewBox="0 0 10 10"><style>@font-face { font-family: "Fira Code";\n'
           '  src: local("FiraCode-Regular"),\n          url("https://cdn.example/f.woff2") format("woff2"),\n'
           '          url("https://cdn.example/f.woff") format("woff");\n}\n'
           '.t { font-family: arial; }</style></svg>')
    out = offline_svg(svg)
    assert 'src: local("FiraCode-Regular");' in out and "https://" not in out
    assert "font-family: arial, sans-serif;" in out


async def test_png_renderer_renders_once_per_distinct_picture_and_reports_a_bad_one(tmp_path: Path) -> None:
    square = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20"><rect width="40" height="20" fill="red"/></svg>'
    for name, text in (("a", square), ("b", square), ("bad", "<svg not really")):
        (tmp_path / f"{name}.svg").write_text(text, encoding="utf-8")
    renderer = PngRenderer()
    await renderer.start()
    for name in ("a", "b", "bad"):
        renderer.submit(tmp_path / f"{name}.svg", tmp_path / f"{name}.png")
    results = await renderer.finish()
    assert [(r.png.name if r.png else None, r.size) for r in results] == [("a.png", (40, 20)), ("b.png", (40, 20)),
                                                                          (None, (0, 0))]
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert results[2].problem and not (tmp_path / "bad.png").exists()
