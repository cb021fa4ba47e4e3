"""pki layer of mfp-console: the fleet CA, machine identities on disk, and mutual-TLS 1.3 contexts."""

from __future__ import annotations

from mfp_console.pki.ca import FleetCA, MachineIdentityCert, issue_identity
from mfp_console.pki.keystore import FleetPki, load_or_create_fleet_pki
from mfp_console.pki.refusal import Refusal, RefusalReason
from mfp_console.pki.tls import (
    PeerCertificate,
    client_context,
    peer_certificate,
    server_context,
)

__all__ = [
    "FleetCA",
    "FleetPki",
    "MachineIdentityCert",
    "PeerCertificate",
    "Refusal",
    "RefusalReason",
    "client_context",
    "issue_identity",
    "load_or_create_fleet_pki",
    "peer_certificate",
    "server_context",
]
