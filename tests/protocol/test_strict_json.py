"""JSON with no non-finite numbers, read or written (issue 17, item 2).

A number too large for a float (``1e400``) used to read as ``inf``: a pushed value became ``Infinity`` in
the store, and every client that pulled the user afterwards failed on it. The one strict reader refuses it
like ``NaN``/``Infinity``, and no encoder of the project may write a non-finite number.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import mfp_console
from mfp_console.errors import RemoteProtocolError
from mfp_console.protocol.framing import HEADER_SIZE, FrameDecoder
from mfp_console.strict_json import JsonRefusal, loads_strict, raw_decode_strict

PACKAGE = Path(mfp_console.__file__).parent

NON_FINITE = ["1e400", "-1e400", "1E400", "1e+400", "-0.5e999", "Infinity", "-Infinity", "NaN"]


@pytest.mark.parametrize("number", NON_FINITE)
def test_a_non_finite_number_is_refused_wherever_it_stands(number: str) -> None:
    for text in (number, f"[0, {number}]", f'{{"a": {{"b": [{number}]}}}}'):
        with pytest.raises(JsonRefusal, match="too large for a float|which JSON does not allow"):
            loads_strict(text)
        with pytest.raises(JsonRefusal):
            raw_decode_strict(f"  {text} ", 2)


@pytest.mark.parametrize("text", ["1.7976931348623157e308", "-1e308", "1e-400", "0.1", "1" + "0" * 400])
def test_large_but_finite_numbers_still_read(text: str) -> None:
    assert loads_strict(text) == json.loads(text)


def test_raw_decode_strict_reads_one_value_and_says_where_it_ends() -> None:
    assert raw_decode_strict('{"a": [1, 2.5]} tail', 0) == ({"a": [1, 2.5]}, 15)
    with pytest.raises(JsonRefusal, match="repeats the key 'a'"):
        raw_decode_strict('{"a": 1, "a": 2}')


@pytest.mark.parametrize("number", ["1e400", "-1e400"])
def test_a_pushed_value_that_overflows_ends_the_frame_stream(number: str) -> None:
    """The sync push that poisoned a user's data for good is refused at the frame."""
    body = (
        '{"v":1,"type":"sync_push","records":[{"user":"ann","item":"home_screen","value":%s,'
        '"version":2,"range":"shared"}]}' % number
    ).encode()
    decoder = FrameDecoder()
    decoder.feed(len(body).to_bytes(HEADER_SIZE, "big") + body)
    with pytest.raises(RemoteProtocolError, match=f"frame body holds the number {number}, which is too large"):
        decoder.next_frame()


# --- the source: every encoder refuses NaN and infinities; every decoder is the strict one ----------------

_ENCODERS = {"dumps", "dump", "JSONEncoder"}
_DECODERS = {"loads", "load", "JSONDecoder"}
# bench/ passes its own measurements between its processes and cli/ prints reports; neither reads data
# that came from a peer or a file, and neither writes a store, a frame or an export.
_NOT_DATA = ("bench",)


def _json_calls(names: set[str]) -> list[tuple[Path, ast.Call]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in _NOT_DATA:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "json"
                    and node.func.attr in names):
                found.append((relative, node))
    return found


def test_every_json_encoder_refuses_nan_and_infinities() -> None:
    calls = _json_calls(_ENCODERS)
    assert len(calls) >= 10  # the check below must look at something
    missing = [
        f"{path}:{call.lineno}: json.{call.func.attr}(...) without allow_nan=False"  # type: ignore[attr-defined]
        for path, call in calls
        if not any(k.arg == "allow_nan" and isinstance(k.value, ast.Constant) and k.value.value is False
                   for k in call.keywords)
    ]
    assert not missing, "\n".join(missing)


def test_json_is_decoded_only_by_the_strict_reader() -> None:
    """Frames, kept documents, store rows, export and backup files all go through strict_json."""
    calls = [(path, call) for path, call in _json_calls(_DECODERS) if path != Path("strict_json.py")]
    assert not calls, "\n".join(f"{path}:{call.lineno}: json.{call.func.attr}" for path, call in calls)  # type: ignore[attr-defined]
