r"""Length-prefixed frames: the byte layer every conversation between machines runs on.

A frame is a 4-byte big-endian unsigned header followed by a body. The header's low 31 bits are the
body's length; its top bit (:data:`RAW_FRAME_FLAG`) says what the body is:

* clear: a *JSON frame*, whose body is UTF-8 JSON with an object at the top level
  (:func:`encode_frame`);
* set: a *raw frame*, whose body is opaque bytes that are not parsed at all (:func:`encode_raw_frame`),
  so a large block of binary data needs no escaping into a JSON string.

Neither kind of body may be empty. Nothing here knows about message types or order; that is
:mod:`mfp_console.protocol.messages` and :mod:`mfp_console.protocol.conversation`.

The decoder is deliberately strict and defensive because its input comes from another machine:

* the size limit, for both kinds of frame, is checked from the 4-byte header alone, so an oversized
  frame is refused before a single byte of its body is buffered; so is a raw frame larger than
  :attr:`FrameDecoder.raw_budget`, which the conversation sets while a peer sends what it announced;
* JSON that Python would accept but other peers might not (``NaN``/``Infinity``, duplicate keys, lone
  surrogate escapes such as ``"\ud800"``) is refused, so every decoded frame can be re-encoded (the
  rules are :func:`mfp_console.strict_json.loads_strict`'s, shared with the store's kept documents);
* every failure, including pathological nesting and over-long integers, surfaces as
  :class:`~mfp_console.errors.RemoteProtocolError` and leaves the decoder failed for good, because the
  byte stream has no resynchronisation point after a bad frame.

Buffering uses one ``bytearray`` and a read offset; consumed bytes are dropped only once they are at
least half the buffer, so decoding a stream costs O(n) however it is cut into pieces. The body of a raw
frame that has not arrived whole is kept as the pieces it comes in and joined once, when it is complete.
"""

from __future__ import annotations

import json
import struct
from typing import Any, NoReturn

from mfp_console.errors import LocalProtocolError, RemoteProtocolError
from mfp_console.limits import FRAME_BYTES
from mfp_console.strict_json import JsonRefusal, loads_strict

__all__ = [
    "DEFAULT_MAX_FRAME",
    "HEADER_SIZE",
    "RAW_FRAME_FLAG",
    "FrameDecoder",
    "encode_frame",
    "encode_raw_frame",
    "json_kind",
]

DEFAULT_MAX_FRAME = FRAME_BYTES
"""The largest frame body (in bytes, header excluded) a decoder accepts unless told otherwise
(:data:`mfp_console.limits.FRAME_BYTES`)."""

RAW_FRAME_FLAG = 0x80000000
"""The header bit that marks a raw frame; the header's other 31 bits are the body's length."""

_HEADER = struct.Struct(">I")
HEADER_SIZE = _HEADER.size
"""Bytes in a frame header (the raw-frame flag and the body's length)."""

_MAX_WIRE_LENGTH = RAW_FRAME_FLAG - 1  # the largest length the header's 31 length bits can carry


def encode_frame(obj: dict[str, Any]) -> bytes:
    r"""Encodes one JSON object as a frame.

    The JSON is compact (no spaces after separators), keeps key order and writes non-ASCII text as
    UTF-8 rather than ``\u`` escapes, so a frame's size is close to its text's size.

    Args:
        obj: The frame body; must be a JSON-serialisable ``dict``.

    Returns:
        The header followed by the UTF-8 body.

    Raises:
        LocalProtocolError: ``obj`` is not a dict, holds something JSON cannot carry (a set, NaN, a lone
            surrogate), or its body is 2**31 bytes or more (too long for the header's 31 length bits).
    """
    if not isinstance(obj, dict):
        raise LocalProtocolError(f"a frame body must be a JSON object, not {type(obj).__name__}")
    try:
        text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        body = text.encode("utf-8")
    except (TypeError, ValueError) as exc:  # UnicodeEncodeError is a ValueError
        raise LocalProtocolError(f"cannot encode frame body: {exc}") from exc
    if len(body) > _MAX_WIRE_LENGTH:
        raise LocalProtocolError(f"frame of {len(body)} bytes does not fit a 31-bit length")
    return _HEADER.pack(len(body)) + body


