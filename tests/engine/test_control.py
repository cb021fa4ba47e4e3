"""The control channel ``fleet status`` and ``fleet ping`` use to ask another process (engine/net/control.py)."""

from __future__ import annotations

import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mfp_console.engine.net.control import (
    ControlError,
    ControlServer,
    ask,
    control_socket_path,
)

pytestmark = pytest.mark.skipif(not ControlServer.available(), reason="needs Unix sockets")


async def _answer(request: dict[str, Any]) -> dict[str, Any]:
    return {"echo": request["op"]} if request["op"] != "fail" else {"error": "refused on purpose"}


@pytest.fixture
def short_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="mfp-", dir="/tmp"))  # short enough for a socket path
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


async def test_the_socket_is_a_0600_file_in_a_0700_folder_of_the_state_folder(short_dir: Path) -> None:
    path = control_socket_path(short_dir)
    assert Path(path).parent == short_dir.resolve() / "run" / "control"
    server = ControlServer(path, _answer)
    await server.start()
    try:
        assert stat.S_IMODE(Path(path).stat().st_mode) == 0o600
        assert stat.S_IMODE(Path(path).parent.stat().st_mode) == 0o700
        assert await ask(path, {"op": "status"}) == {"echo": "status"}
        with pytest.raises(ControlError, match="refused on purpose"):
            await ask(path, {"op": "fail"})
    finally:
        await server.close()
    assert not Path(path).exists()
    with pytest.raises(ControlError, match="cannot be asked"):
        await ask(path, {"op": "status"})


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="abstract sockets are Linux's")
async def test_a_state_folder_too_deep_for_a_socket_path_gets_an_abstract_socket(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    path = control_socket_path(deep)
    assert path.startswith("@mfp-console-")
    server = ControlServer(path, _answer)
    await server.start()
    try:
        assert await ask(path, {"op": "ping"}) == {"echo": "ping"}
        assert not deep.exists()  # no file anywhere, not even in the temporary folder
    finally:
        await server.close()


async def test_a_request_that_is_not_one_is_answered_with_an_error(short_dir: Path) -> None:
    import asyncio

    path = control_socket_path(short_dir)
    server = ControlServer(path, _answer)
    await server.start()
    try:
        reader, writer = await asyncio.open_unix_connection(path)
        writer.write(b'{"op": 1}\n')
        await writer.drain()
        assert b"'op'" in await reader.readline()
        writer.close()
    finally:
        await server.close()
