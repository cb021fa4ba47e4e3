"""An SMB account and how it is kept at rest: Fernet-encrypted with a key file of the state folder.

The password is a secret like the fleet's TLS keys: it is never logged, shown, put in ``repr`` or in an
event, and it is stored only as a Fernet token (AES-128-CBC + HMAC-SHA256, from ``cryptography``: an
authenticated, versioned format, so a damaged or foreign token is refused rather than misread). The key is
``<state>/secrets/smb.key``, created 0600 in a 0700 folder; whoever holds the state folder holds the key,
exactly as for ``<state>/pki/``. Losing the key only loses the saved passwords: they are typed again.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from mfp_console.errors import ConfigError
from mfp_console.strict_json import JsonRefusal, loads_strict

__all__ = ["CredentialVault", "ShareCredentials"]

KEY_FILE = Path("secrets") / "smb.key"


@dataclass(frozen=True)
class ShareCredentials:
    """A user of an SMB server: user name, password and optional domain (workgroup).

    ``repr`` and ``str`` never show the password.
    """

    user: str
    password: str = field(repr=False)
    domain: str = ""

    @classmethod
    def parse(cls, user: str, password: str) -> ShareCredentials:
        """From a panel's ``User Name`` (``user`` or ``DOMAIN\\user``) and ``Password``.

        Raises:
            ConfigError: A blank user name.
        """
        user = user.strip()
        domain = ""
        if "\\" in user:
            domain, user = user.split("\\", 1)
        if not user:
            raise ConfigError("enter the SMB server's user name")
        return cls(user, password, domain.strip())

    @property
    def account(self) -> str:
        """``DOMAIN\\user`` or ``user``: what the SMB session authenticates as, and what may be shown."""
        return f"{self.domain}\\{self.user}" if self.domain else self.user

    def __str__(self) -> str:
        return self.account


class CredentialVault:
    """Encrypts and decrypts :class:`ShareCredentials` with the state folder's key (made on first use)."""

    def __init__(self, state_dir: Path) -> None:
        self.key_path = Path(state_dir) / KEY_FILE

    def _fernet(self) -> Fernet:
        path = self.key_path
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(path.parent, 0o700)
            key = Fernet.generate_key()
            try:  # O_EXCL: two machines of one fleet starting at once agree on the first key written
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(key)
        try:
            return Fernet(path.read_bytes().strip())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{path}: the key for saved SMB passwords cannot be read ({exc})") from None

    def seal(self, credentials: ShareCredentials) -> str:
        """An encrypted token holding the credentials."""
        plain = json.dumps({"user": credentials.user, "password": credentials.password,
                            "domain": credentials.domain}, allow_nan=False).encode()
        return self._fernet().encrypt(plain).decode("ascii")

    def open(self, token: str) -> ShareCredentials:
        """The credentials in a token.

        Raises:
            ConfigError: The token was not made with this state folder's key, or is damaged.
        """
        try:
            data = loads_strict(self._fernet().decrypt(token.encode("ascii")).decode("utf-8"))
            return ShareCredentials(str(data["user"]), str(data["password"]), str(data.get("domain", "")))
        except (InvalidToken, ValueError, KeyError, TypeError, JsonRefusal):
            raise ConfigError("the saved SMB user name and password cannot be read with this state folder's "
                              "key; enter them again") from None
