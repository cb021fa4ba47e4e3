"""The fleet's PKI on disk: the CA, one key and certificate per machine, and the revocation list.

Layout of the directory (created on first start, reused afterwards)::

    ca.crt  ca.key                  the fleet CA (key mode 0600, certificate 0644)
    machines/<name>.crt  <name>.key one identity per machine
    pki-state.json                  revoked serials, and machines whose key was removed on purpose

Every file is written atomically: a temporary file in the same directory, created with its final
mode, fsynced, then renamed over the old one, so a kill at any moment leaves the old file or the new
one (M-04). A machine's key is written before its certificate; a lone key or certificate left by a
crash is treated as missing and re-issued.

**One writer at a time.** Several processes may start on one new state folder at once (a fleet spread
over processes, a lab script). Each used to find no CA and make its own, and the last key written need
not belong to the last certificate written: every later start failed until the folder was deleted by
hand. Creating or changing the PKI therefore happens under an exclusive ``flock`` on ``.lock`` in the
directory: the first process creates, the others wait and then load what it made. (Where ``fcntl`` is
missing, i.e. Windows, there is no lock; a warning says to start the first process alone.) A CA whose
key does not belong to its certificate is a :class:`~mfp_console.errors.ConfigError` naming both files
and what to do, never a traceback.

A machine whose key was removed (the panel's "remove TLS key" fault, DID-09) is remembered in
``pki-state.json`` so that a restart does not quietly give it a new identity.

**A second computer.** A fleet spread over two computers has one CA, on the first. The second holds the CA
certificate without its key, marked by ``ca.key.elsewhere``, and the identities imported for the machines it
runs (:mod:`mfp_console.pki.transfer`); it issues nothing, and a machine without an imported identity has
none there (it runs on the other computer).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

from mfp_console.errors import ConfigError, StoreError
from mfp_console.pki.ca import (
    FleetCA,
    MachineIdentityCert,
    issue_identity,
    validate_machine_name,
)
from mfp_console.strict_json import loads_strict

__all__ = ["CA_ELSEWHERE", "FleetPki", "load_or_create_fleet_pki", "pki_lock", "write_atomically"]

log = logging.getLogger(__name__)

KEY_MODE = 0o600
CERT_MODE = 0o644
STATE_FILE = "pki-state.json"
CA_ELSEWHERE = "ca.key.elsewhere"
"""Marks a PKI folder whose CA key lives on another computer (identities are imported, never issued)."""
LOCK_FILE = ".lock"
DEFAULT_CA_NAME = "mfp-console fleet CA"


@contextmanager
def pki_lock(directory: Path) -> Iterator[None]:
    """Holds the exclusive lock on the PKI in ``directory`` (which must exist) for the block.

    The lock is a ``flock`` on ``directory/.lock``: released when the block ends or the process dies, so a
    killed process never leaves it held. Not re-entrant: take it once around a whole change.

    Raises:
        StoreError: The lock file cannot be opened.
    """
    if fcntl is None:  # pragma: no cover - Windows
        log.warning("no file locking on this platform: start the first process on a new state folder alone")
        yield
        return
    path = Path(directory) / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, KEY_MODE)
    except OSError as exc:
        raise StoreError(f"cannot open the PKI lock {path}: {exc.strerror or exc}") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def write_atomically(path: Path, data: bytes, mode: int, sync_directory: bool = True) -> None:
    """Replaces ``path`` with ``data`` so that readers see the old or the new file, never a mix.

    The temporary file is created with ``mode`` from the start (a key is never readable by others,
    not even for a moment), fsynced, renamed over ``path``, and the directory is fsynced.

    Raises:
        StoreError: The file could not be written.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        try:
            os.fchmod(fd, mode)  # the umask may have narrowed the mode given to open
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)
        if sync_directory:
            fsync_directory(path.parent)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from exc


def fsync_directory(folder: Path) -> None:
    """Makes the names created or replaced in ``folder`` durable (one fsync covers any number of them)."""
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


