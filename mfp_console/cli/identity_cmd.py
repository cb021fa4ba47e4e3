"""``mfp-console identity export|import``: a machine's key, certificate and fleet CA, for another computer."""

from __future__ import annotations

import argparse
import os
import stat
import sys
from datetime import datetime, timezone
from pathlib import Path

from mfp_console.cli.common import EXIT_OK, state_dir_for
from mfp_console.errors import ConfigError
from mfp_console.fleet_file import load_fleet_file
from mfp_console.pki import load_or_create_fleet_pki
from mfp_console.pki.transfer import export_identities, import_identities, read_bundle

__all__ = ["add_identity_commands"]


def add_identity_commands(sub: argparse._SubParsersAction, add_options) -> None:  # type: ignore[type-arg]
    """Adds the ``identity`` command and its sub-commands."""
    identity = sub.add_parser("identity", help="export machine identities for another computer, or import them")
    add_options(identity)  # also between the group and its command: `identity --state-dir D export …`
    identity_sub = identity.add_subparsers(dest="identity_command", required=True, metavar="{export,import}")
    export = identity_sub.add_parser(
        "export", help="write machines' keys, certificates and the fleet CA certificate to a new file (mode 0600)")
    export.add_argument("--name", action="append", default=[], metavar="MACHINE",
                        help="a machine to export (repeat for more)")
    export.add_argument("--host", action="append", default=[], metavar="HOST",
                        help="every machine the fleet file places on this named host (runs_on)")
    export.add_argument("--out", required=True, type=Path, metavar="FILE", help="the new file to write")
    add_options(export)
    export.set_defaults(func=cmd_export)
    imp = identity_sub.add_parser("import", help="add the identities of an exported file to this state folder")
    imp.add_argument("file", type=Path, metavar="FILE", help="a file written by 'identity export'")
    add_options(imp)
    imp.set_defaults(func=cmd_import)


def cmd_export(args: argparse.Namespace) -> int:
    """Exports identities; prints which, never a key."""
    spec = load_fleet_file(args.fleet)
    for name in args.name:
        spec.machine(name)  # an unknown name fails with a hint
    unknown_hosts = [h for h in args.host if not spec.host_address(h)]
    if unknown_hosts:
        raise ConfigError(f"the fleet file names no host {', '.join(map(repr, unknown_hosts))}")
    names = [*args.name, *(m.name for m in spec.machines if m.runs_on and m.runs_on in args.host)]
    state_dir = state_dir_for(args)
    pki = load_or_create_fleet_pki(state_dir / "pki", spec.names, datetime.now(timezone.utc))
    written = export_identities(pki, names, args.out)
    print(f"wrote the identities of {', '.join(written)} and the fleet CA certificate to {args.out} (mode 0600).")
    print("It holds private keys: carry it only over a channel you trust, import it with "
          "'mfp-console identity import FILE' on the other computer, then delete it.")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    """Imports identities into this state folder; prints which, never a key."""
    mode = os.stat(args.file).st_mode if args.file.exists() else 0
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        print(f"warning: {args.file} can be read by other users of this computer; it holds private keys",
              file=sys.stderr)
    bundle = read_bundle(args.file)
    spec = load_fleet_file(args.fleet)
    strangers = [name for name in bundle.identities if name not in spec.names]
    if strangers:
        raise ConfigError(f"the fleet file has no machine {', '.join(map(repr, strangers))}: import with the "
                          "fleet file the identities were exported for (--fleet)")
    state_dir = state_dir_for(args)
    names = import_identities(state_dir / "pki", bundle)
    print(f"imported the identities of {', '.join(names)} into {state_dir / 'pki'} (keys mode 0600); "
          f"fleet CA {bundle.ca_fingerprint[:23]}…")
    return EXIT_OK
