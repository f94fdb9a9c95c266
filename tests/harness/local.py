"""The ``local`` provider: a private server process from binaries on this machine.

Why: it gives any major 10..18 in about a second with no container engine, and the
tests can change its configuration (SSL, pg_hba rules, replication) because the data
dir is ours. Binaries come from Debian (/usr/lib/postgresql/N/bin) or an npm bundle
(see bundles.py). Each server lives in ``<tmp>/rhopg-local<N>-XXXX/`` (data/, sock/,
server.log), listens on 127.0.0.1 on a free port, and is removed by ``stop()``.

Authentication: local (unix socket) connections are ``trust``; host connections use
``scram-sha-256`` with the superuser password, so tests exercise real password auth.
Tests may prepend ``hba_lines`` (they win, pg_hba is first-match) and add ``extra_conf``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import time
from pathlib import Path
from typing import Dict, Optional, Sequence

from .bundles import bin_dir_for, check_major
from .errors import ProvisioningError
from .handle import ServerHandle
from .registry import make_temp_dir, track
from .server_user import give_to_server_user, make_readable_tree, run_as_server_user

DEFAULT_INITDB_ARGS = ("--encoding=UTF8", "--locale=C.UTF-8")

FAST_TEST_CONF = {
    "listen_addresses": "127.0.0.1",
    "fsync": False,
    "full_page_writes": False,
    "synchronous_commit": False,
    "max_connections": 200,
}


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def conf_value(value) -> str:
    """postgresql.conf syntax: booleans on/off, numbers bare, everything else single-quoted."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, (int, float)):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def server_version_num(handle: ServerHandle, timeout: int = 10) -> int:
    """Connect once (also proves the server accepts our credentials) and read server_version_num."""
    import psycopg

    with psycopg.connect(handle.conninfo(), connect_timeout=timeout, autocommit=True) as conn:
        return int(conn.execute("SHOW server_version_num").fetchone()[0])


class LocalServer:
    """One initdb'd data dir and its postmaster; the ServerHandle's stop/restart point here."""

    def __init__(self, major: int, bin_dir: Path, *, user: str = "postgres", password: Optional[str] = None):
        self.major = major
        self.bin_dir = bin_dir
        self.user = user
        self.password = password or secrets.token_urlsafe(16)
        self.root = make_temp_dir(f"local{major}")
        self.data_dir = self.root / "data"
        self.socket_dir = self.root / "sock"
        self.log_path = self.root / "server.log"
        self.port: Optional[int] = None

    def pg_ctl(self, *args: str, timeout: float = 120, check: bool = True):
        return run_as_server_user([self.bin_dir / "pg_ctl", "-D", self.data_dir, *args],
                                  cwd=str(self.root), timeout=timeout, check=check)

    def initdb(self, initdb_args: Sequence[str], extra_conf: Optional[Dict], hba_lines: Optional[Sequence[str]]):
        self.socket_dir.mkdir()
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.password + "\n")
        give_to_server_user(self.root)
        try:
            run_as_server_user(
                [self.bin_dir / "initdb", "-D", self.data_dir, "-U", self.user, f"--pwfile={pwfile}",
                 "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync", *initdb_args],
                cwd=str(self.root), timeout=300)
        finally:
            pwfile.unlink(missing_ok=True)
        conf = dict(FAST_TEST_CONF, unix_socket_directories=str(self.socket_dir))
        conf.update(extra_conf or {})
        with open(self.data_dir / "postgresql.conf", "a") as fh:
            fh.write("\n# --- added by tests/harness/local.py ---\n")
            fh.writelines(f"{key} = {conf_value(value)}\n" for key, value in conf.items())
        if hba_lines:
            hba = self.data_dir / "pg_hba.conf"
            hba.write_text("# --- added by tests/harness/local.py ---\n" + "\n".join(hba_lines) + "\n\n"
                           + hba.read_text())

    def start(self, port: Optional[int] = None) -> None:
        """pg_ctl start on a free port; if the port got taken meanwhile, retry with another."""
        last_error = ""
        for _attempt in range(1 if port else 3):
            self.port = port or free_port()
            result = self.pg_ctl("-l", str(self.log_path), "-w", "-t", "60", "-o", f"-p {self.port}", "start",
                                 timeout=90, check=False)
            if result.returncode == 0:
                return
            last_error = result.stdout + "\n--- server log ---\n" + self.log_tail()
            if "could not bind" not in last_error and "in use" not in last_error:
                break
        raise ProvisioningError(f"PostgreSQL {self.major} from {self.bin_dir} did not start:\n{last_error}")

    def restart(self) -> None:
        """pg_ctl restart -m fast (keeps port and options; starts it even if it was down)."""
        self.pg_ctl("-l", str(self.log_path), "-w", "-t", "60", "-m", "fast", "-o", f"-p {self.port}", "restart",
                    timeout=120)

    def postmaster_pid(self) -> Optional[int]:
        try:
            return int((self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def stop(self) -> None:
        """pg_ctl stop -m fast, SIGKILL if it lingers, then delete the whole temp folder."""
        try:
            pid = self.postmaster_pid()
            if pid is not None:
                self.pg_ctl("-m", "fast", "-w", "-t", "30", "stop", timeout=45, check=False)
                _kill_after(pid, grace=3.0)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def handle(self) -> ServerHandle:
        return ServerHandle(
            provider="local", host="127.0.0.1", port=self.port, user=self.user, password=self.password,
            data_dir=str(self.data_dir), bin_dir=str(self.bin_dir), stop=self.stop, restart=self.restart,
            socket_dir=str(self.socket_dir), log_path=str(self.log_path))


def _kill_after(pid: int, grace: float) -> None:
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return
        if stat.rsplit(")", 1)[-1].split()[0] == "Z":
            return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def start_local_server(
    major: int,
    *,
    extra_conf: Optional[Dict[str, object]] = None,
    hba_lines: Optional[Sequence[str]] = None,
    initdb_args: Sequence[str] = DEFAULT_INITDB_ARGS,
    port: Optional[int] = None,
    user: str = "postgres",
    password: Optional[str] = None,
    bin_dir: Optional[str] = None,
) -> ServerHandle:
    """Start a fresh server of ``major``; the returned handle is tracked (stopped at exit at the latest).

    ``extra_conf`` is appended to postgresql.conf (bool -> on/off, str quoted), ``hba_lines``
    are put first in pg_hba.conf, ``bin_dir`` forces a binary folder (e.g. a self-built server).
    """
    check_major(major)
    binaries = Path(bin_dir) if bin_dir else bin_dir_for(major)
    if bin_dir:
        make_readable_tree(binaries)
    server = LocalServer(major, binaries, user=user, password=password)
    handle = track(server.handle())
    try:
        server.initdb(initdb_args, extra_conf, hba_lines)
        server.start(port)
        handle.port = server.port
        handle.version_num = server_version_num(handle)
        handle.major = handle.version_num // 10000
    except BaseException:
        handle.stop()
        raise
    if handle.major != major:
        handle.stop()
        raise ProvisioningError(f"binaries in {binaries} run PostgreSQL {handle.major}, not {major}")
    return handle
