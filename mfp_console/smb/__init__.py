"""SMB 2/3 shares for backups (SYNC-18): the blocking client and the credentials kept at rest.

Same layer as ``store`` and ``pki``: below the engine, no Textual, no engine imports.
"""

from __future__ import annotations

from mfp_console.smb.credentials import CredentialVault, ShareCredentials
from mfp_console.smb.share import DEFAULT_TIMEOUT, RemoteFile, ShareLocation, SmbShare

__all__ = ["DEFAULT_TIMEOUT", "CredentialVault", "RemoteFile", "ShareCredentials", "ShareLocation", "SmbShare"]
