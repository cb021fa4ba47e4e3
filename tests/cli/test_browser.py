"""``mfp-console serve`` in a real browser: Debian's Chromium, headless, driven through Debian's ChromeDriver.

Selenium rather than Playwright: it is pure Python, and it speaks W3C WebDriver to ``/usr/bin/chromedriver``,
which Debian builds from the same source as ``/usr/bin/chromium``, so driver and browser always match and
nothing is downloaded (given the driver's path, Selenium skips its Selenium Manager). Playwright's Python
package brings its own Node.js driver, is tied to the browser builds it downloads, and drives another
Chromium only as far as their protocols happen to agree.

What the page shows is read from the terminal itself: textual-serve draws the panel with xterm.js on a
canvas (WebGL), so there is no screen text in the DOM. A script installed before the page's own scripts
catches the xterm.js ``Terminal`` when textual-serve's page code stores it (``this.terminal = …``), and
the test reads its buffer line by line through xterm.js's public buffer API: exactly the characters on
screen. Keys go to xterm.js's input element; clicks go to the terminal's cell at the label's position.

Every wait waits for state (text on the page, a class on the page's body), up to a generous bound.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("textual_serve")
pytest.importorskip("selenium")

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
    pytest.skip(f"no Debian Chromium here ({CHROMIUM}, {CHROMEDRIVER}): apt-get install chromium chromium-driver",
                allow_module_level=True)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]  # one browser at a time on two cores

WAIT = 60.0
"""Seconds any one state may take to show up under load; a wait returns as soon as it is there."""

# The network is closed: without these Chromium keeps trying to reach its services.
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1400,1000",
)

TERMINAL_HOOK = """
(() => {
  // textual-serve keeps its xterm.js Terminal in a closure; catch it when the page's code stores it.
  Object.defineProperty(Object.prototype, 'terminal', {
    configurable: true,
    set(value) {
      Object.defineProperty(this, 'terminal', {value, writable: true, configurable: true, enumerable: true});
      if (value && value.buffer && value.buffer.active) { window.__mfpTerminal = value; }
    },
  });
})();
"""

READ_SCREEN = """
const t = window.__mfpTerminal;
if (!t) { return null; }
const buffer = t.buffer.active, lines = [];
for (let y = 0; y < t.rows; y++) {
  const line = buffer.getLine(buffer.viewportY + y);
  lines.push(line ? line.translateToString(true) : '');
}
return {cols: t.cols, rows: t.rows, lines: lines};
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def flat(lines: list[str]) -> str:
    """The screen's words in reading order without box borders, so sentences wrapped in a box read whole."""
    return " ".join(" ".join(line.strip(" █▀▄▔▁│") for line in lines).split())


