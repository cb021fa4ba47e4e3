"""Fixtures of the store tests: a machine store in a temporary state directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mfp_console.store import MachineStore, machine_database_path


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """The database path of machine ``client-a`` in a fresh state directory."""
    return machine_database_path(tmp_path / "state", "client-a")


@pytest.fixture
def store(store_path: Path) -> Iterator[MachineStore]:
    """An open, empty store for ``client-a``; closed after the test."""
    with MachineStore.open(store_path) as opened:
        yield opened
