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
from tests.harness.replica import start_primary_and_standby, wait_for_replay

from .conftest import Api, admin_connect, make_backend, run, start_local_or_skip


@pytest.fixture(scope="module")
def cluster():
    from tests.harness.errors import ProvisioningError

    try:
        primary, standby = start_primary_and_standby()
    except ProvisioningError as exc:
        environment_skip(f"needs local PostgreSQL binaries for a primary and a standby: {exc}")
    with admin_connect(primary) as conn:
        conn.execute("CREATE TABLE replicated (id int PRIMARY KEY, v text)")
        conn.execute("INSERT INTO replicated VALUES (1, 'from primary')")
    wait_for_replay(primary, standby)
    yield primary, standby
    standby.stop()
    primary.stop()


def _api(flavour, server, **kwargs) -> Api:
    base = dict(host=server.host, port=server.port, database="postgres", username=server.user,
                password=server.password, connect_timeout=3)
    base.update(kwargs)
    return Api(make_backend(flavour, PostgresConnectionConfig(**base)), flavour)


async def _where(api: Api) -> dict:
    return (await api.rows("SELECT pg_is_in_recovery() AS standby, inet_server_port() AS port"))[0]


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
    api = _api(flavour, primary, host=",".join(s.host for s in hosts), port=",".join(str(s.port) for s in hosts),
               target_session_attrs=attrs)

    async def body():
        where = await _where(api)
        assert where["standby"] is (expect == "standby")
        assert where["port"] == servers[expect].port
        await api.disconnect()

    run(body())


def test_multi_host_skips_a_dead_host(flavour, cluster):
    primary, _standby = cluster
    dead = free_port()
    api = _api(flavour, primary, host="127.0.0.1,127.0.0.1", port=[dead, primary.port],
               target_session_attrs="read-write")

    async def body():
        assert (await _where(api))["port"] == primary.port
        await api.disconnect()
        nobody = _api(flavour, primary, host="127.0.0.1", port=dead)
        with pytest.raises(ConnectionError) as info:
            await nobody.connect()
        assert str(dead) in str(info.value)

    run(body())


def test_no_host_matches_target_session_attrs(flavour, cluster):
    _primary, standby = cluster
    api = _api(flavour, standby, target_session_attrs="read-write")

    async def body():
        with pytest.raises(ConnectionError) as info:
            await api.connect()
        assert "read-only" in str(info.value) or "read-write" in str(info.value)

    run(body())


def test_writes_on_standby_fail_clearly(flavour, cluster):
    primary, standby = cluster
    api = _api(flavour, standby)

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
    api = _api(flavour, primary)

    async def body():
        with pytest.raises(ReadOnlyTransactionError):
            async with api.transaction(mode=TransactionMode.READ_ONLY):
                await api.execute("INSERT INTO replicated VALUES (3, 'ro')")
        assert await api.value("SELECT count(*) FROM replicated WHERE id = 3") == 0
        await api.disconnect()

    run(body())


def test_replication_is_visible_on_standby(flavour, cluster):
    primary, standby = cluster
    writer = _api(flavour, primary)
    reader = _api(flavour, standby)

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


def test_read_replica_routing(flavour, cluster):
    """With read_replica_host set, plain reads outside transactions run on the standby;
    writes, reads inside a transaction and locking reads stay on the primary."""
    primary, standby = cluster
    api = _api(flavour, primary, read_replica_host=standby.host, read_replica_port=standby.port)
    row_id = 1000 if flavour == "sync" else 1001

    async def scenario():
        assert (await _where(api))["standby"] is True                      # routed read
        await api.execute("INSERT INTO replicated VALUES (%s, 'routed write')", (row_id,))
        await api.begin()
        assert (await _where(api))["standby"] is False                     # inside a transaction
        await api.commit()
        rows = await api.rows("SELECT pg_is_in_recovery() AS standby FROM replicated WHERE id = 1 FOR UPDATE")
        assert rows == [{"standby": False}]                                # row locks: primary
        wait_for_replay(primary, standby)
        assert await api.value("SELECT v FROM replicated WHERE id = %s", (row_id,)) == "routed write"
        await api.execute("DELETE FROM replicated WHERE id = %s", (row_id,))

    run(scenario(), api)


