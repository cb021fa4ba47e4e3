"""Bad files through the real CLI: broken fleet files, and a few scenario files via ``mfp-console check``, give
``file:line:column`` problems and exit 2, never a traceback.

Every file goes through the CLI's ``main`` in a process of its own making: ONE child process runs them all
(one Python start-up instead of 28, ~12 s less on two loaded cores), each with its own output captured, any
exception that escapes ``main`` written out as the traceback a person would see, and a 20 s alarm per file so
a file that hangs the reader (an alias bomb) fails that file's test rather than the run. A missing fleet file
still goes through ``python -m mfp_console`` itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

GOOD_MACHINE = "  - name: host\n    model: iR-ADV C5560\n    series: iR-ADV C5500\n"

# (file name, content, the line the first problem must name (None: the file as a whole), words it must say)
FLEET_FILES: list = [
    ("unknown-key", b"fleet:\n  name: x\n  concurency: 2\nmachines:\n" + GOOD_MACHINE.encode(), 3, "concurrency"),
    ("bad-indent", b"machines:\n  - name: host\n    model: m\n   series: s\n", 4, "YAML syntax error"),
    ("unquoted-pin", b"machines:\n  - name: host\n    model: m\n    series: s\n"
     b"    system_manager: {id: 7654321, pin: \"12\"}\n", 5, "in quotes"),
    ("long-pin", b"machines:\n  - name: host\n    model: m\n    series: s\n"
     b"    system_manager: {id: \"1\", pin: \"123456789\"}\n", 5, "PIN"),
    ("duplicate-name", b"machines:\n" + GOOD_MACHINE.encode() * 2, 5, "used twice"),
    ("missing-model", b"machines:\n  - name: host\n    series: s\n", 2, "model"),
    ("bad-name", b"machines:\n  - name: Host_1\n    model: m\n    series: s\n", 2, "lowercase"),
    ("seed-typo", b"machines:\n" + GOOD_MACHINE.encode() + b"    seed: bnech\n", 5, "bench"),
    ("function-typo", b"machines:\n" + GOOD_MACHINE.encode() + b"    functions: [distribution_sendr]\n", 5,
     "distribution_sender"),
    ("bad-limit", b"fleet:\n  destination_limit: -4\nmachines:\n" + GOOD_MACHINE.encode(), 2, "whole number"),
    ("bad-generate", b"machines:\n" + GOOD_MACHINE.encode() + b"generate:\n  count: many\n", 6, "count"),
    ("machines-not-list", b"machines: host\n", 1, "non-empty list"),
    ("top-level-list", b"- host\n- client\n", 1, "mapping"),
    ("tab-indent", b"machines:\n\t- name: host\n", 2, ""),
    ("unclosed-flow", b"machines: [\n", 2, "YAML syntax error"),
    ("empty", b"", None, "mapping"),
    ("binary", b"\xff\xfe\x00\x01garbage", None, "UTF-8"),
    ("huge-int", b"machines:\n" + GOOD_MACHINE.encode() + b"    router_distance: " + b"9" * 5000 + b"\n", 5,
     "cannot read this value"),
    # Issue 17: each of these hung, raised a traceback, or was silently accepted before.
    ("alias-bomb", b"".join(
        b"l%d: &a%d [%s]\n" % (level, level, b", ".join([b"*a%d" % (level - 1) if level else b"x"] * 9))
        for level in range(9)) + b"machines:\n" + GOOD_MACHINE.encode(), 1, "anchor"),
    ("self-alias", b"machines: &m [*m]\n", 1, "anchor"),
    ("superscript-port", b"machines:\n" + GOOD_MACHINE.encode() + "    address: \"127.0.0.1:\u00b2\"\n".encode(),
     5, "host:port"),
    ("duplicate-key", b"machines:\n" + GOOD_MACHINE.encode() + b"    model: iR-ADV C3530\n", 5, "written twice"),
    ("infinite-rate", b"fleet:\n  update_seconds_per_mib: .inf\nmachines:\n" + GOOD_MACHINE.encode(), 2, "from 0 to"),
    ("nan-rate", b"fleet:\n  update_seconds_per_mib: .nan\nmachines:\n" + GOOD_MACHINE.encode(), 2, "from 0 to"),
    ("deep-nesting", b"machines:\n" + GOOD_MACHINE.encode() + b"    location: " + b"[" * 400 + b"]" * 400 + b"\n", 5,
     "levels deep"),
]

SCENARIO_FILES: list[tuple[str, bytes, int, str]] = [
    ("unknown-step", b"name: broken\nclock: 2026-11-20 09:00\nsteps:\n  - do: teleport\n", 4, "unknown step"),
    ("tab", b"name: x\nsteps:\n  - at: host\n  \tpress: foo\n", 4, "tab"),
    ("unclosed", b"steps: [\n", 2, "YAML syntax error"),
]


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mfp_console", *args], cwd=cwd, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )


# Runs each argv through mfp_console.cli.main.main in this one child; prints [[code, stdout, stderr], ...].
_BATCH = """
import contextlib, io, json, signal, sys, traceback
from mfp_console.cli.main import main