def encode_raw_frame(data: bytes | bytearray | memoryview) -> bytes:
    """Encodes opaque bytes as one raw frame: the header with :data:`RAW_FRAME_FLAG` set, then the data.

    Args:
        data: The frame body, at least one byte; a ``memoryview`` must be contiguous.

    Returns:
        The header followed by a copy of ``data``.

    Raises:
        LocalProtocolError: ``data`` is not bytes-like, is empty, is a non-contiguous view, or is
            2**31 bytes or more (too long for the header's 31 length bits).
    """
    if isinstance(data, memoryview):
        if not data.contiguous:
            raise LocalProtocolError("raw frame data must be a contiguous buffer")
        size = data.nbytes
    elif isinstance(data, (bytes, bytearray)):
        size = len(data)
    else:
        raise LocalProtocolError(
            f"raw frame data must be bytes, bytearray or memoryview, not {type(data).__name__}"
        )
    if size == 0:
        raise LocalProtocolError("raw frame of 0 bytes: a raw frame must carry data")
    if size > _MAX_WIRE_LENGTH:
        raise LocalProtocolError(f"raw frame of {size} bytes does not fit a 31-bit length")
    return _HEADER.pack(RAW_FRAME_FLAG | size) + data


class FrameDecoder:
    """Turns a byte stream, fed in pieces of any size, into decoded frame bodies.

    A JSON frame comes out as its ``dict``, a raw frame as its ``bytes``.

    Example:
        >>> decoder = FrameDecoder()
        >>> decoder.feed(encode_frame({"a": 1})[:3])
        >>> decoder.next_frame() is None
        True
        >>> decoder.feed(encode_frame({"a": 1})[3:] + encode_raw_frame(b"\\x00\\xff"))
        >>> decoder.next_frame()
        {'a': 1}
        >>> decoder.next_frame()
        b'\\x00\\xff'
    """

    def __init__(self, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        """Creates an empty decoder.

        Args:
            max_frame: The largest body accepted, in bytes (header excluded), for JSON and raw frames.

        Raises:
            ValueError: ``max_frame`` is not a positive integer.
        """
        if isinstance(max_frame, bool) or not isinstance(max_frame, int) or max_frame < 1:
            raise ValueError(f"max_frame must be a positive integer, got {max_frame!r}")
        self._max_frame = max_frame
        # No JSON frame is longer than this, and every raw-frame header is larger; so one comparison
        # against it sends both raw frames and oversized JSON frames off the JSON path.
        self._json_limit = min(max_frame, _MAX_WIRE_LENGTH)
        self._buffer = bytearray()
        self._offset = 0
        # A raw frame whose body did not arrive whole is collected piece by piece, as the pieces came, and
        # joined once: growing the buffer to hold it and copying it out again cost two copies of every byte
        # of a bundle or a sync answer and a reallocation per piece.
        self._raw_pieces: list[bytes] = []
        self._raw_missing = 0
        self._failure: RemoteProtocolError | None = None
        self.raw_budget: int | None = None
        """When set, the most bytes the next raw frame may hold (what the peer announced and has not sent
        yet); a larger one is refused from its header."""

    @property
    def max_frame(self) -> int:
        """The largest body this decoder accepts, in bytes."""
        return self._max_frame

    @property
    def buffered(self) -> int:
        """Bytes received but not yet returned as a frame (a partial frame, or frames not yet read)."""
        collected = sum(len(piece) for piece in self._raw_pieces)
        return len(self._buffer) - self._offset + (HEADER_SIZE + collected if self._raw_pieces else 0)

    @property
    def failed(self) -> bool:
        """True once the stream was found invalid; the decoder then refuses all further work."""
        return self._failure is not None

    def feed(self, data: bytes) -> None:
        """Appends received bytes; call :meth:`next_frame` until it returns ``None`` afterwards.

        Raises:
            RemoteProtocolError: The decoder already failed.
        """
        self._raise_if_failed()
        missing = self._raw_missing
        if missing:
            if len(data) <= missing:
                self._raw_pieces.append(bytes(data))  # a bytes piece is kept as it is, not copied
                self._raw_missing = missing - len(data)
                return
            self._raw_pieces.append(bytes(data[:missing]))
            self._raw_missing = 0
            data = data[missing:]
        if self._offset and self._offset * 2 >= len(self._buffer):
            # Dropping the consumed prefix only when it is at least half the buffer keeps the copying
            # amortised O(1) per byte, whatever the sizes of the pieces fed in.
            del self._buffer[: self._offset]
            self._offset = 0
        self._buffer += data

    def next_frame(self) -> dict[str, Any] | bytes | None:
        """Returns the next complete frame body, or ``None`` when more bytes are needed.

        Returns:
            A JSON frame's object as a ``dict``, a raw frame's body as ``bytes``, or ``None``.

        Raises:
            RemoteProtocolError: The frame is empty or larger than the limit, or a JSON frame's body is
                not UTF-8, not JSON, or not a JSON object. The decoder stays failed afterwards.
        """
        self._raise_if_failed()
        if self._raw_pieces:
            if self._raw_missing:
                return None
            pieces, self._raw_pieces = self._raw_pieces, []
            return b"".join(pieces)
        available = len(self._buffer) - self._offset
        if available < HEADER_SIZE:
            return None
        (length,) = _HEADER.unpack_from(self._buffer, self._offset)
        if length == 0:
            self._fail("frame of 0 bytes: a frame must carry a JSON object")
        if length > self._json_limit:
            return self._next_raw_frame(length, available)
        if available - HEADER_SIZE < length:
            return None
        start = self._offset + HEADER_SIZE
        body = self._buffer[start : start + length]  # one copy of this frame only
        self._offset = start + length
        return self._decode_body(body)

    def _next_raw_frame(self, header: int, available: int) -> bytes | None:
        """Continues :meth:`next_frame` for a header that is a raw frame's or too large for the limit."""
        if not header & RAW_FRAME_FLAG:
            self._fail(f"frame of {header} bytes exceeds the {self._max_frame}-byte limit")
        length = header & _MAX_WIRE_LENGTH
        if length == 0:
            self._fail("raw frame of 0 bytes: a raw frame must carry data")
        if length > self._max_frame:
            self._fail(f"raw frame of {length} bytes exceeds the {self._max_frame}-byte limit")
        budget = self.raw_budget
        if budget is not None and length > budget:
            self._fail(f"raw frame of {length} bytes goes beyond the {budget} bytes the peer announced and has "
                       "not sent yet")
        start = self._offset + HEADER_SIZE
        with memoryview(self._buffer) as view:  # released at once, so the buffer can grow again
            data = bytes(view[start : start + length])  # one copy of this frame only (or of its start)
        if available - HEADER_SIZE < length:  # the rest is collected as it comes (see __init__)
            del self._buffer[:]
            self._offset = 0
            self._raw_pieces = [data]
            self._raw_missing = length - len(data)
            return None
        self._offset = start + length
        return data

    def _decode_body(self, body: bytearray) -> dict[str, Any]:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            self._fail(f"frame body is not valid UTF-8 (byte {exc.start}: {exc.reason})")
        try:
            obj = loads_strict(text)
        except JsonRefusal as exc:
            self._fail(f"frame body {exc}")
        if not isinstance(obj, dict):
            self._fail(f"frame body must be a JSON object, got {json_kind(obj)}")
        return obj

    def _fail(self, message: str) -> NoReturn:
        self._failure = RemoteProtocolError(message)
        raise self._failure

    def _raise_if_failed(self) -> None:
        if self._failure is not None:
            raise RemoteProtocolError(f"the frame stream already failed: {self._failure}")


def json_kind(obj: Any) -> str:
    """Names a decoded JSON value the way a person reading JSON would (``an array``, ``a string`` …)."""
    if obj is None:
        return "null"
    if isinstance(obj, bool):
        return "a boolean"
    if isinstance(obj, (int, float)):
        return "a number"
    if isinstance(obj, str):
        return "a string"
    if isinstance(obj, (list, tuple)):
        return "an array"
    if isinstance(obj, dict):
        return "an object"
    return f"a {type(obj).__name__}"
