"""A real Samba ``smbd`` of the tests' own: loopback address, unprivileged port, private config, user and shares.

Samba's own test suite runs ``smbd`` the same way: every directory it writes (state, lock, cache, pid,
private, log) lives in one temporary folder named by ``--configfile``, and the SMB user exists only in
that folder — in a passwd/group pair read through ``nss_wrapper`` (``LD_PRELOAD``) and in a private
``tdbsam`` passdb — so the machine's own accounts are never touched. ``smbd`` must run as root (it
switches to the user's uid per session). Where ``smbd``, ``smbpasswd`` or nss_wrapper is missing, or the
tests do not run as root, :func:`samba_missing` says why and the tests skip.

Shares: ``backups`` (read-write for the user), ``full`` (read-write, on a tiny tmpfs when mounting is
allowed) — anything else is a share the server does not have.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

USER = "mfpbackup"
PASSWORD = "Sh4re-Pa55-for-tests"
UID = 64123
NSS_WRAPPER_CANDIDATES = (
    "/usr/lib/x86_64-linux-gnu/libnss_wrapper.so",
    "/usr/lib/aarch64-linux-gnu/libnss_wrapper.so",
    "/usr/lib/libnss_wrapper.so",
    "/usr/lib64/libnss_wrapper.so",
)
FULL_SHARE_BYTES = 64 * 1024
"""The ``full`` share's tmpfs size: a backup larger than this cannot be written there."""


def _nss_wrapper() -> str | None:
    return next((p for p in NSS_WRAPPER_CANDIDATES if Path(p).exists()), None)


