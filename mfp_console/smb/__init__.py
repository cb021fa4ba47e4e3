"""SMB 2/3 shares for backups (SYNC-18): the blocking client and the credentials kept at rest.

Same layer as ``store`` and ``pki``: below the engine, no Textual, no engine imports.

The client (:mod:`mfp_console.smb.share`, which loads ``smbprotocol``: about a quarter of a second) is
imported on first use of its names, not with the package: most sessions never back up to a share, and the
panel's start-up should not wait for it (issue 18).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mfp_console.smb.credentials import CredentialVault, ShareCredentials

if TYPE_CHECKING:
    from mfp_console.smb.share import (
        DEFAULT_TIMEOUT,
        RemoteFile,
        ShareLocation,
        SmbShare,
    )

__all__ = ["DEFAULT_TIMEOUT", "CredentialVault", "RemoteFile", "ShareCredentials", "ShareLocation", "SmbShare"]

_FROM_SHARE = frozenset({"DEFAULT_TIMEOUT", "RemoteFile", "ShareLocation", "SmbShare"})


def __getattr__(name: str) -> Any:
    if name in _FROM_SHARE:
        from mfp_console.smb import share

        return getattr(share, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
