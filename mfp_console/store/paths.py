"""Where a machine's database lives in the state directory: ``<state>/machines/<name>.sqlite3``.

The machine name comes from a fleet file, so it is checked before it becomes part of a path: a name with a
path separator, a leading dot or a control character could otherwise reach outside ``machines/`` or hide
the file.
"""

from __future__ import annotations

import os
from pathlib import Path

from mfp_console.errors import ConfigError

__all__ = ["DATABASE_SUFFIX", "MACHINES_DIR", "machine_database_path", "validate_machine_name"]

MACHINES_DIR = "machines"
"""The state directory's sub-directory that holds one database per machine."""

DATABASE_SUFFIX = ".sqlite3"
"""The suffix of a machine's database file."""

_MAX_NAME_LENGTH = 100
_SEPARATORS = frozenset({"/", "\\", os.sep, os.altsep or "/"})


def validate_machine_name(name: str) -> str:
    """Checks that ``name`` can be used as a file name inside the machines directory.

    Args:
        name: The machine's name as the fleet file gives it, e.g. ``client-a``.

    Returns:
        The name, unchanged.

    Raises:
        ConfigError: The name is empty, too long, starts with a dot, or holds a path separator or a
            control character.
    """
    if not name:
        raise ConfigError("a machine name must not be empty")
    if len(name) > _MAX_NAME_LENGTH:
        raise ConfigError(f"machine name {name[:20]!r}… is longer than {_MAX_NAME_LENGTH} characters")
    if name.startswith("."):
        raise ConfigError(f"machine name {name!r} must not start with a dot")
    if any(ch in _SEPARATORS for ch in name):
        raise ConfigError(f"machine name {name!r} must not contain a path separator ('/' or '\\')")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise ConfigError(f"machine name {name!r} must not contain control characters")
    return name


def machine_database_path(state_dir: Path, name: str) -> Path:
    """Returns the path of machine ``name``'s database under ``state_dir``.

    Args:
        state_dir: The program's state directory.
        name: The machine's name; checked with :func:`validate_machine_name`.

    Returns:
        ``<state_dir>/machines/<name>.sqlite3`` (the directory is not created here;
        :meth:`MachineStore.open <mfp_console.store.machine_store.MachineStore.open>` does that).

    Raises:
        ConfigError: The name cannot be used as a file name.
    """
    return Path(state_dir) / MACHINES_DIR / f"{validate_machine_name(name)}{DATABASE_SUFFIX}"


def default_state_dir(fleet_file: Path | str | None) -> Path:
    """The state directory used when none is given: one folder per fleet file in the user data directory.

    The built-in default fleet uses ``<user data dir>/mfp-console/fleets/default``; a fleet file uses a
    folder named after the file and a short hash of its absolute path, so two files never share one.
    """
    import hashlib

    from platformdirs import user_data_dir

    base = Path(user_data_dir("mfp-console", appauthor=False)) / "fleets"
    if fleet_file is None or str(fleet_file) == "default":
        return base / "default"
    path = Path(fleet_file).resolve()
    return base / f"{path.stem}-{hashlib.sha256(str(path).encode()).hexdigest()[:10]}"