# -- what read-replica routing keeps on the primary (review: writes and session state) ----------

def _replica_api(flavour, cluster, logger=None, **kwargs) -> Api:
    primary, standby = cluster
    config = PostgresConnectionConfig(host=primary.host, port=primary.port, database="postgres",
                                      username=primary.user, password=primary.password, connect_timeout=3,
                                      read_replica_host=standby.host, read_replica_port=standby.port, **kwargs)
    return Api(make_backend(flavour, config, logger), flavour)


async def _on_standby(api: Api, sql: str = "SELECT pg_is_in_recovery() AS standby, inet_server_port() AS port"):
    """Where fetch_one ran: True on the standby, False on the primary."""
    row = await api._call(api.backend.fetch_one, sql)
    return row["standby"]


@pytest.fixture(scope="module")
def routing_tables(cluster):
    primary, standby = cluster
    with admin_connect(primary) as conn:
        conn.execute("CREATE SEQUENCE rr_seq")
        conn.execute("CREATE TABLE rr_t (id serial PRIMARY KEY, v text)")
        conn.execute("INSERT INTO rr_t (v) VALUES ('public row')")
        conn.execute("CREATE SCHEMA rr_tenant")
        conn.execute("CREATE TABLE rr_tenant.rr_t (id int, v text)")
        conn.execute("INSERT INTO rr_tenant.rr_t VALUES (1, 'tenant row')")
    wait_for_replay(primary, standby)
    return cluster


def test_read_replica_plain_selects_go_to_the_standby(flavour, routing_tables):
    _primary, standby = routing_tables
    api = _replica_api(flavour, routing_tables)

    async def scenario():
        row = await api._call(api.backend.fetch_one,
                              "SELECT pg_is_in_recovery() AS standby, inet_server_port() AS port")
        assert row == {"standby": True, "port": standby.port}
        for sql in ("SELECT pg_is_in_recovery() AS standby FROM rr_t WHERE v <> 'INSERT INTO x; nextval()'",
                    "/* c */ (SELECT pg_is_in_recovery() AS standby)",
                    "WITH x AS (SELECT pg_is_in_recovery() AS standby) SELECT * FROM x",
                    "VALUES (pg_is_in_recovery())"):
            rows = await api._call(api.backend.fetch_all, sql)
            assert rows and all(next(iter(r.values())) is True for r in rows), sql

    run(scenario(), api)


# (statement, check of its result) run through fetch_one/fetch_all: each wrote or locked on the
# standby (ReadOnlyTransactionError, 25006) before the fix
_PRIMARY_ONLY_READS = {
    "insert_returning": "INSERT INTO rr_t (v) VALUES ('w {suffix}') RETURNING pg_is_in_recovery() AS standby",
    "nextval": "SELECT nextval('rr_seq') > 0 AS ok, pg_is_in_recovery() AS standby",
    "delete_cte": "WITH d AS (DELETE FROM rr_t WHERE v = 'w {suffix}' RETURNING id) "
                  "SELECT count(*) AS n, pg_is_in_recovery() AS standby FROM d",
    "select_into": "SELECT pg_is_in_recovery() AS standby INTO rr_into_{suffix}",
    "for_key_share": "SELECT pg_is_in_recovery() AS standby FROM rr_t WHERE id = 1 FOR KEY SHARE",
    "advisory_lock": "SELECT pg_try_advisory_xact_lock(42) AS locked, pg_is_in_recovery() AS standby",
}


@pytest.mark.parametrize("case", list(_PRIMARY_ONLY_READS))
@pytest.mark.parametrize("pooled", [False, True], ids=["session", "pool"])
def test_read_replica_keeps_writes_on_the_primary(flavour, routing_tables, pooled, case):
    """fetch_one of a statement that writes (RETURNING, a sequence, a data-modifying CTE,
    SELECT INTO) or locks runs on the primary; plain reads keep going to the standby."""
    api = _replica_api(flavour, routing_tables, **({"pool_max_size": 2} if pooled else {}))
    suffix = f"{flavour}_{int(pooled)}"

    async def scenario():
        sql = _PRIMARY_ONLY_READS[case].format(suffix=suffix)
        if case == "select_into":
            await api._call(api.backend.fetch_all, sql)
            with admin_connect(routing_tables[0]) as conn:  # the table was created on the primary
                assert conn.execute(f"SELECT standby FROM rr_into_{suffix}").fetchall() == [(False,)]
                conn.execute(f"DROP TABLE rr_into_{suffix}")
        else:
            assert await _on_standby(api, sql) is False
        assert await _on_standby(api) is True  # still routing plain reads

    run(scenario(), api)
    with admin_connect(routing_tables[0]) as conn:
        conn.execute("DELETE FROM rr_t WHERE id > 1")


