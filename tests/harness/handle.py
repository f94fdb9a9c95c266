"""What every server provider hands to tests: where a running server is and how to reach it.

Providers (embedded wheel, local binaries, external DSN, containers) all return a
``ServerHandle``; tests never care which one started the server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional


@dataclass
class ServerHandle:
    """A running PostgreSQL server reachable over TCP.

    ``user``/``password`` are a superuser's (tests create databases and roles).
    ``stop`` releases the server (stop process, remove container/data dir); it
    must be idempotent. Providers that can restart a server set ``restart``.
    """

    provider: str
    host: str
    port: int
    user: str
    password: Optional[str]
    dbname: str = "postgres"
    major: Optional[int] = None          # filled from server_version_num after start
    version_num: Optional[int] = None    # e.g. 150018
    data_dir: Optional[str] = None       # local providers only
    bin_dir: Optional[str] = None        # local providers only
    stop: Callable[[], None] = field(default=lambda: None, repr=False)
    restart: Optional[Callable[[], None]] = field(default=None, repr=False)
    socket_dir: Optional[str] = None     # local providers only: unix socket folder
    log_path: Optional[str] = None       # local providers only: server log file

    def conninfo(self, dbname: Optional[str] = None) -> str:
        """A libpq keyword/value string (password included: never log it)."""
        from psycopg.conninfo import make_conninfo

        return make_conninfo(
            host=self.host,
            port=str(self.port),
            user=self.user,
            password=self.password or None,
            dbname=dbname or self.dbname,
        )

    def conn_kwargs(self, dbname: Optional[str] = None) -> dict:
        """Keyword arguments for ``PostgresConnectionConfig``."""
        kw = dict(host=self.host, port=self.port, username=self.user, database=dbname or self.dbname)
        if self.password:
            kw["password"] = self.password
        return kw
