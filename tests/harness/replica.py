"""A real primary and a streaming hot standby, started locally (pg_basebackup -R).

Why: multi-host connection strings with ``target_session_attrs`` and "writes on a standby
fail with 25006" can only be tested against a real standby. Both servers come from the
local provider's binaries (Debian's /usr/lib/postgresql/N/bin or an npm bundle).

    primary, standby = start_primary_and_standby(major=15)
    ... standby.conninfo() ...           # a read-only hot standby replicating from primary
    wait_for_replay(primary, standby)    # the standby has replayed everything written so far
    standby.stop(); primary.stop()       # (both are tracked: stopped at exit at the latest)
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Optional, Tuple

from .errors import ProvisioningError
from .handle import ServerHandle
from .local import _kill_after, free_port, server_version_num, start_local_server
from .registry import make_temp_dir, track
from .server_user import give_to_server_user, run_as_server_user

PRIMARY_CONF = {
    "wal_level": "replica",
    "max_wal_senders": 5,
    "max_replication_slots": 5,
    "hot_standby": True,
    "wal_keep_size": "64MB",
}


def start_primary_and_standby(major: Optional[int] = None, *, primary_extra_conf: Optional[dict] = None,
                              timeout: float = 60) -> Tuple[ServerHandle, ServerHandle]:
    from .providers import default_local_major

    major = major or default_local_major()
    conf = dict(PRIMARY_CONF)
    if major < 13:  # wal_keep_size arrived in 13
        conf.pop("wal_keep_size")
        conf["wal_keep_segments"] = 8
    conf.update(primary_extra_conf or {})
    primary = start_local_server(major, extra_conf=conf)
    try:
        standby = start_standby(primary, timeout=timeout)
    except BaseException:
        primary.stop()
        raise
    return primary, standby


def start_standby(primary: ServerHandle, *, timeout: float = 60) -> ServerHandle:
    """pg_basebackup from ``primary`` (over its unix socket, trust) into a new data dir with
    standby.signal + primary_conninfo (-R), then start it on a free port."""
    if not primary.bin_dir or not primary.socket_dir:
        raise ProvisioningError("a standby needs a local primary (bin_dir and socket_dir)")
    bin_dir = Path(primary.bin_dir)
    root = make_temp_dir(f"standby{primary.major}")
    data_dir, sock_dir, log_path = root / "data", root / "sock", root / "server.log"
    sock_dir.mkdir()
    give_to_server_user(root)
    state = {"port": None}

    def pg_ctl(*args: str, check: bool = True, timeout_s: float = 90):
        return run_as_server_user([bin_dir / "pg_ctl", "-D", data_dir, *args], cwd=str(root), timeout=timeout_s,
                                  check=check)

    def stop() -> None:
        try:
            pid_file = data_dir / "postmaster.pid"
            if pid_file.exists():
                pid = int(pid_file.read_text().split("\n", 1)[0])
                pg_ctl("-m", "fast", "-w", "-t", "30", "stop", check=False, timeout_s=45)
                _kill_after(pid, grace=3.0)
        except (OSError, ValueError):
            pass
        finally:
            shutil.rmtree(root, ignore_errors=True)

    def restart() -> None:
        pg_ctl("-l", str(log_path), "-w", "-t", "60", "-m", "fast", "-o", f"-p {state['port']}", "restart",
               timeout_s=120)

    handle = track(ServerHandle(
        provider="local-standby", host="127.0.0.1", port=0, user=primary.user, password=primary.password,
        data_dir=str(data_dir), bin_dir=str(bin_dir), stop=stop, restart=restart, socket_dir=str(sock_dir),
        log_path=str(log_path)))
    try:
        run_as_server_user([bin_dir / "pg_basebackup", "-h", primary.socket_dir, "-p", str(primary.port),
                            "-U", primary.user, "-D", data_dir, "-R", "-X", "stream", "-c", "fast",
                            "--no-sync" if (primary.major or 0) >= 10 else "-N"],
                           cwd=str(root), timeout=300)
        with open(data_dir / "postgresql.conf", "a") as fh:
            fh.write("\n# --- standby (tests/harness/replica.py) ---\n"
                     f"unix_socket_directories = '{sock_dir}'\n"
                     "hot_standby = on\n")
        last = ""
        for _attempt in range(3):
            state["port"] = free_port()
            result = pg_ctl("-l", str(log_path), "-w", "-t", "60", "-o", f"-p {state['port']}", "start",
                            check=False, timeout_s=90)
            if result.returncode == 0:
                break
            last = result.stdout + (log_path.read_text(errors="replace")[-2000:] if log_path.exists() else "")
            if "could not bind" not in last and "in use" not in last:
                raise ProvisioningError(f"standby did not start:\n{last}")
        else:
            raise ProvisioningError(f"standby did not start:\n{last}")
        handle.port = state["port"]
        handle.version_num = server_version_num(handle)
        handle.major = handle.version_num // 10000
        wait_streaming(primary, timeout=timeout)
    except BaseException:
        handle.stop()
        raise
    return handle


def wait_streaming(primary: ServerHandle, timeout: float = 60) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        with psycopg.connect(primary.conninfo(), autocommit=True) as conn:
            if conn.execute("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'").fetchone()[0]:
                return
        if time.monotonic() > deadline:
            raise ProvisioningError("the standby never reached the streaming state")
        time.sleep(0.1)


def wait_for_replay(primary: ServerHandle, standby: ServerHandle, timeout: float = 30) -> None:
    """Block until the standby has replayed the primary's current WAL position."""
    import psycopg

    with psycopg.connect(primary.conninfo(), autocommit=True) as conn:
        # insert LSN: with synchronous_commit=off (the harness default) the write LSN may lag
        target = conn.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]
    deadline = time.monotonic() + timeout
    with psycopg.connect(standby.conninfo(), autocommit=True) as conn:
        while True:
            done = conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)).fetchone()[0]
            if done:
                return
            if time.monotonic() > deadline:
                raise ProvisioningError(f"standby did not replay up to {target} within {timeout}s")
            time.sleep(0.05)