def test_read_replica_session_sequence_functions(flavour, routing_tables):
    """currval()/lastval() read this session's sequence state: only the primary's session has it."""
    api = _replica_api(flavour, routing_tables)

    async def scenario():
        nextval = (await api._call(api.backend.fetch_one, "SELECT nextval('rr_seq') AS n"))["n"]
        row = await api._call(api.backend.fetch_one, "SELECT currval('rr_seq') AS c, lastval() AS l")
        assert row == {"c": nextval, "l": nextval}

    run(scenario(), api)


def _keep_records(name: str):
    import logging

    records: list = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    logger = logging.getLogger(name)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.handlers[:] = [Keep()]
    return logger, records


def test_read_replica_uses_the_primarys_logger(flavour, routing_tables):
    logger, records = _keep_records(f"rhosocial.reliability.replica.logger.{flavour}")
    api = _replica_api(flavour, routing_tables, logger=logger)

    async def scenario():
        assert await _on_standby(api, "SELECT pg_is_in_recovery() AS standby, 'rr logged' AS tag") is True
        assert api.backend._read_replica.logger is logger
        assert any("rr logged" in r.getMessage() for r in records)  # the replica's DEBUG statement log

    run(scenario(), api)


def test_read_replica_off_after_set_search_path(flavour, routing_tables):
    """After SET search_path a (non-pooled) backend reads on the primary: the standby's session
    would silently read public.rr_t."""
    api = _replica_api(flavour, routing_tables)

    async def scenario():
        assert await _on_standby(api) is True
        await api.execute("SET search_path TO rr_tenant, public")
        assert (await api._call(api.backend.fetch_all, "SELECT v FROM rr_t")) == [{"v": "tenant row"}]
        assert await _on_standby(api) is False

    run(scenario(), api)


def test_read_replica_off_after_create_temp_table(flavour, routing_tables):
    api = _replica_api(flavour, routing_tables)

    async def scenario():
        assert await _on_standby(api) is True
        await api.execute("CREATE TEMP TABLE rr_tmp AS SELECT 1 AS x")
        assert (await api._call(api.backend.fetch_all, "SELECT * FROM rr_tmp")) == [{"x": 1}]

    run(scenario(), api)


def test_read_replica_routing_resumes_after_disconnect(flavour, routing_tables):
    """Routing stops once (one INFO line) and starts again with a new session; disconnect()
    closes the replica's session too; SET LOCAL (one transaction) does not stop it."""
    import logging

    logger, records = _keep_records(f"rhosocial.reliability.replica.resume.{flavour}")
    api = _replica_api(flavour, routing_tables, logger=logger)

    async def scenario():
        assert await _on_standby(api) is True
        await api.execute("SET search_path TO rr_tenant, public")
        await api.execute("SET statement_timeout = 0")
        assert await _on_standby(api) is False
        notes = [r for r in records if r.levelno == logging.INFO and "Read replica routing is off" in r.getMessage()]
        assert len(notes) == 1
        replica = api.backend._read_replica
        await api.disconnect()
        assert replica._connection is None                                     # the replica is closed too
        assert await _on_standby(api) is True                                  # a new session: routed again
        assert (await api._call(api.backend.fetch_all, "SELECT v FROM rr_t WHERE id = 1")) == [{"v": "public row"}]
        await api.execute("SET LOCAL statement_timeout = 0")                   # transaction-scoped: no effect
        assert await _on_standby(api) is True

    run(scenario(), api)


def test_read_replica_manual_begin_stays_on_the_primary(flavour, routing_tables):
    api = _replica_api(flavour, routing_tables)

    async def scenario():
        await api.execute("BEGIN")
        assert await _on_standby(api) is False
        await api.execute("ROLLBACK")
        assert await _on_standby(api) is True

    run(scenario(), api)