def samba_missing() -> str:
    """Why a real Samba cannot run here (empty when it can)."""
    for tool in ("smbd", "smbpasswd"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists() \
                and not Path(f"/usr/bin/{tool}").exists():
            return f"Samba's {tool} is not installed (apt-get install samba; .ci/run does it)"
    if _nss_wrapper() is None:
        return "nss_wrapper is not installed (apt-get install libnss-wrapper; .ci/run does it)"
    if os.geteuid() != 0:
        return "smbd must run as root to switch to the share user"
    return ""


def _tool(name: str) -> str:
    return shutil.which(name) or next(p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if Path(p).exists())


def _free_port(host: str) -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class SambaServer:
    """One running ``smbd``: where it listens and where its shares are on disk."""

    root: Path
    host: str
    port: int
    process: subprocess.Popen[bytes] | None = None
    shares: dict[str, Path] = field(default_factory=dict)
    mounted: list[Path] = field(default_factory=list)

    def url(self, share: str = "backups", *folder: str) -> str:
        """``smb://host:port/share/folder…`` for this server."""
        return "/".join((f"smb://{self.host}:{self.port}", share, *folder))

    def log_text(self) -> str:
        """What smbd wrote to its log files (for failure messages)."""
        return "\n".join(p.read_text(errors="replace") for p in sorted((self.root / "log").glob("*")) if p.is_file())

    def kill(self) -> None:
        """Stops smbd at once (its whole process group: the parent and every per-client child)."""
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:  # pragma: no cover - already gone
                pass
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stops smbd and unmounts what it mounted."""
        self.kill()
        for mount in self.mounted:
            subprocess.run(["umount", "-l", str(mount)], check=False, capture_output=True)
        self.mounted.clear()


def _config(root: Path, host: str, port: int, shares: dict[str, Path], options: dict[str, str]) -> str:
    glob = {
        "netbios name": "MFPTESTNAS",
        "workgroup": "WORKGROUP",
        "server role": "standalone server",
        "smb ports": str(port),
        "interfaces": host,
        "bind interfaces only": "yes",
        "disable netbios": "yes",
        "private dir": str(root / "private"),
        "lock directory": str(root / "lock"),
        "state directory": str(root / "state"),
        "cache directory": str(root / "cache"),
        "pid directory": str(root / "pid"),
        "ncalrpc dir": str(root / "ncalrpc"),
        "log file": str(root / "log" / "log.%m"),
        "log level": "1",
        "passdb backend": f"tdbsam:{root / 'private' / 'passdb.tdb'}",
        "server min protocol": "SMB2_10",
        "server smb encrypt": "required",
        "server signing": "mandatory",
        "map to guest": "never",
        "load printers": "no",
        "printing": "bsd",
        "printcap name": "/dev/null",
        "disable spoolss": "yes",
        "kernel oplocks": "no",
        "kernel share modes": "no",
        "posix locking": "no",
    }
    glob.update(options)
    lines = ["[global]", *(f"  {k} = {v}" for k, v in glob.items())]
    for name, path in shares.items():
        lines += [f"[{name}]", f"  path = {path}", "  read only = no", f"  valid users = {USER}"]
    return "\n".join(lines) + "\n"


def _wait_for_port(server: SambaServer, deadline_seconds: float = 20.0) -> None:
    """Waits until smbd accepts TCP connections (state-based, bounded); fails with its log if it died."""
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        assert server.process is not None
        if server.process.poll() is not None:
            raise RuntimeError(f"smbd exited with {server.process.returncode}:\n{server.log_text()}")
        try:
            with socket.create_connection((server.host, server.port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.02)  # polling a state (the listening port), not a guessed delay
    raise RuntimeError(f"smbd did not listen on {server.host}:{server.port} within {deadline_seconds}s")


def start_samba(root: Path, host: str = "127.0.0.1", **options: str) -> SambaServer:
    """Starts smbd under ``root`` with the user and shares of this module; ``options`` change [global]."""
    for sub in ("private", "lock", "state", "cache", "pid", "ncalrpc", "log", "backups", "full"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    os.chmod(root / "private", 0o700)
    port = _free_port(host)
    server = SambaServer(root, host, port)
    full = root / "full"
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={FULL_SHARE_BYTES},mode=0755", "tmpfs", str(full)],
                             check=False, capture_output=True)
    if mounted.returncode == 0:
        server.mounted.append(full)
    server.shares = {"backups": root / "backups", "full": full}
    for path in server.shares.values():
        os.chown(path, UID, UID)
    (root / "passwd").write_text(f"{USER}:x:{UID}:{UID}:mfp-console SMB tests:{root}:/bin/false\n"
                                 "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n")
    (root / "group").write_text(f"{USER}:x:{UID}:\nroot:x:0:\nnogroup:x:65534:\n")
    conf = root / "smb.conf"
    conf.write_text(_config(root, host, port, server.shares, options))
    env = {**os.environ, "LD_PRELOAD": _nss_wrapper() or "", "NSS_WRAPPER_PASSWD": str(root / "passwd"),
           "NSS_WRAPPER_GROUP": str(root / "group")}
    subprocess.run([_tool("smbpasswd"), "-c", str(conf), "-s", "-a", USER], input=f"{PASSWORD}\n{PASSWORD}\n".encode(),
                   env=env, check=True, capture_output=True)
    server.process = subprocess.Popen(
        [_tool("smbd"), "--foreground", "--no-process-group", f"--configfile={conf}", "--debug-stdout"],
        env=env, stdin=subprocess.DEVNULL, stdout=(root / "log" / "stdout").open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopping it kills every per-client child too
    )
    try:
        _wait_for_port(server)
    except BaseException:
        server.stop()
        raise
    return server


@contextmanager
def samba_root() -> Iterator[Path]:
    """A folder for smbd's files and shares, removed after. Not under pytest's ``tmp_path``: that one's
    parents are 0700 root, and the share user must be able to reach its shares."""
    root = Path(tempfile.mkdtemp(prefix="mfp-samba-"))
    os.chmod(root, 0o711)
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def running_samba(root: Path, host: str = "127.0.0.1", **options: str) -> Iterator[SambaServer]:
    """:func:`start_samba`, stopped after."""
    server = start_samba(root, host, **options)
    try:
        yield server
    finally:
        server.stop()