@dataclass
class FleetPki:
    """The fleet's CA, its machine identities and its revocation list, kept in one directory.

    Use :func:`load_or_create_fleet_pki` to get one. Every change is written to disk before the
    method returns.

    Attributes:
        directory: Where the files live.
        ca: The fleet CA.
        identities: Machine name to identity, for machines that have a key and certificate.
    """

    directory: Path
    ca: FleetCA
    identities: dict[str, MachineIdentityCert] = field(default_factory=dict)
    _revoked: set[int] = field(default_factory=set)
    _without_identity: set[str] = field(default_factory=set)

    @property
    def ca_pem(self) -> bytes:
        """The CA certificate every machine trusts."""
        return self.ca.cert_pem

    @property
    def revoked_serials(self) -> set[int]:
        """The revoked certificate serials (a copy: change it with :meth:`revoke`)."""
        return set(self._revoked)

    def is_revoked(self, serial: int) -> bool:
        """Returns True when ``serial`` is on the revocation list."""
        return serial in self._revoked

    def revoke(self, serial: int) -> None:
        """Adds ``serial`` to the revocation list and saves it."""
        if serial not in self._revoked:
            with pki_lock(self.directory):
                self._revoked.add(serial)
                self._save_state()

    def identity(self, machine_name: str) -> MachineIdentityCert | None:
        """Returns the machine's identity, or None when it has no TLS key and certificate."""
        return self.identities.get(machine_name)

    def has_identity(self, machine_name: str) -> bool:
        """Returns True when the machine has a TLS key and certificate."""
        return machine_name in self.identities

    def remove_identity(self, machine_name: str) -> None:
        """Deletes the machine's key and certificate (DID-09 fault); a restart does not re-issue them.

        The certificate is not revoked: without its key nobody can present it.
        """
        with pki_lock(self.directory):
            self._without_identity.add(machine_name)
            self._save_state()
            for path in self._paths(machine_name):
                path.unlink(missing_ok=True)
        self.identities.pop(machine_name, None)

    def regenerate_identity(
        self, machine_name: str, now: datetime, *, revoke_previous: bool = True
    ) -> MachineIdentityCert:
        """Issues the machine a new key and certificate, replacing any it had.

        Args:
            machine_name: The machine.
            now: The issuing time.
            revoke_previous: Put the replaced certificate's serial on the revocation list.
        """
        previous = self.identities.get(machine_name)
        with pki_lock(self.directory):
            identity = self._issue(machine_name, now)
            if machine_name in self._without_identity:
                self._without_identity.discard(machine_name)
                self._save_state()
            if previous is not None and revoke_previous and previous.serial not in self._revoked:
                self._revoked.add(previous.serial)
                self._save_state()
        return identity

    def ensure_identities(self, machine_names: Iterable[str], now: datetime) -> list[str]:
        """Issues identities to listed machines that have none (and whose key was not removed).

        The caller holds :func:`pki_lock` (:func:`load_or_create_fleet_pki` does).

        Returns:
            The names of the machines that got a new identity.
        """
        issued: list[str] = []
        if not self.ca.can_issue:  # a second computer: its identities are imported, never issued
            return issued
        for name in machine_names:
            if name not in self.identities and name not in self._without_identity:
                self._issue(name, now, sync_directory=False)
                issued.append(name)
        if issued:
            # One directory fsync for the batch: four per machine made preparing 4,000 machines take
            # minutes, growing faster than linearly with the folder (issue 18). Each file is fsynced
            # before its rename, and nothing uses an identity before this returns.
            try:
                fsync_directory(self.directory / "machines")
            except OSError as exc:
                raise StoreError(f"cannot write {self.directory / 'machines'}: {exc.strerror or exc}") from exc
        return issued

    def _paths(self, machine_name: str) -> tuple[Path, Path]:
        validate_machine_name(machine_name)
        base = self.directory / "machines"
        return base / f"{machine_name}.key", base / f"{machine_name}.crt"

    def _issue(self, machine_name: str, now: datetime, sync_directory: bool = True) -> MachineIdentityCert:
        identity = issue_identity(self.ca, machine_name, now)
        key_path, cert_path = self._paths(machine_name)
        key_path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(key_path, identity.key_pem, KEY_MODE, sync_directory=False)
        write_atomically(cert_path, identity.cert_pem, CERT_MODE, sync_directory=sync_directory)
        identity = replace(identity, cert_path=cert_path, key_path=key_path)
        self.identities[machine_name] = identity
        return identity

    def _save_state(self) -> None:
        state = {
            "version": 1,
            "revoked_serials": sorted(self._revoked),
            "machines_without_identity": sorted(self._without_identity),
        }
        text = json.dumps(state, indent=2, allow_nan=False) + "\n"
        write_atomically(self.directory / STATE_FILE, text.encode("utf-8"), CERT_MODE)

    def _load_identity(self, machine_name: str) -> MachineIdentityCert | None:
        key_path, cert_path = self._paths(machine_name)
        if not (key_path.exists() and cert_path.exists()):
            return None
        try:
            identity = MachineIdentityCert.from_pem(cert_path.read_bytes(), key_path.read_bytes())
        except (OSError, ConfigError) as exc:
            log.warning("identity of %s cannot be read (%s); issuing a new one", machine_name, exc)
            return None
        if identity.machine_name != machine_name or not self.ca.signed(identity.certificate()):
            log.warning("identity of %s does not belong to this fleet CA; issuing a new one",
                        machine_name)
            return None
        return replace(identity, cert_path=cert_path, key_path=key_path)


