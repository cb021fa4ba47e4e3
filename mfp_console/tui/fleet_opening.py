"""The fleet a panel opens after its first frame.

Building a :class:`~mfp_console.engine.fleet.Fleet` loads the whole engine (distribution, sync, import and
export, the PKI's ``cryptography``, SQLite stores): about half of what a launch imports. The panel shows
the operator's machine starting up first and opens the fleet right after that frame, so the engine's
modules are loaded here, on :meth:`FleetToOpen.open`, and not with the panel.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mfp_console.clock import Clock
    from mfp_console.engine.fleet import Fleet
    from mfp_console.fleet_file import FleetSpec

__all__ = ["FleetToOpen"]


@dataclass(frozen=True)
class FleetToOpen:
    """What a fleet is built from, before it is built.

    Attributes:
        spec: The fleet file's description (read before the panel opens, so a bad file is reported on the
            command line with its file and line).
        state_dir: Where machine data and the PKI live; None: the user data directory's folder for the
            fleet file ``fleet_file``.
        clock: The fleet's clock.
        fleet_file: The fleet file read (None: the default fleet); names the default state folder.
    """

    spec: FleetSpec
    state_dir: Path | None
    clock: Clock
    fleet_file: Path | str | None = None

    def open(self) -> Fleet:
        """Builds the fleet (not started).

        Raises:
            MfpError: The state folder cannot be used.
        """
        from mfp_console.engine.fleet import Fleet, default_state_dir

        state_dir = self.state_dir if self.state_dir is not None else default_state_dir(self.fleet_file)
        return Fleet(self.spec, state_dir, self.clock)
