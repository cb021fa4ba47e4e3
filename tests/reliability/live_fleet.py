"""A fleet running on its own event loop in a background thread, for property tests that drive it from
synchronous hypothesis examples, and a hostile peer that speaks raw frames over a real mutual-TLS link.

Hypothesis runs examples one after another in the test's thread; each example hands coroutines to the
fleet's loop with :meth:`LiveFleet.run` (bounded) and reads what the machines published on the bus.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from mfp_console.clock import VirtualClock
from mfp_console.engine.events import ConnectionRefused
from mfp_console.engine.fleet import Fleet
from mfp_console.engine.net.transport import TlsStream, dial
from mfp_console.protocol.framing import FrameDecoder

__all__ = ["LiveFleet", "RawPeer"]

T = TypeVar("T")
START = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


class LiveFleet:
    """The default fleet (or ``fleet_file``) started on a loop of its own."""

    def __init__(self, state_dir: Path, fleet_file: Path | None = None, *, handshake_timeout: float = 1.0,
                 conversation_timeout: float = 1.0) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="live-fleet", daemon=True)
        self._thread.start()
        self.refusals: list[ConnectionRefused] = []
        self.fleet = Fleet.from_file(fleet_file, state_dir, VirtualClock(START),
                                     handshake_timeout=handshake_timeout,
                                     conversation_timeout=conversation_timeout)
        self.fleet.bus.subscribe(ConnectionRefused, self.refusals.append)
        self.run(self.fleet.start, 30.0)

    def run(self, make: Callable[[], Awaitable[T]], timeout: float = 10.0) -> T:
        """Runs ``make()`` on the fleet's loop and returns its result (raises past ``timeout`` seconds)."""

        async def bounded() -> T:
            async with asyncio.timeout(timeout):
                return await make()

        return asyncio.run_coroutine_threadsafe(bounded(), self.loop).result(timeout + 5.0)

    def call(self, function: Callable[[], T]) -> T:
        """Calls a plain function on the fleet's loop (the engine is single-threaded)."""

        async def call() -> T:
            return function()

        return self.run(call)

    def refusals_of(self, machine: str) -> list[ConnectionRefused]:
        """Refusals ``machine`` logged so far."""
        return [r for r in list(self.refusals) if r.machine == machine]

    def close(self) -> None:
        """Stops the fleet and the loop."""
        try:
            self.run(self.fleet.stop, 30.0)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10.0)
            self.loop.close()


class RawPeer:
    """A peer holding a valid fleet certificate that writes whatever bytes it likes after the TLS greeting."""

    def __init__(self, fleet: Fleet, as_machine: str = "host") -> None:
        self.fleet = fleet
        self.as_machine = as_machine

    async def exchange(self, target: str, data: bytes, *, linger: float = 3.0) -> tuple[list[dict[str, Any]], bool]:
        """Dials ``target``, sends ``data`` and reads frames until the machine closes the link.

        Returns:
            The frames the machine sent, decoded, and whether it closed the link within ``linger`` s.
        """
        host, port = self.fleet.address_of(target)
        stream: TlsStream = await dial(host, port, self.fleet.runtime.pki.identity(self.as_machine), self.fleet.runtime.pki.ca_pem,
                                       target, 2.0, local_name=self.as_machine)
        decoder = FrameDecoder(max_frame=16 * 1024 * 1024)
        frames: list[dict[str, Any]] = []
        closed = False
        try:
            if data:
                await stream.send(data)
            async with asyncio.timeout(linger):
                while True:
                    chunk = await stream.receive()
                    if not chunk:
                        closed = True
                        break
                    decoder.feed(chunk)
                    while (frame := decoder.next_frame()) is not None:
                        frames.append(frame)
        except TimeoutError:
            pass
        except Exception:  # the machine cut the link (a reset counts as closing it)
            closed = True
        finally:
            stream.abort()
            await stream.close()
        return frames, closed