class Page:
    """One browser tab on the served panel."""

    def __init__(self, driver: webdriver.Chrome, handle: str) -> None:
        self.driver = driver
        self.handle = handle

    def _front(self) -> webdriver.Chrome:
        if self.driver.current_window_handle != self.handle:
            self.driver.switch_to.window(self.handle)
        return self.driver

    def screen(self) -> dict[str, Any] | None:
        """``{cols, rows, lines}`` of the terminal, or None before the page's terminal exists."""
        return self._front().execute_script(READ_SCREEN)

    def lines(self) -> list[str]:
        screen = self.screen()
        return list(screen["lines"]) if screen else []

    def body_classes(self) -> str:
        return self._front().find_element(By.TAG_NAME, "body").get_attribute("class") or ""

    def wait(self, predicate: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
        """Waits until ``predicate()`` holds; on timeout fails showing what the page shows."""
        try:
            WebDriverWait(self._front(), timeout, poll_frequency=0.1).until(lambda _: predicate())
        except TimeoutException:
            screen = "\n".join(self.lines()) or "(no terminal on the page)"
            body = self._front().find_element(By.TAG_NAME, "body").text
            pytest.fail(f"waited {timeout:.0f} s for {what}; the terminal shows:\n{screen}\npage text: {body!r}")

    def wait_for_text(self, text: str, timeout: float = WAIT) -> None:
        """Waits until ``text`` is on screen; fails at once when the session ended instead."""

        def seen() -> bool:
            if text in flat(self.lines()):
                return True
            if "-closed" in self.body_classes():
                screen = "\n".join(self.lines())
                pytest.fail(f"the session ended before {text!r} showed; the terminal shows:\n{screen}")
            return False

        self.wait(seen, repr(text), timeout)

    def keys(self, *keys: str) -> None:
        """Types into the terminal (xterm.js turns keys into the bytes a terminal sends)."""
        self._front().find_element(By.CSS_SELECTOR, ".xterm-helper-textarea").send_keys(*keys)

    def click_cell(self, column: float, row: int) -> None:
        """A mouse click on the terminal cell at ``column``, ``row`` (0-based; the panel takes it as a touch)."""
        driver = self._front()
        screen_element = driver.find_element(By.CSS_SELECTOR, ".xterm-screen")
        size = self.screen()
        assert size is not None
        rect = screen_element.rect
        cell_w, cell_h = rect["width"] / size["cols"], rect["height"] / size["rows"]
        x = (column + 0.5) * cell_w - rect["width"] / 2  # offsets from the element's centre
        y = (row + 0.5) * cell_h - rect["height"] / 2
        ActionChains(driver).move_to_element_with_offset(screen_element, int(x), int(y)).click().perform()

    def click_label(self, label: str) -> None:
        """Clicks the middle of the lowest place the label is shown (dialogs stand below the panel header)."""
        lines = self.lines()
        for row in range(len(lines) - 1, -1, -1):
            column = lines[row].find(label)
            if column >= 0:
                self.click_cell(column + len(label) / 2, row)
                return
        pytest.fail(f"{label!r} is not on the page:\n" + "\n".join(lines))

    def click_keypad(self, digit: str) -> None:
        """Touches a digit of the login dialog's keypad (right of the ID and PIN fields, whose edge is ▎)."""
        lines = self.lines()
        title = next((i for i, line in enumerate(lines) if "System Manager ID and PIN" in line), None)
        assert title is not None, "the login dialog is not open"
        for row in range(title + 1, len(lines)):
            edge = lines[row].rfind("▎")
            if edge < 0:
                continue
            match = re.search(rf"(?<!\S){digit}(?!\S)", lines[row][edge + 1:])
            if match:
                self.click_cell(edge + 1 + match.start(), row)
                return
        pytest.fail(f"no keypad key {digit!r} on the page:\n" + "\n".join(lines))


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    """Headless Chromium from Debian with a fresh profile; Selenium talks to it through Debian's chromedriver."""
    profile = tempfile.mkdtemp(prefix="mfp-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


class Served:
    """A running ``mfp-console serve`` on loopback, with its own state folder and a virtual clock."""

    def __init__(self, proc: subprocess.Popen[str], url: str, state_dir: Path) -> None:
        self.proc = proc
        self.url = url
        self.state_dir = state_dir
        self.tabs: list[str] = []

    def open(self, driver: webdriver.Chrome) -> Page:
        """Opens the panel in a new tab: textual-serve starts a panel process for it."""
        driver.switch_to.new_window("tab")
        self.tabs.append(driver.current_window_handle)
        # Installed per tab, before the page's own scripts run.
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": TERMINAL_HOOK})
        driver.get(self.url)
        page = Page(driver, driver.current_window_handle)
        page.wait(lambda: page.screen() is not None,
                  "the page's xterm.js terminal (did textual-serve stop storing it as `this.terminal`?)")
        return page

    def published(self) -> list[Path]:
        """The machine addresses the panels of this state folder publish while they run."""
        return sorted((self.state_dir / "run").glob("*.json"))


def _poll(predicate: Callable[[], bool], proc: subprocess.Popen[str], timeout: float = WAIT) -> bool:
    """Polls ``predicate`` until it holds (True) or ``timeout`` passes (False), waiting on the server process
    between polls (never longer than a tenth of a second)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        try:
            proc.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            pass
    return True


def _answers(url: str, proc: subprocess.Popen[str]) -> bool:
    if proc.poll() is not None:
        raise AssertionError(f"mfp-console serve ended with status {proc.returncode}")
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def served(tmp_path: Path, browser: webdriver.Chrome) -> Iterator[Served]:
    port = _free_port()
    state = tmp_path / "state"
    log_path = tmp_path / "serve.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "mfp_console", "serve", "--port", str(port), "--clock", "virtual",
         "--state-dir", str(state)],
        stdout=log, stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    url = f"http://127.0.0.1:{port}/"
    home = browser.current_window_handle
    server = Served(proc, url, state)
    try:
        # The server prints its banner before it binds: poll until it answers.
        assert _poll(lambda: _answers(url, proc), proc), "mfp-console serve did not answer:\n" + log_path.read_text()
        yield server
    finally:
        for handle in server.tabs:  # closing a tab closes its websocket: textual-serve ends that tab's panel
            browser.switch_to.window(handle)
            browser.close()
        browser.switch_to.window(home)
        _poll(lambda: not server.published(), proc)  # the panels stop their fleets (bounded)
        proc.terminate()  # textual-serve stops the panels it still runs, then exits
        try:
            proc.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=WAIT)
        log.close()


def test_ui01_m03_log_in_with_the_keypad_and_open_device_management_in_a_browser(
    served: Served, browser: webdriver.Chrome
) -> None:
    page = served.open(browser)
    page.wait_for_text("<Management Settings>")
    assert "Not logged in" in flat(page.lines())

    page.keys(Keys.F4)  # the Administrator login (M-03)
    page.wait_for_text("System Manager ID and PIN")
    page.keys("7654321")  # the ID from the keyboard (the ID field has the focus)
    page.wait(lambda: any("7654321" in line and "▊" in line for line in page.lines()), "the ID in its field")
    page.click_label("System Manager PIN")  # a touch on the PIN field gives it the focus ...
    for digit in "7654321":  # ... and the PIN comes from the panel's keypad, with the mouse
        page.click_keypad(digit)
    page.wait_for_text("•••••••")
    page.keys(Keys.ENTER)  # Enter in the PIN field is <Log In>
    page.wait_for_text("host: Administrator logged in")

    page.click_label("<Management Settings>")
    page.wait_for_text("<Device Management>")
    page.click_label("<Device Management>")
    page.wait_for_text("<Device Information Distribution Settings>")
    page.click_label("<Device Information Distribution Settings>")
    page.wait_for_text("<Communication Log>")

    lines = page.lines()
    text = flat(lines)
    # The breadcrumb stays on one line: where it is too long, its first levels give way to "…".
    assert any("<Device Management> › <Device Information Distribution Settings>" in line for line in lines)
    for label in ("<Register Destinations>", "<Set Auto Distribution>", "<Manual Distribution>",
                  "<Receiving Settings>", "<Communication Log>"):
        assert label in text
    assert "Administrator" in text and "Not logged in" not in text


def test_a_second_tab_on_the_same_state_folder_says_why_on_the_page(
    served: Served, browser: webdriver.Chrome
) -> None:
    first = served.open(browser)
    first.wait_for_text("<Management Settings>")
    owner = json.loads((served.state_dir / "run" / "host.json").read_text())["pid"]

    second = served.open(browser)  # a second app process on the same state folder
    second.wait_for_text("State folder in use")
    text = flat(second.lines())
    assert f"This fleet's state folder is already in use by another mfp-console process (pid {owner})" in text
    assert "open this one with another --state-dir" in text
    assert "-closed" not in second.body_classes()  # the reason stays on the page until it is closed

    second.click_label("<Close>")
    second.wait(lambda: "-closed" in second.body_classes(), "the page's 'Session ended'")

    first.keys(Keys.F4)  # the first tab still drives its fleet
    first.wait_for_text("System Manager ID and PIN")