def hung(signum, frame):
    raise TimeoutError("the CLI did not finish within 20 s")

signal.signal(signal.SIGALRM, hung)
results = []
for argv in json.loads(sys.stdin.read()):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        signal.alarm(20)
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code
        except BaseException:
            traceback.print_exc()
            code = 1
        finally:
            signal.alarm(0)
    results.append([code, out.getvalue(), err.getvalue()])
print(json.dumps(results))
"""


def run_cli_batch(argvs: list[list[str]], cwd: Path) -> list[subprocess.CompletedProcess[str]]:
    """Each argv through the CLI's ``main`` in one child process (see the module's docstring)."""
    done = subprocess.run([sys.executable, "-c", _BATCH], input=json.dumps(argvs), cwd=cwd, capture_output=True,
                          text=True, timeout=30 + 20 * len(argvs), env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout.splitlines()[-1])
    return [subprocess.CompletedProcess(argv, code, out, err) for argv, (code, out, err) in zip(argvs, results)]


@pytest.fixture(scope="module")
def refusals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, subprocess.CompletedProcess[str]]]:
    """Every broken fleet file through ``fleet status`` and every scenario file through ``check``, in one batch."""
    root = tmp_path_factory.mktemp("bad-files")
    paths: dict[str, Path] = {}
    argvs: list[list[str]] = []
    for name, content, _, _ in FLEET_FILES:
        paths[name] = root / f"{name}.yaml"
        paths[name].write_bytes(content)
        argvs.append(["fleet", "status", "--fleet", str(paths[name]), "--state-dir", str(root / name / "state")])
    for name, content, _, _ in SCENARIO_FILES:
        paths[f"scenario-{name}"] = root / f"scenario-{name}.yaml"
        paths[f"scenario-{name}"].write_bytes(content)
        argvs.append(["check", str(paths[f"scenario-{name}"])])
    results = run_cli_batch(argvs, root)
    return {key: (path, result) for (key, path), result in zip(paths.items(), results)}


def check_refusal(done: subprocess.CompletedProcess[str], path: Path, line: int | None, words: str) -> None:
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output
    assert done.returncode == 2, output
    first = done.stderr.splitlines()[0] if done.stderr else done.stdout.splitlines()[0]
    prefix = f"{path}:{line}:" if line is not None else f"{path}:"
    assert first.startswith(prefix), f"expected {prefix!r}, got {first!r}"
    assert words in output, output


@pytest.mark.parametrize(("name", "content", "line", "words"), FLEET_FILES, ids=[f[0] for f in FLEET_FILES])
def test_broken_fleet_file_is_reported_with_its_line_and_exit_2(
    refusals: dict, name: str, content: bytes, line: int | None, words: str
) -> None:
    path, result = refusals[name]
    check_refusal(result, path, line, words)
    assert not (path.parent / name / "state" / "machines").exists(), "a broken fleet file must not start anything"


def test_missing_fleet_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    done = run_cli("fleet", "status", "--fleet", str(path), "--state-dir", str(tmp_path / "state"), cwd=tmp_path)
    check_refusal(done, path, None, "cannot read")


@pytest.mark.parametrize(("name", "content", "line", "words"), SCENARIO_FILES, ids=[f[0] for f in SCENARIO_FILES])
def test_broken_scenario_file_is_reported_by_check(
    refusals: dict, name: str, content: bytes, line: int, words: str
) -> None:
    path, result = refusals[f"scenario-{name}"]
    check_refusal(result, path, line, words)
