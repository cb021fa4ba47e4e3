"""``mfp-console serve``: the panel offered to a web browser through textual-serve, on loopback by default."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("textual_serve")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_answers_http_on_loopback_with_the_panel_page(tmp_path: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mfp_console", "serve", "--port", str(port), "--state-dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert f"serving the panel on http://127.0.0.1:{port}" in line, line
        deadline = time.monotonic() + 30  # bounded: the web server comes up right after that line
        page = ""
        while not page:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    assert response.status == 200
                    page = response.read().decode("utf-8", "replace")
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                try:
                    proc.wait(timeout=0.05)  # waits on the server process, never longer than this
                except subprocess.TimeoutExpired:
                    pass
        assert "mfp-console" in page
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_serve_refuses_a_port_out_of_range(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mfp_console", "serve", "--port", "70000", "--state-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert "--port 70000" in result.stderr and "Traceback" not in result.stderr
