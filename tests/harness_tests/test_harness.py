"""Tests of the PostgreSQL test harness itself (providers, fixtures, cleanup).

Run: pytest tests/harness_tests -p tests.harness.plugin   (the plugin may also come from tests/conftest.py)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import psycopg
import pytest

from tests.harness import bundles, providers, registry
from tests.harness.errors import ProvisioningError
from tests.harness.external import handle_from_dsn, start_external_server
from tests.harness.local import start_local_server

REPO = Path(__file__).resolve().parents[2]
NPM_MAJOR = int(os.environ.get("RHOSOCIAL_PG_TEST_NPM_MAJOR", "12"))


def _alive(pid: int) -> bool:
    return registry._alive(pid)


def _postmaster_pid(handle) -> int:
    return int((Path(handle.data_dir) / "postmaster.pid").read_text().split()[0])


def _check_server(handle, major: int) -> None:
    with psycopg.connect(handle.conninfo(), connect_timeout=10) as conn:
        num = int(conn.execute("SHOW server_version_num").fetchone()[0])
    assert num // 10000 == major == handle.major
    assert handle.version_num == num


def _assert_stopped_and_removed(handle, pid: int) -> None:
    handle.stop()
    assert not _alive(pid), "postmaster still running after stop()"
    assert not Path(handle.data_dir).exists(), "data dir left behind"
    handle.stop()  # idempotent


# -- fixtures -------------------------------------------------------------------------

def test_pg_database_is_isolated_and_reachable(pg_server, pg_database):
    assert pg_database.server is pg_server
    assert pg_database.dbname.startswith(f"t_{os.getpid()}_")
    with psycopg.connect(pg_database.dsn) as conn:
        assert conn.execute("SELECT current_database()").fetchone()[0] == pg_database.dbname
    kwargs = pg_database.conn_kwargs()
    assert set(kwargs) >= {"host", "port", "username", "database"}
    assert kwargs["database"] == pg_database.dbname and pg_server.major >= 10


# -- providers ------------------------------------------------------------------------

def test_embedded_provider_runs_pg18_and_cleans_up():
    began = time.monotonic()
    handle = providers.start_server("embedded")
    print(f"embedded start: {time.monotonic() - began:.2f}s")
    _check_server(handle, 18)
    _assert_stopped_and_removed(handle, _postmaster_pid(handle))


@pytest.mark.parametrize("major", sorted({15, NPM_MAJOR}))
def test_local_provider_major(major):
    began = time.monotonic()
    handle = start_local_server(major)
    print(f"local {major} from {handle.bin_dir}: initdb+start {time.monotonic() - began:.2f}s")
    _check_server(handle, major)
    assert Path(handle.socket_dir, f".s.PGSQL.{handle.port}").exists()
    handle.restart()
    _check_server(handle, major)
    _assert_stopped_and_removed(handle, _postmaster_pid(handle))


def test_local_extra_conf_and_hba_lines(pg_server_factory):
    handle = pg_server_factory(major=NPM_MAJOR, extra_conf={"work_mem": "7MB", "log_min_messages": "warning"},
                               hba_lines=["host all blocked 127.0.0.1/32 reject"])
    with psycopg.connect(handle.conninfo(), autocommit=True) as conn:
        assert conn.execute("SHOW work_mem").fetchone()[0] == "7MB"
        conn.execute("CREATE ROLE blocked LOGIN PASSWORD 'x'")
    with pytest.raises(psycopg.OperationalError, match="pg_hba.conf rejects"):
        psycopg.connect(host=handle.host, port=handle.port, user="blocked", password="x", dbname="postgres")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(host=handle.host, port=handle.port, user=handle.user, password="wrong", dbname="postgres")


def test_external_provider_parses_dsn():
    handle = handle_from_dsn("postgresql://alice:s3cret@db.example:5433/app", connect=False)
    assert (handle.provider, handle.host, handle.port, handle.user, handle.password, handle.dbname) == \
        ("external", "db.example", 5433, "alice", "s3cret", "app")
    handle = handle_from_dsn("host=h port=6000 user=u dbname=d", connect=False)
    assert (handle.host, handle.port, handle.user, handle.password) == ("h", 6000, "u", None)


def test_external_provider_reads_version(pg_server, monkeypatch):
    monkeypatch.setenv(f"RHOSOCIAL_PG_DSN_{pg_server.major}", pg_server.conninfo())
    assert providers.choose_provider(None, pg_server.major) == "external"
    handle = start_external_server(pg_server.major)
    assert (handle.major, handle.port, handle.user) == (pg_server.major, pg_server.port, pg_server.user)
    wrong = 10 if pg_server.major != 10 else 11
    monkeypatch.setenv("RHOSOCIAL_PG_DSN", pg_server.conninfo())
    with pytest.raises(ProvisioningError, match=f"not {wrong}"):
        start_external_server(wrong)


def test_default_provider_selection(monkeypatch):
    for key in list(os.environ):
        if key.startswith("RHOSOCIAL_PG_DSN") or key == "RHOSOCIAL_PG_PROVIDER":
            monkeypatch.delenv(key)
    assert providers.choose_provider(None, None) == "embedded"
    assert providers.choose_provider(None, 13) == "local"
    monkeypatch.setenv("RHOSOCIAL_PG_PROVIDER", "containers")
    assert providers.choose_provider(None, 13) == "containers"
    assert providers.choose_provider("local", None) == "local"


@pytest.mark.parametrize("bogus", [9, 19, "nine"])
def test_bogus_major_is_a_clear_error(bogus):
    with pytest.raises(ProvisioningError, match=r"10\.\.18"):
        providers.start_server("local", providers.parse_major(bogus))


@pytest.mark.parametrize("args, expected", [
    (["--pg-major", "9"], "10..18"),
    (["--pg-provider", "external"], "RHOSOCIAL_PG_DSN"),
])
def test_selection_errors_are_short_usage_errors(tmp_path, args, expected):
    (tmp_path / "test_x.py").write_text("def test_x(pg_server):\n    pass\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RHOSOCIAL_PG_")}
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "tests.harness.plugin", *args, "-q",
                             "-p", "no:cacheprovider", str(tmp_path)],
                            cwd=REPO, capture_output=True, text=True, timeout=120, env=env)
    output = result.stdout + result.stderr
    assert result.returncode == 4, output
    assert expected in output and "Traceback" not in output


def test_missing_containers_function_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "tests.harness.containers", types.ModuleType("tests.harness.containers"))
    with pytest.raises(ProvisioningError, match="start_container_server"):
        providers.start_server("containers", 16)


def test_newest_version_prefers_release_then_higher_beta():
    key = bundles._version_key
    assert max(["15.17.0", "15.18.0-beta.16", "15.18.0-beta.17", "15.9.0"], key=key) == "15.18.0-beta.17"
    assert max(["15.18.0-beta.17", "15.18.0"], key=key) == "15.18.0"


# -- cleanup --------------------------------------------------------------------------

def test_leftovers_sees_running_server_until_stopped():
    handle = start_local_server(NPM_MAJOR)
    pid = _postmaster_pid(handle)
    root = str(Path(handle.data_dir).parent)
    assert registry.owner_pid(root) == os.getpid()
    found = registry.leftovers(owner=os.getpid())
    assert any(f"process {pid}:" in item for item in found)
    assert f"directory {root}" in found
    assert not any(root in item for item in registry.leftovers()), "a live session's server is no orphan"
    handle.stop()
    assert not any(f"process {pid}:" in item or root in item for item in registry.leftovers(include_live=True))


def test_killed_session_is_reported_and_cleaned():
    """SIGKILL defeats every hook: check-clean must then report it, clean must remove it."""
    proc = subprocess.Popen([sys.executable, "-m", "tests.harness", "serve", "--major", str(NPM_MAJOR)],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for line in proc.stdout:
            if "Ctrl-C to stop" in line:
                break
    finally:
        proc.kill()
        proc.wait()
    found = registry.leftovers(owner=proc.pid)
    assert sum(item.startswith("process ") for item in found) == 1, found
    check = subprocess.run([sys.executable, "-m", "tests.harness", "check-clean", "--owner", str(proc.pid)],
                           cwd=REPO, capture_output=True, text=True)
    assert check.returncode == 1 and "left behind" in check.stdout
    registry.clean_leftovers(owner=proc.pid)
    assert registry.leftovers(owner=proc.pid) == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_cli_cleans_up_on_signal(sig):
    # a signal ignored by whoever started the tests (SIGINT for a background job of a
    # non-interactive shell, SIGHUP under nohup) stays ignored through exec: reset it
    proc = subprocess.Popen([sys.executable, "-m", "tests.harness", "serve", "--major", str(NPM_MAJOR)],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            preexec_fn=lambda: signal.signal(sig, signal.SIG_DFL))
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if "Ctrl-C to stop" in line:
                break
        data_dir = next(ln.split(": ", 1)[1].strip() for ln in lines if ln.startswith("data dir:"))
        pid = int(Path(data_dir, "postmaster.pid").read_text().split()[0])
        proc.send_signal(sig)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not _alive(pid), "".join(lines)
    assert not Path(data_dir).parent.exists()
    assert registry.leftovers(owner=proc.pid) == []


def test_session_with_failure_leaves_nothing(tmp_path):
    """A whole pytest session (failing test + factory servers) must stop everything it started."""
    (tmp_path / "test_inner.py").write_text(
        "import os\n"
        "def test_fail(pg_database, pg_server_factory):\n"
        f"    extra = pg_server_factory(major={NPM_MAJOR})\n"
        "    open(os.environ['INNER_OUT'], 'w').write(extra.data_dir + '\\n' + pg_database.server.data_dir)\n"
        "    assert False, 'deliberate'\n")
    out = tmp_path / "dirs.txt"
    env = dict(os.environ, INNER_OUT=str(out))
    env.pop("RHOSOCIAL_PG_PROVIDER", None)
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "tests.harness.plugin", "-q",
                             "-p", "no:cacheprovider", "--pg-provider", "local", "--pg-major", "15", str(tmp_path)],
                            cwd=REPO, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    for data_dir in out.read_text().split("\n"):
        assert not Path(data_dir).parent.exists(), f"{data_dir} left behind\n{result.stdout}"


@pytest.mark.parametrize("major", sorted({10, NPM_MAJOR, 17}))
def test_streaming_standby(pg_server_factory, major):
    """10 (recovery.conf), 12: pg_basebackup from Debian's newer client; 17: none fits -> cold copy."""
    from tests.harness.replication import start_standby_server

    primary = pg_server_factory(major=major)
    began = time.monotonic()
    standby = start_standby_server(primary)
    print(f"standby {major}: {time.monotonic() - began:.2f}s")
    with psycopg.connect(primary.conninfo(), autocommit=True) as conn:
        conn.execute("CREATE TABLE replicated AS SELECT 42 AS answer")
    deadline = time.monotonic() + 30
    with psycopg.connect(standby.conninfo(), autocommit=True) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0] is True
        while True:
            try:
                assert conn.execute("SELECT answer FROM replicated").fetchone()[0] == 42
                break
            except psycopg.errors.UndefinedTable:
                assert time.monotonic() < deadline, "standby did not catch up"
                time.sleep(0.2)
    pid = _postmaster_pid(standby)
    _assert_stopped_and_removed(standby, pid)
