"""Registered types and a read replica that lags (real primary + hot standby,
tests/harness/replica.py).

The replica backend shares the primary's list of registered types. Its connect() used to
fetch every registered type again from the standby and write the answer into that list: a
standby that had not replayed the type's creation answered "no such type", and the type
was gone for the primary too (a composite read back as its text '(1,2)', even after the
standby caught up). The replica now applies the primary's infos as they are.
"""

from __future__ import annotations

from typing import NamedTuple

from rhosocial.activerecord.backend.impl.postgres import PostgresConnectionConfig
from rhosocial.activerecord.backend.impl.postgres.types import CompositeType

from tests.harness.replica import wait_for_replay

from .conftest import Api, admin_connect, make_backend, run


class Pt(NamedTuple):
    x: int
    y: int


def test_lagging_replica_keeps_the_primarys_registered_types(flavour, cluster):
    primary, standby = cluster
    type_name, table = f"rt_pt_{flavour}", f"rt_shapes_{flavour}"
    config = PostgresConnectionConfig(host=primary.host, port=primary.port, database="postgres",
                                      username=primary.user, password=primary.password, connect_timeout=3,
                                      read_replica_host=standby.host, read_replica_port=standby.port)
    api = Api(make_backend(flavour, config), flavour)
    with admin_connect(standby) as conn:
        conn.execute("SELECT pg_wal_replay_pause()")  # the standby lags from here
    try:
        with admin_connect(primary) as conn:
            conn.execute(f"CREATE TYPE {type_name} AS (x int, y int)")
            conn.execute(f"CREATE TABLE {table} (id int, p {type_name})")
            conn.execute(f"INSERT INTO {table} VALUES (1, ROW(1, 2))")

        async def on_primary():
            async with api.transaction():  # reads in a transaction stay on the primary
                return await api.rows(f"SELECT p FROM {table}")

        async def scenario():
            await api.connect()
            await api._call(api.backend.register_types, CompositeType(type_name, Pt))
            assert await on_primary() == [{"p": Pt(1, 2)}]
            # the first routed read connects the replica to the standby, which lacks the type
            row = (await api.rows("SELECT pg_is_in_recovery() AS standby"))[0]
            assert row == {"standby": True}
            assert [info is not None and info.name == type_name
                    for _spec, info in api.backend._registered_types] == [True]
            assert await on_primary() == [{"p": Pt(1, 2)}]
            # replay catches up: routed reads of the composite load it (same oid as the primary)
            with admin_connect(standby) as conn:
                conn.execute("SELECT pg_wal_replay_resume()")
            wait_for_replay(primary, standby)
            assert await api.rows(f"SELECT p, pg_is_in_recovery() AS standby FROM {table}") == [
                {"p": Pt(1, 2), "standby": True}]
            # and a reconnection of both keeps it
            await api.disconnect()
            await api.connect()
            assert await on_primary() == [{"p": Pt(1, 2)}]

        run(scenario(), api)
    finally:
        with admin_connect(standby) as conn:
            conn.execute("SELECT pg_wal_replay_resume()")
        with admin_connect(primary) as conn:
            conn.execute(f"DROP TABLE IF EXISTS {table}")
            conn.execute(f"DROP TYPE IF EXISTS {type_name}")
        wait_for_replay(primary, standby)
