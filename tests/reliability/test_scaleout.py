"""Scale-out: a real primary + streaming standby (tests/harness/replica.py), multi-host
connection strings with target_session_attrs, writes on the standby, and PgBouncer in
transaction pooling mode (tests/harness/pgbouncer.py)."""

from __future__ import annotations

import pytest
from rhosocial.activerecord.backend.errors import ConnectionError, QueryError
from rhosocial.activerecord.backend.impl.postgres import PostgresConnectionConfig
from rhosocial.activerecord.backend.impl.postgres.errors import ReadOnlyTransactionError
from rhosocial.activerecord.backend.transaction import TransactionMode

from tests.gates import environment_gate, environment_skip
from tests.harness.local import free_port
from tests.harness.pgbouncer import pgbouncer_binary, start_pgbouncer
from tests.harness.replica import wait_for_replay

from .conftest import Api, admin_connect, make_backend, run, standby_api, start_local_or_skip, where_it_ran


@pytest.mark.parametrize("attrs,order,expect", [
    ("read-write", "standby,primary", "primary"),
    ("primary", "standby,primary", "primary"),
    ("read-only", "primary,standby", "standby"),
    ("standby", "primary,standby", "standby"),
    ("prefer-standby", "primary,standby", "standby"),
    ("any", "standby,primary", "standby"),
])
def test_multi_host_target_session_attrs(flavour, cluster, attrs, order, expect):
    primary, standby = cluster
    servers = {"primary": primary, "standby": standby}
    hosts = [servers[name] for name in order.split(",")]
    api = standby_api(flavour, primary, host=",".join(s.host for s in hosts), port=",".join(str(s.port) for s in hosts),
               target_session_attrs=attrs)

    async def body():
        where = await where_it_ran(api)
        assert where["standby"] is (expect == "standby")
        assert where["port"] == servers[expect].port
        await api.disconnect()

    run(body())


def test_multi_host_skips_a_dead_host(flavour, cluster):
    primary, _standby = cluster
    dead = free_port()
    api = standby_api(flavour, primary, host="127.0.0.1,127.0.0.1", port=[dead, primary.port],
               target_session_attrs="read-write")

    async def body():
        assert (await where_it_ran(api))["port"] == primary.port
        await api.disconnect()
        nobody = standby_api(flavour, primary, host="127.0.0.1", port=dead)
        with pytest.raises(ConnectionError) as info:
            await nobody.connect()
        assert str(dead) in str(info.value)

    run(body())


def test_no_host_matches_target_session_attrs(flavour, cluster):
    _primary, standby = cluster
    api = standby_api(flavour, standby, target_session_attrs="read-write")

    async def body():
        with pytest.raises(ConnectionError) as info:
            await api.connect()
        assert "read-only" in str(info.value) or "read-write" in str(info.value)

    run(body())


def test_writes_on_standby_fail_clearly(flavour, cluster):
    primary, standby = cluster
    api = standby_api(flavour, standby)

    async def body():
        assert (await api.rows("SELECT v FROM replicated WHERE id = 1")) == [{"v": "from primary"}]
        with pytest.raises(ReadOnlyTransactionError) as info:
            await api.execute("INSERT INTO replicated VALUES (2, 'on standby')")
        assert info.value.sqlstate == "25006"
        with pytest.raises(ReadOnlyTransactionError):
            async with api.transaction():
                await api.execute("UPDATE replicated SET v = 'x' WHERE id = 1")
        assert not api.backend.in_transaction
        with pytest.raises(ReadOnlyTransactionError):
            await api.execute("CREATE TABLE nope (id int)")
        await api.disconnect()

    run(body())
    with admin_connect(primary) as conn:
        assert conn.execute("SELECT count(*) FROM replicated").fetchone()[0] == 1


def test_read_only_transaction_on_primary_fails_with_25006(flavour, cluster):
    primary, _standby = cluster
    api = standby_api(flavour, primary)

    async def body():
        with pytest.raises(ReadOnlyTransactionError):
            async with api.transaction(mode=TransactionMode.READ_ONLY):
                await api.execute("INSERT INTO replicated VALUES (3, 'ro')")
        assert await api.value("SELECT count(*) FROM replicated WHERE id = 3") == 0
        await api.disconnect()

    run(body())


def test_replication_is_visible_on_standby(flavour, cluster):
    primary, standby = cluster
    writer = standby_api(flavour, primary)
    reader = standby_api(flavour, standby)

    async def body():
        await writer.execute("INSERT INTO replicated VALUES (%s, %s) ON CONFLICT (id) DO UPDATE SET v = excluded.v",
                             (10, f"written by {flavour}"))
        wait_for_replay(primary, standby)
        assert await reader.value("SELECT v FROM replicated WHERE id = 10") == f"written by {flavour}"
        await writer.disconnect()
        await reader.disconnect()

    run(body())