def _usable(name: str) -> bool:
    try:
        validate_machine_name(name)
    except ConfigError:
        return False
    return True


def _load_state(path: Path) -> tuple[set[int], set[str]]:
    if not path.exists():
        return set(), set()
    try:
        state = loads_strict(path.read_text("utf-8"))
        revoked = {int(serial) for serial in state.get("revoked_serials", [])}
        removed = {str(name) for name in state.get("machines_without_identity", [])}
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        raise StoreError(f"{path} cannot be read: {exc}") from exc
    return revoked, removed


def load_or_create_fleet_pki(
    directory: str | os.PathLike[str],
    machine_names: Iterable[str],
    now: datetime,
    *,
    ca_common_name: str = DEFAULT_CA_NAME,
) -> FleetPki:
    """Opens the fleet PKI in ``directory``, creating the CA and any missing identity.

    On first start the CA and an identity per machine are created; afterwards they are reused, and a
    machine newly added to ``machine_names`` gets its identity. Identities on disk for machines not
    listed are kept (a fleet file may list them again).

    Args:
        directory: The PKI directory (created when missing, mode 0700).
        machine_names: The fleet's machines.
        now: The issuing time for anything created now (use wall-clock time: OpenSSL checks it).
        ca_common_name: The CA's common name when it is created.

    Several processes may call this on one new directory at once: they take turns under
    :func:`pki_lock`, so all of them end with the one CA the first one made.

    Raises:
        StoreError: Files exist but cannot be read or written.
        ConfigError: A machine name cannot be used in a certificate, or the CA files on disk do not form a
            CA with its own key (the message names both files and what to do).
    """
    root = Path(directory)
    names = [validate_machine_name(name) for name in machine_names]
    try:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        (root / "machines").mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the PKI folder {root}: {exc.strerror or exc}") from exc
    with pki_lock(root):
        ca = _load_or_create_ca(root, ca_common_name, now)
        revoked, removed = _load_state(root / STATE_FILE)
        pki = FleetPki(root, ca, {}, revoked, removed)
        on_disk = {path.stem for path in (root / "machines").glob("*.crt") if _usable(path.stem)}
        for name in sorted(on_disk | set(names)):
            identity = pki._load_identity(name)
            if identity is not None:
                pki.identities[name] = identity
        pki.ensure_identities(names, now)
    return pki


def _load_or_create_ca(root: Path, common_name: str, now: datetime) -> FleetCA:
    """The CA in ``root``, made now when it has none (the caller holds :func:`pki_lock`)."""
    cert_path, key_path = root / "ca.crt", root / "ca.key"
    if cert_path.exists() and not key_path.exists() and (root / CA_ELSEWHERE).exists():
        try:
            return FleetCA.certificate_only(cert_path.read_bytes())
        except OSError as exc:
            raise StoreError(f"the fleet CA certificate {cert_path} cannot be read: {exc.strerror or exc}") from exc
    if not (cert_path.exists() and key_path.exists()):
        # None yet, or a lone key left by a kill between the two writes (the key is written first).
        ca = FleetCA.create(common_name, now)
        cert_pem, key_pem = ca.to_pem()
        write_atomically(key_path, key_pem, KEY_MODE)
        write_atomically(cert_path, cert_pem, CERT_MODE)
        return ca
    try:
        cert_pem, key_pem = cert_path.read_bytes(), key_path.read_bytes()
    except OSError as exc:
        raise StoreError(f"the fleet CA in {root} cannot be read: {exc.strerror or exc}") from exc
    try:
        return FleetCA.from_pem(cert_pem, key_pem)
    except ConfigError as exc:
        raise ConfigError(
            f"the fleet CA files {cert_path} and {key_path} do not form a CA ({exc}). Restore the matching "
            f"pair from a copy, or delete the folder {root} so that a new CA is made on the next start "
            "(every machine then gets a new certificate; machine data is kept)"
        ) from None
