"""A streaming-replication standby of a ``local`` server, for failover/read-replica tests.

Why here: building a standby needs the primary's binaries, its socket and the server
user, all of which the harness owns. ``pg_basebackup`` is used when one is found (the
server's bin dir, else Debian's newest client, which can copy older servers); the npm
bundles do not ship it, so otherwise the standby is a cold copy of the primary taken
during a quick primary restart (works for every major).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from .bundles import DEBIAN_ROOT
from .errors import ProvisioningError
from .handle import ServerHandle
from .local import LocalServer, conf_value, server_version_num
from .registry import track
from .server_user import give_to_server_user, run_as_server_user


def find_client_tool(name: str, major: int, bin_dir: Optional[str] = None) -> Optional[Path]:
    """``name`` (pg_basebackup, psql, pg_dump...) able to talk to a server of ``major``, or None.

    Prefers the server's own bin dir, then Debian client packages of the same or a newer major.
    """
    candidates = [Path(bin_dir) / name] if bin_dir else []
    try:
        debian = sorted((int(p.name) for p in DEBIAN_ROOT.iterdir() if p.name.isdigit()), reverse=True)
    except OSError:
        debian = []
    candidates += [DEBIAN_ROOT / str(m) / "bin" / name for m in debian if m >= major]
    return next((c for c in candidates if c.exists()), None)


def _primary_conninfo(primary: ServerHandle) -> str:
    return f"host={primary.socket_dir} port={primary.port} user={primary.user} application_name=standby"


def _cold_copy(primary: ServerHandle, target: Path) -> None:
    """Stop the primary, copy its data dir, start it again (restart keeps port and options)."""
    pg_ctl = Path(primary.bin_dir) / "pg_ctl"
    run_as_server_user([pg_ctl, "-D", primary.data_dir, "-m", "fast", "-w", "stop"], timeout=60)
    try:
        run_as_server_user(["cp", "-a", primary.data_dir, str(target)], timeout=300)
    finally:
        run_as_server_user([pg_ctl, "-D", primary.data_dir, "-l", primary.log_path, "-w", "-o",
                            f"-p {primary.port}", "start"], timeout=90)
    (target / "postmaster.pid").unlink(missing_ok=True)


def _configure_standby(target: Path, primary: ServerHandle) -> None:
    """Our own primary_conninfo (not pg_basebackup -R's: a newer client writes options an older
    server's libpq rejects, e.g. channel_binding); standby.signal on 12+, recovery.conf before."""
    conninfo = _primary_conninfo(primary)
    if (primary.major or 0) >= 12:
        (target / "standby.signal").touch()
        with open(target / "postgresql.auto.conf", "a") as fh:
            fh.write(f"primary_conninfo = {conf_value(conninfo)}\n")
    else:
        (target / "recovery.conf").write_text(f"standby_mode = 'on'\nprimary_conninfo = {conf_value(conninfo)}\n")


def start_standby_server(primary: ServerHandle) -> ServerHandle:
    """A hot standby streaming from ``primary`` (a local server); tracked like any other server."""
    if primary.provider != "local" or not primary.data_dir or primary.major is None:
        raise ProvisioningError("a standby needs a primary from the local provider (pg_server_factory(major=N))")
    server = LocalServer(primary.major, Path(primary.bin_dir), user=primary.user, password=primary.password)
    handle = track(server.handle())
    handle.provider = "local-standby"
    try:
        server.socket_dir.mkdir()
        give_to_server_user(server.root)
        basebackup = find_client_tool("pg_basebackup", primary.major, primary.bin_dir)
        if basebackup:
            run_as_server_user([basebackup, "-h", primary.socket_dir, "-p", str(primary.port), "-U", primary.user,
                                "-D", server.data_dir, "-X", "stream", "-c", "fast"],
                               cwd=str(server.root), timeout=300)
        else:
            _cold_copy(primary, server.data_dir)
        _configure_standby(server.data_dir, primary)
        give_to_server_user(server.root)
        with open(server.data_dir / "postgresql.conf", "a") as fh:
            fh.write(f"\nunix_socket_directories = {conf_value(str(server.socket_dir))}\nhot_standby = on\n")
        server.start()
        handle.port = server.port
        handle.version_num = server_version_num(handle)
        handle.major = handle.version_num // 10000
    except BaseException:
        handle.stop()
        raise
    return handle