# -- PgBouncer (transaction pooling) -------------------------------------------------------

needs_pgbouncer = pytest.mark.usefixtures("pgbouncer_installed")


@pytest.fixture
def pgbouncer_installed():
    """Skips without pgbouncer (fails under RHOSOCIAL_REQUIRE_ALL=1)."""
    environment_gate(None if pgbouncer_binary() else "pgbouncer not installed (apt-get install pgbouncer)")


@pytest.fixture(scope="module")
def bouncer(pg_server_factory):
    if not pgbouncer_binary():
        environment_skip("pgbouncer not installed (apt-get install pgbouncer)")
    server = start_local_or_skip(pg_server_factory, extra_conf={"log_min_messages": "warning"})
    with admin_connect(server) as conn:
        conn.execute("CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, qty int NOT NULL)")
    proxy = start_pgbouncer(server, pool_mode="transaction", default_pool_size=2)
    yield server, proxy
    proxy.stop()


def _bouncer_api(flavour, proxy, **kwargs) -> Api:
    config = PostgresConnectionConfig(**proxy.conn_kwargs("postgres"), connect_timeout=5, **kwargs)
    return Api(make_backend(flavour, config), flavour)


async def _switching_workload(a: Api, b: Api, rounds: int = 12) -> None:
    """Same statements over and over (psycopg prepares after prepare_threshold uses) while
    ``b`` holds a transaction open: pgbouncer must then serve ``a`` from another server
    connection than the one where a statement may have been prepared."""
    for i in range(rounds):
        await a.execute("INSERT INTO items (name, qty) VALUES (%s, %s)", (f"item{i}", i))
        assert await a.value("SELECT qty FROM items WHERE name = %s", (f"item{i}",)) == i
        if i == 6:
            await b.begin()
            await b.execute("SELECT count(*) FROM items")  # pins a server connection to b
    await b.rollback()


@needs_pgbouncer
def test_pgbouncer_transaction_mode_crud_with_prepare_threshold_none(flavour, bouncer):
    server, proxy = bouncer
    a = _bouncer_api(flavour, proxy, prepare_threshold=None)
    b = _bouncer_api(flavour, proxy, prepare_threshold=None)

    async def body():
        await a.execute("DELETE FROM items")
        await _switching_workload(a, b)
        async with a.transaction():
            await a.execute("UPDATE items SET qty = qty + 100 WHERE name = %s", ("item1",))
            assert await a.value("SELECT qty FROM items WHERE name = %s", ("item1",)) == 101
        with pytest.raises(RuntimeError):
            async with a.transaction():
                await a.execute("DELETE FROM items")
                raise RuntimeError("roll back")
        await a.execute("DELETE FROM items WHERE name = %s", ("item0",))
        rows = await a.rows("SELECT name, qty FROM items ORDER BY id")
        assert [r["name"] for r in rows] == [f"item{i}" for i in range(1, 12)]
        assert rows[0]["qty"] == 101
        await a.disconnect()
        await b.disconnect()

    run(body())


@needs_pgbouncer
def test_pgbouncer_transaction_mode_fails_with_server_side_prepares(flavour, bouncer):
    """What breaks without prepare_threshold=None (PgBouncer < 1.21 has no prepared-statement
    support): a statement prepared on one server connection is executed on another."""
    server, proxy = bouncer
    a = _bouncer_api(flavour, proxy)  # default prepare_threshold (5)
    b = _bouncer_api(flavour, proxy)
    assert a.backend.config.prepare_threshold == 5

    async def body():
        await a.execute("DELETE FROM items")
        with pytest.raises(QueryError) as info:
            await _switching_workload(a, b)
        if b.backend.in_transaction:
            await b.rollback()
        await a.disconnect()
        await b.disconnect()
        return info.value

    error = run(body())
    assert error.sqlstate in ("26000", "42P05"), (error.sqlstate, str(error))
    assert "prepared statement" in str(error)


@needs_pgbouncer
def test_pgbouncer_rejects_startup_server_settings_clearly(flavour, bouncer):
    """Server settings travel in the libpq ``options`` startup parameter, which PgBouncer
    refuses unless told to ignore it (and then they would silently not apply)."""
    server, proxy = bouncer
    api = _bouncer_api(flavour, proxy, prepare_threshold=None, statement_timeout="5s")

    async def body():
        with pytest.raises(ConnectionError) as info:
            await api.connect()
        assert "options" in str(info.value)
        assert proxy.password not in str(info.value)

    run(body())
