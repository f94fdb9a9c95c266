"""Read-replica routing on a real primary + hot standby (tests/harness/replica.py): plain reads
outside transactions go to the standby; writes, locking reads, sequence and advisory functions,
reads inside a transaction and reads after a session-changing statement stay on the primary."""

from __future__ import annotations

import pytest
from rhosocial.activerecord.backend.impl.postgres import PostgresConnectionConfig

from tests.harness.replica import wait_for_replay

from .conftest import Api, admin_connect, make_backend, run, standby_api, where_it_ran


def test_read_replica_routing(flavour, cluster):
    """With read_replica_host set, plain reads outside transactions run on the standby;
    writes, reads inside a transaction and locking reads stay on the primary."""
    primary, standby = cluster
    api = standby_api(flavour, primary, read_replica_host=standby.host, read_replica_port=standby.port)
    row_id = 1000 if flavour == "sync" else 1001

    async def scenario():
        assert (await where_it_ran(api))["standby"] is True                      # routed read
        await api.execute("INSERT INTO replicated VALUES (%s, 'routed write')", (row_id,))
        await api.begin()
        assert (await where_it_ran(api))["standby"] is False                     # inside a transaction
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
