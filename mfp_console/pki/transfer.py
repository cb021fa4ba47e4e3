"""Moving machine identities to another computer: export from the CA's state folder, import on the other side.

A fleet that spans two computers has one fleet CA. The computer that made it exports the identities of the
machines the other computer will run (:func:`export_identities`): one JSON file holding, per machine, its
private key and certificate, plus the fleet CA certificate and the revoked serials. The file is written with
mode 0600 and created new (an existing file is never overwritten); nothing here prints a key.

:func:`import_identities` reads such a file into the other computer's state folder: the CA certificate
(``ca.crt``, with ``ca.key.elsewhere`` instead of a key), each machine's key (0600) and certificate, and the
revoked serials. It checks everything before it writes anything: each certificate must be issued by the
bundle's CA and name its machine, each key must belong to its certificate, and a state folder that already
has a CA must have this one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from mfp_console.errors import ConfigError, StoreError
from mfp_console.pki.ca import FleetCA, MachineIdentityCert, fingerprint_of
from mfp_console.pki.keystore import (
    CA_ELSEWHERE,
    CERT_MODE,
    KEY_MODE,
    STATE_FILE,
    FleetPki,
    pki_lock,
    write_atomically,
)
from mfp_console.strict_json import JsonRefusal, loads_strict

__all__ = ["BUNDLE_KIND", "IdentityBundle", "export_identities", "import_identities", "read_bundle"]

BUNDLE_KIND = "mfp-console machine identities"
_VERSION = 1
_MAX_BUNDLE = 16 * 1024 * 1024


@dataclass(frozen=True)
class IdentityBundle:
    """What an identity file holds (keys are kept out of ``repr``).

    Attributes:
        ca_pem: The fleet CA certificate.
        identities: The machines' identities, by name.
        revoked: Revoked certificate serials of the fleet.
    """

    ca_pem: bytes
    identities: dict[str, MachineIdentityCert]
    revoked: frozenset[int] = frozenset()

    @property
    def ca_fingerprint(self) -> str:
        """SHA-256 fingerprint of the fleet CA certificate."""
        return fingerprint_of(x509.load_pem_x509_certificate(self.ca_pem))


def export_identities(pki: FleetPki, names: Iterable[str], path: Path) -> list[str]:
    """Writes the identities of ``names`` (and the fleet CA certificate) to a new file ``path``, mode 0600.

    Returns:
        The machine names written, in the order given.

    Raises:
        ConfigError: A machine has no identity in this state folder, none was named, or ``path`` exists.
        StoreError: The file cannot be written.
    """
    chosen = list(dict.fromkeys(names))
    if not chosen:
        raise ConfigError("name at least one machine whose identity to export")
    missing = [name for name in chosen if pki.identity(name) is None]
    if missing:
        raise ConfigError(f"no TLS key and certificate in this state folder for: {', '.join(missing)}")
    document = {
        "kind": BUNDLE_KIND,
        "version": _VERSION,
        "ca_cert": pki.ca_pem.decode("ascii"),
        "revoked": sorted(pki.revoked_serials),
        "machines": {
            name: {"cert": identity.cert_pem.decode("ascii"), "key": identity.key_pem.decode("ascii")}
            for name in chosen
            if (identity := pki.identity(name)) is not None
        },
    }
    data = (json.dumps(document, indent=1, allow_nan=False) + "\n").encode("utf-8")
    path = Path(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_MODE)
    except FileExistsError:
        raise ConfigError(f"{path} exists already: give a new file name (an identity file is never overwritten)") \
            from None
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        os.fchmod(fd, KEY_MODE)  # whatever the umask: the file holds private keys
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except OSError as exc:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from exc
    os.close(fd)
    return chosen


def read_bundle(path: Path) -> IdentityBundle:
    """Reads and checks an identity file (see the module docstring).

    Raises:
        ConfigError: Not an identity file, or a certificate or key that does not check out (the message says
            which machine and why).
    """
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(_MAX_BUNDLE + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(raw) > _MAX_BUNDLE:
        raise ConfigError(f"{path} is larger than an identity file can be")
    try:
        document = loads_strict(raw.decode("utf-8"))
    except (JsonRefusal, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not an identity file: {exc}") from None
    if not isinstance(document, dict) or document.get("kind") != BUNDLE_KIND:
        raise ConfigError(f"{path} is not an identity file exported by mfp-console")
    if document.get("version") != _VERSION:
        raise ConfigError(f"{path} has identity file version {document.get('version')!r}; this mfp-console reads "
                          f"version {_VERSION}")
    ca_text, machines, revoked = document.get("ca_cert"), document.get("machines"), document.get("revoked", [])
    if not isinstance(ca_text, str) or not isinstance(machines, dict) or not machines:
        raise ConfigError(f"{path} holds no CA certificate or no machines")
    if not isinstance(revoked, list) or not all(type(s) is int and s >= 0 for s in revoked):
        raise ConfigError(f"{path}: 'revoked' must be a list of certificate serial numbers")
    ca = FleetCA.certificate_only(ca_text.encode("ascii", "replace"))
    identities: dict[str, MachineIdentityCert] = {}
    for name, entry in machines.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("cert"), str) or \
                not isinstance(entry.get("key"), str):
            raise ConfigError(f"{path}: machine {name!r} needs a 'cert' and a 'key'")
        identity = MachineIdentityCert.from_pem(entry["cert"].encode("ascii", "replace"),
                                                entry["key"].encode("ascii", "replace"))
        if identity.machine_name != name:
            raise ConfigError(f"{path}: the certificate filed under {name!r} names {identity.machine_name!r}")
        if not ca.signed(identity.certificate()):
            raise ConfigError(f"{path}: the certificate of {name} was not issued by the CA in the file")
        identities[name] = identity
    return IdentityBundle(ca.cert_pem, identities, frozenset(revoked))


def import_identities(directory: Path, bundle: IdentityBundle) -> list[str]:
    """Writes ``bundle`` into the PKI folder ``directory`` of this computer's state folder.

    Returns:
        The machine names imported.

    Raises:
        ConfigError: The folder already has another fleet CA.
        StoreError: A file cannot be written.
    """
    root = Path(directory)
    try:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        (root / "machines").mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the PKI folder {root}: {exc.strerror or exc}") from exc
    with pki_lock(root):
        cert_path = root / "ca.crt"
        if cert_path.exists():
            here = fingerprint_of(x509.load_pem_x509_certificate(cert_path.read_bytes()))
            if here != bundle.ca_fingerprint:
                raise ConfigError(f"{root} already belongs to another fleet CA ({here[:23]}…, the file's is "
                                  f"{bundle.ca_fingerprint[:23]}…): import into a new state folder")
        else:
            write_atomically(cert_path, bundle.ca_pem, CERT_MODE)
        if not (root / "ca.key").exists():
            write_atomically(root / CA_ELSEWHERE, b"The fleet CA key is on the computer that exported the "
                             b"identities of this folder's machines (mfp-console identity export).\n", CERT_MODE)
        for name, identity in bundle.identities.items():
            write_atomically(root / "machines" / f"{name}.key", identity.key_pem, KEY_MODE)
            write_atomically(root / "machines" / f"{name}.crt", identity.cert_pem, CERT_MODE)
        _merge_state(root / STATE_FILE, bundle)
    return list(bundle.identities)


def _merge_state(path: Path, bundle: IdentityBundle) -> None:
    """Adds the bundle's revoked serials; a machine imported now has an identity again."""
    state: dict[str, object] = {"version": 1, "revoked_serials": [], "machines_without_identity": []}
    if path.exists():
        try:
            loaded = loads_strict(path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise StoreError(f"{path} cannot be read: {exc}") from exc
        if isinstance(loaded, dict):
            state.update(loaded)
    known = state.get("revoked_serials")
    state["revoked_serials"] = sorted(set(known if isinstance(known, list) else []) | set(bundle.revoked))
    removed = state.get("machines_without_identity")
    state["machines_without_identity"] = [name for name in (removed if isinstance(removed, list) else [])
                                          if name not in bundle.identities]
    write_atomically(path, (json.dumps(state, indent=2, allow_nan=False) + "\n").encode("utf-8"), CERT_MODE)
