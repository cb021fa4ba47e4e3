"""A peer killed just as it is dialled: the connection is reset between ``connect`` and the dialler's look at it.

Found by the power-cut soak (``tools/soak_power_cuts.py``, sync-push kills): the raw ``OSError`` (ENOTCONN)
from ``getpeername`` escaped ``dial`` unclassified. A dial that fails this way is ``E-UNREACH`` like any
peer that is not there (M-06), with the reason in words.
"""

from __future__ import annotations

import errno
import os
import socket

import pytest

from mfp_console.engine.net import transport
from mfp_console.engine.net.transport import DialError
from mfp_console.pki.refusal import RefusalReason


class _ResetAsMade(socket.socket):
    """A socket whose peer is gone by the time anyone asks (what a SIGKILL there leaves)."""

    def getpeername(self):  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOTCONN, os.strerror(errno.ENOTCONN))


@pytest.mark.rules("M-06")
async def test_a_connection_reset_as_it_is_made_is_unreachable_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        monkeypatch.setattr(transport.socket, "socket", _ResetAsMade)
        with pytest.raises(DialError) as info:
            await transport._connect("127.0.0.1", listener.getsockname()[1], "client-a", 2.0)
    assert info.value.reason is RefusalReason.UNREACHABLE and info.value.code == "E-UNREACH"
    assert "the connection was reset as it was made" in str(info.value)
