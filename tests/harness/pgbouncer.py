"""PgBouncer in front of a test server (Debian's ``pgbouncer`` package), any pool mode.

Why: transaction pooling hands each transaction (or autocommit statement) to whichever
server connection is free, so session state, including protocol-level prepared statements,
does not follow the client. The backend must work there with ``prepare_threshold=None``.

    bouncer = start_pgbouncer(server, pool_mode="transaction", default_pool_size=2)
    bouncer.conn_kwargs("mydb")   # host/port/username/password for PostgresConnectionConfig
    bouncer.stop()

PgBouncer refuses to run as root, so it runs as the harness's server user; authentication
is SCRAM towards clients and the server, from a plain-text auth_file in its temp dir.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Optional

from .errors import ProvisioningError
from .handle import ServerHandle
from .local import free_port
from .registry import make_temp_dir
from .server_user import give_to_server_user, run_as_server_user


def pgbouncer_binary() -> Optional[str]:
    return shutil.which("pgbouncer") or (os.path.exists("/usr/sbin/pgbouncer") and "/usr/sbin/pgbouncer") or None


@dataclass
class PgBouncer:
    host: str
    port: int
    user: str
    password: str
    root: Path
    log_path: Path
    pool_mode: str
    _stop: Callable[[], None] = field(repr=False, default=lambda: None)

    def conn_kwargs(self, dbname: str) -> Dict[str, object]:
        return dict(host=self.host, port=self.port, username=self.user, password=self.password, database=dbname)

    def conninfo(self, dbname: str) -> str:
        from psycopg.conninfo import make_conninfo

        return make_conninfo(host=self.host, port=str(self.port), user=self.user, password=self.password,
                             dbname=dbname)

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        self._stop()


def start_pgbouncer(server: ServerHandle, *, pool_mode: str = "transaction", default_pool_size: int = 5,
                    max_client_conn: int = 200, extra: Optional[Dict[str, object]] = None,
                    timeout: float = 15) -> PgBouncer:
    binary = pgbouncer_binary()
    if not binary:
        raise ProvisioningError("pgbouncer is not installed (apt-get install pgbouncer)")
    if not server.password:
        raise ProvisioningError("start_pgbouncer needs a server with a password for its superuser")
    root = make_temp_dir("pgbouncer")
    port = free_port()
    log_path, pid_path = root / "pgbouncer.log", root / "pgbouncer.pid"
    (root / "userlist.txt").write_text(f'"{server.user}" "{server.password}"\n')
    settings = {
        "listen_addr": "127.0.0.1",
        "listen_port": port,
        "unix_socket_dir": "",
        "auth_type": "scram-sha-256",
        "auth_file": str(root / "userlist.txt"),
        "pool_mode": pool_mode,
        "default_pool_size": default_pool_size,
        "min_pool_size": 0,
        "max_client_conn": max_client_conn,
        "logfile": str(log_path),
        "pidfile": str(pid_path),
        "admin_users": server.user,
        "ignore_startup_parameters": "extra_float_digits",
        "server_lifetime": 3600,
        "server_idle_timeout": 60,
    }
    settings.update(extra or {})
    lines = ["[databases]", f"* = host={server.host} port={server.port}", "", "[pgbouncer]"]
    lines += [f"{k} = {v}" for k, v in settings.items()]
    ini = root / "pgbouncer.ini"
    ini.write_text("\n".join(lines) + "\n")
    os.chmod(root / "userlist.txt", 0o600)
    give_to_server_user(root)

    def stop() -> None:
        try:
            pid = int(pid_path.read_text().strip())
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
                time.sleep(0.05)
            if Path(f"/proc/{pid}").exists():
                os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError):
            pass
        finally:
            shutil.rmtree(root, ignore_errors=True)

    bouncer = PgBouncer(host="127.0.0.1", port=port, user=server.user, password=server.password, root=root,
                        log_path=log_path, pool_mode=pool_mode, _stop=stop)
    result = run_as_server_user([binary, "-d", str(ini)], cwd=str(root), check=False, timeout=30)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if time.monotonic() > deadline:
                output = result.stdout
                stop()
                raise ProvisioningError(f"pgbouncer did not start: {output}\n{bouncer.log_tail()}") from None
            time.sleep(0.05)
    _register_cleanup(bouncer)
    return bouncer


_running = []


def _register_cleanup(bouncer: PgBouncer) -> None:
    import atexit

    if not _running:
        atexit.register(lambda: [b.stop() for b in list(_running)])
    _running.append(bouncer)
    original = bouncer._stop

    def stop() -> None:
        if bouncer in _running:
            _running.remove(bouncer)
            original()
    bouncer._stop = stop
